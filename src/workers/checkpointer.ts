/**
 * WAL checkpoints beside the event loop. SQLite's automatic checkpoint runs inside the COMMIT that crosses
 * 1,000 WAL pages: on the event loop, it copies those pages into the database file and fsyncs both files,
 * a stall of milliseconds every few hundred payments. With the checkpointer (WAL_CHECKPOINT=thread), a thread
 * checkpoints on its own connection instead.
 *
 * Keeping the WAL short: SQLite writes the WAL from its start again only when a write begins with every frame
 * already copied, and under steady load the writer nearly always commits while the thread copies. Left alone, the
 * WAL grew by 35 MB a second for as long as locks kept coming (1 GB after 30 s of the bench's lock phase) and kept
 * that size on disk. So the writing connection's own automatic checkpoint stays on, at WAL_LIMIT_BYTES: past it, a
 * COMMIT copies what the thread has not copied yet, nobody writes meanwhile, and the next write starts the WAL
 * over. Under saturating load that is a stall of up to about 60 ms on this 2-core machine once per WAL_LIMIT_BYTES
 * written (every 2–4 s at the bench's lock rate); at lighter load the thread's own passes find quiet moments and the
 * backstop never fires. (Asking the writer to checkpoint between transactions right after one of the thread's
 * passes measured no shorter: what is left to copy then is what was committed during the pass.)
 *
 * Should the thread die, the writing connection takes checkpoints back (automatic, as without it).
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { CheckpointSettings } from './checkpoint-worker.js';
import { WAL_LIMIT_BYTES } from '../sql/sqlite-connection.js';

/** SQLite's own automatic checkpoint threshold, in WAL pages: the fallback when the thread is gone. */
export const AUTOCHECKPOINT_PAGES = 1000;
export const CHECKPOINT_INTERVAL_MS = 200;

/** WAL_LIMIT_BYTES in WAL frames (what `wal_autocheckpoint` counts): a frame is a page and a 24-byte header. */
export function walLimitPages(pageSize: number): number {
  return Math.ceil(WAL_LIMIT_BYTES / (pageSize + 24));
}

const THREAD_ENTRY = new URL('./thread-entry.mjs', import.meta.url);

export interface Checkpointer {
  close(): Promise<void>;
}

export function startCheckpointer(
  /** Sets the writing connection's automatic checkpoint (its `wal_autocheckpoint`, in WAL pages). */
  autocheckpoint: (pages: number) => void,
  file: string,
  log: Logger,
  { intervalMs = CHECKPOINT_INTERVAL_MS, limitPages }: { intervalMs?: number; limitPages: number },
): Checkpointer {
  autocheckpoint(limitPages);
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
