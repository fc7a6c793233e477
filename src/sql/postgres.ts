/**
 * The PostgreSQL engine: units of work on a node-postgres pool, an await per statement. A write is one short
 * transaction of its own at READ COMMITTED on a pooled connection: its guarded statements (`WHERE status =
 * 'locked'`, `WHERE available_urtc >= …`) wait for a row another transaction holds and then judge the row as
 * committed, and the rows a write reads to decide are locked as it reads them (statements marked `forUpdate`), so
 * a decision holds until COMMIT, as in SQLite's single writer. Several instances may race on one row: one wins,
 * the others read its result.
 *
 * Two kinds of failure are retried by running the whole unit of work again from the start (it depends only on
 * what it reads): a deadlock (two transactions locking the same rows in opposite orders) and a unique key taken
 * by a transaction that committed first (two locks of one job id, two uses of one nonce): the second attempt
 * reads the winner's row and answers as SQLite would have (a replay, NONCE_REUSED). A COMMIT that returns has
 * been flushed to the WAL (synchronous_commit on, PostgreSQL's default), so nobody hears "done" before it is durable.
 *
 * Statements are named prepared statements: each pooled connection parses and plans one once.
 */
import pg from 'pg';
import {
  postgresValues,
  skipped,
  toPostgresPlaceholders,
  type PostgresText,
  type SqlEngine,
  type Statement,
  type Step,
  type Work,
} from './statement.js';

/** SQLSTATEs after which the whole unit of work runs again. */
const RETRYABLE = new Set([
  '40P01', // deadlock_detected
  '40001', // serialization_failure
  '23505', // unique_violation: the key was taken by a transaction that committed after this one read
]);
const MAX_ATTEMPTS = 8;

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Type parsers matching SQLite's safe integers: int8 (money, counts) as BigInt, and an integral numeric (what
 * SUM of int8 gives) as BigInt too; a fractional numeric (an average) as a number, as SQLite gives a REAL.
 */
export const postgresTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === INT8_OID) return (text: string) => BigInt(text);
    if (oid === NUMERIC_OID) return (text: string) => (/^-?\d+$/.test(text) ? BigInt(text) : Number(text));
    return pg.types.getTypeParser(oid, format as never);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

interface Compiled {
  read: PostgresText & { name: string };
  write: PostgresText & { name: string };
}

export interface PostgresEngine extends SqlEngine {
  readonly dialect: 'postgres';
  readonly pool: pg.Pool;
}

export function createPostgresEngine(pool: pg.Pool): PostgresEngine {
  const compiled = new Map<Statement, Compiled>();

  function compile(statement: Statement): Compiled {
    let c = compiled.get(statement);
    if (!c) {
      const base = toPostgresPlaceholders(statement.textFor('postgres'));
      const id = compiled.size;
      const read = { ...base, name: `grp_${id}` };
      c = {
        read,
        write: statement.options.forUpdate ? { ...base, text: `${base.text} FOR UPDATE`, name: `grp_${id}_w` } : read,
      };
      compiled.set(statement, c);
    }
    return c;
  }

  async function execute(client: pg.PoolClient, step: Step, inWrite: boolean): Promise<unknown> {
    if (step.statement.options.only === 'sqlite') return skipped(step);
    const c = compile(step.statement);
    const { text, names, name } = inWrite ? c.write : c.read;
    const result = await client.query({ name, text, values: postgresValues(step.params, names) });
    switch (step.mode) {
      case 'run':
        return result.rowCount ?? 0;
      case 'get':
        return result.rows[0];
      case 'all':
        return result.rows;
      case 'insert':
        return BigInt((result.rows[0] as Record<string, bigint | number>)[step.statement.options.returningKey!]!);
    }
  }

  async function drive<T>(client: pg.PoolClient, work: Work<T>, inWrite: boolean): Promise<T> {
    let next = work.next();
    while (!next.done) {
      let result: unknown;
      try {
        result = await execute(client, next.value, inWrite);
      } catch (error) {
        next = work.throw(error);
        continue;
      }
      next = work.next(result);
    }
    return next.value;
  }

  /** Runs `body` on a pooled connection; a connection left in an unknown state is destroyed, not reused. */
  async function withClient<T>(body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      return await body(client);
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error;
      }
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async function transaction<T>(begin: string, work: () => Work<T>, inWrite: boolean): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await withClient(async (client) => {
          await client.query(begin);
          const value = await drive(client, work(), inWrite);
          await client.query('COMMIT');
          return value;
        });
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (attempt >= MAX_ATTEMPTS || typeof code !== 'string' || !RETRYABLE.has(code)) throw error;
      }
    }
  }

  return {
    dialect: 'postgres',
    pool,
    write: (work) => transaction('BEGIN', work, true),
    read: (work) => withClient((client) => drive(client, work(), false)),
    snapshot: (work) => transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', work, false),
  };
}
