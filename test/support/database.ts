/**
 * Reading a market's database from a test, on whichever engine it runs (SQLite or PostgreSQL): the ledger audit,
 * and plain SQL through the market's own engine. Rows read here come back as the SQLite connection gives them
 * (integers as BigInt, booleans as 0n/1n), so that one assertion holds on both engines.
 */
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { sqliteFilePath } from '../../src/db.js';
import { createPostgresPool, isPostgresUrl } from '../../src/db-postgres.js';
import { createGroupCommit } from '../../src/group-commit.js';
import { auditLedgerOn } from '../../src/ledger-invariants.js';
import { createPostgresEngine } from '../../src/sql/postgres.js';
import { createSqliteEngine } from '../../src/sql/sqlite.js';
import { sql, type Params, type Row, type SqlEngine, type SqlText, type Statement } from '../../src/sql/statement.js';

/** A market, or services, or anything else that runs its statements on an engine. */
export interface OnEngine {
  sql: SqlEngine;
}

/** Every money rule of src/ledger-invariants.ts holds in the stored rows. */
export async function expectLedgerSound(target: OnEngine, message?: string): Promise<void> {
  expect(await auditLedgerOn(target.sql), message).toEqual([]);
}

// One statement per text, as the engines prepare (and cache) a statement per Statement object.
const statements = new Map<string, Statement>();
function statementOf(text: SqlText): Statement {
  const key = typeof text === 'string' ? text : JSON.stringify(text);
  let statement = statements.get(key);
  if (!statement) statements.set(key, (statement = sql(text)));
  return statement;
}

/** A PostgreSQL value as SQLite's safe integers give it: int4 columns and booleans as BigInt. */
function asSqlite(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1n : 0n;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  return value;
}

function rowAsSqlite(engine: SqlEngine, row: Row): Row {
  if (engine.dialect === 'sqlite') return row;
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, asSqlite(v)]));
}

/** Every row `text` (SQLite's syntax, or `{ sqlite, postgres }`) reads. */
export async function queryRows<R = Row>(target: OnEngine, text: SqlText, params: Params = []): Promise<R[]> {
  const statement = statementOf(text);
  const rows = await target.sql.read(() => statement.all(params));
  return rows.map((row) => rowAsSqlite(target.sql, row) as R);
}

/** The first column of every row. */
export async function queryValues<T = unknown>(target: OnEngine, text: SqlText, params: Params = []): Promise<T[]> {
  return (await queryRows(target, text, params)).map((row) => Object.values(row)[0] as T);
}

/** The first column of the first row, or undefined when there is none. */
export async function queryValue<T = unknown>(
  target: OnEngine,
  text: SqlText,
  params: Params = [],
): Promise<T | undefined> {
  const [row] = await queryRows(target, text, params);
  return row === undefined ? undefined : (Object.values(row)[0] as T);
}

/** Runs a statement that changes rows (a test tampering with the stored data); the number of rows changed. */
export function execute(target: OnEngine, text: SqlText, params: Params = []): Promise<number> {
  const statement = statementOf(text);
  return target.sql.write(() => statement.run(params));
}

/**
 * Runs one statement on the database `databaseUrl` names (a SQLite file or PostgreSQL) before any market has
 * opened it, on a connection of its own that is closed again.
 */
export async function executeOn(databaseUrl: string, text: SqlText, params: Params = []): Promise<number> {
  if (isPostgresUrl(databaseUrl)) {
    const pool = createPostgresPool(databaseUrl);
    try {
      return await execute({ sql: createPostgresEngine(pool) }, text, params);
    } finally {
      await pool.end();
    }
  }
  const db = new Database(sqliteFilePath(databaseUrl));
  try {
    db.defaultSafeIntegers(true);
    return await execute({ sql: createSqliteEngine(db, createGroupCommit(db)) }, text, params);
  } finally {
    db.close();
  }
}
