/**
 * Lock, release (milestones included), refund, delivery, dispute, resolution, expiry and auto-release of
 * escrows: the one implementation behind GraphQL, REST and the sweeper. Who may do what in which state is
 * ./rules.ts; the units of work that check stored state and write are ./operations.ts; this module verifies who is
 * asking, runs those operations and announces each change.
 *
 * Errors are reported in the wire contract's order (docs/CONTRACT.md): the request's shape (already parsed by the caller with
 * ./requests.ts), then the signature, then authority, then state. Every check that depends on stored
 * state runs inside the same ledger operation (one atomic, synchronous unit) as the writes it guards, so an escrow
 * changes state exactly once however many requests race for it, and however many instances sweep.
 */
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Work } from '../sql/statement.js';
import { AuthorizationError, InvalidInputError } from '../domain/errors.js';
import { formatRtc } from '../domain/money.js';
import type { ActionObject } from '../domain/signatures.js';
import { isFinal, type EscrowRecord, type Ledger } from '../ledger.js';
import type { OperatorGate } from '../operator.js';
import { runnerOf, type OperationRunner } from '../write-operations.js';
import { inlineVerifier, type SignatureVerifier } from '../workers/signature-pool.js';
import type { EscrowChange, EscrowEventLog, EscrowEventMessage } from './events.js';
import {
  checkDoor,
  escrowOperations,
  type Actor,
  type Changed,
  type Deadline,
  type Door,
  type EscrowOperations,
} from './operations.js';
import {
  deliverAction,
  disputeAction,
  lockActions,
  refundAction,
  releaseAction,
  type DeliverRequest,
  type DisputeRequest,
  type LockRequest,
  type RefundRequest,
  type ReleaseRequest,
  type ResolveRequest,
} from './requests.js';

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

export type { Door };
export { lockTermsDiffer } from './operations.js';

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
  /** Where ./operations.ts runs (the SQLite writer thread in a server); through `ledger.write` when not given. */
  operations?: OperationRunner<EscrowOperations>;
}

const SWEEP_BATCH = 500;

export function createEscrowService({
  ledger,
  attestationTtlS = 3600,
  events,
  operator,
  clock,
  log,
  onChange,
  signatures = inlineVerifier,
  operations = runnerOf(escrowOperations({ ledger, events, attestationTtlS }), ledger.write),
}: EscrowServiceDeps) {
  /** Operator when an admin key is presented (and right); otherwise the verified signer's address. */
  async function identify(
    caller: Caller,
    action: ActionObject | ActionObject[],
    req: { nonce?: string; publicKey?: string | null; signature?: string | null },
  ): Promise<Actor> {
    if (caller.adminKey !== undefined && caller.adminKey !== null) {
      operator.require(caller.adminKey);
      return { operator: true, signer: null };
    }
    // Neither a key nor a signature: nobody is identified. A signed request without its nonce: malformed.
    if (!req.publicKey || !req.signature)
      throw new AuthorizationError('INVALID_SIGNATURE', 'public_key and signature (or X-Admin-Key) are required');
    if (!req.nonce) throw new InvalidInputError('nonce is required for a signed request');
    return { operator: false, signer: await signatures.verify(action, req) };
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

  /** Announces a committed operation's change, if it made one, and answers with the escrow. */
  function answer(result: Changed): EscrowResult {
    if (result.event) announce(result.before ?? null, result.escrow, result.event);
    return { escrow: result.escrow, changed: result.changed };
  }

  /** The due escrows of one kind, each settled in its own atomic operation, re-judged inside it. */
  async function sweep(list: (now: number, limit: number) => Work<string[]>, deadline: Deadline) {
    const now = clock();
    let settledCount = 0;
    for (;;) {
      const jobIds = await ledger.read(() => list(now, SWEEP_BATCH));
      const results = jobIds.map((jobId) => operations.perform('settleDueEscrow', jobId, deadline, now));
      for (const result of await Promise.all(results)) {
        if (result?.event) {
          settledCount += 1;
          answer(result);
        }
      }
      if (jobIds.length < SWEEP_BATCH) return settledCount;
    }
  }

  /** Refunds every never-delivered escrow whose `expires_at` has passed, each as its own atomic operation. */
  const expireDue = (): Promise<number> => sweep(ledger.expiredJobIds, 'expired');
  /** Pays the claim of every delivery whose review ended undisputed (the rest back to the payer), each once. */
  const autoReleaseDue = (): Promise<number> => sweep(ledger.reviewedJobIds, 'released');

  return {
    async lock(req: LockRequest, door?: Door): Promise<EscrowResult> {
      const signer = await signatures.verify(lockActions(req), req);
      if (signer !== req.fromWallet) throw new AuthorizationError('FORBIDDEN', 'a lock must be signed by from_wallet');
      checkDoor(req.jobType, door);
      const result = await operations.perform('lockEscrow', req, signer, clock());
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
      return answer(await operations.perform('releaseEscrow', req, who, door, clock()));
    },

    /** Returns what an open escrow holds to the payer: by the provider, the payer after a never-delivered escrow expired, or the operator. */
    async refund(req: RefundRequest, caller: Caller, door?: Door): Promise<EscrowResult> {
      const who = await identify(caller, refundAction(req), req);
      return answer(await operations.perform('refundEscrow', req, who, door, clock()));
    },

    /** The provider's delivery: the result's hash (and URI, and claim) recorded, the review window opened. */
    async deliver(req: DeliverRequest, door?: Door): Promise<EscrowResult> {
      const signer = await signatures.verify(deliverAction(req), req);
      return answer(await operations.perform('deliverEscrow', req, signer, door, clock()));
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
      return answer(await operations.perform('disputeEscrow', req, signer, door, clock()));
    },

    /** The operator's resolution of a dispute: `releaseUrtc` to the provider, the rest back to the payer. */
    async resolve(req: ResolveRequest, adminKey: string | null | undefined): Promise<EscrowResult> {
      operator.require(adminKey);
      return answer(await operations.perform('resolveDispute', req, clock()));
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
