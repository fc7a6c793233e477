/**
 * WAL checkpoints beside the event loop. SQLite's automatic checkpoint runs inside the COMMIT that crosses
 * 1,000 WAL pages: on the event loop, it copies those pages into the database file and fsyncs both files,
 * a stall of milliseconds every few hundred payments. With the checkpointer (WAL_CHECKPOINT=thread), the writing
 * connection's automatic checkpoint is off and a thread checkpoints on its own connection instead.
 *
 * Should the thread die, the writing connection takes checkpoints back (automatic, as without it), so the WAL
 * never grows without bound.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { CheckpointSettings } from './checkpoint-worker.js';

/** SQLite's own automatic checkpoint threshold, in WAL pages: the fallback when the thread is gone. */
export const AUTOCHECKPOINT_PAGES = 1000;
export const CHECKPOINT_INTERVAL_MS = 200;

const THREAD_ENTRY = new URL('./thread-entry.mjs', import.meta.url);

export interface Checkpointer {
  close(): Promise<void>;
}

export function startCheckpointer(
  /** Sets the writing connection's automatic checkpoint (its `wal_autocheckpoint`, in WAL pages). */
  autocheckpoint: (pages: number) => void,
  file: string,
  log: Logger,
  intervalMs = CHECKPOINT_INTERVAL_MS,
): Checkpointer {
  autocheckpoint(0);
  const worker = new Worker(THREAD_ENTRY, {
    workerData: {
      entry: new URL('./checkpoint-worker.ts', import.meta.url).href,
      file,
      intervalMs,
    } satisfies CheckpointSettings & { entry: string },
  });
  let closing = false;
  worker.on('error', (err) => log.error({ err }, 'WAL checkpointer failed'));
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', (code) => {
      if (!closing) {
        log.error({ code }, 'WAL checkpointer exited; the writing connection checkpoints again');
        autocheckpoint(AUTOCHECKPOINT_PAGES);
      }
      resolve();
    }),
  );
  return {
    async close() {
      closing = true;
      worker.postMessage('close');
      const timer = setTimeout(() => void worker.terminate(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
