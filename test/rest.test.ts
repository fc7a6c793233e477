/** The REST shim end to end, against a listening server on a file database. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { addressFromPublicKey, canonicalJson, type Wallet } from '../src/domain/signatures.js';
import { newJobId, newNonce, newWallet, startTestServer } from './support/market.js';
import { asOperator, call, deposit, signedLockBody, signedRefundBody, signedReleaseBody } from './support/rest.js';
import { expectLedgerSound } from './support/database.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let url: string;
beforeAll(async () => {
  server = await startTestServer();
  url = server.url;
});
afterAll(async () => {
  await expectLedgerSound(server.market); // I1–I8 after every request of this file
  await server.close();
});

const balance = async (w: Wallet) => (await call(url, 'GET', `/wallet/balance?wallet=${w.address}`)).body;

async function funded(rtc = '100'): Promise<Wallet> {
  const w = newWallet();
  expect((await deposit(url, w.address, rtc)).status).toBe(201);
  return w;
}

async function locked(payer: Wallet, provider: Wallet, amountUrtc = '2000000', jobType = 'render') {
  const path = jobType === 'render' ? '/render' : jobType === 'llm' ? '/llm' : '/voice';
  const job_id = newJobId();
  const r = await call(
    url,
    'POST',
    `${path}/escrow`,
    signedLockBody(payer, { job_id, job_type: jobType, to_wallet: provider.address, amount_urtc: amountUrtc }),
  );
  expect(r.status).toBe(201);
  return job_id;
}

describe('health', () => {
  it('answers ok', async () => {
    expect(await call(url, 'GET', '/health')).toEqual({ status: 200, body: { ok: true } });
  });
});

describe('deposits', () => {
  it('credits a wallet once per reference; a replay is 200, different fields a conflict', async () => {
    const w = newWallet();
    const first = await call(
      url,
      'POST',
      '/wallet/deposit',
      { wallet: w.address, amount_rtc: '12.5', reference: 'chain-tx-1a' },
      asOperator,
    );
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      ok: true,
      created: true,
      available_urtc: '12500000',
      available_rtc: 12.5,
      locked_urtc: '0',
    });
    const replay = await call(
      url,
      'POST',
      '/wallet/deposit',
      { wallet: w.address, amount_urtc: '12500000', reference: 'chain-tx-1a' },
      asOperator,
    );
    expect(replay.status).toBe(200);
    expect(replay.body.created).toBe(false);
    const conflict = await call(
      url,
      'POST',
      '/wallet/deposit',
      { wallet: w.address, amount_rtc: 13, reference: 'chain-tx-1a' },
      asOperator,
    );
    expect(conflict).toMatchObject({
      status: 409,
      body: {
        ok: false,
        error: { code: 'IDEMPOTENCY_CONFLICT', message: expect.stringContaining('amount_urtc 12500000, not 13000000') },
      },
    });
    expect((await balance(w)).available_urtc).toBe('12500000');
  });

  it('is operator only', async () => {
    const w = newWallet();
    const body = { wallet: w.address, amount_rtc: 1, reference: newNonce() };
    expect((await call(url, 'POST', '/wallet/deposit', body)).body.error.code).toBe('UNAUTHORIZED');
    const wrong = await call(url, 'POST', '/wallet/deposit', body, { 'x-admin-key': 'x'.repeat(40) });
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    expect((await balance(w)).available_urtc).toBe('0');
  });

  it.each([
    ['amount_rtc with 7 decimals', { amount_rtc: '0.0000001' }],
    ['amount_rtc in exponent notation (number)', '1e2'],
    ['amount_rtc with more precision than a double holds (number)', '1.00000000000000001'],
    ['amount_rtc with 30 digits (number)', '123456789012345678901234567890'],
    ['both amounts', { amount_rtc: 1, amount_urtc: '1000000' }],
    ['neither amount', {}],
    ['zero', { amount_rtc: 0 }],
    ['negative', { amount_rtc: -3 }],
    ['above the cap', { amount_rtc: 8388609 }],
    ['amount_urtc as a number', { amount_urtc: 1000000 }],
  ])('refuses %s with INVALID_INPUT', async (_name, amount) => {
    const w = newWallet();
    const raw =
      typeof amount === 'string'
        ? `{"wallet":"${w.address}","amount_rtc":${amount},"reference":"${newNonce()}"}`
        : { wallet: w.address, reference: newNonce(), ...amount };
    const r = await call(url, 'POST', '/wallet/deposit', raw, asOperator);
    expect(r).toMatchObject({ status: 400, body: { ok: false, error: { code: 'INVALID_INPUT' } } });
    expect((await balance(w)).available_urtc).toBe('0');
  });
});

describe('balances', () => {
  it('reports zero for an unknown wallet and refuses a malformed address', async () => {
    const w = newWallet();
    expect(await balance(w)).toEqual({
      ok: true,
      wallet: w.address,
      available_urtc: '0',
      available_rtc: 0,
      locked_urtc: '0',
      locked_rtc: 0,
    });
    expect((await call(url, 'GET', '/wallet/balance?wallet=nope')).status).toBe(400);
    expect((await call(url, 'GET', '/wallet/balance')).status).toBe(400);
  });
});

describe('lock', () => {
  it('locks: 201, debits the payer, credits nobody yet, and shows the escrow', async () => {
    const payer = await funded('10');
    const provider = newWallet();
    const job_id = newJobId();
    const r = await call(
      url,
      'POST',
      '/render/escrow',
      signedLockBody(
        payer,
        { job_id, to_wallet: provider.address, amount_urtc: '2500000', ttl_s: '3600' },
        { metadata: { frames: 240 } },
      ),
    );
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      ok: true,
      job_id,
      job_type: 'render',
      from_wallet: payer.address,
      to_wallet: provider.address,
      amount_rtc: 2.5,
      amount_urtc: '2500000',
      status: 'locked',
      released_at: null,
      refunded_at: null,
      released_urtc: '0',
      refunded_urtc: '0',
      refund_reason: null,
      metadata: { frames: 240 },
    });
    expect(r.body.expires_at - r.body.created_at).toBe(3600);
    expect(await balance(payer)).toMatchObject({ available_urtc: '7500000', locked_urtc: '2500000', locked_rtc: 2.5 });
    expect((await balance(provider)).available_urtc).toBe('0');
    const got = await call(url, 'GET', `/render/escrow/${job_id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ ok: true, job_id, status: 'locked', amount_urtc: '2500000' });
  });

  it('accepts amount_rtc as a number or a string, and ttl_s as an integer (signed as a string)', async () => {
    const payer = await funded('10');
    const provider = newWallet();
    const job_id = newJobId();
    const body = signedLockBody(payer, { job_id, to_wallet: provider.address, amount_urtc: '1500000', ttl_s: '60' });
    const { amount_urtc: _drop, ...rest } = body;
    const r = await call(url, 'POST', '/render/escrow', { ...rest, amount_rtc: 1.5, ttl_s: 60 });
    expect(r.status).toBe(201);
    expect(r.body.amount_urtc).toBe('1500000');
  });

  it('replays an identical lock as 200 without moving money, whatever the nonce; different terms conflict', async () => {
    const payer = await funded('10');
    const provider = newWallet();
    const job_id = newJobId();
    const lock = (amount: string) =>
      call(
        url,
        'POST',
        '/render/escrow',
        signedLockBody(payer, { job_id, to_wallet: provider.address, amount_urtc: amount }),
      );
    expect((await lock('1000000')).status).toBe(201);
    const replay = await lock('1000000');
    expect(replay.status).toBe(200);
    expect(replay.body.changed).toBe(false);
    expect((await lock('2000000')).body.error.code).toBe('IDEMPOTENCY_CONFLICT');
    expect(await balance(payer)).toMatchObject({ available_urtc: '9000000', locked_urtc: '1000000' });
  });

  it('refuses a lock larger than the available balance with 402 and changes nothing', async () => {
    const payer = await funded('1');
    const r = await call(
      url,
      'POST',
      '/llm/escrow',
      signedLockBody(payer, {
        job_id: newJobId(),
        job_type: 'llm',
        to_wallet: newWallet().address,
        amount_urtc: '1000001',
      }),
    );
    expect(r).toMatchObject({ status: 402, body: { ok: false, error: { code: 'INSUFFICIENT_FUNDS' } } });
    expect(await balance(payer)).toMatchObject({ available_urtc: '1000000', locked_urtc: '0' });
  });

  it('refuses a lock from an unknown (never funded) wallet with 402', async () => {
    const r = await call(
      url,
      'POST',
      '/render/escrow',
      signedLockBody(newWallet(), { job_id: newJobId(), to_wallet: newWallet().address, amount_urtc: '1' }),
    );
    expect(r.body.error.code).toBe('INSUFFICIENT_FUNDS');
  });

  it('refuses a forged, wrong-key or third-party signature, and a reused nonce, moving nothing', async () => {
    const payer = await funded('10');
    const provider = newWallet();
    const mallory = newWallet();
    const job_id = newJobId();
    const good = signedLockBody(payer, { job_id, to_wallet: provider.address, amount_urtc: '1000000' });

    const tampered = await call(url, 'POST', '/render/escrow', { ...good, amount_urtc: '2000000' });
    expect(tampered).toMatchObject({ status: 401, body: { error: { code: 'INVALID_SIGNATURE' } } });
    const wrongKey = await call(url, 'POST', '/render/escrow', { ...good, public_key: mallory.publicKey });
    expect(wrongKey.body.error.code).toBe('INVALID_SIGNATURE');
    const missing = await call(url, 'POST', '/render/escrow', { ...good, signature: undefined });
    expect(missing.body.error.code).toBe('INVALID_SIGNATURE');
    const garbage = await call(url, 'POST', '/render/escrow', { ...good, signature: 'zz' });
    expect(garbage.body.error.code).toBe('INVALID_SIGNATURE');
    // Mallory signs correctly with her own key a lock of the payer's money: authority, not signature.
    const stolen = signedLockBody(mallory, { job_id, to_wallet: provider.address, amount_urtc: '1000000' });
    const theft = await call(url, 'POST', '/render/escrow', { ...stolen, from_wallet: payer.address });
    expect(theft.body.error.code).toBe('INVALID_SIGNATURE'); // from_wallet is signed: changing it breaks the signature
    const malloryAsPayer = signedLockBody(mallory, { job_id, to_wallet: provider.address, amount_urtc: '1000000' });
    expect((await call(url, 'POST', '/render/escrow', { ...malloryAsPayer })).body.error.code).toBe(
      'INSUFFICIENT_FUNDS',
    );
    expect(await balance(payer)).toMatchObject({ available_urtc: '10000000', locked_urtc: '0' });

    expect((await call(url, 'POST', '/render/escrow', good)).status).toBe(201);
    const reuse = signedLockBody(payer, {
      job_id: newJobId(),
      to_wallet: provider.address,
      amount_urtc: '1000000',
      nonce: good.nonce,
    });
    expect(await call(url, 'POST', '/render/escrow', reuse)).toMatchObject({
      status: 409,
      body: { error: { code: 'NONCE_REUSED' } },
    });
    expect(await balance(payer)).toMatchObject({ available_urtc: '9000000', locked_urtc: '1000000' });
  });

  it('answers FORBIDDEN when a valid signature is not from_wallet', async () => {
    const payer = await funded('10');
    const mallory = newWallet();
    const body = signedLockBody(payer, { job_id: newJobId(), to_wallet: newWallet().address, amount_urtc: '1000' });
    // Mallory re-signs the payer's exact action with her key and presents her key.
    const { public_key: _p, signature: _s, ...fields } = body;
    const action = { action: 'escrow.lock', ...fields };
    const r = await call(url, 'POST', '/render/escrow', {
      ...fields,
      public_key: mallory.publicKey,
      signature: mallory.sign(action),
    });
    expect(r).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
  });

  it('serves each job type only on its own path', async () => {
    const payer = await funded('10');
    const to = newWallet().address;
    const on = (path: string, jobType: string | undefined) => {
      const body = signedLockBody(payer, {
        job_id: newJobId(),
        job_type: jobType ?? 'render',
        to_wallet: to,
        amount_urtc: '1000',
      });
      if (jobType === undefined) delete (body as Record<string, unknown>).job_type;
      return call(url, 'POST', path, body);
    };
    expect((await on('/voice/escrow', 'tts')).status).toBe(201);
    expect((await on('/voice/escrow', 'stt')).status).toBe(201);
    expect((await on('/llm/escrow', 'llm')).status).toBe(201);
    expect((await on('/render/escrow', undefined)).status).toBe(201); // job_type implied by the path
    expect(await on('/render/escrow', 'llm')).toMatchObject({
      status: 409,
      body: { error: { code: 'JOB_TYPE_MISMATCH' } },
    });
    expect((await on('/voice/escrow', 'render')).body.error.code).toBe('JOB_TYPE_MISMATCH');
    expect((await on('/llm/escrow', 'tts')).body.error.code).toBe('JOB_TYPE_MISMATCH');
    expect((await on('/voice/escrow', undefined)).body.error.code).toBe('INVALID_INPUT');
    expect((await balance(payer)).locked_urtc).toBe('4000');
  });

  it.each([
    ['not JSON', '{"job_id": '],
    ['a JSON array', '[1,2]'],
    ['a JSON string', '"hello"'],
    ['null', 'null'],
    ['an empty body', ''],
  ])('answers 400 INVALID_INPUT for a body that is %s', async (_name, raw) => {
    const r = await call(url, 'POST', '/render/escrow', raw);
    expect(r).toMatchObject({ status: 400, body: { ok: false, error: { code: 'INVALID_INPUT' } } });
  });

  it.each([
    ['an unknown job type', { job_type: 'mining' }],
    ['a job id with spaces', { job_id: 'has space' }],
    ['a 129-character job id', { job_id: 'j'.repeat(129) }],
    ['a numeric job id', { job_id: 12 }],
    ['a malformed to_wallet', { to_wallet: 'RTCXYZ' }],
    ['from_wallet equal to to_wallet', 'self'],
    ['a malformed nonce', { nonce: 'no spaces allowed' }],
    ['a 65-character nonce', { nonce: 'n'.repeat(65) }],
    ['ttl_s above 30 days', { ttl_s: 2592001 }],
    ['ttl_s of zero', { ttl_s: 0 }],
    ['ttl_s as a decimal', { ttl_s: 1.5 }],
    ['metadata that is not an object', { metadata: [1, 2] }],
    ['metadata above 4 KiB', { metadata: { blob: 'x'.repeat(5000) } }],
    ['an amount as an object', { amount_urtc: { v: 1 } }],
    ['a huge string field (under the 64 KB body limit)', { job_id: 'a'.repeat(60_000) }],
  ])('answers 400 INVALID_INPUT for %s, moving nothing', async (_name, change) => {
    const payer = await funded('10');
    const base = signedLockBody(payer, { job_id: newJobId(), to_wallet: newWallet().address, amount_urtc: '1000' });
    const body =
      change === 'self' ? { ...base, to_wallet: payer.address } : { ...base, ...(change as Record<string, unknown>) };
    const r = await call(url, 'POST', '/render/escrow', body);
    expect(r).toMatchObject({ status: 400, body: { ok: false, error: { code: 'INVALID_INPUT' } } });
    expect(await balance(payer)).toMatchObject({ available_urtc: '10000000', locked_urtc: '0' });
  });
});

describe('release', () => {
  it('pays the provider in full, once; a replay is 200 and moves nothing', async () => {
    const payer = await funded('10');
    const provider = newWallet();
    const job_id = await locked(payer, provider, '4000000');
    const r = await call(url, 'POST', '/render/release', signedReleaseBody(payer, { job_id }));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      ok: true,
      changed: true,
      status: 'released',
      released_urtc: '4000000',
      refunded_urtc: '0',
      settled_by: 'payer',
    });
    expect(typeof r.body.released_at).toBe('number');
    expect(await balance(provider)).toMatchObject({ available_urtc: '4000000' });
    expect(await balance(payer)).toMatchObject({ available_urtc: '6000000', locked_urtc: '0' });
    const again = await call(url, 'POST', '/render/release', signedReleaseBody(payer, { job_id }));
    expect(again).toMatchObject({ status: 200, body: { changed: false, status: 'released' } });
    expect((await balance(provider)).available_urtc).toBe('4000000');
    const refund = await call(url, 'POST', '/render/refund', signedRefundBody(provider, { job_id }));
    expect(refund).toMatchObject({ status: 409, body: { error: { code: 'INVALID_STATE' } } });
  });

  it('pays a milestone and keeps the rest locked; the last milestone settles it', async () => {
    const payer = await funded('10');
    const provider = newWallet();
    const job_id = await locked(payer, provider, '3000000', 'tts');
    const r = await call(
      url,
      'POST',
      '/voice/release',
      signedReleaseBody(payer, { job_id, job_type: 'tts', amount_urtc: '1250000' }),
    );
    expect(r.body).toMatchObject({
      changed: true,
      status: 'locked',
      released_urtc: '1250000',
      refunded_urtc: '0',
      remaining_urtc: '1750000',
      released_at: null,
      settled_by: null,
    });
    expect(await balance(provider)).toMatchObject({ available_urtc: '1250000' });
    expect(await balance(payer)).toMatchObject({ available_urtc: '7000000', locked_urtc: '1750000' });
    const rest = await call(
      url,
      'POST',
      '/voice/release',
      signedReleaseBody(payer, { job_id, job_type: 'tts', amount_urtc: '1750000' }),
    );
    expect(rest.body).toMatchObject({
      status: 'released',
      released_urtc: '3000000',
      refunded_urtc: '0',
      remaining_urtc: '0',
      settled_by: 'payer',
    });
    expect(typeof rest.body.released_at).toBe('number');
    expect(await balance(provider)).toMatchObject({ available_urtc: '3000000' });
    expect(await balance(payer)).toMatchObject({ available_urtc: '7000000', locked_urtc: '0' });
  });

  it('refuses a partial release above the locked amount or of zero', async () => {
    const payer = await funded('10');
    const job_id = await locked(payer, newWallet(), '1000000');
    expect(
      (await call(url, 'POST', '/render/release', signedReleaseBody(payer, { job_id, amount_urtc: '1000001' }))).body
        .error.code,
    ).toBe('INVALID_INPUT');
    expect(
      (await call(url, 'POST', '/render/release', signedReleaseBody(payer, { job_id, amount_urtc: '0' }))).body.error
        .code,
    ).toBe('INVALID_INPUT');
    expect((await call(url, 'GET', `/render/escrow/${job_id}`)).body.status).toBe('locked');
  });

  it('only the payer or the operator may release; a wrong path is JOB_TYPE_MISMATCH', async () => {
    const payer = await funded('10');
    const provider = newWallet();
    const job_id = await locked(payer, provider, '1000000', 'llm');
    expect(
      await call(url, 'POST', '/llm/release', signedReleaseBody(provider, { job_id, job_type: 'llm' })),
    ).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN' } },
    });
    expect((await call(url, 'POST', '/render/release', signedReleaseBody(payer, { job_id }))).body.error.code).toBe(
      'JOB_TYPE_MISMATCH',
    );
    expect(
      (await call(url, 'POST', '/voice/release', signedReleaseBody(payer, { job_id, job_type: 'llm' }))).body.error
        .code,
    ).toBe('JOB_TYPE_MISMATCH');
    expect(
      (await call(url, 'POST', '/llm/release', { job_id }, { 'x-admin-key': 'wrong-key-wrong-key-wrong-key-wrong' }))
        .body.error.code,
    ).toBe('UNAUTHORIZED');
    const byOperator = await call(url, 'POST', '/llm/release', { job_id }, asOperator);
    expect(byOperator.body).toMatchObject({ status: 'released', settled_by: 'operator' });
    expect((await balance(provider)).available_urtc).toBe('1000000');
  });

  it('answers NOT_FOUND for an unknown job and consumes no nonce on failure', async () => {
    const payer = await funded('10');
    const nonce = newNonce();
    expect(
      await call(url, 'POST', '/render/release', signedReleaseBody(payer, { job_id: newJobId(), nonce })),
    ).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });
    const job_id = await locked(payer, newWallet());
    expect((await call(url, 'POST', '/render/release', signedReleaseBody(payer, { job_id, nonce }))).status).toBe(200);
    expect((await call(url, 'GET', '/render/escrow/no-such-job')).status).toBe(404);
    expect((await call(url, 'GET', '/render/escrow/%E0%A4%A')).status).toBe(400);
  });

  it('refuses a replayed release signature on another job (the nonce is spent)', async () => {
    const payer = await funded('10');
    const provider = newWallet();
    const first = await locked(payer, provider);
    const nonce = newNonce();
    expect(
      (await call(url, 'POST', '/render/release', signedReleaseBody(payer, { job_id: first, nonce }))).status,
    ).toBe(200);
    const second = await locked(payer, provider);
    const replay = await call(url, 'POST', '/render/release', signedReleaseBody(payer, { job_id: second, nonce }));
    expect(replay).toMatchObject({ status: 409, body: { error: { code: 'NONCE_REUSED' } } });
    expect((await call(url, 'GET', `/render/escrow/${second}`)).body.status).toBe('locked');
  });
});

describe('refund', () => {
  it('the provider may refund at any time; the money returns to the payer', async () => {
    const payer = await funded('10');
    const provider = newWallet();
    const job_id = await locked(payer, provider, '5000000', 'stt');
    const r = await call(
      url,
      'POST',
      '/voice/refund',
      signedRefundBody(provider, { job_id, job_type: 'stt', reason: 'gpu fault' }),
    );
    expect(r.body).toMatchObject({
      status: 'refunded',
      refunded_urtc: '5000000',
      released_urtc: '0',
      refund_reason: 'gpu fault',
      settled_by: 'provider',
    });
    expect(await balance(payer)).toMatchObject({ available_urtc: '10000000', locked_urtc: '0' });
    expect(
      (await call(url, 'POST', '/voice/refund', signedRefundBody(provider, { job_id, job_type: 'stt' }))).body.changed,
    ).toBe(false);
    expect(
      (await call(url, 'POST', '/voice/release', signedReleaseBody(payer, { job_id, job_type: 'stt' }))).body.error
        .code,
    ).toBe('INVALID_STATE');
  });

  it('the payer may not refund before expiry; a stranger never', async () => {
    const payer = await funded('10');
    const provider = newWallet();
    const job_id = await locked(payer, provider);
    expect(await call(url, 'POST', '/render/refund', signedRefundBody(payer, { job_id }))).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN' } },
    });
    expect((await call(url, 'POST', '/render/refund', signedRefundBody(newWallet(), { job_id }))).body.error.code).toBe(
      'FORBIDDEN',
    );
    expect((await call(url, 'POST', '/render/refund', { job_id })).body.error.code).toBe('INVALID_SIGNATURE');
    expect((await call(url, 'POST', '/render/refund', { job_id, reason: 'dispute' }, asOperator)).body).toMatchObject({
      status: 'refunded',
      settled_by: 'operator',
      refund_reason: 'dispute',
    });
  });
});

describe('routing', () => {
  it('answers 404 with the error shape for unknown paths and methods', async () => {
    expect(await call(url, 'GET', '/nope')).toMatchObject({
      status: 404,
      body: { ok: false, error: { code: 'NOT_FOUND' } },
    });
    expect((await call(url, 'GET', '/render/escrow')).status).toBe(404);
  });

  it('answers 413 PAYLOAD_TOO_LARGE for a body above 64 KB, moving nothing', async () => {
    const w = newWallet();
    const r = await call(
      url,
      'POST',
      '/wallet/deposit',
      { wallet: w.address, amount_rtc: 1, reference: newNonce(), pad: 'p'.repeat(64 * 1024) },
      asOperator,
    );
    expect(r).toMatchObject({ status: 413, body: { ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } } });
    expect((await balance(w)).available_urtc).toBe('0');
  });
});

describe('lock metadata', () => {
  const lockWith = (payer: Wallet, job_id: string, to: string, extra: Record<string, unknown>) =>
    signedLockBody(payer, { job_id, to_wallet: to, amount_urtc: '1000' }, extra);

  it('is bound by metadata_sha256: a relay cannot rewrite, add or drop it', async () => {
    const payer = await funded('1');
    const to = newWallet().address;
    const job_id = newJobId();
    const body = lockWith(payer, job_id, to, { metadata: { scene: 'a', frames: 240 } });
    const rewritten = await call(url, 'POST', '/render/escrow', { ...body, metadata: { scene: 'b', frames: 240 } });
    expect(rewritten).toMatchObject({ status: 401, body: { error: { code: 'INVALID_SIGNATURE' } } });
    const { metadata: _m, ...dropped } = body;
    expect((await call(url, 'POST', '/render/escrow', dropped)).body.error.code).toBe('INVALID_SIGNATURE');
    const plain = lockWith(payer, newJobId(), to, {});
    expect((await call(url, 'POST', '/render/escrow', { ...plain, metadata: { added: true } })).body.error.code).toBe(
      'INVALID_SIGNATURE',
    );
    expect(await balance(payer)).toMatchObject({ available_urtc: '1000000', locked_urtc: '0' });
    expect(await call(url, 'POST', '/render/escrow', body)).toMatchObject({
      status: 201,
      body: { metadata: { scene: 'a', frames: 240 } },
    });
  });

  it('accepts the hash over the Python wallets byte form (non-ASCII escaped)', async () => {
    const payer = await funded('1');
    const metadata = { title: 'Café 🎬' };
    const pythonHash = createHash('sha256').update(canonicalJson(metadata, 'python')).digest('hex');
    expect(pythonHash).not.toBe(createHash('sha256').update(canonicalJson(metadata)).digest('hex'));
    const body = lockWith(payer, newJobId(), newWallet().address, { metadata, metadata_sha256: pythonHash });
    expect(body).not.toHaveProperty('metadata_sha256');
    expect((await call(url, 'POST', '/render/escrow', body)).status).toBe(201);
  });

  it('refuses floats in metadata, whose bytes differ between languages', async () => {
    const payer = await funded('1');
    const r = await call(
      url,
      'POST',
      '/render/escrow',
      lockWith(payer, newJobId(), newWallet().address, { metadata: { ratio: 1.5 } }),
    );
    expect(r).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT' } } });
  });

  it('names the differing term in IDEMPOTENCY_CONFLICT, metadata and ttl included', async () => {
    const payer = await funded('1');
    const to = newWallet().address;
    const job_id = newJobId();
    expect(
      (await call(url, 'POST', '/render/escrow', lockWith(payer, job_id, to, { metadata: { v: 1 } }))).status,
    ).toBe(201);
    const other = await call(url, 'POST', '/render/escrow', lockWith(payer, job_id, to, { metadata: { v: 2 } }));
    expect(other).toMatchObject({
      status: 409,
      body: { error: { code: 'IDEMPOTENCY_CONFLICT', message: expect.stringContaining('metadata') } },
    });
    const ttl = signedLockBody(
      payer,
      { job_id, to_wallet: to, amount_urtc: '1000', ttl_s: '60' },
      { metadata: { v: 1 } },
    );
    const r = await call(url, 'POST', '/render/escrow', ttl);
    expect(r.body.error).toMatchObject({
      code: 'IDEMPOTENCY_CONFLICT',
      message: expect.stringMatching(/ttl_s 86400, not 60/),
    });
    expect(
      (await call(url, 'POST', '/render/escrow', lockWith(payer, job_id, to, { metadata: { v: 1 } }))).status,
    ).toBe(200);
  });
});

describe('small-order keys', () => {
  it('the wallet of the identity key cannot be spent with the zero signature that OpenSSL accepts', async () => {
    const identity = `01${'00'.repeat(31)}`;
    const address = addressFromPublicKey(identity);
    expect((await deposit(url, address, '5')).status).toBe(201);
    const thief = newWallet();
    const fields = {
      job_id: newJobId(),
      job_type: 'render',
      from_wallet: address,
      to_wallet: thief.address,
      amount_urtc: '5000000',
      nonce: newNonce(),
    };
    const r = await call(url, 'POST', '/render/escrow', {
      ...fields,
      public_key: identity,
      signature: identity + '00'.repeat(32),
    });
    expect(r).toMatchObject({ status: 401, body: { error: { code: 'INVALID_SIGNATURE' } } });
    const left = await call(url, 'GET', `/wallet/balance?wallet=${address}`);
    expect(left.body).toMatchObject({ available_urtc: '5000000', locked_urtc: '0' });
  });
});
