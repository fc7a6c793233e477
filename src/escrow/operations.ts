/**
 * The escrow's units of work: every check that depends on stored state and the writes it guards, one atomic
 * operation each (src/sql/statement.ts). They take only what a message can carry (the parsed request, the verified
 * signer, the time), so that the same operation runs on the event loop or, named, on the SQLite writer thread
 * (src/write-operations.ts); the service (./service.ts) verifies the signature before and announces after.
 *
 * Within the state checks, a request that repeats a final state is answered first; then a used nonce is
 * NONCE_REUSED (a retried milestone, delivery or dispute was applied once), before INVALID_STATE and the amounts'
 * INVALID_INPUT. A nonce is consumed only by a request that changes state.
 */
import { DEFAULT_TTL_S, type JobType } from '../domain/fields.js';
import { AuthorizationError, InsufficientFundsError, InvalidInputError, StateError } from '../domain/errors.js';
import { canonicalJson } from '../domain/signatures.js';
import { remainingOf, type EscrowRecord, type Ledger, type Settlement } from '../ledger.js';
import { PRICE_UNIT, priceInForce as offeredPrice, priceOfJob } from '../pricing/service.js';
import { nodePrice } from '../pricing/store.js';
import type { Work } from '../sql/statement.js';
import type { EscrowChange, EscrowEventLog, EscrowEventMessage } from './events.js';
import {
  REVIEW_WINDOW_S_DEFAULT,
  type DeliverRequest,
  type DisputeRequest,
  type LockRequest,
  type RefundRequest,
  type ReleaseRequest,
  type ResolveRequest,
} from './requests.js';
import {
  autoRelease,
  checkDisputable,
  delivery,
  deliveryOf,
  expiry,
  refunder,
  releaseOutcome,
  resolution,
} from './rules.js';

/** The job types a front door serves (`/voice/*` serves tts and stt); GraphQL serves the `jobType` it is given. */
export type Door = readonly JobType[] | undefined;

/** Who is acting, once identified: the operator (by its key), or a verified signer's address. */
export type Actor = { operator: true; signer: null } | { operator: false; signer: string };

/**
 * An operation's answer: the escrow after it, whether it changed (false for an idempotent replay that moved no
 * money), and for a change the escrow before and the event to publish once committed.
 */
export interface Changed {
  escrow: EscrowRecord;
  changed: boolean;
  before?: EscrowRecord;
  event?: EscrowEventMessage;
}

/** The deadline a sweep carries out: expiry (refund) or the end of a delivery's review (auto-release). */
export type Deadline = 'expired' | 'released';

export interface EscrowOperationDeps {
  ledger: Ledger;
  /** Numbers each change in the change's own transaction. */
  events: EscrowEventLog;
  /** How long an attestation keeps a node's prices on offer (the configuration's ATTESTATION_TTL_S). */
  attestationTtlS: number;
}

/**
 * The first signed term in which a repeated lock differs from the escrow its job id already has, or null when
 * it is the same lock (the nonce aside): a replay is answered with the existing escrow, a difference is a conflict.
 */
export function lockTermsDiffer(
  existing: EscrowRecord,
  req: LockRequest,
): { field: string; existing: string; requested: string } | null {
  const terms: [string, unknown, unknown][] = [
    ['job_type', existing.jobType, req.jobType],
    ['from_wallet', existing.fromWallet, req.fromWallet],
    ['to_wallet', existing.toWallet, req.toWallet],
    ['amount_urtc', existing.amountUrtc, req.amountUrtc],
    ['ttl_s', existing.expiresAt - existing.createdAt, req.ttlS ?? DEFAULT_TTL_S],
    ['review_window_s', existing.reviewWindowS, req.reviewWindowS ?? REVIEW_WINDOW_S_DEFAULT],
    ['units', existing.units, req.units ?? null],
    ['metadata', existing.metadata, req.metadata ? canonicalJson(req.metadata) : null],
  ];
  for (const [field, had, asked] of terms) {
    if (String(had) !== String(asked)) return { field, existing: clip(String(had)), requested: clip(String(asked)) };
  }
  return null;
}

const clip = (text: string) => (text.length > 80 ? `${text.slice(0, 77)}...` : text);

export function checkDoor(jobType: JobType, door: Door) {
  if (door && !door.includes(jobType)) {
    throw new StateError(
      'JOB_TYPE_MISMATCH',
      `job type ${jobType} is not served here (this path serves ${door.join(', ')})`,
    );
  }
}

function checkEscrowType(escrow: EscrowRecord, jobType: JobType) {
  if (escrow.jobType !== jobType) {
    throw new StateError('JOB_TYPE_MISMATCH', `escrow ${escrow.jobId} is a ${escrow.jobType} job, not ${jobType}`);
  }
}

/** The state checks every action on an existing escrow shares, in the contract's order. */
function checkTarget(escrow: EscrowRecord, req: { jobType: JobType }, door: Door) {
  checkDoor(req.jobType, door);
  checkEscrowType(escrow, req.jobType);
}

export function escrowOperations({ ledger, events, attestationTtlS }: EscrowOperationDeps) {
  /**
   * For a quoted lock: the provider's price in force, which the amount must match and the escrow keeps.
   * A suspended node, or one whose attestation lapsed, offers no price (INVALID_STATE).
   */
  function* priceInForce(req: LockRequest, now: number): Work<bigint | null> {
    if (req.units === undefined) return null;
    const node = yield* nodePrice(req.toWallet, req.jobType);
    if (!node || node.priceUrtc === null)
      throw new StateError('INVALID_STATE', `${req.toWallet} is not a GPU node serving ${req.jobType}`);
    const price = offeredPrice(node, { minerId: req.toWallet, jobType: req.jobType, now, attestationTtlS });
    const expected = priceOfJob(req.jobType, req.units, price);
    if (expected !== req.amountUrtc) {
      throw new InvalidInputError(
        `amount_urtc must be ${expected} for ${req.units} ${PRICE_UNIT[req.jobType].jobUnit} at the node's price of ${price} µRTC per ${PRICE_UNIT[req.jobType].unit}`,
      );
    }
    return price;
  }

  function* findOrThrow(jobId: string): Work<EscrowRecord> {
    const escrow = yield* ledger.findEscrow(jobId);
    if (!escrow) throw new StateError('NOT_FOUND', `no escrow for job ${jobId}`);
    return escrow;
  }

  /** Records a signer's nonce for this action (an operator's request has none); NONCE_REUSED when it was used. */
  function* claimNonce(signer: string | null, nonce: string | undefined, action: string, jobId: string, now: number) {
    if (signer && nonce && !(yield* ledger.claimNonce(signer, nonce, action, jobId, now))) {
      throw new StateError('NONCE_REUSED', `nonce ${nonce} was already used by ${signer}`);
    }
  }

  /** Settles and records its event. */
  function* settle(
    escrow: EscrowRecord,
    how: Settlement,
    now: number,
    change: EscrowChange = how.status,
  ): Work<Changed> {
    const after = yield* ledger.settle(escrow, how, now);
    return { escrow: after, changed: true, before: escrow, event: yield* events.record(after, change, now) };
  }

  return {
    /** A lock signed by `signer` (already checked to be its from_wallet); a replay of the same terms answers the escrow. */
    *lockEscrow(req: LockRequest, signer: string, now: number): Work<Changed> {
      const existing = yield* ledger.findEscrow(req.jobId);
      if (existing) {
        const differs = lockTermsDiffer(existing, req);
        if (differs) {
          throw new StateError(
            'IDEMPOTENCY_CONFLICT',
            `job ${req.jobId} already has an escrow with ${differs.field} ${differs.existing}, not ${differs.requested}`,
          );
        }
        return { escrow: existing, changed: false };
      }
      yield* claimNonce(signer, req.nonce, 'escrow.lock', req.jobId, now);
      const unitPriceUrtc = yield* priceInForce(req, now);
      const escrow = yield* ledger.lock(
        {
          jobId: req.jobId,
          jobType: req.jobType,
          fromWallet: req.fromWallet,
          toWallet: req.toWallet,
          amountUrtc: req.amountUrtc,
          expiresAt: now + (req.ttlS ?? DEFAULT_TTL_S),
          metadata: req.metadata ? canonicalJson(req.metadata) : null,
          units: req.units ?? null,
          unitPriceUrtc,
          reviewWindowS: req.reviewWindowS ?? REVIEW_WINDOW_S_DEFAULT,
        },
        now,
      );
      if (!escrow) {
        const wallet = yield* ledger.findWallet(req.fromWallet);
        throw new InsufficientFundsError(wallet?.availableUrtc ?? 0n, req.amountUrtc);
      }
      return { escrow, changed: true, event: yield* events.record(escrow, 'locked', now) };
    },

    /** The payer's (or operator's) release: a milestone payment, an acceptance of a delivery, or the whole remainder. */
    *releaseEscrow(req: ReleaseRequest, who: Actor, door: Door, now: number): Work<Changed> {
      const escrow = yield* findOrThrow(req.jobId);
      if (!who.operator && who.signer !== escrow.fromWallet)
        throw new AuthorizationError('FORBIDDEN', 'only the payer (from_wallet) or the operator may release');
      checkTarget(escrow, req, door);
      if (escrow.status === 'released') return { escrow, changed: false };
      if (escrow.status === 'refunded')
        throw new StateError('INVALID_STATE', `escrow ${escrow.jobId} is already refunded`);
      yield* claimNonce(who.signer, req.nonce, 'escrow.release', req.jobId, now);
      const outcome = releaseOutcome(escrow, req.amountUrtc, who.operator ? 'operator' : 'payer');
      if (outcome.kind === 'milestone') {
        const after = yield* ledger.payMilestone(escrow, outcome.paidUrtc, now);
        return {
          escrow: after,
          changed: true,
          before: escrow,
          event: yield* events.record(after, 'partially_released', now),
        };
      }
      const settledBy = who.operator ? 'operator' : 'payer';
      return yield* settle(
        escrow,
        { status: 'released', paidUrtc: outcome.paidUrtc, refundedUrtc: outcome.refundedUrtc, reason: null, settledBy },
        now,
      );
    },

    /** Returns what an open escrow holds to the payer: by the provider, the payer after a never-delivered escrow expired, or the operator. */
    *refundEscrow(req: RefundRequest, who: Actor, door: Door, now: number): Work<Changed> {
      const escrow = yield* findOrThrow(req.jobId);
      const settledBy = who.operator ? 'operator' : refunder(escrow, who.signer, now);
      checkTarget(escrow, req, door);
      if (escrow.status === 'refunded') return { escrow, changed: false };
      if (escrow.status === 'released')
        throw new StateError('INVALID_STATE', `escrow ${escrow.jobId} is already released`);
      yield* claimNonce(who.signer, req.nonce, 'escrow.refund', req.jobId, now);
      return yield* settle(
        escrow,
        { status: 'refunded', paidUrtc: 0n, refundedUrtc: remainingOf(escrow), reason: req.reason ?? null, settledBy },
        now,
      );
    },

    /** The provider's delivery: the result's hash (and URI, and claim) recorded, the review window opened. */
    *deliverEscrow(req: DeliverRequest, signer: string, door: Door, now: number): Work<Changed> {
      const escrow = yield* findOrThrow(req.jobId);
      if (signer !== escrow.toWallet)
        throw new AuthorizationError('FORBIDDEN', 'only the provider (to_wallet) may deliver');
      checkTarget(escrow, req, door);
      yield* claimNonce(signer, req.nonce, 'escrow.deliver', req.jobId, now);
      const claim = deliveryOf(escrow, req.claimedUrtc, now);
      const after = yield* ledger.deliver(escrow, delivery(claim, req.resultHash, req.resultUri), now);
      return { escrow: after, changed: true, before: escrow, event: yield* events.record(after, 'delivered', now) };
    },

    /** The payer's dispute of a delivery, before its review ends: the money stays held until the operator resolves it. */
    *disputeEscrow(req: DisputeRequest, signer: string, door: Door, now: number): Work<Changed> {
      const escrow = yield* findOrThrow(req.jobId);
      if (signer !== escrow.fromWallet)
        throw new AuthorizationError('FORBIDDEN', 'only the payer (from_wallet) may dispute');
      checkTarget(escrow, req, door);
      yield* claimNonce(signer, req.nonce, 'escrow.dispute', req.jobId, now);
      checkDisputable(escrow, now);
      const after = yield* ledger.dispute(escrow, req.reason, now);
      return { escrow: after, changed: true, before: escrow, event: yield* events.record(after, 'disputed', now) };
    },

    /** The operator's resolution of a dispute: `releaseUrtc` to the provider, the rest back to the payer. */
    *resolveDispute(req: ResolveRequest, now: number): Work<Changed> {
      const escrow = yield* findOrThrow(req.jobId);
      return yield* settle(escrow, resolution(escrow, req.releaseUrtc), now);
    },

    /**
     * A sweep's step for one listed escrow: re-read inside the transaction (a request, or another instance's sweep,
     * may have won since the batch was listed) and settled if its deadline still says so; null otherwise.
     */
    *settleDueEscrow(jobId: string, deadline: Deadline, now: number): Work<Changed | null> {
      const escrow = yield* ledger.findEscrow(jobId);
      const how = escrow && (deadline === 'expired' ? expiry(escrow, now) : autoRelease(escrow, now));
      return how ? yield* settle(escrow, how, now, deadline) : null;
    },
  };
}

export type EscrowOperations = ReturnType<typeof escrowOperations>;
