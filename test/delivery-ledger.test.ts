/**
 * The ledger's write-side guards for milestones, deliveries, disputes and settlements (src/ledger.ts), on their
 * own: each UPDATE is guarded on the state its caller read, so a caller holding a stale escrow record (another
 * request or another instance's sweep won since) is refused with an invariant violation and nothing moves, even
 * without the service's own checks in front of it.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { expectLedgerSound } from './support/database.js';
import { newWallet, openTestServices } from './support/market.js';

const now = 1_800_000_000;

async function deliveredEscrow() {
  const services = await openTestServices(() => now);
  onTestFinished(() => services.close());
  const { ledger } = services;
  const [payer, provider] = [newWallet().address, newWallet().address];
  await ledger.write(() => ledger.deposit(payer, 1000n, 'ref', now));
  const terms = {
    jobType: 'render',
    fromWallet: payer,
    toWallet: provider,
    expiresAt: now + 600,
    metadata: null,
    units: null,
    unitPriceUrtc: null,
    reviewWindowS: 60,
  };
  const locked = (await ledger.write(() => ledger.lock({ ...terms, jobId: 'job-1', amountUrtc: 500n }, now)))!;
  return { ...services, payer, provider, locked };
}

const violation = (rule: string) => expect.objectContaining({ name: 'InvariantViolation', rule });

describe('ledger guards on a stale escrow record', () => {
  it('settle: a second settlement from the same record is I7 and moves nothing', async () => {
    const { sql, ledger, locked, payer, provider } = await deliveredEscrow();
    const delivered = await ledger.write(() =>
      ledger.deliver(locked, { claimedUrtc: 300n, resultHash: 'a'.repeat(64), resultUri: null }, now),
    );
    await ledger.write(() =>
      ledger.settle(
        delivered,
        { status: 'released', paidUrtc: 300n, refundedUrtc: 200n, reason: null, settledBy: 'auto' },
        now + 60,
      ),
    );
    await expect(
      ledger.write(() =>
        ledger.settle(
          delivered,
          { status: 'refunded', paidUrtc: 0n, refundedUrtc: 500n, reason: null, settledBy: 'provider' },
          now + 61,
        ),
      ),
    ).rejects.toEqual(violation('I7'));
    expect(await ledger.read(() => ledger.findWallet(payer))).toMatchObject({ availableUrtc: 700n, lockedUrtc: 0n });
    expect(await ledger.read(() => ledger.findWallet(provider))).toMatchObject({ availableUrtc: 300n });
    await expectLedgerSound({ sql });
  });

  it('milestone: a payment from a record read before another milestone is I7', async () => {
    const { sql, ledger, locked, provider } = await deliveredEscrow();
    await ledger.write(() => ledger.payMilestone(locked, 100n, now));
    await expect(ledger.write(() => ledger.payMilestone(locked, 100n, now))).rejects.toEqual(violation('I7'));
    await expect(
      ledger.write(function* () {
        return yield* ledger.payMilestone((yield* ledger.findEscrow('job-1'))!, 400n, now);
      }),
    ).rejects.toEqual(violation('I4')); // all of it is a settlement
    expect(await ledger.read(() => ledger.findWallet(provider))).toMatchObject({ availableUrtc: 100n });
    await expectLedgerSound({ sql });
  });

  it('deliver and dispute: once, and only within their deadlines', async () => {
    const { sql, ledger, locked } = await deliveredEscrow();
    await expect(
      ledger.write(() =>
        ledger.deliver(locked, { claimedUrtc: 1n, resultHash: 'a'.repeat(64), resultUri: null }, now + 600),
      ),
    ).rejects.toEqual(violation('I7')); // expired
    await expect(
      ledger.write(() =>
        ledger.deliver(locked, { claimedUrtc: 501n, resultHash: 'a'.repeat(64), resultUri: null }, now),
      ),
    ).rejects.toEqual(violation('I7')); // claims too much
    const delivered = await ledger.write(() =>
      ledger.deliver(locked, { claimedUrtc: 500n, resultHash: 'a'.repeat(64), resultUri: null }, now),
    );
    expect(delivered).toMatchObject({ status: 'delivered', reviewUntil: now + 60, claimedUrtc: 500n });
    await expect(
      ledger.write(() => ledger.deliver(locked, { claimedUrtc: 1n, resultHash: 'b'.repeat(64), resultUri: null }, now)),
    ).rejects.toEqual(violation('I7'));
    await expect(ledger.write(() => ledger.dispute(delivered, 'late', now + 60))).rejects.toEqual(violation('I7')); // review over
    expect(await ledger.write(() => ledger.dispute(delivered, 'late', now + 59))).toMatchObject({
      status: 'disputed',
      disputeReason: 'late',
    });
    await expectLedgerSound({ sql });
  });
});
