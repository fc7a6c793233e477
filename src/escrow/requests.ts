/**
 * The escrow requests, as both front doors hand them to the service: camelCase, validated, amounts
 * in µRTC. Each knows how to rebuild the action object its signer signed (docs/CONTRACT.md): lock,
 * release and refund, and the delivery (by the provider), the dispute (by the payer) and the operator's
 * resolution of a dispute.
 */
import { z } from 'zod';
import {
  absentToUndefined,
  sentAddressField,
  amountRtcField,
  amountUrtcField,
  jobIdField,
  jobTypeField,
  metadataField,
  nonceField,
  optionalUrtc,
  publicKeyField,
  requiredAmount,
  signatureField,
  ttlField,
  wholeSecondsField,
  unitsField,
  walletOfAddress,
  type JobType,
} from '../domain/fields.js';
import { createHash } from 'node:crypto';
import { canonicalJson, type CanonicalForm } from '../domain/canonical-json.js';
import { MAX_AMOUNT_URTC } from '../domain/money.js';
import type { ActionObject } from '../domain/signatures.js';

const signed = { nonce: nonceField, publicKey: publicKeyField, signature: signatureField };

/** Three days: how long a payer has to review a delivery unless the lock says otherwise. */
export const REVIEW_WINDOW_S_DEFAULT = 72 * 3600;
export const REVIEW_WINDOW_S_MIN = 60;
export const REVIEW_WINDOW_S_MAX = 30 * 24 * 3600;
/** Like `ttl_s`: a JSON integer or a digit string. */
export const reviewWindowField = wholeSecondsField
  .pipe(
    z
      .number()
      .int()
      .min(REVIEW_WINDOW_S_MIN, `must be at least ${REVIEW_WINDOW_S_MIN} seconds`)
      .max(REVIEW_WINDOW_S_MAX, `must be at most ${REVIEW_WINDOW_S_MAX} (30 days)`),
  )
  .nullish();

export const RESULT_URI_CHARS_MAX = 512;
export const DISPUTE_REASON_CHARS_MAX = 500;
const resultHashField = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters (the SHA-256 of the result)');
const resultUriField = z
  .string()
  .max(RESULT_URI_CHARS_MAX, `must be at most ${RESULT_URI_CHARS_MAX} characters`)
  .regex(/^(?:https|ipfs|ar):\/\/[\x21-\x7e]+$/, 'must be an https://, ipfs:// or ar:// URI without spaces')
  .nullish();
const disputeReasonField = z
  .string()
  .min(1, 'must not be empty')
  .max(DISPUTE_REASON_CHARS_MAX, `must be at most ${DISPUTE_REASON_CHARS_MAX} characters`);
/** The operator's split: µRTC as a digit string or a JSON integer, zero allowed (everything back to the payer). */
const releaseSplitField = z
  .union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d{1,19}$/)], {
    error: 'must be a whole number of µRTC (digits, or a JSON integer)',
  })
  .transform((v) => BigInt(v))
  .pipe(z.bigint().max(MAX_AMOUNT_URTC, 'exceeds the RTC supply cap of 8388608 RTC'));

export const lockRequestSchema = z
  .object({
    jobId: jobIdField,
    jobType: jobTypeField,
    fromWallet: sentAddressField,
    toWallet: sentAddressField,
    amountRtc: amountRtcField,
    amountUrtc: amountUrtcField,
    ttlS: ttlField,
    reviewWindowS: reviewWindowField,
    metadata: metadataField,
    units: unitsField,
    ...signed,
  })
  .refine((r) => walletOfAddress(r.fromWallet) !== walletOfAddress(r.toWallet), {
    message: 'from_wallet and to_wallet must differ',
    path: ['toWallet'],
  })
  .transform((r, ctx) => ({
    jobId: r.jobId,
    jobType: r.jobType as JobType,
    /** The wallets, in lowercase: what is compared, charged, paid and stored. */
    fromWallet: walletOfAddress(r.fromWallet),
    toWallet: walletOfAddress(r.toWallet),
    /** The addresses as the request wrote them: what the payer signed. */
    sent: { fromWallet: r.fromWallet, toWallet: r.toWallet },
    amountUrtc: requiredAmount(ctx, r.amountRtc, r.amountUrtc),
    ttlS: absentToUndefined(r.ttlS),
    reviewWindowS: absentToUndefined(r.reviewWindowS),
    metadata: absentToUndefined(r.metadata),
    units: absentToUndefined(r.units),
    nonce: r.nonce,
    publicKey: r.publicKey,
    signature: r.signature,
  }));
export type LockRequest = z.output<typeof lockRequestSchema>;

export const releaseRequestSchema = z
  .object({
    jobId: jobIdField,
    jobType: jobTypeField,
    amountUrtc: amountUrtcField,
    ...signed,
    nonce: nonceField.nullish(),
  })
  .transform((r, ctx) => ({
    jobId: r.jobId,
    jobType: r.jobType as JobType,
    amountUrtc: optionalUrtc(ctx, r.amountUrtc),
    nonce: absentToUndefined(r.nonce),
    publicKey: r.publicKey,
    signature: r.signature,
  }));
export type ReleaseRequest = z.output<typeof releaseRequestSchema>;

export const refundRequestSchema = z
  .object({
    jobId: jobIdField,
    jobType: jobTypeField,
    reason: z.string().max(500).nullish(),
    ...signed,
    nonce: nonceField.nullish(),
  })
  .transform((r) => ({
    jobId: r.jobId,
    jobType: r.jobType as JobType,
    reason: absentToUndefined(r.reason),
    nonce: absentToUndefined(r.nonce),
    publicKey: r.publicKey,
    signature: r.signature,
  }));
export type RefundRequest = z.output<typeof refundRequestSchema>;

export const deliverRequestSchema = z
  .object({
    jobId: jobIdField,
    jobType: jobTypeField,
    resultHash: resultHashField,
    resultUri: resultUriField,
    claimedUrtc: amountUrtcField,
    ...signed,
  })
  .transform((r, ctx) => ({
    jobId: r.jobId,
    jobType: r.jobType as JobType,
    resultHash: r.resultHash,
    resultUri: absentToUndefined(r.resultUri),
    claimedUrtc: optionalUrtc(ctx, r.claimedUrtc),
    nonce: r.nonce,
    publicKey: r.publicKey,
    signature: r.signature,
  }));
export type DeliverRequest = z.output<typeof deliverRequestSchema>;

export const disputeRequestSchema = z
  .object({ jobId: jobIdField, jobType: jobTypeField, reason: disputeReasonField, ...signed })
  .transform((r) => ({
    jobId: r.jobId,
    jobType: r.jobType as JobType,
    reason: r.reason,
    nonce: r.nonce,
    publicKey: r.publicKey,
    signature: r.signature,
  }));
export type DisputeRequest = z.output<typeof disputeRequestSchema>;

/** The operator's resolution of a dispute: `releaseUrtc` to the provider, the rest to the payer. */
export const resolveRequestSchema = z
  .object({ jobId: jobIdField, releaseUrtc: releaseSplitField })
  .transform((r) => ({ jobId: r.jobId, releaseUrtc: r.releaseUrtc }));
export type ResolveRequest = z.output<typeof resolveRequestSchema>;

/** Drops absent fields: the contract signs only the fields the request carried. */
function present(fields: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * `metadata_sha256`: the SHA-256 of the metadata's canonical bytes, so that nobody between the payer and the
 * market can alter what the payer attached. Either byte form is accepted (RustChain's Python wallets escape
 * non-ASCII characters), as for the signature itself.
 */
export function metadataSha256(metadata: Record<string, unknown>, form: CanonicalForm = 'jcs'): string {
  return createHash('sha256').update(canonicalJson(metadata, form), 'utf8').digest('hex');
}

/** The lock's action object; with metadata, one per accepted byte form of its hash (usually one and the same). */
export function lockActions(r: LockRequest): ActionObject[] {
  if (!r.metadata) return [lockAction(r)];
  const jcs = metadataSha256(r.metadata, 'jcs');
  const python = metadataSha256(r.metadata, 'python');
  return jcs === python ? [lockAction(r, jcs)] : [lockAction(r, jcs), lockAction(r, python)];
}

export function lockAction(
  r: LockRequest,
  metadataHash = r.metadata ? metadataSha256(r.metadata) : undefined,
): ActionObject {
  return {
    action: 'escrow.lock',
    ...present({
      job_id: r.jobId,
      job_type: r.jobType,
      from_wallet: r.sent.fromWallet,
      to_wallet: r.sent.toWallet,
      amount_urtc: r.amountUrtc.toString(),
      nonce: r.nonce,
      ttl_s: r.ttlS?.toString(),
      review_window_s: r.reviewWindowS?.toString(),
      units: r.units?.toString(),
      metadata_sha256: metadataHash,
    }),
  };
}

export function releaseAction(r: ReleaseRequest): ActionObject {
  return {
    action: 'escrow.release',
    ...present({ job_id: r.jobId, job_type: r.jobType, nonce: r.nonce, amount_urtc: r.amountUrtc?.toString() }),
  };
}

export function refundAction(r: RefundRequest): ActionObject {
  return {
    action: 'escrow.refund',
    ...present({ job_id: r.jobId, job_type: r.jobType, nonce: r.nonce, reason: r.reason }),
  };
}

export function deliverAction(r: DeliverRequest): ActionObject {
  return {
    action: 'escrow.deliver',
    ...present({
      job_id: r.jobId,
      job_type: r.jobType,
      result_hash: r.resultHash,
      nonce: r.nonce,
      claimed_urtc: r.claimedUrtc?.toString(),
      result_uri: r.resultUri,
    }),
  };
}

export function disputeAction(r: DisputeRequest): ActionObject {
  return {
    action: 'escrow.dispute',
    ...present({ job_id: r.jobId, job_type: r.jobType, reason: r.reason, nonce: r.nonce }),
  };
}
