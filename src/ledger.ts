/**
 * The ledger: every statement that moves money, written once and run on either database (src/sql/statement.ts).
 *
 * Why not Prisma here: a Prisma interactive transaction of three statements costs about 1.1 ms on this stack
 * and, on SQLite's shared adapter connection, queues behind other transactions. On SQLite the same statements
 * run synchronously in the group commit (src/group-commit.ts, driven by src/sql/sqlite.ts): the payments that
 * arrive in one turn of the event loop share one transaction and one fsync, each in its own savepoint, and
 * nothing else can interleave (no await inside). On PostgreSQL (src/sql/postgres.ts) each operation is a short
 * transaction of its own: the rows it decides on are locked as it reads them (`forUpdate`), its guarded
 * statements wait for a row another instance holds and then judge it as committed, so any number of instances
 * may race on one escrow or wallet.
 *
 * An escrow holds `amount − released − refunded` (its remaining amount) while it is open (locked, delivered or
 * disputed): a milestone payment moves part of it to the provider and leaves the escrow open; a settlement moves
 * all of what remains, to the provider and back to the payer, and makes it final. Each statement is guarded on the
 * state the caller read in the same transaction (status and amounts), so an escrow changes exactly once.
 *
 * The money rules I1–I10 are numbered in src/ledger-invariants.ts. Each statement here is one of their
 * write-side guards (a WHERE clause, a CHECK it relies on) or has its result checked with `invariant(...)`,
 * which throws and rolls back the operation: no statement result that matters is ignored.
 *
 * Node bonds (src/attestation/bonds.ts) move money the same way: wallet → `bond:<miner>` (`bond`), back to
 * the wallet (`unbond`) or to `treasury` (`slash`); `node_bonds` caches each bond's held and slashed amounts,
 * so wallets' available + locked + bonds' bonded + unbonding + slashed = deposits.
 *
 * Rules (who may do what, in which order errors are reported) live in the services; this module only
 * knows how to read and write the rows consistently. Prisma owns the schema and migrations and serves
 * every read outside a money transaction.
 */
import type { Deposit, Escrow, Wallet } from '@prisma/client';
import { invariant } from './ledger-invariants.js';
import { numberOrNull as num, sql, type Row, type SqlEngine, type Work } from './sql/statement.js';

export type EscrowRecord = Escrow;
export type WalletRecord = Wallet;
export type DepositRecord = Deposit;
export type EscrowStatus = 'locked' | 'delivered' | 'disputed' | 'released' | 'refunded';
/** The statuses in which an escrow still holds money. */
export const OPEN_STATUSES: readonly EscrowStatus[] = ['locked', 'delivered', 'disputed'];
export const isFinal = (status: string) => status === 'released' || status === 'refunded';
/** What the escrow still holds: amount − released (milestones included) − refunded. */
export const remainingOf = (e: Pick<EscrowRecord, 'amountUrtc' | 'releasedUrtc' | 'refundedUrtc'>) =>
  e.amountUrtc - e.releasedUrtc - e.refundedUrtc;
/** `manual_credit` is the operator's credit by hand (rows written before custody existed say `deposit`). */
export type JournalKind = 'manual_credit' | 'lock' | 'release' | 'refund' | BondJournalKind;
/** A node's bond: `bond` wallet → bond account, `unbond` bond account → wallet, `slash` bond account → treasury. */
export type BondJournalKind = 'bond' | 'unbond' | 'slash';

/** The journal account that holds an escrow's money while it is locked. */
export const escrowAccount = (jobId: string) => `escrow:${jobId}`;
export const EXTERNAL_ACCOUNT = 'external';
/** The journal account that holds a node's bond (bonded and unbonding alike). */
export const bondAccount = (minerId: string) => `bond:${minerId}`;
/** Where slashed bonds go: kept (node_bonds.slashed_urtc sums it), never destroyed. */
export const TREASURY_ACCOUNT = 'treasury';

export interface BondRecord {
  minerId: string;
  /** Counts towards the node's eligibility. */
  bondedUrtc: bigint;
  /** Asked back; returns to the wallet at `unbondAt`, slashable until then. */
  unbondingUrtc: bigint;
  unbondAt: number | null;
  /** Moved to the treasury by the operator, all time. */
  slashedUrtc: bigint;
  createdAt: number;
  updatedAt: number;
}

function toEscrow(r: Row): EscrowRecord {
  return {
    id: Number(r.id),
    jobId: r.job_id as string,
    jobType: r.job_type as string,
    fromWallet: r.from_wallet as string,
    toWallet: r.to_wallet as string,
    amountUrtc: r.amount_urtc as bigint,
    status: r.status as string,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    releasedAt: num(r.released_at),
    refundedAt: num(r.refunded_at),
    releasedUrtc: r.released_urtc as bigint,
    refundedUrtc: r.refunded_urtc as bigint,
    refundReason: (r.refund_reason as string | null) ?? null,
    settledBy: (r.settled_by as string | null) ?? null,
    metadata: (r.metadata as string | null) ?? null,
    units: (r.units as bigint | null) ?? null,
    unitPriceUrtc: (r.unit_price_urtc as bigint | null) ?? null,
    reviewWindowS: Number(r.review_window_s),
    deliveredAt: num(r.delivered_at),
    reviewUntil: num(r.review_until),
    claimedUrtc: (r.claimed_urtc as bigint | null) ?? null,
    resultHash: (r.result_hash as string | null) ?? null,
    resultUri: (r.result_uri as string | null) ?? null,
    disputedAt: num(r.disputed_at),
    disputeReason: (r.dispute_reason as string | null) ?? null,
  };
}

function toWallet(r: Row): WalletRecord {
  return {
    address: r.address as string,
    availableUrtc: r.available_urtc as bigint,
    lockedUrtc: r.locked_urtc as bigint,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function toDeposit(r: Row): DepositRecord {
  return {
    id: Number(r.id),
    reference: r.reference as string,
    wallet: r.wallet as string,
    amountUrtc: r.amount_urtc as bigint,
    createdAt: Number(r.created_at),
  };
}

function toBond(r: Row): BondRecord {
  return {
    minerId: r.miner_id as string,
    bondedUrtc: r.bonded_urtc as bigint,
    unbondingUrtc: r.unbonding_urtc as bigint,
    unbondAt: num(r.unbond_at),
    slashedUrtc: r.slashed_urtc as bigint,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export interface NewEscrow {
  jobId: string;
  jobType: string;
  fromWallet: string;
  toWallet: string;
  amountUrtc: bigint;
  expiresAt: number;
  metadata: string | null;
  /** The quote's job size and the node's price per unit in force, when the lock carried a quote. */
  units: bigint | null;
  unitPriceUrtc: bigint | null;
  /** Seconds the payer has to review a delivery. */
  reviewWindowS: number;
}

/** The final settlement of an open escrow: everything it still holds goes to the provider or back to the payer. */
export interface Settlement {
  status: 'released' | 'refunded';
  /** Paid to the provider now, on top of any milestone payments made before. */
  paidUrtc: bigint;
  /** Returned to the payer. */
  refundedUrtc: bigint;
  reason: string | null;
  settledBy: 'payer' | 'provider' | 'operator' | 'sweeper' | 'auto';
}

export interface Delivery {
  claimedUrtc: bigint;
  resultHash: string;
  resultUri: string | null;
}

export type Ledger = ReturnType<typeof createLedger>;

/** The rows a write reads to decide are locked for it on PostgreSQL (`forUpdate`): its checks hold until COMMIT. */
const s = {
  escrowByJob: sql('SELECT * FROM render_escrow WHERE job_id = ?', { forUpdate: true }),
  walletByAddress: sql('SELECT * FROM wallets WHERE address = ?', { forUpdate: true }),
  depositByReference: sql('SELECT * FROM deposits WHERE reference = ?'),
  ensureWallet: sql(
    'INSERT INTO wallets (address, available_urtc, locked_urtc, created_at, updated_at) VALUES (?, 0, 0, ?, ?) ON CONFLICT (address) DO NOTHING',
  ),
  // On SQLite one statement checks and records: the key (signer, nonce) refuses a second use, and a refusal later in
  // the same unit of work takes the record back with everything else. PostgreSQL checks first and inserts plainly:
  // a nonce taken meanwhile by a concurrent transaction is then a unique violation, which runs the unit of work
  // again (src/sql/postgres.ts), so that the same request racing itself is answered as a replay, not NONCE_REUSED.
  nonceUsed: sql('SELECT 1 FROM used_nonces WHERE signer = ? AND nonce = ?', { only: 'postgres' }),
  claimNonce: sql({
    sqlite:
      'INSERT INTO used_nonces (signer, nonce, action, job_id, used_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (signer, nonce) DO NOTHING',
    postgres: 'INSERT INTO used_nonces (signer, nonce, action, job_id, used_at) VALUES (?, ?, ?, ?, ?)',
  }),
  debitToLock: sql(
    `UPDATE wallets SET available_urtc = available_urtc - @amount, locked_urtc = locked_urtc + @amount, updated_at = @now
     WHERE address = @address AND available_urtc >= @amount`,
  ),
  unlock: sql(
    `UPDATE wallets SET locked_urtc = locked_urtc - @locked, available_urtc = available_urtc + @returned, updated_at = @now
     WHERE address = @address AND locked_urtc >= @locked`,
  ),
  credit: sql('UPDATE wallets SET available_urtc = available_urtc + ?, updated_at = ? WHERE address = ?'),
  // Only the id back on the two hottest statements: reading the 26 columns back costs more than the write itself;
  // the record is built from what was written (every other column is NULL or 0 on insert, set by the guard on settle).
  insertEscrow: sql(
    `INSERT INTO render_escrow (job_id, job_type, from_wallet, to_wallet, amount_urtc, status, created_at, expires_at, metadata, units, unit_price_urtc, review_window_s)
     VALUES (?, ?, ?, ?, ?, 'locked', ?, ?, ?, ?, ?, ?)`,
    { returningKey: 'id' },
  ),
  // Each escrow UPDATE is guarded on the state its caller read: status and the amounts paid so far.
  payMilestone: sql(
    `UPDATE render_escrow SET released_urtc = released_urtc + @amount
     WHERE id = @id AND status = 'locked' AND released_urtc = @releasedBefore AND refunded_urtc = 0
       AND amount_urtc - released_urtc > @amount RETURNING *`,
  ),
  deliver: sql(
    `UPDATE render_escrow SET status = 'delivered', delivered_at = @now, review_until = @now + review_window_s,
       claimed_urtc = @claimed, result_hash = @resultHash, result_uri = @resultUri
     WHERE id = @id AND status = 'locked' AND expires_at > @now AND released_urtc = @releasedBefore
       AND @claimed <= amount_urtc - released_urtc RETURNING *`,
  ),
  dispute: sql(
    `UPDATE render_escrow SET status = 'disputed', disputed_at = @now, dispute_reason = @reason
     WHERE id = @id AND status = 'delivered' AND review_until > @now RETURNING *`,
  ),
  // Typed for PostgreSQL, which deduces a parameter's type from its uses: `refunded_urtc + @refunded` (refunded_urtc
  // is 0, guarded below) makes @refunded a bigint in both, and a CASE of nothing but @now would be text.
  settleEscrow: sql(
    `UPDATE render_escrow SET status = @status, released_urtc = released_urtc + @paid, refunded_urtc = @refunded,
       released_at = CASE WHEN released_urtc + @paid > 0 THEN CAST(@now AS BIGINT) END,
       refunded_at = CASE WHEN CAST(@refunded AS BIGINT) > 0 THEN CAST(@now AS BIGINT) END,
       refund_reason = @reason, settled_by = @settledBy
     WHERE id = @id AND status = @statusBefore AND released_urtc = @releasedBefore AND refunded_urtc = 0`,
  ),
  insertDeposit: sql(
    'INSERT INTO deposits (reference, wallet, amount_urtc, created_at) VALUES (?, ?, ?, ?) RETURNING *',
  ),
  journal: sql(
    'INSERT INTO journal (from_account, to_account, amount_urtc, kind, job_id, reference, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ),
  expiredJobs: sql(
    "SELECT job_id FROM render_escrow WHERE status = 'locked' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
  ),
  reviewedJobs: sql({
    // SQLite's planner would otherwise pick the status index and sort; PostgreSQL picks the partial index itself.
    sqlite:
      "SELECT job_id FROM render_escrow INDEXED BY render_escrow_review_until_delivered_idx WHERE status = 'delivered' AND review_until <= ? ORDER BY review_until LIMIT ?",
    postgres:
      "SELECT job_id FROM render_escrow WHERE status = 'delivered' AND review_until <= ? ORDER BY review_until LIMIT ?",
  }),
  bondOf: sql('SELECT * FROM node_bonds WHERE miner_id = ?', { forUpdate: true }),
  debit: sql(
    'UPDATE wallets SET available_urtc = available_urtc - @amount, updated_at = @now WHERE address = @address AND available_urtc >= @amount',
  ),
  addBond: sql(
    `INSERT INTO node_bonds (miner_id, bonded_urtc, created_at, updated_at) VALUES (@minerId, @amount, @now, @now)
     ON CONFLICT (miner_id) DO UPDATE SET bonded_urtc = node_bonds.bonded_urtc + @amount, updated_at = @now RETURNING *`,
  ),
  startUnbond: sql(
    `UPDATE node_bonds SET bonded_urtc = bonded_urtc - @amount, unbonding_urtc = unbonding_urtc + @amount, unbond_at = @unbondAt, updated_at = @now
     WHERE miner_id = @minerId AND bonded_urtc >= @amount RETURNING *`,
  ),
  finishUnbond: sql(
    `UPDATE node_bonds SET unbonding_urtc = 0, unbond_at = NULL, updated_at = @now
     WHERE miner_id = @minerId AND unbonding_urtc = @amount AND unbond_at <= @now RETURNING *`,
  ),
  slash: sql(
    `UPDATE node_bonds SET bonded_urtc = bonded_urtc - @fromBonded, unbonding_urtc = unbonding_urtc - @fromUnbonding,
       unbond_at = CASE WHEN unbonding_urtc - @fromUnbonding = 0 THEN NULL ELSE unbond_at END,
       slashed_urtc = slashed_urtc + @fromBonded + @fromUnbonding, updated_at = @now
     WHERE miner_id = @minerId AND bonded_urtc >= @fromBonded AND unbonding_urtc >= @fromUnbonding RETURNING *`,
  ),
  slashByReference: sql("SELECT 1 FROM journal WHERE from_account = ? AND kind = 'slash' AND reference = ?"),
  maturedBonds: sql('SELECT miner_id FROM node_bonds WHERE unbond_at <= ? ORDER BY unbond_at LIMIT ?'),
};

function* journal(
  from: string,
  to: string,
  amount: bigint,
  kind: JournalKind,
  jobId: string | null,
  reference: string | null,
  now: number,
): Work<void> {
  // An INSERT either writes its row or throws, unless a trigger silently ignores it: then a balance has no journal row.
  invariant(
    (yield* s.journal.run([from, to, amount, kind, jobId, reference, now])) === 1,
    'I2',
    `${kind} of ${amount} µRTC from ${from} to ${to} was not journaled`,
  );
}

/**
 * The ledger's operations, each a unit of work (src/sql/statement.ts) to run inside `write` (which makes the
 * operations it is given one atomic change) or, for the finders, inside `read`.
 */
export function createLedger(engine: SqlEngine) {
  return {
    /** Runs a unit of work of the operations below atomically; resolves once it is durably committed. */
    write: engine.write,
    /** Runs reads of the operations below. */
    read: engine.read,

    *findEscrow(jobId: string): Work<EscrowRecord | null> {
      const row = yield* s.escrowByJob.get([jobId]);
      return row ? toEscrow(row) : null;
    },

    *findWallet(address: string): Work<WalletRecord | null> {
      const row = yield* s.walletByAddress.get([address]);
      return row ? toWallet(row) : null;
    },

    *findDeposit(reference: string): Work<DepositRecord | null> {
      const row = yield* s.depositByReference.get([reference]);
      return row ? toDeposit(row) : null;
    },

    /** Records `signer`'s use of `nonce` for `action`; false (nothing recorded) when the signer had used it before. */
    *claimNonce(signer: string, nonce: string, action: string, jobId: string | null, now: number): Work<boolean> {
      if ((yield* s.nonceUsed.get([signer, nonce])) !== undefined) return false;
      return (yield* s.claimNonce.run([signer, nonce, action, jobId, now])) === 1;
    },

    /** Moves the amount from the payer's available balance into a new escrow; null when it does not cover it. */
    *lock(e: NewEscrow, now: number): Work<EscrowRecord | null> {
      // I1, I3: the debit is guarded on available_urtc >= amount; no row changed means insufficient funds.
      if ((yield* s.debitToLock.run({ amount: e.amountUrtc, now, address: e.fromWallet })) !== 1) return null;
      // The provider's wallet row exists from the lock on, so a release always has a row to credit.
      yield* s.ensureWallet.run([e.toWallet, now, now]);
      const id = yield* s.insertEscrow.insert([
        e.jobId,
        e.jobType,
        e.fromWallet,
        e.toWallet,
        e.amountUrtc,
        now,
        e.expiresAt,
        e.metadata,
        e.units,
        e.unitPriceUrtc,
        e.reviewWindowS,
      ]);
      invariant(id !== undefined, 'I7', `escrow of job ${e.jobId} was not recorded`);
      yield* journal(e.fromWallet, escrowAccount(e.jobId), e.amountUrtc, 'lock', e.jobId, null, now);
      return {
        id: Number(id),
        jobId: e.jobId,
        jobType: e.jobType,
        fromWallet: e.fromWallet,
        toWallet: e.toWallet,
        amountUrtc: e.amountUrtc,
        status: 'locked',
        createdAt: now,
        expiresAt: e.expiresAt,
        releasedAt: null,
        refundedAt: null,
        releasedUrtc: 0n,
        refundedUrtc: 0n,
        refundReason: null,
        settledBy: null,
        metadata: e.metadata,
        units: e.units,
        unitPriceUrtc: e.unitPriceUrtc,
        reviewWindowS: e.reviewWindowS,
        deliveredAt: null,
        reviewUntil: null,
        claimedUrtc: null,
        resultHash: null,
        resultUri: null,
        disputedAt: null,
        disputeReason: null,
      };
    },

    /** A milestone payment: pays part of what a locked escrow holds to the provider; the escrow stays locked with the rest. */
    *payMilestone(escrow: EscrowRecord, amountUrtc: bigint, now: number): Work<EscrowRecord> {
      const remaining = remainingOf(escrow);
      invariant(
        amountUrtc > 0n && amountUrtc < remaining,
        'I4',
        `milestone of ${amountUrtc} µRTC from escrow ${escrow.jobId} holding ${remaining} µRTC`,
      );
      const row = yield* s.payMilestone.get({ amount: amountUrtc, id: escrow.id, releasedBefore: escrow.releasedUrtc });
      invariant(row, 'I7', `escrow ${escrow.jobId} is no longer locked with ${escrow.releasedUrtc} µRTC paid`);
      const unlocked = yield* s.unlock.run({ locked: amountUrtc, returned: 0n, now, address: escrow.fromWallet });
      invariant(
        unlocked === 1,
        'I3',
        `payer ${escrow.fromWallet} does not hold the ${amountUrtc} µRTC locked for ${escrow.jobId}`,
      );
      invariant(
        (yield* s.credit.run([amountUrtc, now, escrow.toWallet])) === 1,
        'I2',
        `provider wallet ${escrow.toWallet} is missing`,
      );
      yield* journal(escrowAccount(escrow.jobId), escrow.toWallet, amountUrtc, 'release', escrow.jobId, null, now);
      return toEscrow(row);
    },

    /** Records the provider's delivery of a locked escrow; moves no money. */
    *deliver(escrow: EscrowRecord, delivery: Delivery, now: number): Work<EscrowRecord> {
      const row = yield* s.deliver.get({
        id: escrow.id,
        now,
        claimed: delivery.claimedUrtc,
        resultHash: delivery.resultHash,
        resultUri: delivery.resultUri,
        releasedBefore: escrow.releasedUrtc,
      });
      invariant(
        row,
        'I7',
        `escrow ${escrow.jobId} is no longer locked and unexpired, or cannot hold a claim of ${delivery.claimedUrtc} µRTC`,
      );
      return toEscrow(row);
    },

    /** Records the payer's dispute of a delivered escrow still in review; moves no money. */
    *dispute(escrow: EscrowRecord, reason: string, now: number): Work<EscrowRecord> {
      const row = yield* s.dispute.get({ id: escrow.id, now, reason });
      invariant(row, 'I7', `escrow ${escrow.jobId} is no longer delivered and in review`);
      return toEscrow(row);
    },

    /** Settles an open escrow: pays `paidUrtc` to the provider and returns `refundedUrtc` to the payer, all it still holds. */
    *settle(escrow: EscrowRecord, how: Settlement, now: number): Work<EscrowRecord> {
      const remaining = remainingOf(escrow);
      invariant(
        how.paidUrtc >= 0n && how.refundedUrtc >= 0n && how.paidUrtc + how.refundedUrtc === remaining,
        'I4',
        `settling escrow ${escrow.jobId} holding ${remaining} µRTC as ${how.paidUrtc} paid + ${how.refundedUrtc} refunded`,
      );
      const settled = yield* s.settleEscrow.run({
        status: how.status,
        paid: how.paidUrtc,
        refunded: how.refundedUrtc,
        now,
        reason: how.reason,
        settledBy: how.settledBy,
        id: escrow.id,
        statusBefore: escrow.status,
        releasedBefore: escrow.releasedUrtc,
      });
      // Guarded on the status and amounts read: an escrow settles once. Unreachable when the caller read it in this transaction.
      invariant(
        settled === 1,
        'I7',
        `escrow ${escrow.jobId} is no longer ${escrow.status} with ${escrow.releasedUrtc} µRTC paid`,
      );
      // The row as the UPDATE left it: the guard pinned released_urtc and refunded_urtc (0) to what `escrow` holds.
      const releasedUrtc = escrow.releasedUrtc + how.paidUrtc;
      const after: EscrowRecord = {
        ...escrow,
        status: how.status,
        releasedUrtc,
        refundedUrtc: how.refundedUrtc,
        releasedAt: releasedUrtc > 0n ? now : null,
        refundedAt: how.refundedUrtc > 0n ? now : null,
        refundReason: how.reason,
        settledBy: how.settledBy,
      };
      const unlocked = yield* s.unlock.run({
        locked: remaining,
        returned: how.refundedUrtc,
        now,
        address: escrow.fromWallet,
      });
      invariant(
        unlocked === 1,
        'I3',
        `payer ${escrow.fromWallet} does not hold the ${remaining} µRTC locked for ${escrow.jobId}`,
      );
      const account = escrowAccount(escrow.jobId);
      if (how.paidUrtc > 0n) {
        invariant(
          (yield* s.credit.run([how.paidUrtc, now, escrow.toWallet])) === 1,
          'I2',
          `provider wallet ${escrow.toWallet} is missing`,
        );
        yield* journal(account, escrow.toWallet, how.paidUrtc, 'release', escrow.jobId, null, now);
      }
      if (how.refundedUrtc > 0n)
        yield* journal(account, escrow.fromWallet, how.refundedUrtc, 'refund', escrow.jobId, null, now);
      return after;
    },

    /** The only statement that brings money in (I5): journaled from the external account, once per reference (I7). */
    *deposit(wallet: string, amountUrtc: bigint, reference: string, now: number): Work<DepositRecord> {
      yield* s.ensureWallet.run([wallet, now, now]);
      const row = yield* s.insertDeposit.get([reference, wallet, amountUrtc, now]);
      invariant(row, 'I7', `deposit ${reference} was not recorded`);
      invariant(
        (yield* s.credit.run([amountUrtc, now, wallet])) === 1,
        'I2',
        `deposit ${reference}: wallet ${wallet} was not credited`,
      );
      yield* journal(EXTERNAL_ACCOUNT, wallet, amountUrtc, 'manual_credit', null, reference, now);
      return toDeposit(row);
    },

    /** Locked (never delivered) escrows whose `expires_at` has passed. */
    *expiredJobIds(now: number, limit: number): Work<string[]> {
      return yield* s.expiredJobs.values<string>([now, limit]);
    },

    /** Delivered escrows whose review window has ended undisputed. */
    *reviewedJobIds(now: number, limit: number): Work<string[]> {
      return yield* s.reviewedJobs.values<string>([now, limit]);
    },

    *findBond(minerId: string): Work<BondRecord | null> {
      const row = yield* s.bondOf.get([minerId]);
      return row ? toBond(row) : null;
    },

    /** Moves the amount from the wallet's available balance into its bond; null when it does not cover it. */
    *bond(minerId: string, amountUrtc: bigint, now: number): Work<BondRecord | null> {
      if ((yield* s.debit.run({ amount: amountUrtc, now, address: minerId })) !== 1) return null;
      const row = yield* s.addBond.get({ minerId, amount: amountUrtc, now });
      invariant(row, 'I7', `bond of ${minerId} was not recorded`);
      yield* journal(minerId, bondAccount(minerId), amountUrtc, 'bond', null, null, now);
      return toBond(row);
    },

    /**
     * Moves the amount from bonded to unbonding, to return at `unbondAt` (an earlier pending amount waits
     * with it until then); null when the bond does not hold that much. The money stays in the bond account.
     */
    *startUnbond(minerId: string, amountUrtc: bigint, unbondAt: number, now: number): Work<BondRecord | null> {
      const row = yield* s.startUnbond.get({ minerId, amount: amountUrtc, unbondAt, now });
      return row ? toBond(row) : null;
    },

    /** Returns a matured unbonding amount to the wallet; null when nothing is due (another sweep won, say). */
    *finishUnbond(bond: BondRecord, now: number): Work<BondRecord | null> {
      if (bond.unbondingUrtc === 0n) return null;
      const row = yield* s.finishUnbond.get({ minerId: bond.minerId, amount: bond.unbondingUrtc, now });
      if (!row) return null;
      if ((yield* s.credit.run([bond.unbondingUrtc, now, bond.minerId])) !== 1)
        throw new Error(`bonded wallet ${bond.minerId} is missing`);
      yield* journal(bondAccount(bond.minerId), bond.minerId, bond.unbondingUrtc, 'unbond', null, null, now);
      return toBond(row);
    },

    /** Moves bonded, then unbonding money to the treasury (`reference` names the decision). */
    *slashBond(bond: BondRecord, amountUrtc: bigint, reference: string, now: number): Work<BondRecord> {
      const fromBonded = amountUrtc < bond.bondedUrtc ? amountUrtc : bond.bondedUrtc;
      const fromUnbonding = amountUrtc - fromBonded;
      const row = yield* s.slash.get({ minerId: bond.minerId, fromBonded, fromUnbonding, now });
      if (!row) throw new Error(`bond of ${bond.minerId} does not hold ${amountUrtc}`); // the caller checked, in this transaction
      yield* journal(bondAccount(bond.minerId), TREASURY_ACCOUNT, amountUrtc, 'slash', null, reference, now);
      return toBond(row);
    },

    *isSlashReferenceUsed(minerId: string, reference: string): Work<boolean> {
      return (yield* s.slashByReference.get([bondAccount(minerId), reference])) !== undefined;
    },

    /** Bonds whose unbonding amount is due back to the wallet. */
    *maturedBondIds(now: number, limit: number): Work<string[]> {
      return yield* s.maturedBonds.values<string>([now, limit]);
    },
  };
}
