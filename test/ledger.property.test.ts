/**
 * Model-based property test of the money services. A small in-memory model (balances, escrows, used
 * nonces, deposits by reference, the clock) predicts for every random step its answer: `changed`,
 * `unchanged` (an idempotent replay), or the exact error code, in the contract's order (shape, signature,
 * authority, state). The test sends the same request to the real services, expects the real answer to
 * equal the prediction, audits the ledger (src/ledger-invariants.ts) and compares every balance
 * and escrow with the model. An invariant-only test would pass if every valid release were refused.
 *
 * The model follows the contract's table "Who may do what, in each state": a payer's release below what remains
 * of a locked escrow is a milestone payment (the rest stays locked); the provider delivers (with a claim) before
 * expiry; the payer accepts (the claim or more, the rest back) or disputes before the review ends; the operator
 * resolves a dispute with a split; the sweeper refunds never-delivered escrows after expiry and pays the claim at
 * the end of review. A replay of a lock with the same terms (ttl_s and review_window_s included) is unchanged
 * whatever its nonce; a retried milestone, delivery or dispute is NONCE_REUSED (checked before INVALID_STATE and
 * the amounts); a repeat of a final state is unchanged. The clock is the test's: `advance` steps move it.
 *
 * Reproduce a failure with LEDGER_PROPERTY_SEED=<seed> (and LEDGER_PROPERTY_PATH=<path> to replay the
 * shrunk case alone), both printed by fast-check; LEDGER_PROPERTY_RUNS sets the number of sequences.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarketError, type ErrorCode } from '../src/domain/errors.js';
import { DEFAULT_TTL_S, JOB_TYPES, type JobType } from '../src/domain/fields.js';
import type { Wallet } from '../src/domain/signatures.js';
import {
  deliverRequestSchema,
  disputeRequestSchema,
  lockRequestSchema,
  refundRequestSchema,
  releaseRequestSchema,
  resolveRequestSchema,
  REVIEW_WINDOW_S_DEFAULT,
} from '../src/escrow/requests.js';
import { depositRequestSchema } from '../src/wallet/service.js';
import { expectLedgerSound, queryValue } from './support/database.js';
import { ADMIN_KEY, newWallet, openTestServices, propertyTimeoutMs } from './support/market.js';

const RUNS_DEFAULT = 300;
const RUNS = Number(process.env.LEDGER_PROPERTY_RUNS ?? RUNS_DEFAULT);
const SEED = process.env.LEDGER_PROPERTY_SEED === undefined ? undefined : Number(process.env.LEDGER_PROPERTY_SEED);
const PATH = process.env.LEDGER_PROPERTY_PATH;

/** Four wallets: each may pay, provide, or sign what it should not. */
const WALLETS: Wallet[] = Array.from({ length: 4 }, () => newWallet());
const DOORS: (readonly JobType[] | undefined)[] = [undefined, ['render'], ['tts', 'stt'], ['llm']];
const WRONG_ADMIN_KEY = 'not-the-operator-key-0123456789abcdef';
const RESULT_HASH = 'a'.repeat(64);

// ---------------------------------------------------------------------------------------------------
// Requests: what is sent, fully resolved (wallets by index, amounts, nonce strings).
// ---------------------------------------------------------------------------------------------------

/** Signed by `signer`'s key but presenting `keyOf`'s public key (a forgery when they differ); or the operator's key; or nothing. */
type Auth = { signer: number; keyOf: number } | { adminKey: string } | { unsigned: true };

type Request =
  | { kind: 'deposit'; wallet: number; amount: bigint; reference: string; adminKey: string }
  | {
      kind: 'lock';
      jobId: string;
      jobType: JobType;
      payer: number;
      provider: number;
      amount: bigint;
      ttlS?: number;
      reviewWindowS?: number;
      nonce: string;
      signer: number;
      keyOf: number;
      door?: readonly JobType[];
    }
  | {
      kind: 'release';
      jobId: string;
      jobType: JobType;
      amount?: bigint;
      nonce?: string;
      auth: Auth;
      door?: readonly JobType[];
    }
  | { kind: 'refund'; jobId: string; jobType: JobType; nonce?: string; auth: Auth; door?: readonly JobType[] }
  | {
      kind: 'deliver';
      jobId: string;
      jobType: JobType;
      claimed?: bigint;
      uri?: string;
      nonce?: string;
      auth: Auth;
      door?: readonly JobType[];
    }
  | {
      kind: 'dispute';
      jobId: string;
      jobType: JobType;
      reason: string;
      nonce?: string;
      auth: Auth;
      door?: readonly JobType[];
    }
  | { kind: 'resolve'; jobId: string; release: bigint; adminKey: string }
  | { kind: 'advance'; seconds: number }
  | { kind: 'sweep' };

// ---------------------------------------------------------------------------------------------------
// The model.
// ---------------------------------------------------------------------------------------------------

interface ModelEscrow {
  jobType: JobType;
  payer: number;
  provider: number;
  amount: bigint;
  /** The lock's ttl_s and review_window_s as signed: a replay with another is a conflict. */
  ttlS: number;
  reviewWindowS: number;
  expiresAt: number;
  status: 'locked' | 'delivered' | 'disputed' | 'released' | 'refunded';
  /** Paid to the provider so far, milestones included. */
  released: bigint;
  refunded: bigint;
  settledBy: string | null;
  refundReason: string | null;
  deliveredAt: number | null;
  reviewUntil: number | null;
  claimed: bigint | null;
  disputedAt: number | null;
}

const OPEN = ['locked', 'delivered', 'disputed'];
const remainingOf = (e: ModelEscrow) => e.amount - e.released - e.refunded;

interface Model {
  now: number;
  available: bigint[];
  locked: bigint[];
  escrows: Map<string, ModelEscrow>;
  /** `${signer index}:${nonce}` */
  nonces: Set<string>;
  /** The nonce each signer used last, by wallet index: what a step that reuses a nonce sends. */
  lastNonce: (string | undefined)[];
  deposits: Map<string, { wallet: number; amount: bigint }>;
}

/** `changed`, `unchanged`, an error code, or for a sweep `expired <n>`; `why` names the rule that decided it. */
interface Prediction {
  outcome: string;
  why?: string;
}

const fail = (code: ErrorCode, why?: string): Prediction => ({ outcome: code, why });
const unchanged = (why?: string): Prediction => ({ outcome: 'unchanged', why });

/** The caller as the service identifies it: the operator, a verified signer, or the error that stops it first. */
function identify(auth: Auth, nonce: string | undefined): { operator: true } | { signer: number } | Prediction {
  if ('adminKey' in auth)
    return auth.adminKey === ADMIN_KEY ? { operator: true } : fail('UNAUTHORIZED', 'wrong operator key');
  if ('unsigned' in auth) return fail('INVALID_SIGNATURE', 'no signature');
  if (nonce === undefined) return fail('INVALID_INPUT', 'signed without a nonce');
  if (auth.signer !== auth.keyOf) return fail('INVALID_SIGNATURE', 'forged');
  return { signer: auth.signer };
}

function useNonce(m: Model, signer: number, nonce: string) {
  m.nonces.add(`${signer}:${nonce}`);
  m.lastNonce[signer] = nonce;
}

/** Final: `paid` more to the provider, the rest of what the escrow holds back to the payer. */
function settle(
  m: Model,
  e: ModelEscrow,
  paid: bigint,
  settledBy: string,
  reason: string | null,
  status: 'released' | 'refunded',
) {
  const remaining = remainingOf(e);
  e.status = status;
  e.released += paid;
  e.refunded = remaining - paid;
  e.settledBy = settledBy;
  e.refundReason = reason;
  m.locked[e.payer]! -= remaining;
  m.available[e.payer]! += e.refunded;
  m.available[e.provider]! += paid;
}

function payMilestone(m: Model, e: ModelEscrow, paid: bigint) {
  e.released += paid;
  m.locked[e.payer]! -= paid;
  m.available[e.provider]! += paid;
}

/** The state checks every signed action on an existing escrow shares: door, job type. */
function wrongTarget(e: ModelEscrow, r: { jobType: JobType; door?: readonly JobType[] }): Prediction | null {
  if (r.door && !r.door.includes(r.jobType)) return fail('JOB_TYPE_MISMATCH', 'door');
  if (e.jobType !== r.jobType) return fail('JOB_TYPE_MISMATCH', 'escrow type');
  return null;
}

function nonceReused(m: Model, signer: number, nonce: string | undefined): Prediction | null {
  return m.nonces.has(`${signer}:${nonce}`) ? fail('NONCE_REUSED') : null;
}

/** Predicts the answer to `r` and, when it changes state, applies the change to the model. */
function predict(m: Model, r: Request): Prediction {
  switch (r.kind) {
    case 'deposit': {
      if (r.adminKey !== ADMIN_KEY) return fail('UNAUTHORIZED', 'wrong operator key');
      const existing = m.deposits.get(r.reference);
      if (existing) {
        return existing.wallet === r.wallet && existing.amount === r.amount
          ? unchanged('same reference and fields')
          : fail('IDEMPOTENCY_CONFLICT', 'same reference, other fields');
      }
      m.deposits.set(r.reference, { wallet: r.wallet, amount: r.amount });
      m.available[r.wallet]! += r.amount;
      return { outcome: 'changed' };
    }
    case 'lock': {
      if (r.payer === r.provider) return fail('INVALID_INPUT', 'payer is the provider');
      if (r.signer !== r.keyOf) return fail('INVALID_SIGNATURE', 'forged');
      if (r.signer !== r.payer) return fail('FORBIDDEN', 'not signed by the payer');
      if (r.door && !r.door.includes(r.jobType)) return fail('JOB_TYPE_MISMATCH', 'door');
      const existing = m.escrows.get(r.jobId);
      if (existing) {
        const same =
          existing.jobType === r.jobType &&
          existing.payer === r.payer &&
          existing.provider === r.provider &&
          existing.amount === r.amount &&
          existing.ttlS === (r.ttlS ?? DEFAULT_TTL_S) &&
          existing.reviewWindowS === (r.reviewWindowS ?? REVIEW_WINDOW_S_DEFAULT);
        return same ? unchanged('same terms') : fail('IDEMPOTENCY_CONFLICT', 'other terms');
      }
      if (m.nonces.has(`${r.payer}:${r.nonce}`)) return fail('NONCE_REUSED');
      if (m.available[r.payer]! < r.amount) return fail('INSUFFICIENT_FUNDS');
      useNonce(m, r.payer, r.nonce);
      m.available[r.payer]! -= r.amount;
      m.locked[r.payer]! += r.amount;
      m.escrows.set(r.jobId, {
        jobType: r.jobType,
        payer: r.payer,
        provider: r.provider,
        amount: r.amount,
        ttlS: r.ttlS ?? DEFAULT_TTL_S,
        reviewWindowS: r.reviewWindowS ?? REVIEW_WINDOW_S_DEFAULT,
        expiresAt: m.now + (r.ttlS ?? DEFAULT_TTL_S),
        status: 'locked',
        released: 0n,
        refunded: 0n,
        settledBy: null,
        refundReason: null,
        deliveredAt: null,
        reviewUntil: null,
        claimed: null,
        disputedAt: null,
      });
      return { outcome: 'changed' };
    }
    case 'release': {
      const who = identify(r.auth, r.nonce);
      if ('outcome' in who) return who;
      const e = m.escrows.get(r.jobId);
      if (!e) return fail('NOT_FOUND');
      if ('signer' in who && who.signer !== e.payer) return fail('FORBIDDEN', 'not the payer');
      const wrong = wrongTarget(e, r);
      if (wrong) return wrong;
      if (e.status === 'released') return unchanged('already released');
      if (e.status === 'refunded') return fail('INVALID_STATE', 'already refunded');
      if ('signer' in who && nonceReused(m, who.signer, r.nonce)) return fail('NONCE_REUSED');
      const remaining = remainingOf(e);
      if (r.amount !== undefined && r.amount > remaining) return fail('INVALID_INPUT', 'more than remains');
      const operator = 'operator' in who;
      const reviewed = !operator && e.status !== 'locked'; // the payer accepts a delivery: the claim or more
      const paid = r.amount ?? (reviewed ? e.claimed! : remaining);
      if (reviewed && paid < e.claimed!) return fail('INVALID_INPUT', 'below the claim');
      if ('signer' in who) useNonce(m, who.signer, r.nonce!);
      if (reviewed) {
        const why = `accepts ${e.status === 'disputed' ? 'a disputed' : 'a'} delivery`;
        settle(m, e, paid, 'payer', null, 'released');
        return { outcome: 'changed', why };
      }
      if (paid === remaining) {
        settle(m, e, paid, operator ? 'operator' : 'payer', null, 'released');
        return { outcome: 'changed', why: 'the remainder' };
      }
      if (operator) {
        settle(m, e, paid, 'operator', null, 'released');
        return { outcome: 'changed', why: 'operator split' };
      }
      payMilestone(m, e, paid);
      return { outcome: 'changed', why: 'milestone' };
    }
    case 'refund': {
      const who = identify(r.auth, r.nonce);
      if ('outcome' in who) return who;
      const e = m.escrows.get(r.jobId);
      if (!e) return fail('NOT_FOUND');
      let settledBy = 'operator';
      if ('signer' in who) {
        if (who.signer === e.provider) settledBy = 'provider';
        else if (who.signer !== e.payer) return fail('FORBIDDEN', 'neither party');
        else if (e.deliveredAt !== null) return fail('FORBIDDEN', 'payer after delivery');
        else if (m.now < e.expiresAt) return fail('FORBIDDEN', 'payer before expiry');
        else settledBy = 'payer';
      }
      const wrong = wrongTarget(e, r);
      if (wrong) return wrong;
      if (e.status === 'refunded') return unchanged('already refunded');
      if (e.status === 'released') return fail('INVALID_STATE', 'already released');
      if ('signer' in who) {
        if (nonceReused(m, who.signer, r.nonce)) return fail('NONCE_REUSED');
        useNonce(m, who.signer, r.nonce!);
      }
      const from = e.status;
      settle(m, e, 0n, settledBy, null, 'refunded');
      return { outcome: 'changed', why: `by ${settledBy}${from === 'locked' ? '' : ` when ${from}`}` };
    }
    case 'deliver': {
      if (r.nonce === undefined) return fail('INVALID_INPUT', 'no nonce');
      const who = identify(r.auth, r.nonce);
      if ('outcome' in who) return who;
      if (!('signer' in who)) throw new Error('a delivery is always signed');
      const e = m.escrows.get(r.jobId);
      if (!e) return fail('NOT_FOUND');
      if (who.signer !== e.provider) return fail('FORBIDDEN', 'not the provider');
      const wrong = wrongTarget(e, r);
      if (wrong) return wrong;
      if (nonceReused(m, who.signer, r.nonce)) return fail('NONCE_REUSED');
      if (e.status !== 'locked') return fail('INVALID_STATE', `already ${e.status}`);
      if (m.now >= e.expiresAt) return fail('INVALID_STATE', 'expired');
      const claim = r.claimed ?? remainingOf(e);
      if (claim > remainingOf(e)) return fail('INVALID_INPUT', 'claims more than remains');
      useNonce(m, who.signer, r.nonce);
      e.status = 'delivered';
      e.deliveredAt = m.now;
      e.reviewUntil = m.now + e.reviewWindowS;
      e.claimed = claim;
      return { outcome: 'changed', why: e.released > 0n ? 'after a milestone' : undefined };
    }
    case 'dispute': {
      if (r.nonce === undefined || r.reason === '')
        return fail('INVALID_INPUT', r.nonce === undefined ? 'no nonce' : 'no reason');
      const who = identify(r.auth, r.nonce);
      if ('outcome' in who) return who;
      if (!('signer' in who)) throw new Error('a dispute is always signed');
      const e = m.escrows.get(r.jobId);
      if (!e) return fail('NOT_FOUND');
      if (who.signer !== e.payer) return fail('FORBIDDEN', 'not the payer');
      const wrong = wrongTarget(e, r);
      if (wrong) return wrong;
      if (nonceReused(m, who.signer, r.nonce)) return fail('NONCE_REUSED');
      if (e.status !== 'delivered') return fail('INVALID_STATE', `${e.status}`);
      if (m.now >= e.reviewUntil!) return fail('INVALID_STATE', 'review ended');
      useNonce(m, who.signer, r.nonce);
      e.status = 'disputed';
      e.disputedAt = m.now;
      return { outcome: 'changed' };
    }
    case 'resolve': {
      if (r.adminKey !== ADMIN_KEY) return fail('UNAUTHORIZED', 'wrong operator key');
      const e = m.escrows.get(r.jobId);
      if (!e) return fail('NOT_FOUND');
      if (e.status !== 'disputed') return fail('INVALID_STATE', e.status);
      if (r.release > remainingOf(e)) return fail('INVALID_INPUT', 'more than remains');
      const refunded = remainingOf(e) - r.release;
      settle(m, e, r.release, 'operator', refunded > 0n ? 'dispute' : null, r.release > 0n ? 'released' : 'refunded');
      return { outcome: 'changed', why: r.release === 0n ? 'all back' : refunded === 0n ? 'all paid' : 'split' };
    }
    case 'advance':
      m.now += r.seconds;
      return unchanged();
    case 'sweep': {
      let expired = 0;
      let auto = 0;
      for (const e of m.escrows.values()) {
        if (e.status === 'locked' && e.expiresAt <= m.now) {
          settle(m, e, 0n, 'sweeper', 'expired', 'refunded');
          expired += 1;
        }
      }
      for (const e of m.escrows.values()) {
        if (e.status === 'delivered' && e.reviewUntil! <= m.now) {
          settle(m, e, e.claimed!, 'auto', null, 'released');
          auto += 1;
        }
      }
      return {
        outcome: `expired ${expired}, auto ${auto}`,
        why: [expired > 0 ? 'expired' : '', auto > 0 ? 'auto' : ''].filter(Boolean).join(' and ') || 'nothing due',
      };
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// The real services: the same request, signed as the contract says, and its answer in the same terms.
// ---------------------------------------------------------------------------------------------------

type Services = Awaited<ReturnType<typeof openTestServices>>;

function signed(action: Record<string, string | undefined> & { action: string }, signer: number, keyOf: number) {
  const fields = Object.fromEntries(Object.entries(action).filter(([, v]) => v !== undefined)) as Record<
    string,
    string
  > & { action: string };
  return { publicKey: WALLETS[keyOf]!.publicKey, signature: WALLETS[signer]!.sign(fields) };
}

function authOf(auth: Auth, action: Record<string, string | undefined> & { action: string }) {
  if ('adminKey' in auth) return { caller: { adminKey: auth.adminKey }, proof: {} };
  if ('unsigned' in auth) return { caller: {}, proof: {} };
  return { caller: {}, proof: signed(action, auth.signer, auth.keyOf) };
}

async function execute(s: Services, r: Request, clock: { now: number }): Promise<string> {
  try {
    switch (r.kind) {
      case 'deposit': {
        const req = depositRequestSchema.parse({
          wallet: WALLETS[r.wallet]!.address,
          amountUrtc: r.amount.toString(),
          reference: r.reference,
        });
        return (await s.wallets.deposit(req, r.adminKey)).created ? 'changed' : 'unchanged';
      }
      case 'lock': {
        const [from, to] = [WALLETS[r.payer]!.address, WALLETS[r.provider]!.address];
        const fields = {
          job_id: r.jobId,
          job_type: r.jobType,
          from_wallet: from,
          to_wallet: to,
          amount_urtc: r.amount.toString(),
          nonce: r.nonce,
          ttl_s: r.ttlS?.toString(),
          review_window_s: r.reviewWindowS?.toString(),
        };
        const parsed = lockRequestSchema.safeParse({
          jobId: r.jobId,
          jobType: r.jobType,
          fromWallet: from,
          toWallet: to,
          amountUrtc: fields.amount_urtc,
          ttlS: r.ttlS,
          reviewWindowS: r.reviewWindowS,
          nonce: r.nonce,
          ...signed({ action: 'escrow.lock', ...fields }, r.signer, r.keyOf),
        });
        if (!parsed.success) return 'INVALID_INPUT'; // what either front door answers
        return (await s.escrows.lock(parsed.data, r.door)).changed ? 'changed' : 'unchanged';
      }
      case 'release': {
        const amountUrtc = r.amount?.toString();
        const { caller, proof } = authOf(r.auth, {
          action: 'escrow.release',
          job_id: r.jobId,
          job_type: r.jobType,
          nonce: r.nonce,
          amount_urtc: amountUrtc,
        });
        const req = releaseRequestSchema.parse({
          jobId: r.jobId,
          jobType: r.jobType,
          amountUrtc,
          nonce: r.nonce,
          ...proof,
        });
        return (await s.escrows.release(req, caller, r.door)).changed ? 'changed' : 'unchanged';
      }
      case 'refund': {
        const { caller, proof } = authOf(r.auth, {
          action: 'escrow.refund',
          job_id: r.jobId,
          job_type: r.jobType,
          nonce: r.nonce,
        });
        const req = refundRequestSchema.parse({ jobId: r.jobId, jobType: r.jobType, nonce: r.nonce, ...proof });
        return (await s.escrows.refund(req, caller, r.door)).changed ? 'changed' : 'unchanged';
      }
      case 'deliver': {
        const claimedUrtc = r.claimed?.toString();
        const { proof } = authOf(r.auth, {
          action: 'escrow.deliver',
          job_id: r.jobId,
          job_type: r.jobType,
          result_hash: RESULT_HASH,
          nonce: r.nonce,
          claimed_urtc: claimedUrtc,
          result_uri: r.uri,
        });
        const parsed = deliverRequestSchema.safeParse({
          jobId: r.jobId,
          jobType: r.jobType,
          resultHash: RESULT_HASH,
          resultUri: r.uri,
          claimedUrtc,
          nonce: r.nonce,
          ...proof,
        });
        if (!parsed.success) return 'INVALID_INPUT';
        return (await s.escrows.deliver(parsed.data, r.door)).changed ? 'changed' : 'unchanged';
      }
      case 'dispute': {
        const { proof } = authOf(r.auth, {
          action: 'escrow.dispute',
          job_id: r.jobId,
          job_type: r.jobType,
          reason: r.reason,
          nonce: r.nonce,
        });
        const parsed = disputeRequestSchema.safeParse({
          jobId: r.jobId,
          jobType: r.jobType,
          reason: r.reason,
          nonce: r.nonce,
          ...proof,
        });
        if (!parsed.success) return 'INVALID_INPUT';
        return (await s.escrows.dispute(parsed.data, r.door)).changed ? 'changed' : 'unchanged';
      }
      case 'resolve': {
        const req = resolveRequestSchema.parse({ jobId: r.jobId, releaseUrtc: r.release.toString() });
        return (await s.escrows.resolve(req, r.adminKey)).changed ? 'changed' : 'unchanged';
      }
      case 'advance':
        clock.now += r.seconds;
        return 'unchanged';
      case 'sweep': {
        const swept = await s.escrows.sweepDue();
        return `expired ${swept.expired}, auto ${swept.autoReleased}`;
      }
    }
  } catch (error) {
    if (error instanceof MarketError) return error.code;
    throw error; // anything else is a bug, never an expected answer
  }
}

// ---------------------------------------------------------------------------------------------------
// Random steps: indices and choices, resolved against the model into requests when they run.
// ---------------------------------------------------------------------------------------------------

/** A choice among constants, each with its weight. */
const weighted = <T>(...choices: [T, number][]) =>
  fc.oneof(...choices.map(([value, weight]) => ({ weight, arbitrary: fc.constant(value) })));
const wallet = fc.integer({ min: 0, max: WALLETS.length - 1 });
const JOBS = 10;
const job = fc.integer({ min: 0, max: JOBS - 1 });
/** Actions mostly aim at an escrow in a state where they may apply, sometimes at a settled one (replays), sometimes at any job id. */
const target = fc.record({
  among: weighted(['fitting' as const, 12], ['settled' as const, 2], ['any' as const, 1]),
  index: fc.nat({ max: JOBS - 1 }),
});
/** Mostly fresh; sometimes a nonce every signer tries, or the signer's last used one (a reuse); sometimes none. */
type NonceChoice = 'fresh' | 'shared' | 'last' | 'none';
const nonce = weighted<NonceChoice>(['fresh', 8], ['shared', 2], ['last', 2], ['none', 1]);
const door = fc.oneof(
  { weight: 6, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: DOORS.length - 1 }) },
);
/** 0: the escrow's own job type; otherwise another one. */
const typeShift = fc.oneof(
  { weight: 8, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) },
);
const depositAmount = fc.oneof(fc.bigInt({ min: 1n, max: 20_000_000n }), fc.constantFrom(1n, 8_388_608_000_000n));
const lockAmount = fc.oneof(fc.bigInt({ min: 1n, max: 4_000_000n }), fc.constantFrom(1n, 2n, 10_000_000n));
type Role = 'payer' | 'provider' | 'stranger' | 'operator' | 'wrongKey' | 'forged' | 'unsigned';
const releaser = weighted<Role>(
  ['payer', 8],
  ['operator', 3],
  ['provider', 1],
  ['stranger', 1],
  ['wrongKey', 1],
  ['forged', 1],
  ['unsigned', 1],
);
const refunder = weighted<Role>(
  ['provider', 5],
  ['payer', 5],
  ['operator', 2],
  ['stranger', 1],
  ['wrongKey', 1],
  ['forged', 1],
  ['unsigned', 1],
);
const deliverer = weighted<Role>(['provider', 12], ['payer', 1], ['stranger', 1], ['forged', 1], ['unsigned', 1]);
const disputer = weighted<Role>(['payer', 12], ['provider', 1], ['stranger', 1], ['forged', 1], ['unsigned', 1]);
/** An amount relative to what the escrow still holds (and its claim). */
type AmountChoice = 'absent' | 'remaining' | 'part' | 'claim' | 'over' | 'zero';
const permille = fc.integer({ min: 1, max: 999 });
const overBy = fc.bigInt({ min: 1n, max: 1000n });

const step = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('deposit' as const),
      wallet,
      amount: depositAmount,
      ref: fc.integer({ min: 0, max: 3 }),
      sameFields: fc.boolean(),
      wrongKey: weighted([false, 9], [true, 1]),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('lock' as const),
      payer: wallet,
      providerShift: fc.oneof(
        { weight: 1, arbitrary: fc.constant(0) },
        { weight: 12, arbitrary: fc.integer({ min: 1, max: 3 }) },
      ),
      amount: lockAmount,
      job,
      jobType: fc.constantFrom(...JOB_TYPES),
      ttlS: fc.constantFrom(undefined, undefined, 1, 60, 3600),
      reviewWindowS: fc.constantFrom(undefined, undefined, 60, 3600),
      sameTerms: fc.boolean(),
      nonce,
      signer: weighted(['payer' as const, 5], ['other' as const, 1], ['forged' as const, 1]),
      door,
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('release' as const),
      target,
      by: releaser,
      amount: weighted<AmountChoice>(['absent', 2], ['remaining', 1], ['part', 3], ['claim', 1], ['over', 1]),
      permille,
      overBy,
      typeShift,
      door,
      nonce,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('refund' as const), target, by: refunder, typeShift, door, nonce }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('deliver' as const),
      target,
      by: deliverer,
      claim: weighted<AmountChoice>(['absent', 3], ['part', 3], ['remaining', 1], ['over', 1]),
      permille,
      overBy,
      uri: fc.constantFrom(undefined, 'ipfs://bafy-result'),
      typeShift,
      door,
      nonce,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('dispute' as const),
      target,
      by: disputer,
      reason: weighted(['the frames are black', 9], ['', 1]),
      typeShift,
      door,
      nonce,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('resolve' as const),
      target,
      release: weighted<AmountChoice>(['zero', 2], ['part', 3], ['remaining', 2], ['over', 2]),
      permille,
      overBy,
      wrongKey: weighted([false, 9], [true, 1]),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      seconds: fc.oneof(
        fc.integer({ min: 1, max: 120 }),
        fc.constantFrom(3600, DEFAULT_TTL_S, REVIEW_WINDOW_S_DEFAULT),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replay' as const) }) },
);
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

/** The statuses each action aims at when it picks a fitting escrow. */
const FITTING: Record<'release' | 'refund' | 'deliver' | 'dispute' | 'resolve', string[]> = {
  release: OPEN,
  refund: OPEN,
  deliver: ['locked'],
  dispute: ['delivered'],
  resolve: ['disputed'],
};

/** Resolves a step against the model's state: whose escrow, which amounts, which nonce. */
function resolve(st: Exclude<Step, { kind: 'replay' }>, m: Model, fresh: () => string): Request {
  const nonceOf = (choice: NonceChoice, signer: number) =>
    choice === 'none'
      ? undefined
      : choice === 'shared'
        ? 'shared'
        : choice === 'last'
          ? (m.lastNonce[signer] ?? fresh())
          : fresh();
  const jobTypeOf = (e: ModelEscrow | undefined, shift: number) =>
    JOB_TYPES[(JOB_TYPES.indexOf(e?.jobType ?? 'render') + shift) % JOB_TYPES.length]!;
  const amountOf = (choice: AmountChoice, e: ModelEscrow | undefined, part: number, over: bigint) => {
    const remaining = e ? remainingOf(e) : 1_000_000n;
    return {
      absent: undefined,
      zero: 0n,
      remaining: remaining || 1n,
      part: (remaining * BigInt(part)) / 1000n || 1n,
      claim: e?.claimed ?? ((remaining * BigInt(part)) / 1000n || 1n),
      over: remaining + over,
    }[choice];
  };
  switch (st.kind) {
    case 'deposit': {
      const reference = `ref-${st.ref}`;
      const existing = st.sameFields ? m.deposits.get(reference) : undefined;
      return {
        kind: 'deposit',
        wallet: existing?.wallet ?? st.wallet,
        amount: existing?.amount ?? st.amount,
        reference,
        adminKey: st.wrongKey ? WRONG_ADMIN_KEY : ADMIN_KEY,
      };
    }
    case 'lock': {
      const jobId = `job-${st.job}`;
      const existing = st.sameTerms ? m.escrows.get(jobId) : undefined;
      const payer = existing?.payer ?? st.payer;
      const other = (payer + 1) % WALLETS.length;
      return {
        kind: 'lock',
        jobId,
        jobType: existing?.jobType ?? st.jobType,
        payer,
        provider: existing?.provider ?? (payer + st.providerShift) % WALLETS.length,
        amount: existing?.amount ?? st.amount,
        ttlS: st.ttlS,
        reviewWindowS: st.reviewWindowS,
        nonce: nonceOf(st.nonce, payer) ?? fresh(), // a lock always carries a nonce
        signer: st.signer === 'payer' ? payer : other,
        keyOf: st.signer === 'other' ? other : payer,
        door: DOORS[st.door],
      };
    }
    case 'advance':
      return { kind: 'advance', seconds: st.seconds };
    case 'sweep':
      return { kind: 'sweep' };
    case 'release':
    case 'refund':
    case 'deliver':
    case 'dispute':
    case 'resolve': {
      const fitting = [...m.escrows.keys()].filter((id) => FITTING[st.kind].includes(m.escrows.get(id)!.status));
      const settled = [...m.escrows.keys()].filter((id) => !OPEN.includes(m.escrows.get(id)!.status));
      const wanted = st.target.among === 'fitting' ? fitting : settled;
      const candidates = st.target.among === 'any' ? [] : wanted.length > 0 ? wanted : [...m.escrows.keys()];
      const jobId = candidates.length > 0 ? candidates[st.target.index % candidates.length]! : `job-${st.target.index}`;
      const e = m.escrows.get(jobId);
      if (st.kind === 'resolve') {
        return {
          kind: 'resolve',
          jobId,
          release: amountOf(st.release, e, st.permille, st.overBy)!,
          adminKey: st.wrongKey ? WRONG_ADMIN_KEY : ADMIN_KEY,
        };
      }
      const payer = e?.payer ?? 0;
      const provider = e?.provider ?? 1;
      const stranger = [...WALLETS.keys()].find((w) => w !== payer && w !== provider)!;
      const auth: Auth =
        st.by === 'operator'
          ? { adminKey: ADMIN_KEY }
          : st.by === 'wrongKey'
            ? { adminKey: WRONG_ADMIN_KEY }
            : st.by === 'unsigned'
              ? { unsigned: true }
              : st.by === 'forged'
                ? { signer: st.kind === 'deliver' ? payer : provider, keyOf: st.kind === 'deliver' ? provider : payer }
                : { signer: { payer, provider, stranger }[st.by], keyOf: { payer, provider, stranger }[st.by] };
      const nonce = 'adminKey' in auth ? undefined : nonceOf(st.nonce, 'signer' in auth ? auth.signer : payer);
      const base = { jobId, jobType: jobTypeOf(e, st.typeShift), nonce, auth, door: DOORS[st.door] };
      switch (st.kind) {
        case 'refund':
          return { kind: 'refund', ...base };
        case 'deliver':
          return { kind: 'deliver', ...base, claimed: amountOf(st.claim, e, st.permille, st.overBy), uri: st.uri };
        case 'dispute':
          return { kind: 'dispute', ...base, reason: st.reason };
        case 'release':
          return { kind: 'release', ...base, amount: amountOf(st.amount, e, st.permille, st.overBy) };
      }
    }
  }
}

/** Every answer the steps produced, as `kind: outcome` and `kind: outcome: why`, to show the sequences reach each rule. */
const seen = new Set<string>();

async function runSequence(funding: bigint[], steps: Step[]) {
  const clock = { now: 1_800_000_000 };
  const services = await openTestServices(() => clock.now);
  const model: Model = {
    now: clock.now,
    available: WALLETS.map(() => 0n),
    locked: WALLETS.map(() => 0n),
    escrows: new Map(),
    nonces: new Set(),
    lastNonce: [],
    deposits: new Map(),
  };
  let freshNonces = 0;
  const fresh = () => `f${++freshNonces}`;

  const run = async (request: Request, where: string) => {
    const expected = predict(model, request);
    const actual = await execute(services, request, clock);
    where = `${where}: ${JSON.stringify(request, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`;
    expect(actual, `${where}: expected ${expected.outcome}${expected.why ? ` (${expected.why})` : ''}`).toBe(
      expected.outcome,
    );
    await expectLedgerSound(services, `${where}: the ledger audit`);
    await expectModelState(services, model, where);
    seen
      .add(`${request.kind}: ${expected.outcome}`)
      .add(`${request.kind}: ${expected.outcome}: ${expected.why}`)
      .add(`${request.kind}: ${expected.why}`);
  };

  try {
    for (const [w, amount] of funding.entries())
      await run({ kind: 'deposit', wallet: w, amount, reference: `funding-${w}`, adminKey: ADMIN_KEY }, `funding ${w}`);
    let last: Request | undefined;
    for (const [i, st] of steps.entries()) {
      const request = st.kind === 'replay' ? last : resolve(st, model, fresh);
      if (!request) continue;
      await run(request, `step ${i}`);
      if (request.kind !== 'advance' && request.kind !== 'sweep') last = request; // a replay sends it again, byte for byte
    }
  } finally {
    await services.close();
  }
}

async function expectModelState(services: Services, m: Model, where: string) {
  const { wallets, escrows } = services;
  for (const [i, w] of WALLETS.entries()) {
    expect(await wallets.balance(w.address), `${where}: balance of wallet ${i}`).toMatchObject({
      availableUrtc: m.available[i],
      lockedUrtc: m.locked[i],
    });
  }
  for (const [jobId, e] of m.escrows) {
    expect(await escrows.find(jobId), `${where}: escrow ${jobId}`).toMatchObject({
      jobType: e.jobType,
      fromWallet: WALLETS[e.payer]!.address,
      toWallet: WALLETS[e.provider]!.address,
      amountUrtc: e.amount,
      expiresAt: e.expiresAt,
      status: e.status,
      releasedUrtc: e.released,
      refundedUrtc: e.refunded,
      settledBy: e.settledBy,
      refundReason: e.refundReason,
      reviewWindowS: e.reviewWindowS,
      deliveredAt: e.deliveredAt,
      reviewUntil: e.reviewUntil,
      claimedUrtc: e.claimed,
      disputedAt: e.disputedAt,
    });
  }
  expect(await queryValue(services, 'SELECT COUNT(*) FROM render_escrow'), `${where}: number of escrows`).toBe(
    BigInt(m.escrows.size),
  );
}

describe('the money services against a model', () => {
  it(
    `answer every step as the model predicts, and the ledger audit stays clean (${RUNS} sequences)`,
    async () => {
      const property = fc.asyncProperty(
        // Three funded wallets and one that starts empty.
        fc.tuple(...WALLETS.slice(0, 3).map(() => fc.bigInt({ min: 1n, max: 20_000_000n }))),
        // About 40 steps on average, up to 80; no minimum, so that a failure shrinks to its few necessary steps.
        fc.array(step, { maxLength: 80, size: 'max' }),
        (funding, steps) => runSequence(funding, steps),
      );
      await fc.assert(property, { numRuns: RUNS, seed: SEED, path: PATH, endOnFailure: PATH !== undefined });
      if (PATH !== undefined || RUNS < RUNS_DEFAULT) return; // a replayed case or a short run need not reach every rule
      // The sequences reach every rule: a generator that only ever produced refusals would pass the comparison above.
      const required = [
        'deposit: changed',
        'deposit: unchanged',
        'deposit: IDEMPOTENCY_CONFLICT',
        'deposit: UNAUTHORIZED',
        'lock: changed',
        'lock: unchanged',
        'lock: IDEMPOTENCY_CONFLICT',
        'lock: INSUFFICIENT_FUNDS',
        'lock: NONCE_REUSED',
        'lock: FORBIDDEN',
        'lock: INVALID_SIGNATURE',
        'lock: JOB_TYPE_MISMATCH',
        'lock: INVALID_INPUT',
        'release: changed: the remainder',
        'release: changed: milestone',
        'release: changed: operator split',
        'release: changed: accepts a delivery',
        'release: changed: accepts a disputed delivery',
        'release: INVALID_INPUT: below the claim',
        'release: unchanged',
        'release: INVALID_STATE',
        'release: FORBIDDEN',
        'release: NOT_FOUND',
        'release: JOB_TYPE_MISMATCH: door',
        'release: JOB_TYPE_MISMATCH: escrow type',
        'release: NONCE_REUSED',
        'release: INVALID_INPUT: more than remains',
        'release: INVALID_INPUT: signed without a nonce',
        'release: UNAUTHORIZED',
        'release: INVALID_SIGNATURE: forged',
        'release: INVALID_SIGNATURE: no signature',
        'refund: changed: by provider',
        'refund: changed: by payer',
        'refund: changed: by operator',
        'refund: unchanged',
        'refund: INVALID_STATE',
        'refund: changed: by provider when delivered',
        'refund: changed: by provider when disputed',
        'refund: FORBIDDEN: payer before expiry',
        'refund: FORBIDDEN: payer after delivery',
        'refund: FORBIDDEN: neither party',
        'refund: NONCE_REUSED',
        'deliver: changed',
        'deliver: changed: after a milestone',
        'deliver: NONCE_REUSED',
        'deliver: INVALID_STATE: expired',
        'deliver: INVALID_STATE: already delivered',
        'deliver: INVALID_STATE: already released',
        'deliver: FORBIDDEN',
        'deliver: JOB_TYPE_MISMATCH',
        'deliver: INVALID_INPUT: claims more than remains',
        'deliver: INVALID_INPUT: no nonce',
        'deliver: INVALID_SIGNATURE',
        'dispute: changed',
        'dispute: INVALID_STATE: review ended',
        'dispute: INVALID_STATE: locked',
        'dispute: INVALID_STATE: disputed',
        'dispute: FORBIDDEN',
        'dispute: NONCE_REUSED',
        'dispute: INVALID_INPUT: no reason',
        'resolve: changed: split',
        'resolve: changed: all back',
        'resolve: changed: all paid',
        'resolve: INVALID_STATE',
        'resolve: INVALID_INPUT',
        'resolve: UNAUTHORIZED',
        'sweep: expired',
        'sweep: auto',
        'sweep: nothing due',
      ];
      // The rarest rules (a provider's refund of a disputed escrow needs a lock, a delivery and a dispute first) are
      // missed by a few random seeds in a hundred: more fresh sequences, each checked as strictly, before the verdict.
      const missing = () => required.filter((label) => !seen.has(label));
      for (let more = 0; more < 3 && missing().length > 0 && SEED === undefined; more++) {
        await fc.assert(property, { numRuns: RUNS });
      }
      expect(missing()).toEqual([]);
    },
    propertyTimeoutMs,
  );
});
