/**
 * Model-based property test of the money services. A small in-memory model (balances, escrows, used
 * nonces, deposits by reference, the clock) predicts for every random step its answer: `changed`,
 * `unchanged` (an idempotent replay), or the exact error code, in the contract's order (shape, signature,
 * authority, state). The test sends the same request to the real services, expects the real answer to
 * equal the prediction, audits the ledger (I1–I8, src/ledger-invariants.ts) and compares every balance
 * and escrow with the model. An invariant-only test would pass if every valid release were refused.
 *
 * The model follows today's rules in src/escrow/service.ts: a partial release settles the escrow and
 * returns the rest to the payer; a replay of a lock with the same terms (ttl_s included) is unchanged whatever its nonce.
 *
 * Reproduce a failure with LEDGER_PROPERTY_SEED=<seed> (and LEDGER_PROPERTY_PATH=<path> to replay the
 * shrunk case alone), both printed by fast-check; LEDGER_PROPERTY_RUNS sets the number of sequences.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarketError, type ErrorCode } from '../src/domain/errors.js';
import { DEFAULT_TTL_S, JOB_TYPES, type JobType } from '../src/domain/fields.js';
import type { Wallet } from '../src/domain/signatures.js';
import { lockRequestSchema, refundRequestSchema, releaseRequestSchema } from '../src/escrow/requests.js';
import { auditLedger } from '../src/ledger-invariants.js';
import { depositRequestSchema } from '../src/wallet/service.js';
import { ADMIN_KEY, createInMemoryServices, newWallet } from './support/market.js';

const RUNS_DEFAULT = 300;
const RUNS = Number(process.env.LEDGER_PROPERTY_RUNS ?? RUNS_DEFAULT);
const SEED = process.env.LEDGER_PROPERTY_SEED === undefined ? undefined : Number(process.env.LEDGER_PROPERTY_SEED);
const PATH = process.env.LEDGER_PROPERTY_PATH;

/** Four wallets: each may pay, provide, or sign what it should not. */
const WALLETS: Wallet[] = Array.from({ length: 4 }, () => newWallet());
const DOORS: (readonly JobType[] | undefined)[] = [undefined, ['render'], ['tts', 'stt'], ['llm']];
const WRONG_ADMIN_KEY = 'not-the-operator-key-0123456789abcdef';

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
  /** The lock's ttl_s as signed: a replay with another is a conflict. */
  ttlS: number;
  expiresAt: number;
  status: 'locked' | 'released' | 'refunded';
  released: bigint;
  refunded: bigint;
  settledBy: string | null;
}

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

function settle(m: Model, e: ModelEscrow, released: bigint, status: 'released' | 'refunded', settledBy: string) {
  e.status = status;
  e.released = released;
  e.refunded = e.amount - released;
  e.settledBy = settledBy;
  m.locked[e.payer]! -= e.amount;
  m.available[e.payer]! += e.refunded;
  m.available[e.provider]! += released;
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
          existing.ttlS === (r.ttlS ?? DEFAULT_TTL_S);
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
        expiresAt: m.now + (r.ttlS ?? DEFAULT_TTL_S),
        status: 'locked',
        released: 0n,
        refunded: 0n,
        settledBy: null,
      });
      return { outcome: 'changed' };
    }
    case 'release': {
      const who = identify(r.auth, r.nonce);
      if ('outcome' in who) return who;
      const e = m.escrows.get(r.jobId);
      if (!e) return fail('NOT_FOUND');
      if ('signer' in who && who.signer !== e.payer) return fail('FORBIDDEN', 'not the payer');
      if (r.door && !r.door.includes(r.jobType)) return fail('JOB_TYPE_MISMATCH', 'door');
      if (e.jobType !== r.jobType) return fail('JOB_TYPE_MISMATCH', 'escrow type');
      if (e.status === 'released') return unchanged('already released');
      if (e.status !== 'locked') return fail('INVALID_STATE', 'already refunded');
      const released = r.amount ?? e.amount;
      if (released > e.amount) return fail('INVALID_INPUT', 'more than locked');
      if ('signer' in who) {
        if (m.nonces.has(`${who.signer}:${r.nonce}`)) return fail('NONCE_REUSED');
        useNonce(m, who.signer, r.nonce!);
      }
      settle(m, e, released, 'released', 'signer' in who ? 'payer' : 'operator');
      return { outcome: 'changed', why: released < e.amount ? 'partial' : 'full' };
    }
    case 'refund': {
      const who = identify(r.auth, r.nonce);
      if ('outcome' in who) return who;
      const e = m.escrows.get(r.jobId);
      if (!e) return fail('NOT_FOUND');
      let settledBy = 'operator';
      if ('signer' in who) {
        if (who.signer === e.provider) settledBy = 'provider';
        else if (who.signer === e.payer && m.now >= e.expiresAt) settledBy = 'payer';
        else if (who.signer === e.payer) return fail('FORBIDDEN', 'payer before expiry');
        else return fail('FORBIDDEN', 'neither party');
      }
      if (r.door && !r.door.includes(r.jobType)) return fail('JOB_TYPE_MISMATCH', 'door');
      if (e.jobType !== r.jobType) return fail('JOB_TYPE_MISMATCH', 'escrow type');
      if (e.status === 'refunded') return unchanged('already refunded');
      if (e.status !== 'locked') return fail('INVALID_STATE', 'already released');
      if ('signer' in who) {
        if (m.nonces.has(`${who.signer}:${r.nonce}`)) return fail('NONCE_REUSED');
        useNonce(m, who.signer, r.nonce!);
      }
      settle(m, e, 0n, 'refunded', settledBy);
      return { outcome: 'changed', why: `by ${settledBy}` };
    }
    case 'advance':
      m.now += r.seconds;
      return unchanged();
    case 'sweep': {
      let expired = 0;
      for (const e of m.escrows.values()) {
        if (e.status === 'locked' && e.expiresAt <= m.now) {
          settle(m, e, 0n, 'refunded', 'sweeper');
          expired += 1;
        }
      }
      return { outcome: `expired ${expired}` };
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// The real services: the same request, signed as the contract says, and its answer in the same terms.
// ---------------------------------------------------------------------------------------------------

type Services = ReturnType<typeof createInMemoryServices>;

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
        };
        const parsed = lockRequestSchema.safeParse({
          jobId: r.jobId,
          jobType: r.jobType,
          fromWallet: from,
          toWallet: to,
          amountUrtc: fields.amount_urtc,
          ttlS: r.ttlS,
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
      case 'advance':
        clock.now += r.seconds;
        return 'unchanged';
      case 'sweep':
        return `expired ${await s.escrows.expireDue()}`;
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
/** Release and refund mostly aim at an escrow that exists (a locked one, or a settled one for replays), sometimes at any job id. */
const target = fc.record({
  among: weighted(['locked' as const, 6], ['settled' as const, 2], ['any' as const, 1]),
  index: fc.nat({ max: JOBS - 1 }),
});
/** Mostly fresh; sometimes a nonce every signer tries, or the signer's last used one (a reuse); for release and refund sometimes none. */
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
    weight: 5,
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
      ttlS: fc.constantFrom(undefined, 1, 1, 60, 3600),
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
      amount: weighted(['absent' as const, 2], ['full' as const, 1], ['part' as const, 2], ['over' as const, 1]),
      permille: fc.integer({ min: 1, max: 999 }),
      overBy: fc.bigInt({ min: 1n, max: 1000n }),
      typeShift,
      door,
      nonce,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('refund' as const), target, by: refunder, typeShift, door, nonce }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('advance' as const),
      seconds: fc.oneof(fc.integer({ min: 1, max: 120 }), fc.constantFrom(3600, DEFAULT_TTL_S)),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replay' as const) }) },
);
type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;

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
        nonce: nonceOf(st.nonce, payer) ?? fresh(), // a lock always carries a nonce
        signer: st.signer === 'payer' ? payer : other,
        keyOf: st.signer === 'other' ? other : payer,
        door: DOORS[st.door],
      };
    }
    case 'release':
    case 'refund': {
      const wanted = [...m.escrows.keys()].filter(
        (id) => (m.escrows.get(id)!.status === 'locked') === (st.target.among === 'locked'),
      );
      const candidates = st.target.among === 'any' ? [] : wanted.length > 0 ? wanted : [...m.escrows.keys()];
      const jobId = candidates.length > 0 ? candidates[st.target.index % candidates.length]! : `job-${st.target.index}`;
      const e = m.escrows.get(jobId);
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
                ? { signer: provider, keyOf: payer }
                : { signer: { payer, provider, stranger }[st.by], keyOf: { payer, provider, stranger }[st.by] };
      const nonce = 'adminKey' in auth ? undefined : nonceOf(st.nonce, 'signer' in auth ? auth.signer : payer);
      const base = { jobId, jobType: jobTypeOf(e, st.typeShift), nonce, auth, door: DOORS[st.door] };
      if (st.kind === 'refund') return { kind: 'refund', ...base };
      const full = e?.amount ?? 1_000_000n;
      const amount = {
        absent: undefined,
        full,
        part: (full * BigInt(st.permille)) / 1000n || 1n,
        over: full + st.overBy,
      }[st.amount];
      return { kind: 'release', ...base, amount };
    }
    case 'advance':
      return { kind: 'advance', seconds: st.seconds };
    case 'sweep':
      return { kind: 'sweep' };
  }
}

/** Every answer the steps produced, as `kind: outcome` and `kind: outcome: why`, to show the sequences reach each rule. */
const seen = new Set<string>();

async function runSequence(funding: bigint[], steps: Step[]) {
  const clock = { now: 1_800_000_000 };
  const services = createInMemoryServices(() => clock.now);
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
    expect(auditLedger(services.db), `${where}: the ledger audit`).toEqual([]);
    expectModelState(services, model, where);
    seen.add(`${request.kind}: ${expected.outcome}`).add(`${request.kind}: ${expected.outcome}: ${expected.why}`);
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
    services.db.close();
  }
}

function expectModelState({ wallets, escrows, db }: Services, m: Model, where: string) {
  for (const [i, w] of WALLETS.entries()) {
    expect(wallets.balance(w.address), `${where}: balance of wallet ${i}`).toMatchObject({
      availableUrtc: m.available[i],
      lockedUrtc: m.locked[i],
    });
  }
  for (const [jobId, e] of m.escrows) {
    expect(escrows.find(jobId), `${where}: escrow ${jobId}`).toMatchObject({
      jobType: e.jobType,
      fromWallet: WALLETS[e.payer]!.address,
      toWallet: WALLETS[e.provider]!.address,
      amountUrtc: e.amount,
      expiresAt: e.expiresAt,
      status: e.status,
      releasedUrtc: e.released,
      refundedUrtc: e.refunded,
      settledBy: e.settledBy,
    });
  }
  expect(db.prepare('SELECT COUNT(*) FROM render_escrow').pluck().get(), `${where}: number of escrows`).toBe(
    BigInt(m.escrows.size),
  );
}

describe('the money services against a model', () => {
  it(`answer every step as the model predicts, and the ledger audit stays clean (${RUNS} sequences)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        // Three funded wallets and one that starts empty.
        fc.tuple(...WALLETS.slice(0, 3).map(() => fc.bigInt({ min: 1n, max: 20_000_000n }))),
        // About 30 steps on average, up to 60; no minimum, so that a failure shrinks to its few necessary steps.
        fc.array(step, { maxLength: 60, size: 'max' }),
        (funding, steps) => runSequence(funding, steps),
      ),
      { numRuns: RUNS, seed: SEED, path: PATH, endOnFailure: PATH !== undefined },
    );
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
      'release: changed: full',
      'release: changed: partial',
      'release: unchanged',
      'release: INVALID_STATE',
      'release: FORBIDDEN',
      'release: NOT_FOUND',
      'release: JOB_TYPE_MISMATCH: door',
      'release: JOB_TYPE_MISMATCH: escrow type',
      'release: NONCE_REUSED',
      'release: INVALID_INPUT: more than locked',
      'release: INVALID_INPUT: signed without a nonce',
      'release: UNAUTHORIZED',
      'release: INVALID_SIGNATURE: forged',
      'release: INVALID_SIGNATURE: no signature',
      'refund: changed: by provider',
      'refund: changed: by payer',
      'refund: changed: by operator',
      'refund: unchanged',
      'refund: INVALID_STATE',
      'refund: FORBIDDEN: payer before expiry',
      'refund: FORBIDDEN: neither party',
      'refund: NONCE_REUSED',
      'sweep: expired 1',
      'sweep: expired 0',
    ];
    expect(required.filter((label) => !seen.has(label))).toEqual([]);
  });
});
