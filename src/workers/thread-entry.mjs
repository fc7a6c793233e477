// A worker thread's first module, in plain JavaScript: it loads the TypeScript module named in workerData
// through tsx (a worker thread does not inherit the server's loader) and calls its `serve`.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const threadModule = await tsImport(workerData.entry, import.meta.url);
threadModule.serve();
