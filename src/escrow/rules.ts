/**
 * Who may do what to an escrow in each state: the contract's table "Who may do what, in each state"
 * (docs/CONTRACT.md), as pure functions of the stored escrow, the request and the time. The service runs them
 * inside the ledger operation that writes their outcome, so the escrow judged is the escrow that changes.
 *
 * Neither side can take the other's money by waiting: a payer's release below what is locked is a milestone
 * payment (the rest stays locked), a delivered escrow never expires and is paid its claim at the end of review
 * unless the payer disputes in time, and only the operator splits a disputed escrow.
 */
import { AuthorizationError, InvalidInputError, StateError } from '../domain/errors.js';
import { remainingOf, type Delivery, type EscrowRecord, type Settlement } from '../ledger.js';

/** A release either pays a milestone (the escrow stays locked) or settles the escrow. */
export type ReleaseOutcome =
  { kind: 'milestone'; paidUrtc: bigint } | { kind: 'settle'; paidUrtc: bigint; refundedUrtc: bigint };

/**
 * What a release of an open escrow does. The payer: while locked, the remainder (no amount, or all of it) or a
 * milestone (less); once delivered or disputed, the claim or more, the rest back to the payer. The operator: the
 * remainder, or with an amount a final split (amount to the provider, the rest back), in any open state.
 */
export function releaseOutcome(
  e: EscrowRecord,
  amountUrtc: bigint | undefined,
  by: 'payer' | 'operator',
): ReleaseOutcome {
  const remaining = remainingOf(e);
  if (amountUrtc !== undefined && amountUrtc > remaining) {
    throw new InvalidInputError(
      `amount_urtc ${amountUrtc} exceeds the ${remaining} µRTC escrow ${e.jobId} still holds`,
    );
  }
  if (by === 'operator' || e.status === 'locked') {
    const paid = amountUrtc ?? remaining;
    if (paid === remaining) return { kind: 'settle', paidUrtc: remaining, refundedUrtc: 0n };
    return by === 'operator'
      ? { kind: 'settle', paidUrtc: paid, refundedUrtc: remaining - paid }
      : { kind: 'milestone', paidUrtc: paid };
  }
  const claim = e.claimedUrtc!;
  const paid = amountUrtc ?? claim;
  if (paid < claim) {
    throw new InvalidInputError(
      `amount_urtc ${paid} is below the provider's claim of ${claim} µRTC: to pay less, dispute the delivery`,
    );
  }
  return { kind: 'settle', paidUrtc: paid, refundedUrtc: remaining - paid };
}

/** Who a signed refund is by, or FORBIDDEN: the provider while open, the payer only after a never-delivered escrow expired. */
export function refunder(e: EscrowRecord, signer: string, now: number): 'provider' | 'payer' {
  if (signer === e.toWallet) return 'provider';
  if (signer !== e.fromWallet)
    throw new AuthorizationError('FORBIDDEN', 'only the provider, the payer after expiry, or the operator may refund');
  if (e.deliveredAt !== null)
    throw new AuthorizationError(
      'FORBIDDEN',
      `the job was delivered at ${e.deliveredAt}: the payer may release or dispute it, not refund it`,
    );
  if (now < e.expiresAt)
    throw new AuthorizationError('FORBIDDEN', `the payer may refund only after the escrow expires at ${e.expiresAt}`);
  return 'payer';
}

/** The delivery of a locked escrow before it expires; the claim defaults to, and may not exceed, what it holds. */
export function deliveryOf(e: EscrowRecord, claimedUrtc: bigint | undefined, now: number): bigint {
  if (e.status !== 'locked')
    throw new StateError(
      'INVALID_STATE',
      `escrow ${e.jobId} is ${e.status}: only a locked escrow can be delivered, once`,
    );
  if (now >= e.expiresAt)
    throw new StateError('INVALID_STATE', `escrow ${e.jobId} expired at ${e.expiresAt}: too late to deliver`);
  const remaining = remainingOf(e);
  const claim = claimedUrtc ?? remaining;
  if (claim > remaining)
    throw new InvalidInputError(`claimed_urtc ${claim} exceeds the ${remaining} µRTC escrow ${e.jobId} still holds`);
  return claim;
}

/** A dispute: only of a delivered escrow, before its review ends. */
export function checkDisputable(e: EscrowRecord, now: number): void {
  if (e.status !== 'delivered')
    throw new StateError('INVALID_STATE', `escrow ${e.jobId} is ${e.status}: only a delivered escrow can be disputed`);
  if (now >= e.reviewUntil!)
    throw new StateError(
      'INVALID_STATE',
      `the review of escrow ${e.jobId} ended at ${e.reviewUntil}: too late to dispute`,
    );
}

/** The operator's resolution of a dispute: `releaseUrtc` to the provider, the rest to the payer. */
export function resolution(e: EscrowRecord, releaseUrtc: bigint): Settlement {
  if (e.status !== 'disputed')
    throw new StateError('INVALID_STATE', `escrow ${e.jobId} is ${e.status}: only a disputed escrow is resolved`);
  const remaining = remainingOf(e);
  if (releaseUrtc > remaining)
    throw new InvalidInputError(
      `release_urtc ${releaseUrtc} exceeds the ${remaining} µRTC escrow ${e.jobId} still holds`,
    );
  const refunded = remaining - releaseUrtc;
  return {
    status: releaseUrtc > 0n ? 'released' : 'refunded',
    paidUrtc: releaseUrtc,
    refundedUrtc: refunded,
    reason: refunded > 0n ? 'dispute' : null,
    settledBy: 'operator',
  };
}

/** At the end of review an undisputed delivery is paid its claim; the rest returns to the payer. Null when not due. */
export function autoRelease(e: EscrowRecord, now: number): Settlement | null {
  if (e.status !== 'delivered' || e.reviewUntil === null || e.reviewUntil > now) return null;
  const claim = e.claimedUrtc!;
  return { status: 'released', paidUrtc: claim, refundedUrtc: remainingOf(e) - claim, reason: null, settledBy: 'auto' };
}

/** After `expires_at` a never-delivered escrow returns what it holds to the payer. Null when not due. */
export function expiry(e: EscrowRecord, now: number): Settlement | null {
  if (e.status !== 'locked' || e.expiresAt > now) return null;
  return { status: 'refunded', paidUrtc: 0n, refundedUrtc: remainingOf(e), reason: 'expired', settledBy: 'sweeper' };
}

/** What a delivery records. */
export const delivery = (claimedUrtc: bigint, resultHash: string, resultUri: string | undefined): Delivery => ({
  claimedUrtc,
  resultHash,
  resultUri: resultUri ?? null,
});
