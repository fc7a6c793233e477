/**
 * Random sequences of deposits, locks, full and partial releases, refunds, expiries and replays.
 * After every step: no balance is negative, every balance is what the journal says, and available
 * plus locked money equals deposits.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarketError } from '../src/domain/errors.js';
import type { Wallet } from '../src/domain/signatures.js';
import { lockRequestSchema, refundRequestSchema, releaseRequestSchema } from '../src/escrow/requests.js';
import { depositRequestSchema } from '../src/wallet/service.js';
import { ADMIN_KEY, createInMemoryServices, newWallet } from './support/market.js';

const WALLETS: Wallet[] = Array.from({ length: 3 }, () => newWallet());
const JOB_TYPES = ['render', 'tts', 'stt', 'llm'] as const;

const walletIdx = fc.integer({ min: 0, max: WALLETS.length - 1 });
const jobIdx = fc.integer({ min: 0, max: 7 });
const amount = fc.oneof(fc.bigInt({ min: 1n, max: 5_000_000n }), fc.constantFrom(1n, 1_000_000n, 8_388_608_000_000n));

const step = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deposit' as const), wallet: walletIdx, amount, ref: fc.integer({ min: 0, max: 4 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('lock' as const),
      payer: walletIdx,
      provider: walletIdx,
      amount: fc.oneof(fc.bigInt({ min: 1n, max: 3_000_000n }), fc.constantFrom(1n, 10_000_000n)),
      job: jobIdx,
      jobType: fc.constantFrom(...JOB_TYPES),
      ttl: fc.constantFrom(undefined, 5, 60, 3600),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('release' as const), job: jobIdx, part: fc.option(fc.bigInt({ min: 0n, max: 3_000_000n })), byOperator: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('refund' as const), job: jobIdx, by: fc.constantFrom('provider' as const, 'payer' as const, 'operator' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), seconds: fc.integer({ min: 1, max: 4000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replay' as const) }) },
);
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

async function runSequence(steps: Step[]) {
  let now = 1_800_000_000;
  const services = createInMemoryServices(() => now);
  const { db, escrows, wallets } = services;
  const parties = new Map<string, { payer: Wallet; provider: Wallet; jobType: string }>();
  let nonce = 0;
  let last: (() => unknown) | undefined;
  const runId = Math.random().toString(36).slice(2, 8);
  const jobId = (i: number) => `job-${runId}-${i}`;

  const sumAvailable = db.prepare('SELECT address, available_urtc, locked_urtc FROM wallets');
  const flowsIn = db.prepare('SELECT COALESCE(SUM(amount_urtc), 0) FROM journal WHERE to_account = ?').pluck();
  const flowsOut = db.prepare('SELECT COALESCE(SUM(amount_urtc), 0) FROM journal WHERE from_account = ?').pluck();
  const lockedByPayer = db.prepare("SELECT COALESCE(SUM(amount_urtc), 0) FROM render_escrow WHERE from_wallet = ? AND status = 'locked'").pluck();
  const depositTotal = db.prepare('SELECT COALESCE(SUM(amount_urtc), 0) FROM deposits').pluck();
  const escrowHeld = db.prepare(
    "SELECT COALESCE(SUM(CASE WHEN to_account LIKE 'escrow:%' THEN amount_urtc ELSE -amount_urtc END), 0) FROM journal WHERE to_account LIKE 'escrow:%' OR from_account LIKE 'escrow:%'",
  ).pluck();

  const checkInvariants = () => {
    let total = 0n;
    for (const row of sumAvailable.all() as { address: string; available_urtc: bigint; locked_urtc: bigint }[]) {
      expect(row.available_urtc).toBeGreaterThanOrEqual(0n);
      expect(row.locked_urtc).toBeGreaterThanOrEqual(0n);
      expect(row.available_urtc).toBe((flowsIn.get(row.address) as bigint) - (flowsOut.get(row.address) as bigint));
      expect(row.locked_urtc).toBe(lockedByPayer.get(row.address));
      total += row.available_urtc + row.locked_urtc;
    }
    expect(total).toBe(depositTotal.get());
    const locked = db.prepare("SELECT COALESCE(SUM(amount_urtc), 0) FROM render_escrow WHERE status = 'locked'").pluck().get() as bigint;
    expect(escrowHeld.get()).toBe(locked);
  };

  const attempt = async (fn: () => unknown) => {
    try {
      await fn();
    } catch (error) {
      if (!(error instanceof MarketError)) throw error; // only the contract's refusals are expected
    }
  };

  for (const s of steps) {
    let action: (() => unknown) | undefined;
    switch (s.kind) {
      case 'deposit':
        action = () =>
          wallets.deposit(depositRequestSchema.parse({ wallet: WALLETS[s.wallet]!.address, amountUrtc: s.amount.toString(), reference: `ref-${runId}-${s.ref}` }), ADMIN_KEY);
        break;
      case 'lock': {
        const payer = WALLETS[s.payer]!;
        const provider = WALLETS[s.provider]!;
        const n = `n${++nonce}`;
        const fields: Record<string, string> & { action: string } = {
          action: 'escrow.lock',
          job_id: jobId(s.job),
          job_type: s.jobType,
          from_wallet: payer.address,
          to_wallet: provider.address,
          amount_urtc: s.amount.toString(),
          nonce: n,
        };
        if (s.ttl !== undefined) fields.ttl_s = String(s.ttl);
        const signature = payer.sign(fields);
        action = async () => {
          const parsed = lockRequestSchema.safeParse({
            jobId: fields.job_id,
            jobType: s.jobType,
            fromWallet: payer.address,
            toWallet: provider.address,
            amountUrtc: fields.amount_urtc,
            ttlS: s.ttl,
            nonce: n,
            publicKey: payer.publicKey,
            signature,
          });
          if (!parsed.success) return; // payer = provider: refused at the door
          const r = await escrows.lock(parsed.data);
          if (r.changed) parties.set(fields.job_id!, { payer, provider, jobType: s.jobType });
        };
        break;
      }
      case 'release': {
        const id = jobId(s.job);
        const p = parties.get(id);
        if (!p) break;
        const n = `n${++nonce}`;
        const amountUrtc = s.part === null ? undefined : s.part.toString();
        const fields: Record<string, string> & { action: string } = { action: 'escrow.release', job_id: id, job_type: p.jobType, nonce: n };
        if (amountUrtc !== undefined) fields.amount_urtc = amountUrtc;
        const signature = p.payer.sign(fields);
        action = () => {
          const parsed = releaseRequestSchema.safeParse({ jobId: id, jobType: p.jobType, amountUrtc, nonce: s.byOperator ? undefined : n, publicKey: p.payer.publicKey, signature });
          if (!parsed.success) return; // a partial release of zero
          return escrows.release(parsed.data, s.byOperator ? { adminKey: ADMIN_KEY } : {});
        };
        break;
      }
      case 'refund': {
        const id = jobId(s.job);
        const p = parties.get(id);
        if (!p) break;
        const n = `n${++nonce}`;
        const signer = s.by === 'payer' ? p.payer : p.provider;
        const fields = { action: 'escrow.refund', job_id: id, job_type: p.jobType, nonce: n };
        const signature = signer.sign(fields);
        action = () =>
          escrows.refund(refundRequestSchema.parse({ jobId: id, jobType: p.jobType, nonce: n, publicKey: signer.publicKey, signature }), s.by === 'operator' ? { adminKey: ADMIN_KEY } : {});
        break;
      }
      case 'advance':
        action = () => {
          now += s.seconds;
          return escrows.expireDue();
        };
        break;
      case 'replay':
        action = last;
        break;
    }
    if (!action) continue;
    await attempt(action);
    checkInvariants();
    if (s.kind !== 'replay' && s.kind !== 'advance') last = action;
  }
  db.close();
}

describe('ledger properties', () => {
  it('keeps balances non-negative, journal-consistent and conserved over 1,000 random sequences', async () => {
    await fc.assert(
      fc.asyncProperty(
        // Each sequence starts by funding every wallet, so that locks and settlements are exercised.
        fc.tuple(...WALLETS.map(() => fc.bigInt({ min: 1n, max: 20_000_000n }))),
        fc.array(step, { minLength: 10, maxLength: 40 }),
        (funding, steps) =>
          runSequence([...funding.map((amount, wallet) => ({ kind: 'deposit' as const, wallet, amount, ref: 100 + wallet })), ...steps]),
      ),
      { numRuns: 1000 },
    );
  });
});
