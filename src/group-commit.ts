/**
 * Group commit on the one writing connection. Operations submitted during one turn of the event loop
 * run one after another in a single BEGIN IMMEDIATE transaction, each inside its own savepoint (so a
 * refused operation rolls back only itself), and their promises settle after the one COMMIT. With
 * synchronous=FULL a commit is an fsync, so under load this turns one fsync per write into one per
 * batch without weakening durability: no caller hears "done" before its change is on disk.
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
}

interface Pending {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export function createGroupCommit(db: Database.Database): GroupCommit {
  let pending: Pending[] = [];

  function flush() {
    const batch = pending;
    pending = [];
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
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
      return;
    }
    batch.forEach((op, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) op.resolve(outcome.value);
      else op.reject(outcome.error);
    });
  }

  return {
    submit<T>(operation: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        pending.push({ run: operation, resolve: resolve as (value: unknown) => void, reject });
        if (pending.length === 1) setImmediate(flush);
      });
    },
  };
}
