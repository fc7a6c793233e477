/**
 * Opening the SQLite connection that writes, with the durability the configuration asks for (src/db.ts explains
 * WAL_SYNC): this thread's, or the writer thread's (src/workers/sqlite-writer.ts), which loads no Prisma.
 */
import { closeSync, existsSync, fdatasync, fsyncSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type WalSync = 'pool' | 'commit';

/**
 * The page size of a database file this market creates. A payment writes one row here and there in five tables and
 * about fifteen index entries, most at scattered keys (job ids, nonces, wallets), so nearly every entry dirties a
 * page of its own; the WAL takes each dirty page whole at every COMMIT and the checkpoint writes it once more. With
 * 1 KiB pages a lock and its release write 35 KiB to the WAL where SQLite's default 4 KiB pages write 89 KiB, and the
 * server spends about a fifth less CPU per pair (README, *Performance*: Smaller pages). 512 bytes measured worse: an
 * event's JSON no longer fits a page and spills into overflow pages.
 */
export const PAGE_SIZE_BYTES = 1024;

/**
 * Creates the database file (and its folder), with PAGE_SIZE_BYTES pages and in WAL mode, if it does not exist yet
 * or is empty; the migrations then create the tables in it (prisma.config.ts calls this before every `migrate
 * deploy`). An existing file keeps the page size it has: SQLite changes it only by rewriting the whole file (README,
 * *Configuration*).
 */
export function createDatabaseFile(file: string): void {
  if (file === ':memory:' || (existsSync(file) && statSync(file).size > 0)) return;
  mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file);
  try {
    sqlite.pragma(`page_size = ${PAGE_SIZE_BYTES}`); // before the first write, which fixes it in the header
    sqlite.pragma('journal_mode = WAL');
  } finally {
    sqlite.close();
  }
}

/**
 * How large the WAL may grow: past it, while the checkpointer thread runs, the writing connection checkpoints in
 * its own COMMIT so that the WAL starts over (src/workers/checkpointer.ts says why that is needed). It is also the
 * writing connection's `journal_size_limit`: a WAL file that grew larger anyway (a reader holding an old snapshot
 * for long) is cut back to this size when it next starts over, instead of keeping its largest size on disk.
 */
export const WAL_LIMIT_BYTES = 128 * 1024 * 1024;

/** How long a connection waits for another's write lock (another process's, say) before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5_000;

/**
 * The connection that writes (this thread's, or the SQLite writer thread's: src/workers/sqlite-writer.ts), with
 * the durability WAL_SYNC asks for, and with `syncWal` for `pool`.
 */
export function openWritingConnection(
  file: string,
  synchronous: 'FULL' | 'NORMAL',
  walSync: WalSync,
): { sqlite: Database.Database; syncWal: (() => Promise<void>) | null; close(): void } {
  const sqlite = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`);
  const syncOffLoop = synchronous === 'FULL' && walSync === 'pool';
  sqlite.pragma(`synchronous = ${syncOffLoop ? 'NORMAL' : synchronous}`);
  const wal = syncOffLoop ? openWalForSync(sqlite, file) : null;
  sqlite.pragma('foreign_keys = ON');
  sqlite.defaultSafeIntegers(true); // every INTEGER comes back as BigInt: no amount is ever a float
  return {
    sqlite,
    syncWal: wal?.sync ?? null,
    close() {
      sqlite.close();
      wal?.close();
    },
  };
}

/**
 * A descriptor of the WAL file for fdatasync. The file exists from the first connection in WAL mode until the
 * last one closes (SQLite truncates and rewrites it in place, never replaces it while open), so one descriptor
 * serves for the connection's life. The directory is synced once, so that the WAL's name survives a power cut.
 */
function openWalForSync(sqlite: Database.Database, file: string): { sync: () => Promise<void>; close(): void } {
  sqlite.prepare('SELECT count(*) FROM sqlite_master').get(); // a first read in WAL mode creates the WAL file
  const fd = openSync(`${file}-wal`, 'r');
  const dir = openSync(dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  let closed = false;
  return {
    sync: () =>
      new Promise<void>((resolve, reject) => {
        if (closed) return reject(new Error('the database is closed'));
        fdatasync(fd, (error) => (error ? reject(error) : resolve()));
      }),
    close() {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}
