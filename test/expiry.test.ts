/** Expiry: after `expires_at` a locked escrow goes back to the payer, by the sweeper or by the payer. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockRequestSchema, refundRequestSchema, releaseRequestSchema } from '../src/escrow/requests.js';
import type { Market } from '../src/market.js';
import { depositRequestSchema } from '../src/wallet/service.js';
import { ADMIN_KEY, newJobId, newNonce, newWallet, openTestMarket, startTestServer } from './support/market.js';
import { call, deposit, signedLockBody } from './support/rest.js';
import type { Wallet } from '../src/domain/signatures.js';
import { expectLedgerSound } from './support/database.js';

async function lock(market: Market, payer: Wallet, to: string, ttlS: number, amountUrtc = '1000000') {
  const jobId = newJobId();
  const nonce = newNonce();
  const action = {
    action: 'escrow.lock',
    job_id: jobId,
    job_type: 'render',
    from_wallet: payer.address,
    to_wallet: to,
    amount_urtc: amountUrtc,
    nonce,
    ttl_s: String(ttlS),
  };
  const req = lockRequestSchema.parse({
    jobId,
    jobType: 'render',
    fromWallet: payer.address,
    toWallet: to,
    amountUrtc,
    ttlS,
    nonce,
    publicKey: payer.publicKey,
    signature: payer.sign(action),
  });
  return (await market.escrows.lock(req)).escrow;
}

describe('expiry', () => {
  let now = 1_900_000_000;
  let market: Market;
  beforeAll(async () => {
    market = await openTestMarket({ clock: () => now });
  });
  afterAll(async () => {
    await expectLedgerSound(market);
    await market.close();
  });
  const payer = newWallet();
  const provider = newWallet();
  beforeAll(() =>
    market.wallets.deposit(
      depositRequestSchema.parse({ wallet: payer.address, amountRtc: '10', reference: newNonce() }),
      ADMIN_KEY,
    ),
  );

  it('refunds expired escrows with reason "expired", and only those', async () => {
    const short = await lock(market, payer, provider.address, 60);
    const long = await lock(market, payer, provider.address, 3600);
    now += 59;
    expect(await market.escrows.expireDue()).toBe(0);
    now += 1;
    expect(await market.escrows.expireDue()).toBe(1);
    expect(await market.escrows.find(short.jobId)).toMatchObject({
      status: 'refunded',
      refundReason: 'expired',
      settledBy: 'sweeper',
      refundedUrtc: 1_000_000n,
    });
    expect((await market.escrows.find(long.jobId))!.status).toBe('locked');
    expect(await market.escrows.expireDue()).toBe(0); // exactly once
    expect(await market.wallets.balance(payer.address)).toMatchObject({
      availableUrtc: 9_000_000n,
      lockedUrtc: 1_000_000n,
    });
  });

  it('lets the payer refund once the escrow has expired, and not a second before', async () => {
    const e = await lock(market, payer, provider.address, 100);
    const refund = () => {
      const nonce = newNonce();
      const action = { action: 'escrow.refund', job_id: e.jobId, job_type: 'render', nonce };
      return market.escrows.refund(
        refundRequestSchema.parse({
          jobId: e.jobId,
          jobType: 'render',
          nonce,
          publicKey: payer.publicKey,
          signature: payer.sign(action),
        }),
        {},
      );
    };
    now += 99;
    await expect(refund()).rejects.toThrow(/only after the escrow expires/);
    now += 1;
    expect(await refund()).toMatchObject({ changed: true, escrow: { status: 'refunded', settledBy: 'payer' } });
  });

  it('still lets the payer release an expired escrow that the sweeper has not reached', async () => {
    const e = await lock(market, payer, provider.address, 10);
    now += 20;
    const nonce = newNonce();
    const action = { action: 'escrow.release', job_id: e.jobId, job_type: 'render', nonce };
    const r = await market.escrows.release(
      releaseRequestSchema.parse({
        jobId: e.jobId,
        jobType: 'render',
        nonce,
        publicKey: payer.publicKey,
        signature: payer.sign(action),
      }),
      {},
    );
    expect(r.escrow.status).toBe('released');
    expect(await market.escrows.expireDue()).toBe(0);
  });
});

describe('the background sweeper', () => {
  it('refunds an expired escrow on a running server without any request', async () => {
    const server = await startTestServer({ sweepIntervalMs: 100 });
    try {
      const payer = newWallet();
      await deposit(server.url, payer.address, '3');
      const job_id = newJobId();
      expect(
        (
          await call(
            server.url,
            'POST',
            '/render/escrow',
            signedLockBody(payer, { job_id, to_wallet: newWallet().address, amount_urtc: '2000000', ttl_s: '1' }),
          )
        ).status,
      ).toBe(201);
      let escrow: any;
      for (let i = 0; i < 60; i++) {
        escrow = (await call(server.url, 'GET', `/render/escrow/${job_id}`)).body;
        if (escrow.status !== 'locked') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(escrow).toMatchObject({ status: 'refunded', refund_reason: 'expired', refunded_urtc: '2000000' });
      expect((await call(server.url, 'GET', `/wallet/balance?wallet=${payer.address}`)).body).toMatchObject({
        available_urtc: '3000000',
        locked_urtc: '0',
      });
      await expectLedgerSound(server.market);
    } finally {
      await server.close();
    }
  });
});
