/**
 * A signature thread that throws, or dies, costs only the requests it held: they are answered INTERNAL with a
 * request_id, nothing they asked for happens (no escrow, no nonce, balances as before, the ledger audit clean),
 * and the server goes on serving with a replacement thread. The pool runs test/fixtures/faulty-signature-worker.ts:
 * the real verification, except for two keys on which it throws or exits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Market } from '../src/market.js';
import { startMarketServer, type MarketServer } from '../src/server.js';
import { pino } from 'pino';
import { walletFromSeed } from '../src/domain/signatures.js';
import { createSignaturePool } from '../src/workers/signature-pool.js';
import { CRASHING_SEED, THROWING_SEED } from './fixtures/faulty-signature-worker.js';
import { newJobId, newWallet, openTestMarket } from './support/market.js';
import {
  balanceOf,
  call,
  deposit,
  escrowOf,
  signedLockBody,
  signedReleaseBody,
  expectInternal,
} from './support/rest.js';
import { expectLedgerSound } from './support/database.js';

let market: Market;
let server: MarketServer;
beforeAll(async () => {
  market = await openTestMarket({
    settings: { SQLITE_SYNCHRONOUS: 'FULL', WAL_SYNC: 'pool', SIGNATURE_WORKERS: 1 },
    signatureWorkerModule: new URL('./fixtures/faulty-signature-worker.ts', import.meta.url),
  });
  server = await startMarketServer(market, { host: '127.0.0.1', port: 0, sweepIntervalMs: 60_000 });
});
afterAll(async () => {
  await expectLedgerSound(market);
  await server.close();
});

describe('a failing signature thread', () => {
  it('that throws: its lock is INTERNAL, nothing changes, and the next lock is served', async () => {
    const payer = walletFromSeed(THROWING_SEED);
    const honest = newWallet();
    const provider = newWallet();
    expect((await deposit(server.url, payer.address, '5')).status).toBe(201);
    expect((await deposit(server.url, honest.address, '5')).status).toBe(201);
    const before = await balanceOf(server.url, payer.address);

    const jobId = newJobId();
    const reply = await call(
      server.url,
      'POST',
      '/render/escrow',
      signedLockBody(payer, { job_id: jobId, to_wallet: provider.address, amount_urtc: '1000000' }),
    );
    expectInternal(reply);
    expect((await escrowOf(server.url, jobId)).status).toBe(404);
    expect(await balanceOf(server.url, payer.address)).toEqual(before);

    const next = newJobId();
    const served = await call(
      server.url,
      'POST',
      '/render/escrow',
      signedLockBody(honest, { job_id: next, to_wallet: provider.address, amount_urtc: '1000000' }),
    );
    expect(served.status).toBe(201);
    await expectLedgerSound(market);
  });

  it('that dies mid-batch: the requests it held are INTERNAL and change nothing; a replacement serves the rest', async () => {
    const crasher = walletFromSeed(CRASHING_SEED);
    const provider = newWallet();
    const payers = Array.from({ length: 6 }, () => newWallet());
    for (const w of [crasher, ...payers]) expect((await deposit(server.url, w.address, '5')).status).toBe(201);
    // An escrow to release in the same batch: a release held by the dying thread must not settle it.
    const lockedJob = newJobId();
    expect(
      (
        await call(
          server.url,
          'POST',
          '/render/escrow',
          signedLockBody(payers[0]!, { job_id: lockedJob, to_wallet: provider.address, amount_urtc: '1000000' }),
        )
      ).status,
    ).toBe(201);
    const balancesBefore = await Promise.all([crasher, ...payers].map((w) => balanceOf(server.url, w.address)));
    const providerBefore = await balanceOf(server.url, provider.address);
    const threadBefore = market.signatureThreads()[0];

    // Sent together: they reach the thread in one or a few batches, one of which holds the crasher's lock.
    const jobs = payers.map(() => newJobId());
    const crasherJob = newJobId();
    const replies = await Promise.all([
      call(
        server.url,
        'POST',
        '/render/escrow',
        signedLockBody(crasher, { job_id: crasherJob, to_wallet: provider.address, amount_urtc: '1000000' }),
      ),
      call(server.url, 'POST', '/render/release', signedReleaseBody(payers[0]!, { job_id: lockedJob })),
      ...payers
        .slice(1)
        .map((p, i) =>
          call(
            server.url,
            'POST',
            '/render/escrow',
            signedLockBody(p, { job_id: jobs[i]!, to_wallet: provider.address, amount_urtc: '1000000' }),
          ),
        ),
    ]);
    const [crasherReply, releaseReply, ...lockReplies] = replies;
    expectInternal(crasherReply!);
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
      const payer = payers[i + 1]!;
      if (reply.status === 201) continue;
      expectInternal(reply);
      expect((await escrowOf(server.url, jobs[i]!)).status).toBe(404);
      expect(await balanceOf(server.url, payer.address)).toEqual(balancesBefore[i + 2]);
    }
    await expectLedgerSound(market);

    // A replacement thread serves the next signed request, the failed release included.
    const retried = await call(
      server.url,
      'POST',
      '/render/release',
      signedReleaseBody(payers[0]!, { job_id: lockedJob }),
    );
    expect(retried.status).toBe(200);
    expect(retried.body.status).toBe('released');
    expect(market.signatureThreads()).toHaveLength(1);
    expect(market.signatureThreads()[0]).not.toBe(threadBefore);
  });
});

describe('the real signature thread', () => {
  it('verifies on the thread what the event loop would: the signer, or INVALID_SIGNATURE', async () => {
    const pool = createSignaturePool({ size: 1, log: pino({ level: 'silent' }) });
    try {
      const signer = newWallet();
      const action = { action: 'escrow.release', job_id: newJobId(), nonce: 'thread-1' };
      const signature = signer.sign(action);
      const signed = { publicKey: signer.publicKey, signature };
      const verdicts = await Promise.allSettled([
        pool.verify(action, signed),
        pool.verify({ ...action, nonce: 'thread-2' }, signed),
        pool.verify(action, { publicKey: newWallet().publicKey, signature }),
      ]);
      expect(verdicts[0]).toEqual({ status: 'fulfilled', value: signer.address });
      for (const refused of verdicts.slice(1)) {
        expect(refused.status).toBe('rejected');
        expect((refused as PromiseRejectedResult).reason.code).toBe('INVALID_SIGNATURE');
      }
    } finally {
      await pool.close();
    }
  });
});
