/**
 * The SQLite writer thread (SQLITE_WRITER=thread, src/sql/sqlite-thread.ts): named operations and driven units of
 * work commit, refuse and roll back there as they do on the event loop; reads wait for the flush of what they may
 * have seen; and a writer that throws or dies costs only the writes it held: they are answered with an error,
 * nothing they asked for happens, and a new thread serves the next request. The failing writer is
 * test/fixtures/faulty-sqlite-writer.ts: the real one, except for two job ids.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Market } from '../src/market.js';
import { startMarketServer, type MarketServer } from '../src/server.js';
import { InsufficientFundsError, StateError } from '../src/domain/errors.js';
import { sql } from '../src/sql/statement.js';
import type { SqliteThreadEngine } from '../src/sql/sqlite-thread.js';
import { CRASHING_JOB, THROWING_JOB } from './fixtures/faulty-sqlite-writer.js';
import { createTestMarket, newJobId, newWallet, onPostgres } from './support/market.js';
import {
  balanceOf,
  call,
  deposit,
  escrowOf,
  signedLockBody,
  signedReleaseBody,
  expectInternal,
} from './support/rest.js';
import { expectLedgerSound, queryValue } from './support/database.js';

const onThread = { SQLITE_WRITER: 'thread', SQLITE_SYNCHRONOUS: 'FULL', WAL_SYNC: 'pool' } as const;

describe.skipIf(onPostgres)('the SQLite writer thread', () => {
  let market: Market;
  let engine: SqliteThreadEngine;
  beforeAll(() => {
    market = createTestMarket({ settings: onThread });
    engine = market.sql as SqliteThreadEngine;
  });
  afterAll(async () => {
    await expectLedgerSound(market);
    await market.close();
  });

  const countOf = sql('SELECT COUNT(*) AS n FROM used_nonces WHERE signer = ?');
  const addNonce = sql(
    "INSERT INTO used_nonces (signer, nonce, action, job_id, used_at) VALUES (?, ?, 'test', 'j', 0)",
  );
  const onlyPostgres = sql('SELECT pg_sleep(10)', { only: 'postgres' });

  it('runs the writes of this process on a thread of its own', () => {
    expect(engine.thread().threadId).toBeGreaterThan(0);
    expect(typeof engine.perform).toBe('function');
  });

  it('commits a driven unit of work: each statement answered there, the result kept here', async () => {
    const signer = `signer-${newJobId()}`;
    const returned = { marker: Symbol('not cloneable, so never sent') };
    const result = await market.sql.write(function* () {
      expect(yield* addNonce.run([signer, 'a'])).toBe(1);
      expect(yield* onlyPostgres.get()).toBeUndefined(); // skipped here, never sent
      yield* addNonce.run([signer, 'b']);
      return { count: yield* countOf.value<bigint>([signer]), returned };
    });
    expect(result.count).toBe(2n);
    expect(result.returned).toBe(returned);
    expect(await market.sql.read(() => countOf.value<bigint>([signer]))).toBe(2n);
  });

  it('rolls back a unit that throws, and rejects with what it threw', async () => {
    const signer = `signer-${newJobId()}`;
    const thrown = new StateError('INVALID_STATE', 'changed its mind');
    await expect(
      market.sql.write(function* () {
        yield* addNonce.run([signer, 'a']);
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    expect(await market.sql.read(() => countOf.value<bigint>([signer]))).toBe(0n);
  });

  it("throws a failed statement into its unit, which may recover; the statement's own change is undone", async () => {
    const signer = `signer-${newJobId()}`;
    const code = await market.sql.write(function* () {
      yield* addNonce.run([signer, 'a']);
      try {
        yield* addNonce.run([signer, 'a']); // the same primary key
        return 'no error';
      } catch (error) {
        return (error as { code?: string }).code;
      }
    });
    expect(code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
    expect(await market.sql.read(() => countOf.value<bigint>([signer]))).toBe(1n);
  });

  it('keeps driven units and named operations of one batch apart: each commits or rolls back alone', async () => {
    const poor = newWallet(); // no wallet row: nothing available
    const provider = newWallet();
    const signer = `signer-${newJobId()}`;
    const lock = (from: string, jobId: string) =>
      engine.perform(
        'lockEscrow',
        {
          jobId,
          jobType: 'render',
          fromWallet: from,
          toWallet: provider.address,
          amountUrtc: 1_000_000n,
          nonce: newJobId('nonce'),
          publicKey: 'unused',
          signature: 'unused',
        } as never,
        from,
        1_900_000_000,
      );
    const results = await Promise.allSettled([
      market.sql.write(function* () {
        yield* addNonce.run([signer, 'a']);
      }),
      lock(poor.address, newJobId()),
      market.sql.write(function* () {
        yield* addNonce.run([signer, 'b']);
        throw new Error('rolled back alone');
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    const refused = (results[1] as PromiseRejectedResult).reason as InsufficientFundsError;
    expect(refused).toBeInstanceOf(InsufficientFundsError); // the class and its fields crossed the thread
    expect(refused.requiredUrtc).toBe(1_000_000n);
    expect(refused.availableUrtc).toBe(0n);
    expect(await market.sql.read(() => countOf.value<bigint>([signer]))).toBe(1n);
  });
});

describe.skipIf(onPostgres)('a failing SQLite writer thread', () => {
  let market: Market;
  let server: MarketServer;
  beforeAll(async () => {
    market = createTestMarket({
      settings: onThread,
      sqliteWriterModule: new URL('./fixtures/faulty-sqlite-writer.ts', import.meta.url),
    });
    server = await startMarketServer(market, { host: '127.0.0.1', port: 0, sweepIntervalMs: 60_000 });
  });
  afterAll(async () => {
    await expectLedgerSound(market);
    await server.close();
  });

  const lockBody = (payer: ReturnType<typeof newWallet>, jobId: string, to: string) =>
    signedLockBody(payer, { job_id: jobId, to_wallet: to, amount_urtc: '1000000' });

  it('that throws in a transaction: that lock is INTERNAL and changes nothing; the rest of its batch commits', async () => {
    const payer = newWallet();
    const others = [newWallet(), newWallet()];
    const provider = newWallet();
    for (const w of [payer, ...others]) expect((await deposit(server.url, w.address, '5')).status).toBe(201);
    const before = await balanceOf(server.url, payer.address);
    const jobId = newJobId(THROWING_JOB);
    const otherJobs = others.map(() => newJobId());
    const [thrown, ...served] = await Promise.all([
      call(server.url, 'POST', '/render/escrow', lockBody(payer, jobId, provider.address)),
      ...others.map((w, i) => call(server.url, 'POST', '/render/escrow', lockBody(w, otherJobs[i]!, provider.address))),
    ]);
    expectInternal(thrown!);
    expect((await escrowOf(server.url, jobId)).status).toBe(404);
    expect(await balanceOf(server.url, payer.address)).toEqual(before);
    for (const reply of served) expect(reply.status).toBe(201);
    await expectLedgerSound(market);
  });

  it('that dies mid-batch: the writes it held are INTERNAL and change nothing; a new thread serves the rest', async () => {
    const crasher = newWallet();
    const provider = newWallet();
    const payers = Array.from({ length: 5 }, () => newWallet());
    for (const w of [crasher, ...payers]) expect((await deposit(server.url, w.address, '5')).status).toBe(201);
    const lockedJob = newJobId();
    expect(
      (await call(server.url, 'POST', '/render/escrow', lockBody(payers[0]!, lockedJob, provider.address))).status,
    ).toBe(201);
    const balancesBefore = await Promise.all([crasher, ...payers].map((w) => balanceOf(server.url, w.address)));
    const providerBefore = await balanceOf(server.url, provider.address);
    const threadBefore = (market.sql as SqliteThreadEngine).thread();

    const crasherJob = newJobId(CRASHING_JOB);
    const jobs = payers.slice(1).map(() => newJobId());
    const [crasherReply, releaseReply, ...lockReplies] = await Promise.all([
      call(server.url, 'POST', '/render/escrow', lockBody(crasher, crasherJob, provider.address)),
      call(server.url, 'POST', '/render/release', signedReleaseBody(payers[0]!, { job_id: lockedJob })),
      ...payers
        .slice(1)
        .map((p, i) => call(server.url, 'POST', '/render/escrow', lockBody(p, jobs[i]!, provider.address))),
    ]);
    expectInternal(crasherReply!);
    expect((market.sql as SqliteThreadEngine).thread()).not.toBe(threadBefore);
    expect((await escrowOf(server.url, crasherJob)).status).toBe(404);
    expect(await balanceOf(server.url, crasher.address)).toEqual(balancesBefore[0]);
    // Each other request either went through in full or failed INTERNAL with nothing changed.
    if (releaseReply!.status === 200) expect(releaseReply!.body.status).toBe('released');
    else {
      expectInternal(releaseReply!);
      expect((await escrowOf(server.url, lockedJob)).body.status).toBe('locked');
      expect(await balanceOf(server.url, provider.address)).toEqual(providerBefore);
    }
    for (const [i, reply] of lockReplies.entries()) {
      if (reply.status === 201) continue;
      expectInternal(reply);
      expect((await escrowOf(server.url, jobs[i]!)).status).toBe(404);
      expect(await balanceOf(server.url, payers[i + 1]!.address)).toEqual(balancesBefore[i + 2]);
    }
    await expectLedgerSound(market);

    // The new thread holds the write lock the dead one may have held: the release and a fresh lock go through.
    const retried = await call(
      server.url,
      'POST',
      '/render/release',
      signedReleaseBody(payers[0]!, { job_id: lockedJob }),
    );
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('released');
    const next = newJobId();
    expect((await call(server.url, 'POST', '/render/escrow', lockBody(crasher, next, provider.address))).status).toBe(
      201,
    );
    expect(await queryValue(market, 'SELECT status FROM render_escrow WHERE job_id = ?', [next])).toBe('locked');
    await expectLedgerSound(market);
  });
});
