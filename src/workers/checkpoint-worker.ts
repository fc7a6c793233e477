/**
 * The WAL checkpointer's thread (see ./checkpointer.ts): on its own connection, copies committed WAL frames
 * into the database file every `intervalMs` (PASSIVE: it never waits for, nor blocks, the writer). Its
 * fsyncs of the WAL and of the database happen here, not on the event loop that serves requests.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

export interface CheckpointSettings {
  file: string;
  intervalMs: number;
}

export function serve(): void {
  const { file, intervalMs } = workerData as CheckpointSettings;
  const db = new Database(file, { timeout: 5_000 });
  db.pragma('synchronous = FULL'); // the checkpoint syncs the WAL before it copies and the database after
  db.pragma('wal_autocheckpoint = 0');
  const timer = setInterval(() => {
    db.pragma('wal_checkpoint(PASSIVE)');
  }, intervalMs);
  parentPort!.on('message', (message: unknown) => {
    if (message !== 'close') return;
    clearInterval(timer);
    db.close();
    parentPort!.close();
  });
}
