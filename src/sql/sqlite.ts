/**
 * The SQLite engine: units of work driven synchronously on the one writing better-sqlite3 connection. A write is
 * one operation of the group commit (src/group-commit.ts): it runs inside the batch's BEGIN IMMEDIATE transaction,
 * in its own savepoint, start to finish without yielding the event loop, so nothing else can read or write in
 * between; its promise settles after the batch's durable COMMIT. Reads are driven the same way, outside any batch.
 */
import type Database from 'better-sqlite3';
import type { GroupCommit } from '../group-commit.js';
import { skipped, type SqlEngine, type Statement, type Step, type Work } from './statement.js';

export interface SqliteEngine extends SqlEngine {
  readonly dialect: 'sqlite';
  /** Drives `work` now, on the caller's stack: inside a group-commit operation, or for a read that must not wait. */
  now<T>(work: Work<T>): T;
}

export function createSqliteEngine(db: Database.Database, writes: GroupCommit): SqliteEngine {
  const prepared = new Map<Statement, Database.Statement>();

  function execute(step: Step): unknown {
    if (step.statement.options.only === 'postgres') return skipped(step);
    let statement = prepared.get(step.statement);
    if (!statement) {
      statement = db.prepare(step.statement.textFor('sqlite'));
      prepared.set(step.statement, statement);
    }
    const args = Array.isArray(step.params) ? step.params : [step.params];
    switch (step.mode) {
      case 'run':
        return statement.run(...args).changes;
      case 'get':
        return statement.get(...args);
      case 'all':
        return statement.all(...args);
      case 'insert':
        return BigInt(statement.run(...args).lastInsertRowid);
    }
  }

  function now<T>(work: Work<T>): T {
    let next = work.next();
    while (!next.done) {
      let result: unknown;
      try {
        result = execute(next.value);
      } catch (error) {
        next = work.throw(error);
        continue;
      }
      next = work.next(result);
    }
    return next.value;
  }

  return {
    dialect: 'sqlite',
    now,
    write: (work) => writes.submit(() => now(work())),
    // A read answers once what it may have seen is durable (src/group-commit.ts): with WAL_SYNC=pool a commit is
    // visible here before its flush.
    read: async (work) => {
      const result = now(work());
      await writes.durable();
      return result;
    },
    snapshot: async (work) => {
      const result = db.transaction(() => now(work()))(); // a read transaction: one snapshot of the WAL
      await writes.durable();
      return result;
    },
  };
}
