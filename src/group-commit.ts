/**
 * Group commit on the one writing connection. Operations submitted during one turn of the event loop
 * run one after another in a single BEGIN IMMEDIATE transaction, each inside its own savepoint (so a
 * refused operation rolls back only itself), and their promises settle after the one COMMIT. With
 * synchronous=FULL a commit is an fsync, so under load this turns one fsync per write into one per
 * batch without weakening durability: no caller hears "done" before its change is on disk.
 *
 * With a `sync` (src/db.ts gives one for a file in WAL mode), the COMMIT itself does not wait for the disk
 * (the connection runs synchronous=NORMAL) and the WAL is flushed by `sync` off the event loop, on libuv's
 * thread pool: the loop parses, verifies and runs the next batch while the disk works. Promises still
 * settle only after a flush that began after their COMMIT, so every answer follows a durable commit; one
 * flush is in flight at a time and covers every batch committed before it began.
 *
 * A batch holds at most `maxOps` operations (the rest wait for the next turn), so that one turn of the loop
 * does a bounded amount of work however many requests are queued, and latency stays flat under load.
 *
 * Every write of the application goes through here (money in src/ledger.ts, attestations in
 * src/attestation/store.ts). Prisma, on its own connection, only reads: an interactive Prisma
 * transaction holds SQLite's write lock across awaits, and a synchronous writer waiting for that lock
 * would block the very event loop the Prisma transaction needs to finish.
 */
import type Database from 'better-sqlite3';

export interface GroupCommit {
  /** Runs the synchronous `operation` atomically and resolves once its writes are committed. */
  submit<T>(operation: () => T): Promise<T>;
  /**
   * Resolves once every COMMIT made before the call is on disk: what a read waits for before it answers, since with
   * a `sync` a commit is visible (to this connection and to Prisma's) before its flush. At once without a `sync`.
   */
  durable(): Promise<void>;
}

export interface GroupCommitOptions {
  /** Makes every COMMIT before it durable; without it the COMMIT is (synchronous=FULL does the fsync). */
  sync?: () => Promise<void>;
  /** Operations per transaction at most. */
  maxOps?: number;
  /**
   * Told, with `sync`, the number of COMMITs begun before each is made (so that whoever reads the database from
   * another thread, and loads this count after its read, covers every commit it could have seen) and the number a
   * finished flush covered: how the SQLite writer thread's readers know what is durable (src/sql/sqlite-thread.ts).
   */
  progress?: { committing(count: number): void; flushed(count: number): void; flushFailed(error: unknown): void };
}

/** Enough to amortise a commit, small enough that one batch stays around a few milliseconds of work. */
export const GROUP_COMMIT_MAX_OPS_DEFAULT = 128;

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export function createGroupCommit(db: Database.Database, options: GroupCommitOptions = {}): GroupCommit {
  const { sync, maxOps = GROUP_COMMIT_MAX_OPS_DEFAULT, progress } = options;
  let pending: Pending[] = [];
  let scheduled = false;
  /** Committed batches waiting for the next flush, and whether a flush is running. */
  let unsynced: { batch: Pending[]; outcomes: Outcome[] }[] = [];
  let syncing = false;
  /** COMMITs made, and how many of them a finished flush covered; readers waiting for a count to be covered. */
  let committed = 0;
  let flushed = 0;
  let readers: { through: number; resolve: () => void; reject: (error: unknown) => void }[] = [];

  function wakeReaders(error?: unknown) {
    const waiting = readers;
    readers = [];
    for (const r of waiting) {
      if (error !== undefined) r.reject(error);
      else if (r.through <= flushed) r.resolve();
      else readers.push(r);
    }
  }

  function settle(batch: Pending[], outcomes: Outcome[]) {
    batch.forEach((op, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) op.resolve(outcome.value);
      else op.reject(outcome.error);
    });
  }

  function startSync() {
    if (syncing || unsynced.length === 0) return;
    syncing = true;
    const covered = unsynced;
    const through = committed;
    unsynced = [];
    sync!().then(
      () => {
        syncing = false;
        flushed = through;
        progress?.flushed(flushed);
        for (const { batch, outcomes } of covered) settle(batch, outcomes);
        wakeReaders();
        startSync();
      },
      (error: unknown) => {
        // Committed but maybe not on disk: nobody is told "done"; a retry finds the change if it survived.
        syncing = false;
        for (const { batch } of covered) for (const op of batch) op.reject(error);
        progress?.flushFailed(error);
        wakeReaders(error);
        startSync();
      },
    );
  }

  function flush() {
    scheduled = false;
    const batch = pending.length > maxOps ? pending.splice(0, maxOps) : pending;
    if (batch === pending) pending = [];
    if (pending.length > 0) schedule(); // the rest in the next turn, after I/O callbacks have had theirs
    const outcomes: Outcome[] = [];
    if (sync) {
      committed += 1; // counted before the COMMIT: a reader that sees it loads a count that covers it
      progress?.committing(committed);
    }
    try {
      db.transaction(() => {
        for (const op of batch) {
          try {
            outcomes.push({ ok: true, value: db.transaction(op.run)() }); // nested: a savepoint
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      }).immediate();
    } catch (error) {
      for (const op of batch) op.reject(error); // the COMMIT itself failed: nothing happened
      if (sync) {
        unsynced.push({ batch: [], outcomes: [] }); // still counted: the next flush covers it, so no reader waits forever
        startSync();
      }
      return;
    }
    if (!sync) {
      settle(batch, outcomes);
      return;
    }
    unsynced.push({ batch, outcomes });
    startSync();
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  }

  return {
    durable(): Promise<void> {
      if (flushed >= committed) return Promise.resolve();
      const through = committed;
      return new Promise<void>((resolve, reject) => readers.push({ through, resolve, reject }));
    },
    submit<T>(operation: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        pending.push({ run: operation, resolve: resolve as (value: unknown) => void, reject });
        schedule();
      });
    },
  };
}
