/**
 * Lock, release (milestones included), refund, delivery, dispute, resolution, expiry and auto-release of
 * escrows: the one implementation behind GraphQL, REST and the sweeper. Who may do what in which state is
 * ./rules.ts; this module orders the checks, writes through the ledger and announces each change.
 *
 * Errors are reported in the wire contract's order (docs/CONTRACT.md): the request's shape (already parsed by the caller with
 * ./requests.ts), then the signature, then authority, then state. Every check that depends on stored
 * state runs inside the same ledger operation (one atomic, synchronous unit) as the writes it guards, so an escrow
 * changes state exactly once however many requests race for it, and however many instances sweep. A nonce is
 * consumed only by a request that changes state. Within the state checks, a request that repeats a final state
 * is answered 200 first; then a used nonce is NONCE_REUSED (a retried milestone, delivery or dispute was applied
 * once), before INVALID_STATE and the amounts' INVALID_INPUT.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { DEFAULT_TTL_S, type JobType } from '../domain/fields.js';
import { AuthorizationError, InsufficientFundsError, InvalidInputError, StateError } from '../domain/errors.js';
import { formatRtc } from '../domain/money.js';
import { canonicalJson, type ActionObject } from '../domain/signatures.js';
import { isFinal, remainingOf, type EscrowRecord, type Ledger, type Settlement } from '../ledger.js';
import type { Work } from '../sql/statement.js';
import type { EscrowChange, EscrowEventLog, EscrowEventMessage } from './events.js';
import type { OperatorGate } from '../operator.js';
import { PRICE_UNIT, priceInForce as offeredPrice, priceOfJob } from '../pricing/service.js';
import { nodePrice } from '../pricing/store.js';
import { inlineVerifier, type SignatureVerifier } from '../workers/signature-pool.js';
import {
  deliverAction,
  disputeAction,
  lockActions,
  refundAction,
  releaseAction,
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

export type { EscrowChange };

export interface EscrowResult {
  escrow: EscrowRecord;
  /** False when the request was an idempotent replay that moved no money. */
  changed: boolean;
}

/** Who is asking: a signed request, or the operator with its key. */
export interface Caller {
  adminKey?: string | null;
}

/** The job types a front door serves (`/voice/*` serves tts and stt); GraphQL serves the `jobType` it is given. */
export type Door = readonly JobType[] | undefined;

export interface EscrowServiceDeps {
  ledger: Ledger;
  /** How long an attestation keeps a node's prices on offer (the configuration's ATTESTATION_TTL_S; default 3600). */
  attestationTtlS?: number;
  operator: OperatorGate;
  clock: Clock;
  log: Logger;
  /** Numbers each change in the change's own transaction. */
  events: EscrowEventLog;
  /** Called with the change's event after its transaction has committed, never before. */
  onChange(event: EscrowEventMessage): void;
  /** Where signatures are verified (worker threads in a server); on the event loop when not given. */
  signatures?: SignatureVerifier;
}

const SWEEP_BATCH = 500;

/** A ledger operation's answer: the escrow after it, and for a change the escrow before and its event to publish. */
type Changed = EscrowResult & { before?: EscrowRecord; event?: EscrowEventMessage };

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

export function createEscrowService({
  ledger,
  attestationTtlS = 3600,
  events,
  operator,
  clock,
  log,
  onChange,
  signatures = inlineVerifier,
}: EscrowServiceDeps) {
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

  function checkDoor(jobType: JobType, door: Door) {
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

  function* findOrThrow(jobId: string): Work<EscrowRecord> {
    const escrow = yield* ledger.findEscrow(jobId);
    if (!escrow) throw new StateError('NOT_FOUND', `no escrow for job ${jobId}`);
    return escrow;
  }

  /** The state checks every action on an existing escrow shares, in the contract's order. */
  function checkTarget(escrow: EscrowRecord, req: { jobType: JobType }, door: Door) {
    checkDoor(req.jobType, door);
    checkEscrowType(escrow, req.jobType);
  }

  /** Records a signer's nonce for this action (an operator's request has none); NONCE_REUSED when it was used. */
  function* claimNonce(signer: string | null, nonce: string | undefined, action: string, jobId: string, now: number) {
    if (signer && nonce && !(yield* ledger.claimNonce(signer, nonce, action, jobId, now))) {
      throw new StateError('NONCE_REUSED', `nonce ${nonce} was already used by ${signer}`);
    }
  }

  /** Operator when an admin key is presented (and right); otherwise the verified signer's address. */
  async function identify(
    caller: Caller,
    action: ActionObject | ActionObject[],
    req: { nonce?: string; publicKey?: string | null; signature?: string | null },
  ) {
    if (caller.adminKey !== undefined && caller.adminKey !== null) {
      operator.require(caller.adminKey);
      return { operator: true as const, signer: null };
    }
    // Neither a key nor a signature: nobody is identified. A signed request without its nonce: malformed.
    if (!req.publicKey || !req.signature)
      throw new AuthorizationError('INVALID_SIGNATURE', 'public_key and signature (or X-Admin-Key) are required');
    if (!req.nonce) throw new InvalidInputError('nonce is required for a signed request');
    return { operator: false as const, signer: await signatures.verify(action, req) };
  }

  function announce(before: EscrowRecord | null, after: EscrowRecord, event: EscrowEventMessage) {
    const change = event.change;
    const fields = {
      event: `escrow.${change}`,
      job_id: after.jobId,
      job_type: after.jobType,
      from_wallet: after.fromWallet,
      to_wallet: after.toWallet,
    };
    if (isFinal(after.status)) {
      log.info(
        {
          ...fields,
          released_urtc: after.releasedUrtc.toString(),
          refunded_urtc: after.refundedUrtc.toString(),
          settled_by: after.settledBy,
        },
        `${change} ${after.jobType} job ${after.jobId}: ${formatRtc(after.releasedUrtc)} RTC to ${after.toWallet} in all, ${formatRtc(after.refundedUrtc)} RTC back to ${after.fromWallet} (of ${formatRtc(after.amountUrtc)} RTC, by ${after.settledBy})`,
      );
    } else if (change === 'partially_released') {
      const paid = after.releasedUrtc - (before?.releasedUrtc ?? 0n);
      log.info(
        { ...fields, paid_urtc: paid.toString(), released_urtc: after.releasedUrtc.toString() },
        `milestone of ${after.jobType} job ${after.jobId}: ${formatRtc(paid)} RTC to ${after.toWallet}`,
      );
    } else if (change === 'delivered') {
      log.info(
        { ...fields, claimed_urtc: after.claimedUrtc?.toString(), review_until: after.reviewUntil },
        `delivered ${after.jobType} job ${after.jobId}, claiming ${formatRtc(after.claimedUrtc ?? 0n)} RTC; review until ${after.reviewUntil}`,
      );
    } else if (change === 'disputed') {
      log.info(
        { ...fields, disputed_at: after.disputedAt },
        `disputed ${after.jobType} job ${after.jobId}: the operator decides`,
      );
    }
    onChange(event);
  }

  /** Runs `change` as one ledger operation and announces its event once committed. */
  async function apply(change: () => Work<Changed>): Promise<EscrowResult> {
    const result = await ledger.write(change);
    if (result.event) announce(result.before ?? null, result.escrow, result.event);
    return { escrow: result.escrow, changed: result.changed };
  }

  /** Settles inside a ledger operation and records its event. */
  function* settle(
    escrow: EscrowRecord,
    how: Settlement,
    now: number,
    change: EscrowChange = how.status,
  ): Work<Changed> {
    const after = yield* ledger.settle(escrow, how, now);
    return { escrow: after, changed: true, before: escrow, event: yield* events.record(after, change, now) };
  }

  /** The due escrows of one kind, each settled in its own atomic operation, re-judged inside it. */
  async function sweep(
    list: (now: number, limit: number) => Work<string[]>,
    due: (e: EscrowRecord, now: number) => Settlement | null,
    change: EscrowChange,
  ) {
    const now = clock();
    let settledCount = 0;
    for (;;) {
      const jobIds = await ledger.read(() => list(now, SWEEP_BATCH));
      const results = jobIds.map((jobId) =>
        ledger.write(function* (): Work<Changed | null> {
          // Re-read inside the transaction: a request, or another instance's sweep, may have won since the batch was listed.
          const escrow = yield* ledger.findEscrow(jobId);
          const how = escrow && due(escrow, now);
          return how ? yield* settle(escrow, how, now, change) : null;
        }),
      );
      for (const result of await Promise.all(results)) {
        if (result?.event) {
          settledCount += 1;
          announce(result.before ?? null, result.escrow, result.event);
        }
      }
      if (jobIds.length < SWEEP_BATCH) return settledCount;
    }
  }

  /** Refunds every never-delivered escrow whose `expires_at` has passed, each as its own atomic operation. */
  const expireDue = (): Promise<number> => sweep(ledger.expiredJobIds, expiry, 'expired');
  /** Pays the claim of every delivery whose review ended undisputed (the rest back to the payer), each once. */
  const autoReleaseDue = (): Promise<number> => sweep(ledger.reviewedJobIds, autoRelease, 'released');

  return {
    async lock(req: LockRequest, door?: Door): Promise<EscrowResult> {
      const signer = await signatures.verify(lockActions(req), req);
      if (signer !== req.fromWallet) throw new AuthorizationError('FORBIDDEN', 'a lock must be signed by from_wallet');
      checkDoor(req.jobType, door);
      const now = clock();

      const result = await ledger.write(function* (): Work<EscrowResult & { event?: EscrowEventMessage }> {
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
      });

      if (result.event) {
        const e = result.escrow;
        log.info(
          {
            event: 'escrow.locked',
            job_id: e.jobId,
            job_type: e.jobType,
            from_wallet: e.fromWallet,
            to_wallet: e.toWallet,
            amount_urtc: e.amountUrtc.toString(),
            expires_at: e.expiresAt,
          },
          `locked ${formatRtc(e.amountUrtc)} RTC of ${e.fromWallet} for ${e.jobType} job ${e.jobId} to ${e.toWallet}`,
        );
        onChange(result.event);
      }
      return { escrow: result.escrow, changed: result.changed };
    },

    /** The payer's (or operator's) release: a milestone payment, an acceptance of a delivery, or the whole remainder. */
    async release(req: ReleaseRequest, caller: Caller, door?: Door): Promise<EscrowResult> {
      const who = await identify(caller, releaseAction(req), req);
      const now = clock();
      return apply(function* () {
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
          {
            status: 'released',
            paidUrtc: outcome.paidUrtc,
            refundedUrtc: outcome.refundedUrtc,
            reason: null,
            settledBy,
          },
          now,
        );
      });
    },

    /** Returns what an open escrow holds to the payer: by the provider, the payer after a never-delivered escrow expired, or the operator. */
    async refund(req: RefundRequest, caller: Caller, door?: Door): Promise<EscrowResult> {
      const who = await identify(caller, refundAction(req), req);
      const now = clock();
      return apply(function* () {
        const escrow = yield* findOrThrow(req.jobId);
        const settledBy = who.operator ? 'operator' : refunder(escrow, who.signer, now);
        checkTarget(escrow, req, door);
        if (escrow.status === 'refunded') return { escrow, changed: false };
        if (escrow.status === 'released')
          throw new StateError('INVALID_STATE', `escrow ${escrow.jobId} is already released`);
        yield* claimNonce(who.signer, req.nonce, 'escrow.refund', req.jobId, now);
        return yield* settle(
          escrow,
          {
            status: 'refunded',
            paidUrtc: 0n,
            refundedUrtc: remainingOf(escrow),
            reason: req.reason ?? null,
            settledBy,
          },
          now,
        );
      });
    },

    /** The provider's delivery: the result's hash (and URI, and claim) recorded, the review window opened. */
    async deliver(req: DeliverRequest, door?: Door): Promise<EscrowResult> {
      const signer = await signatures.verify(deliverAction(req), req);
      const now = clock();
      return apply(function* () {
        const escrow = yield* findOrThrow(req.jobId);
        if (signer !== escrow.toWallet)
          throw new AuthorizationError('FORBIDDEN', 'only the provider (to_wallet) may deliver');
        checkTarget(escrow, req, door);
        yield* claimNonce(signer, req.nonce, 'escrow.deliver', req.jobId, now);
        const claim = deliveryOf(escrow, req.claimedUrtc, now);
        const after = yield* ledger.deliver(escrow, delivery(claim, req.resultHash, req.resultUri), now);
        return { escrow: after, changed: true, before: escrow, event: yield* events.record(after, 'delivered', now) };
      });
    },

    /** The payer's dispute of a delivery, before its review ends: the money stays held until the operator resolves it. */
    async dispute(req: DisputeRequest, door?: Door): Promise<EscrowResult> {
      // Nobody could resolve a dispute without an operator: refused before it could freeze the money.
      if (!operator.enabled)
        throw new AuthorizationError(
          'OPERATOR_DISABLED',
          'disputes need an operator to resolve them: RC_ADMIN_KEY is not configured',
        );
      const signer = await signatures.verify(disputeAction(req), req);
      const now = clock();
      return apply(function* () {
        const escrow = yield* findOrThrow(req.jobId);
        if (signer !== escrow.fromWallet)
          throw new AuthorizationError('FORBIDDEN', 'only the payer (from_wallet) may dispute');
        checkTarget(escrow, req, door);
        yield* claimNonce(signer, req.nonce, 'escrow.dispute', req.jobId, now);
        checkDisputable(escrow, now);
        const after = yield* ledger.dispute(escrow, req.reason, now);
        return { escrow: after, changed: true, before: escrow, event: yield* events.record(after, 'disputed', now) };
      });
    },

    /** The operator's resolution of a dispute: `releaseUrtc` to the provider, the rest back to the payer. */
    async resolve(req: ResolveRequest, adminKey: string | null | undefined): Promise<EscrowResult> {
      operator.require(adminKey);
      const now = clock();
      return apply(function* () {
        const escrow = yield* findOrThrow(req.jobId);
        return yield* settle(escrow, resolution(escrow, req.releaseUrtc), now);
      });
    },

    expireDue,
    autoReleaseDue,

    /** The sweeper's escrow step: carries out what the deadlines have already decided. */
    async sweepDue(): Promise<{ expired: number; autoReleased: number }> {
      return { expired: await expireDue(), autoReleased: await autoReleaseDue() };
    },

    find(jobId: string): Promise<EscrowRecord | null> {
      return ledger.read(() => ledger.findEscrow(jobId));
    },
  };
}

export type EscrowService = ReturnType<typeof createEscrowService>;
