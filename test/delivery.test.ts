/**
 * Delivery, disputes and milestone payments over REST, against a listening server whose clock the test moves
 * (docs/CONTRACT.md, "Delivery, disputes and receipts" and its table "Who may do what, in each state"). Each
 * rule is a test that fails without it: the payer can no longer take a delivered job back by paying a token
 * amount or by waiting, the provider is paid its claim at the end of review, and only the operator splits a dispute.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Wallet } from '../src/domain/signatures.js';
import {
  fundedLock,
  pathOf,
  sha256Hex,
  signedDeliverBody,
  signedDisputeBody,
  signedLockBodyWithWindow,
} from './support/delivery.js';
import { newJobId, newNonce, newWallet, openTestMarket, startTestServer } from './support/market.js';
import { asOperator, call, signedRefundBody, signedReleaseBody } from './support/rest.js';
import { expectLedgerSound, queryRows } from './support/database.js';

const T0 = 1_900_000_000;
const clock = { now: T0 };
let server: Awaited<ReturnType<typeof startTestServer>>;
let url: string;
beforeAll(async () => {
  server = await startTestServer({ clock: () => clock.now });
  url = server.url;
});
afterAll(async () => {
  await expectLedgerSound(server.market);
  await server.close();
});

const balance = async (w: Wallet) => (await call(url, 'GET', `/wallet/balance?wallet=${w.address}`)).body;
const escrow = async (job_id: string) => (await call(url, 'GET', `/render/escrow/${job_id}`)).body;
const post = (path: string, body: unknown, headers?: Record<string, string>) => call(url, 'POST', path, body, headers);
const release = (payer: Wallet, job_id: string, amount_urtc?: string, nonce?: string) =>
  post(
    '/render/release',
    signedReleaseBody(payer, { job_id, ...(amount_urtc ? { amount_urtc } : {}), ...(nonce ? { nonce } : {}) }),
  );
const deliver = (
  provider: Wallet,
  job_id: string,
  extra: { claimed_urtc?: string; nonce?: string; result_uri?: string } = {},
) => post('/render/deliver', signedDeliverBody(provider, { job_id, ...extra }));
const dispute = (payer: Wallet, job_id: string, nonce?: string) =>
  post('/render/dispute', signedDisputeBody(payer, { job_id, nonce }));
const resolve = (job_id: string, release_urtc: string | number, headers: Record<string, string> = asOperator) =>
  post('/escrow/resolve', { job_id, release_urtc }, headers);
const sweep = () => server.market.escrows.sweepDue();

/** A payer funded with 10 RTC, its provider, and a 2.5 RTC render escrow between them. */
async function lockedJob(o: { ttl_s?: string; review_window_s?: string; amount_urtc?: string } = {}) {
  const payer = newWallet();
  const provider = newWallet();
  const job_id = await fundedLock(url, payer, provider, {
    amount_urtc: o.amount_urtc ?? '2500000',
    ttl_s: o.ttl_s,
    review_window_s: o.review_window_s,
  });
  return { payer, provider, job_id };
}

describe('milestone payments', () => {
  it('pay the provider and keep the rest locked: releasing 1 µRTC of 2.5 RTC returns nothing to the payer', async () => {
    const { payer, provider, job_id } = await lockedJob();
    const r = await release(payer, job_id, '1');
    expect(r).toMatchObject({
      status: 200,
      body: { changed: true, status: 'locked', released_urtc: '1', refunded_urtc: '0', remaining_urtc: '2499999' },
    });
    expect(await balance(payer)).toMatchObject({ available_urtc: '7500000', locked_urtc: '2499999' });
    expect(await balance(provider)).toMatchObject({ available_urtc: '1' });
    // Once the job is delivered, a token payment is not an acceptance: paying less than the claim needs a dispute.
    expect((await deliver(provider, job_id)).body).toMatchObject({ status: 'delivered', claimed_urtc: '2499999' });
    expect(await release(payer, job_id, '1')).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_INPUT' } },
    });
    expect(await balance(payer)).toMatchObject({ available_urtc: '7500000', locked_urtc: '2499999' });
  });

  it('add up: several milestones, then the remainder settles it released', async () => {
    const { payer, provider, job_id } = await lockedJob({ amount_urtc: '3000000' });
    for (const part of ['1000000', '500000']) expect((await release(payer, job_id, part)).body.status).toBe('locked');
    expect((await escrow(job_id)).remaining_urtc).toBe('1500000');
    expect(await release(payer, job_id, '1500001')).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_INPUT' } },
    });
    const last = await release(payer, job_id);
    expect(last.body).toMatchObject({
      status: 'released',
      released_urtc: '3000000',
      refunded_urtc: '0',
      remaining_urtc: '0',
      settled_by: 'payer',
    });
    expect(await balance(provider)).toMatchObject({ available_urtc: '3000000' });
    expect(await balance(payer)).toMatchObject({ available_urtc: '7000000', locked_urtc: '0' });
  });

  it('leave a never-delivered escrow to expire: the sweeper refunds only what is still locked', async () => {
    const { payer, provider, job_id } = await lockedJob({ ttl_s: '600' });
    await release(payer, job_id, '400000');
    clock.now += 600;
    await sweep();
    expect(await escrow(job_id)).toMatchObject({
      status: 'refunded',
      refund_reason: 'expired',
      settled_by: 'sweeper',
      released_urtc: '400000',
      refunded_urtc: '2100000',
    });
    expect(await balance(payer)).toMatchObject({ available_urtc: '9600000', locked_urtc: '0' });
    expect(await balance(provider)).toMatchObject({ available_urtc: '400000' });
  });

  it('is NONCE_REUSED when retried with the same nonce, and moves nothing the second time', async () => {
    const { payer, provider, job_id } = await lockedJob();
    const nonce = newNonce();
    expect((await release(payer, job_id, '1500000', nonce)).status).toBe(200);
    // 1.5 RTC no longer fits the 1 RTC that remains, yet the retry is recognised for what it is.
    expect(await release(payer, job_id, '1500000', nonce)).toMatchObject({
      status: 409,
      body: { error: { code: 'NONCE_REUSED' } },
    });
    expect(await release(payer, job_id, '1500000')).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_INPUT' } },
    });
    expect(await balance(provider)).toMatchObject({ available_urtc: '1500000' });
    expect(await balance(payer)).toMatchObject({ available_urtc: '7500000', locked_urtc: '1000000' });
  });
});

describe('delivery', () => {
  it('opens the review window set at lock time; an expired but delivered escrow is never refunded', async () => {
    const { payer, provider, job_id } = await lockedJob({ ttl_s: '600', review_window_s: '3600' });
    const result_hash = sha256Hex('frames');
    const d = await post(
      '/render/deliver',
      signedDeliverBody(provider, { job_id, result_hash, result_uri: 'ipfs://bafy-frames', claimed_urtc: '2000000' }),
    );
    expect(d).toMatchObject({
      status: 200,
      body: {
        changed: true,
        status: 'delivered',
        delivered_at: clock.now,
        review_until: clock.now + 3600,
        review_window_s: 3600,
        claimed_urtc: '2000000',
        result_hash,
        result_uri: 'ipfs://bafy-frames',
        remaining_urtc: '2500000',
      },
    });
    clock.now += 601; // past expires_at
    await sweep();
    expect((await escrow(job_id)).status).toBe('delivered');
    expect(await post('/render/refund', signedRefundBody(payer, { job_id }))).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN' } },
    });
    expect(await balance(payer)).toMatchObject({ available_urtc: '7500000', locked_urtc: '2500000' });
  });

  it('is auto-released at review_until: the claim to the provider, the rest back to the payer, exactly once', async () => {
    const { payer, provider, job_id } = await lockedJob({ review_window_s: '3600' });
    await deliver(provider, job_id, { claimed_urtc: '2000000' });
    clock.now += 3599;
    await sweep();
    expect((await escrow(job_id)).status).toBe('delivered');
    clock.now += 1;
    expect(await dispute(payer, job_id)).toMatchObject({ status: 409, body: { error: { code: 'INVALID_STATE' } } }); // the window has ended
    expect((await sweep()).autoReleased).toBeGreaterThanOrEqual(1);
    expect(await escrow(job_id)).toMatchObject({
      status: 'released',
      settled_by: 'auto',
      released_urtc: '2000000',
      refunded_urtc: '500000',
      released_at: clock.now,
    });
    expect(await balance(provider)).toMatchObject({ available_urtc: '2000000' });
    expect(await balance(payer)).toMatchObject({ available_urtc: '8000000', locked_urtc: '0' });
    await sweep();
    const rows = await queryRows(
      server.market,
      "SELECT kind, amount_urtc FROM journal WHERE job_id = ? AND kind <> 'lock' ORDER BY id",
      [job_id],
    );
    expect(rows).toEqual([
      { kind: 'release', amount_urtc: 2000000n },
      { kind: 'refund', amount_urtc: 500000n },
    ]);
  });

  it('is accepted by the payer: the claim, or more up to the remainder; less is INVALID_INPUT', async () => {
    const { payer, provider, job_id } = await lockedJob();
    await deliver(provider, job_id, { claimed_urtc: '2000000' });
    expect(await release(payer, job_id, '1999999')).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_INPUT' } },
    });
    expect(await release(payer, job_id, '2500001')).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_INPUT' } },
    });
    const paid = await release(payer, job_id, '2100000');
    expect(paid.body).toMatchObject({
      status: 'released',
      settled_by: 'payer',
      released_urtc: '2100000',
      refunded_urtc: '400000',
    });
    const other = await lockedJob();
    await deliver(other.provider, other.job_id, { claimed_urtc: '1500000' });
    expect((await release(other.payer, other.job_id)).body).toMatchObject({
      status: 'released',
      released_urtc: '1500000',
      refunded_urtc: '1000000',
    });
  });

  it('only by the provider, once, before expiry, for no more than remains', async () => {
    const { payer, provider, job_id } = await lockedJob({ ttl_s: '600' });
    expect(await deliver(payer, job_id)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(await deliver(newWallet(), job_id)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(await deliver(provider, job_id, { claimed_urtc: '2500001' })).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_INPUT' } },
    });
    const nonce = newNonce();
    expect((await deliver(provider, job_id, { nonce })).status).toBe(200);
    expect(await deliver(provider, job_id, { nonce })).toMatchObject({
      status: 409,
      body: { error: { code: 'NONCE_REUSED' } },
    });
    expect(await deliver(provider, job_id)).toMatchObject({ status: 409, body: { error: { code: 'INVALID_STATE' } } });
    const late = await lockedJob({ ttl_s: '600' });
    clock.now += 600;
    expect(await deliver(late.provider, late.job_id)).toMatchObject({
      status: 409,
      body: { error: { code: 'INVALID_STATE' } },
    });
    expect((await escrow(late.job_id)).status).toBe('locked'); // the sweeper has not run: the deadline alone decides
  });

  it.each([
    ['an uppercase result_hash', { result_hash: 'A'.repeat(64) }],
    ['a short result_hash', { result_hash: 'a'.repeat(63) }],
    ['an http:// result_uri', { result_uri: 'http://example.com/frames' }],
    ['a result_uri above 512 characters', { result_uri: `https://x.example/${'a'.repeat(500)}` }],
    ['a zero claim', { claimed_urtc: '0' }],
    ['a claim as a JSON number', { claimed_urtc: 5 }],
  ])('refuses %s with INVALID_INPUT, changing nothing', async (_name, change) => {
    const { provider, job_id } = await lockedJob();
    const body = { ...signedDeliverBody(provider, { job_id }), ...change };
    expect(await post('/render/deliver', body)).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_INPUT' } },
    });
    expect((await escrow(job_id)).status).toBe('locked');
  });

  it('on another path family or job type is JOB_TYPE_MISMATCH', async () => {
    const { provider, job_id } = await lockedJob();
    expect(await post('/llm/deliver', signedDeliverBody(provider, { job_id, job_type: 'llm' }))).toMatchObject({
      status: 409,
      body: { error: { code: 'JOB_TYPE_MISMATCH' } },
    });
    expect(await post('/voice/deliver', signedDeliverBody(provider, { job_id, job_type: 'render' }))).toMatchObject({
      status: 409,
      body: { error: { code: 'JOB_TYPE_MISMATCH' } },
    });
    expect((await escrow(job_id)).status).toBe('locked');
  });

  it('works on every path family: an LLM job is delivered and accepted on /llm', async () => {
    const payer = newWallet();
    const provider = newWallet();
    const job_id = await fundedLock(url, payer, provider, { amount_urtc: '900000', job_type: 'llm' });
    expect(
      (
        await post(
          `/${pathOf('llm')}/deliver`,
          signedDeliverBody(provider, { job_id, job_type: 'llm', claimed_urtc: '800000' }),
        )
      ).body.status,
    ).toBe('delivered');
    expect((await post('/llm/release', signedReleaseBody(payer, { job_id, job_type: 'llm' }))).body).toMatchObject({
      status: 'released',
      released_urtc: '800000',
      refunded_urtc: '100000',
    });
  });

  it('may be refunded by the provider while under review or disputed', async () => {
    const { payer, provider, job_id } = await lockedJob();
    await deliver(provider, job_id);
    await dispute(payer, job_id);
    const r = await post('/render/refund', signedRefundBody(provider, { job_id, reason: 'cannot redo it' }));
    expect(r.body).toMatchObject({
      status: 'refunded',
      settled_by: 'provider',
      refunded_urtc: '2500000',
      refund_reason: 'cannot redo it',
    });
  });
});

describe('disputes', () => {
  it('hold the money until the operator splits it exactly', async () => {
    const { payer, provider, job_id } = await lockedJob();
    await release(payer, job_id, '500000'); // a milestone before delivery stays paid
    await deliver(provider, job_id, { claimed_urtc: '2000000' });
    const d = await dispute(payer, job_id);
    expect(d.body).toMatchObject({
      changed: true,
      status: 'disputed',
      disputed_at: clock.now,
      dispute_reason: 'the frames are black',
    });
    clock.now += 30 * 86_400; // disputed escrows neither expire nor auto-release
    await sweep();
    expect((await escrow(job_id)).status).toBe('disputed');
    expect(await resolve(job_id, '2000001')).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT' } } });
    const r = await resolve(job_id, 1_200_001);
    expect(r.body).toMatchObject({
      status: 'released',
      settled_by: 'operator',
      refund_reason: 'dispute',
      released_urtc: '1700001',
      refunded_urtc: '799999',
      remaining_urtc: '0',
    });
    expect(await balance(provider)).toMatchObject({ available_urtc: '1700001' });
    expect(await balance(payer)).toMatchObject({ available_urtc: '8299999', locked_urtc: '0' });
    expect(await resolve(job_id, '0')).toMatchObject({ status: 409, body: { error: { code: 'INVALID_STATE' } } });
  });

  it('resolved with 0 are refunded, with everything released without a refund reason', async () => {
    const a = await lockedJob();
    await deliver(a.provider, a.job_id);
    await dispute(a.payer, a.job_id);
    expect((await resolve(a.job_id, '0')).body).toMatchObject({
      status: 'refunded',
      refund_reason: 'dispute',
      released_urtc: '0',
      refunded_urtc: '2500000',
    });
    const b = await lockedJob();
    await deliver(b.provider, b.job_id);
    await dispute(b.payer, b.job_id);
    expect((await resolve(b.job_id, '2500000')).body).toMatchObject({
      status: 'released',
      refund_reason: null,
      released_urtc: '2500000',
      refunded_urtc: '0',
    });
  });

  it('only by the payer, of a delivered escrow, before review_until; the payer may still concede', async () => {
    const { payer, provider, job_id } = await lockedJob({ review_window_s: '60' });
    expect(await dispute(payer, job_id)).toMatchObject({ status: 409, body: { error: { code: 'INVALID_STATE' } } }); // not delivered
    await deliver(provider, job_id, { claimed_urtc: '1000000' });
    expect(await dispute(provider, job_id)).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    const nonce = newNonce();
    clock.now += 59;
    expect((await dispute(payer, job_id, nonce)).body.status).toBe('disputed');
    expect(await dispute(payer, job_id, nonce)).toMatchObject({
      status: 409,
      body: { error: { code: 'NONCE_REUSED' } },
    });
    expect(await dispute(payer, job_id)).toMatchObject({ status: 409, body: { error: { code: 'INVALID_STATE' } } });
    expect((await release(payer, job_id)).body).toMatchObject({
      status: 'released',
      settled_by: 'payer',
      released_urtc: '1000000',
      refunded_urtc: '1500000',
    });
  });

  it('refuse bad reasons, wrong job types and the payer refunding', async () => {
    const { payer, provider, job_id } = await lockedJob();
    await deliver(provider, job_id);
    for (const reason of ['', 'x'.repeat(501)]) {
      const body = { ...signedDisputeBody(payer, { job_id }), reason };
      expect(await post('/render/dispute', body)).toMatchObject({
        status: 400,
        body: { error: { code: 'INVALID_INPUT' } },
      });
    }
    expect(await post('/llm/dispute', signedDisputeBody(payer, { job_id, job_type: 'llm' }))).toMatchObject({
      status: 409,
      body: { error: { code: 'JOB_TYPE_MISMATCH' } },
    });
    expect(await post('/render/refund', signedRefundBody(payer, { job_id }))).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN' } },
    });
    expect((await escrow(job_id)).status).toBe('delivered');
  });

  it('are resolved by the operator only; the resolution is not signed and has no job type', async () => {
    const { payer, provider, job_id } = await lockedJob();
    await deliver(provider, job_id);
    await dispute(payer, job_id);
    expect(await resolve(job_id, '1', {})).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    expect(await resolve(job_id, '1', { 'x-admin-key': 'x'.repeat(40) })).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHORIZED' } },
    });
    expect(await resolve(job_id, '-1')).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT' } } });
    expect(await resolve(job_id, 1.5)).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT' } } });
    expect(await resolve(newJobId(), '1')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect((await escrow(job_id)).status).toBe('disputed');
  });

  it('are OPERATOR_DISABLED without an operator, who alone could resolve them', async () => {
    const market = await openTestMarket({ adminKey: null });
    try {
      const payer = newWallet();
      const req = { jobId: newJobId(), jobType: 'render' as const, reason: 'late', nonce: newNonce() };
      const action = {
        action: 'escrow.dispute',
        job_id: req.jobId,
        job_type: 'render',
        reason: 'late',
        nonce: req.nonce,
      };
      await expect(
        market.escrows.dispute({ ...req, publicKey: payer.publicKey, signature: payer.sign(action) }),
      ).rejects.toMatchObject({ code: 'OPERATOR_DISABLED' });
    } finally {
      await market.close();
    }
  });
});

describe('lock terms', () => {
  it('sign review_window_s: a replay with another window is IDEMPOTENCY_CONFLICT; out of range is INVALID_INPUT', async () => {
    const payer = newWallet();
    const provider = newWallet();
    const job_id = await fundedLock(url, payer, provider, { amount_urtc: '1000000', review_window_s: '7200' });
    const same = signedLockBodyWithWindow(
      payer,
      { job_id, to_wallet: provider.address, amount_urtc: '1000000' },
      '7200',
    );
    expect(await post('/render/escrow', same)).toMatchObject({
      status: 200,
      body: { changed: false, review_window_s: 7200 },
    });
    const other = signedLockBodyWithWindow(payer, { job_id, to_wallet: provider.address, amount_urtc: '1000000' });
    expect(await post('/render/escrow', other)).toMatchObject({
      status: 409,
      body: { error: { code: 'IDEMPOTENCY_CONFLICT' } },
    });
    expect((await post('/render/escrow', other)).body.error.message).toContain('review_window_s');
    for (const window of ['59', '2592001']) {
      const body = signedLockBodyWithWindow(
        payer,
        { job_id: newJobId(), to_wallet: provider.address, amount_urtc: '1000' },
        window,
      );
      expect(await post('/render/escrow', body)).toMatchObject({
        status: 400,
        body: { error: { code: 'INVALID_INPUT' } },
      });
    }
    // A JSON integer is read like the digit string it is signed as.
    const asNumber = {
      ...signedLockBodyWithWindow(
        payer,
        { job_id: newJobId(), to_wallet: provider.address, amount_urtc: '1000' },
        '60',
      ),
    };
    expect((await post('/render/escrow', { ...asNumber, review_window_s: 60 })).status).toBe(201);
    // Without one, the review window is 72 hours.
    const plain = await lockedJob();
    expect((await escrow(plain.job_id)).review_window_s).toBe(259_200);
  });
});

describe('reports for the operator', () => {
  it('list open disputes by age and deliveries in review by deadline, to the operator only', async () => {
    const older = await lockedJob();
    const newer = await lockedJob();
    const reviewed = await lockedJob({ review_window_s: '60' });
    for (const j of [older, newer]) await deliver(j.provider, j.job_id);
    await dispute(older.payer, older.job_id);
    clock.now += 5;
    await dispute(newer.payer, newer.job_id);
    await deliver(reviewed.provider, reviewed.job_id);
    expect(await call(url, 'GET', '/escrow/disputes')).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHORIZED' } },
    });
    const disputes: string[] = [];
    for (let cursor: string | null = null, pages = 0; pages < 100; pages++) {
      const page: { body: { escrows: { job_id: string }[]; next_cursor: string | null } } = await call(
        url,
        'GET',
        `/escrow/disputes?limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        undefined,
        asOperator,
      );
      disputes.push(...page.body.escrows.map((e) => e.job_id));
      cursor = page.body.next_cursor;
      if (!cursor) break;
    }
    expect(disputes.indexOf(older.job_id)).toBeLessThan(disputes.indexOf(newer.job_id));
    expect(disputes.indexOf(older.job_id)).toBeGreaterThanOrEqual(0);
    const reviews = (await call(url, 'GET', '/escrow/reviews?limit=500', undefined, asOperator)).body.escrows as {
      job_id: string;
      review_until: number;
      status: string;
    }[];
    expect(reviews.map((e) => e.job_id)).toContain(reviewed.job_id);
    expect(reviews.every((e) => e.status === 'delivered')).toBe(true);
    expect(reviews.map((e) => e.review_until)).toEqual([...reviews.map((e) => e.review_until)].sort((a, b) => a - b));
    expect(await call(url, 'GET', '/escrow/reviews?cursor=abc', undefined, asOperator)).toMatchObject({ status: 400 });
  });
});
