/**
 * The group commit with its WAL flush off the event loop (WAL_SYNC=pool, src/group-commit.ts): a commit is visible
 * before its flush, so nothing that may have seen it answers before the flush. The flush here is one the test ends
 * by hand: writes, the statement layer's reads and Prisma's reads all wait for it, and a failed flush fails them.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase, readingDurably } from '../src/db.js';
import { createGroupCommit } from '../src/group-commit.js';
import { createSqliteEngine } from '../src/sql/sqlite.js';
import { sql } from '../src/sql/statement.js';
import { freshDatabaseUrl, onPostgres } from './support/market.js';

/** A flush that finishes when the test says so. */
function manualFlush() {
  const pending: { resolve: () => void; reject: (error: Error) => void }[] = [];
  return {
    sync: () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject })),
    started: () => pending.length,
    finish: () => pending.shift()!.resolve(),
    fail: (error: Error) => pending.shift()!.reject(error),
  };
}

/** Whether `promise` has settled once the callbacks queued so far have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

function engineWithManualFlush() {
  const db = new Database(':memory:');
  db.defaultSafeIntegers(true);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)');
  const flush = manualFlush();
  const writes = createGroupCommit(db, { sync: flush.sync });
  return { engine: createSqliteEngine(db, writes), writes, flush };
}

const insert = sql('INSERT INTO t (v) VALUES (?)', { returningKey: 'id' });
const count = sql('SELECT COUNT(*) FROM t');

describe('the group commit with the flush off the event loop', () => {
  it('answers a write, and a read that could see it, only after the flush that covers it', async () => {
    const { engine, writes, flush } = engineWithManualFlush();
    expect(await settled(writes.durable())).toBe(true); // nothing committed yet

    const written = engine.write(() => insert.insert([1]));
    await new Promise((resolve) => setImmediate(resolve)); // the batch commits on the next turn
    expect(flush.started()).toBe(1);
    const read = engine.read(() => count.value<bigint>());
    const snapshot = engine.snapshot(() => count.value<bigint>());
    expect(await settled(written)).toBe(false);
    expect(await settled(read)).toBe(false);
    expect(await settled(snapshot)).toBe(false);

    flush.finish();
    expect(await written).toBe(1n);
    expect(await read).toBe(1n); // it saw the commit, and answered once it was durable
    expect(await snapshot).toBe(1n);
    expect(await settled(writes.durable())).toBe(true);
  });

  it('a read waits for a later flush when the running one began before the commit it could see', async () => {
    const { engine, flush } = engineWithManualFlush();
    const first = engine.write(() => insert.insert([1]));
    await new Promise((resolve) => setImmediate(resolve));
    const second = engine.write(() => insert.insert([2])); // commits while the first flush runs
    await new Promise((resolve) => setImmediate(resolve));
    const read = engine.read(() => count.value<bigint>());

    flush.finish(); // covers the first commit only
    await first;
    expect(await settled(second)).toBe(false);
    expect(await settled(read)).toBe(false);
    expect(flush.started()).toBe(1); // the next flush, for the second commit
    flush.finish();
    expect(await second).toBe(2n);
    expect(await read).toBe(2n);
  });

  it('a failed flush fails the writes it covered and the reads waiting for it', async () => {
    const { engine, flush } = engineWithManualFlush();
    const written = engine.write(() => insert.insert([1]));
    await new Promise((resolve) => setImmediate(resolve));
    const read = engine.read(() => count.value<bigint>());
    flush.fail(new Error('EIO'));
    await expect(written).rejects.toThrow('EIO');
    await expect(read).rejects.toThrow('EIO');
  });

  it('answers at once without a flush of its own (synchronous=FULL inside each COMMIT)', async () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)');
    const writes = createGroupCommit(db);
    await writes.submit(() => db.prepare('INSERT INTO t (v) VALUES (1)').run());
    expect(await settled(writes.durable())).toBe(true);
  });
});

describe.skipIf(onPostgres)('Prisma reading durably (SQLite)', () => {
  it('answers only once the reads it made may not be taken back', async () => {
    const handles = openDatabase(freshDatabaseUrl());
    try {
      const waiting: (() => void)[] = [];
      const prisma = readingDurably(handles.prisma, () => new Promise<void>((resolve) => waiting.push(resolve)));
      // Prisma's promises start when awaited: Promise.resolve starts them.
      const wallets = Promise.resolve(prisma.wallet.findMany());
      const raw = Promise.resolve(prisma.$queryRawUnsafe('SELECT 1 AS one')); // a raw query waits too
      while (waiting.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await settled(wallets)).toBe(false);
      expect(await settled(raw)).toBe(false);
      for (const resolve of waiting) resolve();
      expect(await wallets).toEqual([]);
      expect(await raw).toEqual([{ one: 1n }]);
    } finally {
      await handles.close();
    }
  });
});
