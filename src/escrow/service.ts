/**
 * Lock, release, refund and expiry of escrows: the one implementation behind GraphQL and REST.
 *
 * Errors are reported in the wire contract's order (docs/CONTRACT.md): the request's shape (already parsed by the caller with
 * ./requests.ts), then the signature, then authority, then state. Every check that depends on stored
 * state runs inside the same ledger operation (one atomic, synchronous unit) as the writes it guards, so an escrow
 * changes state exactly once however many requests race for it. A nonce is consumed only by a request
 * that changes state.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { DEFAULT_TTL_S, type JobType } from '../domain/fields.js';
import { AuthorizationError, InsufficientFundsError, InvalidInputError, StateError } from '../domain/errors.js';
import { formatRtc } from '../domain/money.js';
import { canonicalJson, verifyActionSignature } from '../domain/signatures.js';
import type { EscrowRecord, Ledger, Settlement } from '../ledger.js';
import type { EscrowChange, EscrowEventLog, EscrowEventMessage } from './events.js';
import type { OperatorGate } from '../operator.js';
import { PRICE_UNIT, priceInForce as offeredPrice, priceOfJob } from '../pricing/service.js';
import type { PricingStore } from '../pricing/store.js';
import { lockActions, refundAction, releaseAction, type LockRequest, type RefundRequest, type ReleaseRequest } from './requests.js';

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
  /** The nodes' prices in force, for locks that carry a quote's unit count. */
  pricing: PricingStore;
  /** How long an attestation keeps a node's prices on offer (the configuration's ATTESTATION_TTL_S; default 3600). */
  attestationTtlS?: number;
  operator: OperatorGate;
  clock: Clock;
  log: Logger;
  /** Numbers each change in the change's own transaction. */
  events: EscrowEventLog;
  /** Called with the change's event after its transaction has committed, never before. */
  onChange(event: EscrowEventMessage): void;
}

const SWEEP_BATCH = 500;

/**
 * The first signed term in which a repeated lock differs from the escrow its job id already has, or null when
 * it is the same lock (the nonce aside): a replay is answered with the existing escrow, a difference is a conflict.
 */
export function lockTermsDiffer(existing: EscrowRecord, req: LockRequest): { field: string; existing: string; requested: string } | null {
  const terms: [string, unknown, unknown][] = [
    ['job_type', existing.jobType, req.jobType],
    ['from_wallet', existing.fromWallet, req.fromWallet],
    ['to_wallet', existing.toWallet, req.toWallet],
    ['amount_urtc', existing.amountUrtc, req.amountUrtc],
    ['ttl_s', existing.expiresAt - existing.createdAt, req.ttlS ?? DEFAULT_TTL_S],
    ['units', existing.units, req.units ?? null],
    ['metadata', existing.metadata, req.metadata ? canonicalJson(req.metadata) : null],
  ];
  for (const [field, had, asked] of terms) {
    if (String(had) !== String(asked)) return { field, existing: clip(String(had)), requested: clip(String(asked)) };
  }
  return null;
}

const clip = (text: string) => (text.length > 80 ? `${text.slice(0, 77)}...` : text);

export function createEscrowService({ ledger, pricing, attestationTtlS = 3600, events, operator, clock, log, onChange }: EscrowServiceDeps) {
  /**
   * For a quoted lock: the provider's price in force, which the amount must match and the escrow keeps.
   * A suspended node, or one whose attestation lapsed, offers no price (INVALID_STATE).
   */
  function priceInForce(req: LockRequest, now: number): bigint | null {
    if (req.units === undefined) return null;
    const node = pricing.nodePrice(req.toWallet, req.jobType);
    if (!node || node.priceUrtc === null) throw new StateError('INVALID_STATE', `${req.toWallet} is not a GPU node serving ${req.jobType}`);
    const price = offeredPrice(node, { minerId: req.toWallet, jobType: req.jobType, now, attestationTtlS });
    const expected = priceOfJob(req.jobType, req.units, price);
    if (expected !== req.amountUrtc) {
      throw new InvalidInputError(`amount_urtc must be ${expected} for ${req.units} ${PRICE_UNIT[req.jobType].jobUnit} at the node's price of ${price} µRTC per ${PRICE_UNIT[req.jobType].unit}`);
    }
    return price;
  }

  function checkDoor(jobType: JobType, door: Door) {
    if (door && !door.includes(jobType)) {
      throw new StateError('JOB_TYPE_MISMATCH', `job type ${jobType} is not served here (this path serves ${door.join(', ')})`);
    }
  }

  function checkEscrowType(escrow: EscrowRecord, jobType: JobType) {
    if (escrow.jobType !== jobType) {
      throw new StateError('JOB_TYPE_MISMATCH', `escrow ${escrow.jobId} is a ${escrow.jobType} job, not ${jobType}`);
    }
  }

  function findOrThrow(jobId: string): EscrowRecord {
    const escrow = ledger.findEscrow(jobId);
    if (!escrow) throw new StateError('NOT_FOUND', `no escrow for job ${jobId}`);
    return escrow;
  }

  function checkNonce(signer: string | null, nonce: string | undefined) {
    if (signer && nonce && ledger.isNonceUsed(signer, nonce)) {
      throw new StateError('NONCE_REUSED', `nonce ${nonce} was already used by ${signer}`);
    }
  }

  /** Operator when an admin key is presented (and right); otherwise the verified signer's address. */
  function identify(caller: Caller, action: Parameters<typeof verifyActionSignature>[0], req: { nonce?: string; publicKey?: string | null; signature?: string | null }) {
    if (caller.adminKey !== undefined && caller.adminKey !== null) {
      operator.require(caller.adminKey);
      return { operator: true as const, signer: null };
    }
    // Neither a key nor a signature: nobody is identified. A signed request without its nonce: malformed.
    if (!req.publicKey || !req.signature) throw new AuthorizationError('INVALID_SIGNATURE', 'public_key and signature (or X-Admin-Key) are required');
    if (!req.nonce) throw new InvalidInputError('nonce is required for a signed request');
    return { operator: false as const, signer: verifyActionSignature(action, req) };
  }

  function settled(before: EscrowRecord, after: EscrowRecord, event: EscrowEventMessage, by: string) {
    const change = event.change;
    log.info(
      {
        event: `escrow.${change}`,
        job_id: after.jobId,
        job_type: after.jobType,
        from_wallet: after.fromWallet,
        to_wallet: after.toWallet,
        released_urtc: after.releasedUrtc.toString(),
        refunded_urtc: after.refundedUrtc.toString(),
        settled_by: by,
      },
      `${change} ${after.jobType} job ${after.jobId}: ${formatRtc(after.releasedUrtc)} RTC to ${after.toWallet}, ${formatRtc(after.refundedUrtc)} RTC back to ${after.fromWallet} (of ${formatRtc(before.amountUrtc)} RTC, by ${by})`,
    );
    onChange(event);
  }

  return {
    async lock(req: LockRequest, door?: Door): Promise<EscrowResult> {
      const signer = verifyActionSignature(lockActions(req), req);
      if (signer !== req.fromWallet) throw new AuthorizationError('FORBIDDEN', 'a lock must be signed by from_wallet');
      checkDoor(req.jobType, door);
      const now = clock();

      const result = await ledger.submit((): EscrowResult & { event?: EscrowEventMessage } => {
        const existing = ledger.findEscrow(req.jobId);
        if (existing) {
          const differs = lockTermsDiffer(existing, req);
          if (differs) {
            throw new StateError('IDEMPOTENCY_CONFLICT', `job ${req.jobId} already has an escrow with ${differs.field} ${differs.existing}, not ${differs.requested}`);
          }
          return { escrow: existing, changed: false };
        }
        checkNonce(signer, req.nonce);
        const unitPriceUrtc = priceInForce(req, now);
        const escrow = ledger.lock(
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
          },
          now,
        );
        if (!escrow) throw new InsufficientFundsError(ledger.findWallet(req.fromWallet)?.availableUrtc ?? 0n, req.amountUrtc);
        ledger.useNonce(signer, req.nonce, 'escrow.lock', req.jobId, now);
        return { escrow, changed: true, event: events.record(escrow, 'locked', now) };
      });

      if (result.event) {
        const e = result.escrow;
        log.info(
          { event: 'escrow.locked', job_id: e.jobId, job_type: e.jobType, from_wallet: e.fromWallet, to_wallet: e.toWallet, amount_urtc: e.amountUrtc.toString(), expires_at: e.expiresAt },
          `locked ${formatRtc(e.amountUrtc)} RTC of ${e.fromWallet} for ${e.jobType} job ${e.jobId} to ${e.toWallet}`,
        );
        onChange(result.event);
      }
      return { escrow: result.escrow, changed: result.changed };
    },

    async release(req: ReleaseRequest, caller: Caller, door?: Door): Promise<EscrowResult> {
      const who = identify(caller, releaseAction(req), req);
      const now = clock();
      const result = await ledger.submit((): EscrowResult & { before?: EscrowRecord; event?: EscrowEventMessage } => {
        const escrow = findOrThrow(req.jobId);
        if (!who.operator && who.signer !== escrow.fromWallet) throw new AuthorizationError('FORBIDDEN', 'only the payer (from_wallet) or the operator may release');
        checkDoor(req.jobType, door);
        checkEscrowType(escrow, req.jobType);
        if (escrow.status === 'released') return { escrow, changed: false };
        if (escrow.status !== 'locked') throw new StateError('INVALID_STATE', `escrow ${escrow.jobId} is already ${escrow.status}`);
        const released = req.amountUrtc ?? escrow.amountUrtc;
        if (released > escrow.amountUrtc) throw new InvalidInputError(`amount_urtc ${released} exceeds the locked ${escrow.amountUrtc}`);
        checkNonce(who.signer, req.nonce);
        const after = ledger.settle(
          escrow,
          { status: 'released', releasedUrtc: released, refundedUrtc: escrow.amountUrtc - released, reason: null, settledBy: who.operator ? 'operator' : 'payer' },
          now,
        );
        if (who.signer) ledger.useNonce(who.signer, req.nonce!, 'escrow.release', req.jobId, now);
        const event = events.record(after, after.refundedUrtc > 0n ? 'partially_released' : 'released', now);
        return { escrow: after, changed: true, before: escrow, event };
      });
      if (result.before && result.event) settled(result.before, result.escrow, result.event, result.escrow.settledBy!);
      return { escrow: result.escrow, changed: result.changed };
    },

    async refund(req: RefundRequest, caller: Caller, door?: Door): Promise<EscrowResult> {
      const who = identify(caller, refundAction(req), req);
      const now = clock();
      const result = await ledger.submit((): EscrowResult & { before?: EscrowRecord; event?: EscrowEventMessage } => {
        const escrow = findOrThrow(req.jobId);
        let settledBy = 'operator';
        if (!who.operator) {
          if (who.signer === escrow.toWallet) settledBy = 'provider';
          else if (who.signer === escrow.fromWallet && now >= escrow.expiresAt) settledBy = 'payer';
          else if (who.signer === escrow.fromWallet) throw new AuthorizationError('FORBIDDEN', `the payer may refund only after the escrow expires at ${escrow.expiresAt}`);
          else throw new AuthorizationError('FORBIDDEN', 'only the provider, the payer after expiry, or the operator may refund');
        }
        checkDoor(req.jobType, door);
        checkEscrowType(escrow, req.jobType);
        if (escrow.status === 'refunded') return { escrow, changed: false };
        if (escrow.status !== 'locked') throw new StateError('INVALID_STATE', `escrow ${escrow.jobId} is already ${escrow.status}`);
        checkNonce(who.signer, req.nonce);
        const how: Settlement = { status: 'refunded', releasedUrtc: 0n, refundedUrtc: escrow.amountUrtc, reason: req.reason ?? null, settledBy };
        const after = ledger.settle(escrow, how, now);
        if (who.signer) ledger.useNonce(who.signer, req.nonce!, 'escrow.refund', req.jobId, now);
        return { escrow: after, changed: true, before: escrow, event: events.record(after, 'refunded', now) };
      });
      if (result.before && result.event) settled(result.before, result.escrow, result.event, result.escrow.settledBy!);
      return { escrow: result.escrow, changed: result.changed };
    },

    /** Refunds every locked escrow whose `expires_at` has passed, each as its own atomic operation. */
    async expireDue(): Promise<number> {
      const now = clock();
      let expired = 0;
      for (;;) {
        const jobIds = ledger.expiredJobIds(now, SWEEP_BATCH);
        const results = jobIds.map((jobId) =>
          ledger.submit(() => {
            const escrow = ledger.findEscrow(jobId);
            // Re-read inside the transaction: a release may have won since the batch was listed.
            if (!escrow || escrow.status !== 'locked' || escrow.expiresAt > now) return null;
            const how: Settlement = { status: 'refunded', releasedUrtc: 0n, refundedUrtc: escrow.amountUrtc, reason: 'expired', settledBy: 'sweeper' };
            const after = ledger.settle(escrow, how, now);
            return { before: escrow, after, event: events.record(after, 'expired', now) };
          }),
        );
        for (const result of await Promise.all(results)) {
          if (result) {
            expired += 1;
            settled(result.before, result.after, result.event, 'sweeper');
          }
        }
        if (jobIds.length < SWEEP_BATCH) return expired;
      }
    },

    find(jobId: string): EscrowRecord | null {
      return ledger.findEscrow(jobId);
    },
  };
}

export type EscrowService = ReturnType<typeof createEscrowService>;
