/**
 * The two engines that drive units of work (src/sql): SQLite's placeholders turned into PostgreSQL's, statements
 * meant for one engine skipped by the other, and on PostgreSQL the retries that make a check-then-insert race and
 * a deadlock answer as SQLite's single writer would, and the snapshot a multi-statement read sees.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGroupCommit } from '../src/group-commit.js';
import { createSqliteEngine } from '../src/sql/sqlite.js';
import { observed, postgresValues, sql, toPostgresPlaceholders, type Step, type Work } from '../src/sql/statement.js';
import { openTestPostgresEngines, type TestPostgresEngines } from './support/postgres-engine.js';
import { testPostgresServer } from './support/postgres.js';

describe('placeholders', () => {
  it('numbers ? in order and names @name once however often it is used', () => {
    expect(toPostgresPlaceholders('SELECT * FROM t WHERE a = ? AND b > ?')).toEqual({
      text: 'SELECT * FROM t WHERE a = $1 AND b > $2',
      names: null,
    });
    expect(toPostgresPlaceholders('UPDATE t SET a = a - @amount WHERE id = @id AND a >= @amount')).toEqual({
      text: 'UPDATE t SET a = a - $1 WHERE id = $2 AND a >= $1',
      names: ['amount', 'id'],
    });
  });

  it('leaves quoted strings, quoted identifiers and comments alone', () => {
    const text = `SELECT 'what? @no', "col?@x", 'it''s ?' -- a comment? @none\nFROM t WHERE a = ?`;
    expect(toPostgresPlaceholders(text).text).toBe(
      `SELECT 'what? @no', "col?@x", 'it''s ?' -- a comment? @none\nFROM t WHERE a = $1`,
    );
  });

  it('refuses a statement that mixes both kinds, and an unterminated string', () => {
    expect(() => toPostgresPlaceholders('SELECT ? WHERE a = @a')).toThrow(/mixes/);
    expect(() => toPostgresPlaceholders("SELECT 'open")).toThrow(/unterminated/);
  });

  it('orders named values as the text names them, and says which one is missing', () => {
    expect(postgresValues({ id: 7, amount: 5n }, ['amount', 'id'])).toEqual([5n, 7]);
    expect(() => postgresValues({ amount: 5n }, ['amount', 'id'])).toThrow('missing parameter @id');
    expect(() => postgresValues([1], ['amount'])).toThrow(/positional/);
    expect(() => postgresValues({ a: 1 }, null)).toThrow(/named/);
  });
});

describe('the SQLite engine', () => {
  const db = new Database(':memory:');
  db.defaultSafeIntegers(true);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)');
  const engine = createSqliteEngine(db, createGroupCommit(db));
  const insert = sql('INSERT INTO t (v) VALUES (?) RETURNING id');
  const postgresOnly = sql('SELECT no_such_function()', { only: 'postgres' });

  it('skips a statement meant for PostgreSQL, answering as if it found nothing', async () => {
    const answers = await engine.write(function* () {
      return [yield* postgresOnly.run(), yield* postgresOnly.get(), yield* postgresOnly.all()];
    });
    expect(answers).toEqual([0, undefined, []]);
  });

  it('rolls a failed unit of work back whole, its earlier statements included', async () => {
    await expect(
      engine.write(function* () {
        yield* insert.value([1]);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await engine.read(() => sql('SELECT COUNT(*) AS n FROM t').value())).toBe(0n);
  });

  it('lets an observer see each statement as the engine runs it', async () => {
    const seen: Step[] = [];
    const id = await engine.write(() => observed(insert.value([5]), (step) => seen.push(step)));
    expect(id).toBe(1n);
    expect(seen.map((s) => [s.mode, s.params])).toEqual([['get', [5]]]);
  });

  it("returns an INSERT's new key without RETURNING, and refuses insert() on a statement without a key", async () => {
    const add = sql('INSERT INTO t (v) VALUES (?)', { returningKey: 'id' });
    expect(add.textFor('sqlite')).toBe('INSERT INTO t (v) VALUES (?)');
    expect(add.textFor('postgres')).toBe('INSERT INTO t (v) VALUES (?) RETURNING id');
    const ids = await engine.write(function* () {
      return [yield* add.insert([7]), yield* add.insert([8])];
    });
    expect(ids[1]).toBe(ids[0]! + 1n);
    expect(await engine.read(() => sql('SELECT v FROM t WHERE id = ?').value([ids[1]]))).toBe(8n);
    await expect(engine.write(() => insert.insert([9]))).rejects.toThrow(/returningKey/);
  });
});

const server = testPostgresServer();

describe.skipIf(!server.url)('the PostgreSQL engine', () => {
  let pg: TestPostgresEngines;
  beforeAll(async () => {
    pg = await openTestPostgresEngines(2);
  }, 60_000);
  afterAll(() => pg?.close());

  const nonceUsed = sql('SELECT 1 FROM used_nonces WHERE signer = ? AND nonce = ?');
  const useNonce = sql("INSERT INTO used_nonces (signer, nonce, action, used_at) VALUES (?, ?, 'test', 0)");
  const pause = sql('SELECT pg_sleep(?)');
  const sqliteOnly = sql("SELECT sqlite_version() WHERE 'this would fail' = ?", { only: 'sqlite' });

  it('runs a check-then-insert that lost a race again from the start, which then sees the winner', async () => {
    let attempts = 0;
    /** Checks, waits (so that both transactions check before either inserts), then inserts. */
    const claim = () =>
      function* (): Work<'claimed' | 'taken'> {
        attempts += 1;
        if (yield* nonceUsed.get(['RTCsigner', 'n-1'])) return 'taken';
        yield* pause.get([0.2]);
        yield* useNonce.run(['RTCsigner', 'n-1']);
        return 'claimed';
      };
    const answers = await Promise.all(pg.engines.map((engine) => engine.write(claim())));
    expect(answers.sort()).toEqual(['claimed', 'taken']);
    expect(attempts).toBe(3); // the loser ran twice: its INSERT hit the unique key, its second check found the row
  });

  it('retries the victim of a deadlock, so both units of work complete', async () => {
    const wallet = sql(
      'INSERT INTO wallets (address, available_urtc, locked_urtc, created_at, updated_at) VALUES (?, 0, 0, 0, 0)',
    );
    const credit = sql('UPDATE wallets SET available_urtc = available_urtc + 1 WHERE address = ?');
    await pg.sql.write(function* () {
      yield* wallet.run(['RTCdeadlock-a']);
      yield* wallet.run(['RTCdeadlock-b']);
    });
    const inOrder = (first: string, second: string) =>
      function* (): Work<void> {
        yield* credit.run([first]);
        yield* pause.get([0.3]);
        yield* credit.run([second]);
      };
    await Promise.all([
      pg.engines[0]!.write(inOrder('RTCdeadlock-a', 'RTCdeadlock-b')),
      pg.engines[1]!.write(inOrder('RTCdeadlock-b', 'RTCdeadlock-a')),
    ]);
    const balances = await pg.sql.read(() =>
      sql("SELECT available_urtc FROM wallets WHERE address LIKE 'RTCdeadlock-%' ORDER BY address").values(),
    );
    expect(balances).toEqual([2n, 2n]);
  }, 20_000);

  it("returns an INSERT's new key through RETURNING, as a BigInt", async () => {
    const add = sql("INSERT INTO market_events (topic, change, payload, at) VALUES ('price', 'render', '{}', ?)", {
      returningKey: 'seq',
    });
    const [first, second] = await pg.sql.write(function* () {
      return [yield* add.insert([1]), yield* add.insert([2])];
    });
    expect(typeof first).toBe('bigint');
    expect(second).toBe(first! + 1n);
  });

  it('skips a statement meant for SQLite, and reads integers as SQLite does (BigInt) and int4 as numbers', async () => {
    const row = await pg.sql.read(function* () {
      const skipped = yield* sqliteOnly.get(['x']);
      const values = yield* sql('SELECT 9007199254740993::bigint AS big, SUM(2::bigint) AS total, 7 AS small').get();
      return { skipped, values };
    });
    expect(row).toEqual({ skipped: undefined, values: { big: 9007199254740993n, total: 2n, small: 7 } });
  });

  it('gives a snapshot read one view of the database while another instance writes', async () => {
    const count = sql("SELECT COUNT(*) FROM used_nonces WHERE signer = 'RTCsnapshot'");
    const add = sql("INSERT INTO used_nonces (signer, nonce, action, used_at) VALUES ('RTCsnapshot', ?, 'test', 0)");
    const reading = pg.engines[0]!.snapshot(function* () {
      const before = yield* count.value();
      yield* pause.get([0.4]); // meanwhile the other instance commits a row
      const after = yield* count.value();
      return [before, after];
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await pg.engines[1]!.write(() => add.run(['s-1']));
    expect(await reading).toEqual([0n, 0n]);
    expect(await pg.engines[0]!.read(() => count.value())).toBe(1n);
  });
});
