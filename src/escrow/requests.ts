/**
 * The escrow requests, as both front doors hand them to the service: camelCase, validated, amounts
 * in µRTC. Each knows how to rebuild the action object its signer signed (docs/CONTRACT.md).
 */
import { z } from 'zod';
import {
  absentToUndefined,
  addressField,
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
  unitsField,
  type JobType,
} from '../domain/fields.js';
import { createHash } from 'node:crypto';
import { canonicalJson, type CanonicalForm } from '../domain/canonical-json.js';
import type { ActionObject } from '../domain/signatures.js';

const signed = { nonce: nonceField, publicKey: publicKeyField, signature: signatureField };

export const lockRequestSchema = z
  .object({
    jobId: jobIdField,
    jobType: jobTypeField,
    fromWallet: addressField,
    toWallet: addressField,
    amountRtc: amountRtcField,
    amountUrtc: amountUrtcField,
    ttlS: ttlField,
    metadata: metadataField,
    units: unitsField,
    ...signed,
  })
  .refine((r) => r.fromWallet !== r.toWallet, { message: 'from_wallet and to_wallet must differ', path: ['toWallet'] })
  .transform((r, ctx) => ({
    jobId: r.jobId,
    jobType: r.jobType as JobType,
    fromWallet: r.fromWallet,
    toWallet: r.toWallet,
    amountUrtc: requiredAmount(ctx, r.amountRtc, r.amountUrtc),
    ttlS: absentToUndefined(r.ttlS),
    metadata: absentToUndefined(r.metadata),
    units: absentToUndefined(r.units),
    nonce: r.nonce,
    publicKey: r.publicKey,
    signature: r.signature,
  }));
export type LockRequest = z.output<typeof lockRequestSchema>;

export const releaseRequestSchema = z
  .object({ jobId: jobIdField, jobType: jobTypeField, amountUrtc: amountUrtcField, ...signed, nonce: nonceField.nullish() })
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
  .object({ jobId: jobIdField, jobType: jobTypeField, reason: z.string().max(500).nullish(), ...signed, nonce: nonceField.nullish() })
  .transform((r) => ({
    jobId: r.jobId,
    jobType: r.jobType as JobType,
    reason: absentToUndefined(r.reason),
    nonce: absentToUndefined(r.nonce),
    publicKey: r.publicKey,
    signature: r.signature,
  }));
export type RefundRequest = z.output<typeof refundRequestSchema>;

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

export function lockAction(r: LockRequest, metadataHash = r.metadata ? metadataSha256(r.metadata) : undefined): ActionObject {
  return {
    action: 'escrow.lock',
    ...present({
      job_id: r.jobId,
      job_type: r.jobType,
      from_wallet: r.fromWallet,
      to_wallet: r.toWallet,
      amount_urtc: r.amountUrtc.toString(),
      nonce: r.nonce,
      ttl_s: r.ttlS?.toString(),
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
  return { action: 'escrow.refund', ...present({ job_id: r.jobId, job_type: r.jobType, nonce: r.nonce, reason: r.reason }) };
}
