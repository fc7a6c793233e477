/**
 * Field schemas shared by every front door (GraphQL validation and the REST shim parse with the same
 * schemas, written once here), following the wire contract's formats (docs/CONTRACT.md).
 */
import { JOB_TYPES, RTC_ADDRESS, walletOfAddress, type JobType } from '@gpu-render-protocol/agent/protocol';
import { z } from 'zod';
import { MarketError } from './errors.js';
import { parseAmountPair, parseUrtc } from './money.js';

export { JOB_TYPES, RTC_ADDRESS, walletOfAddress, type JobType };

export const jobIdField = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 characters of A-Z a-z 0-9 . _ : -');
export const jobTypeField = z.enum(JOB_TYPES, { error: 'must be one of render, tts, stt, llm' });
/**
 * An address exactly as the request wrote it: `RTC` and 40 hex characters of either case, as RustChain accepts
 * them. Only a signed action object is rebuilt from this form (the signer signed what it sent); everything else
 * takes the wallet, `walletOfAddress` of it, so an uppercase spelling never becomes a second wallet.
 */
export const sentAddressField = z
  .string()
  .regex(RTC_ADDRESS, 'must be an RTC address: "RTC" and 40 hex characters (either case)');
/** An address that is not signed (queries, filters, operator input): parsed to the wallet, in lowercase. */
export const addressField = sentAddressField.transform(walletOfAddress);
export const nonceField = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ -');
/** Checked by signature verification (a malformed key or signature is INVALID_SIGNATURE), only bounded here. */
export const publicKeyField = z.string().max(256).nullish();
export const signatureField = z.string().max(512).nullish();
export const referenceField = z
  .string()
  .regex(/^[A-Za-z0-9._:@/-]{1,200}$/, 'must be 1-200 characters of A-Z a-z 0-9 . _ : @ / -');

/** 30 days, the longest an escrow may stay locked. */
export const MAX_TTL_S = 30 * 24 * 3600;
export const DEFAULT_TTL_S = 24 * 3600;
/** A whole number of seconds, sent as a JSON integer or a digit string. */
export const wholeSecondsField = z.union(
  [
    z.number().int(),
    z
      .string()
      .regex(/^\d{1,10}$/)
      .transform(Number),
  ],
  { error: 'must be an integer number of seconds' },
);
export const ttlField = wholeSecondsField
  .pipe(z.number().int().min(1).max(MAX_TTL_S, `must be at most ${MAX_TTL_S} (30 days)`))
  .nullish();

/** A quoted job's size: minutes (render, stt), characters (tts) or tokens (llm). */
export const unitsField = z
  .union([z.number().int(), z.string().regex(/^\d{1,13}$/)], { error: 'must be a whole number of units' })
  .transform((v) => BigInt(v))
  .pipe(z.bigint().min(1n, 'must be at least 1').max(1_000_000_000_000n, 'must be at most 10^12'))
  .nullish();

const METADATA_MAX_BYTES = 4096;
/**
 * Metadata is hashed into the signed lock (`metadata_sha256`), so its bytes must be the same in every
 * language: no floats, whose text differs between serialisers (Python writes 1.0, JavaScript 1).
 */
const hashableJson = (value: unknown): boolean =>
  value === null ||
  typeof value === 'string' ||
  typeof value === 'boolean' ||
  (typeof value === 'number' && Number.isSafeInteger(value)) ||
  (Array.isArray(value)
    ? value.every(hashableJson)
    : typeof value === 'object' && Object.values(value).every(hashableJson));
export const metadataField = z
  .record(z.string(), z.unknown(), { error: 'must be a JSON object' })
  .refine(
    (m) => Buffer.byteLength(JSON.stringify(m)) <= METADATA_MAX_BYTES,
    `must be at most ${METADATA_MAX_BYTES} bytes of JSON`,
  )
  .refine(hashableJson, 'values must be strings, integers within ±2^53, booleans, null, or arrays and objects of those')
  .nullish();

export const amountRtcField = z
  .union([z.number(), z.string().max(64)], { error: 'must be a number or a decimal string' })
  .nullish();
export const amountUrtcField = z.string().max(64, 'must be a string of digits').nullish();

/** Turns a money-parsing error into a zod issue so that one validation pass reports it. */
export function amountFrom(ctx: z.RefinementCtx, parse: () => bigint): bigint {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof MarketError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message });
    return z.NEVER;
  }
}

export const requiredAmount = (ctx: z.RefinementCtx, rtc: unknown, urtc: unknown) =>
  amountFrom(ctx, () => parseAmountPair(rtc, urtc));
export const optionalUrtc = (ctx: z.RefinementCtx, urtc: string | null | undefined) =>
  urtc === null || urtc === undefined ? undefined : amountFrom(ctx, () => parseUrtc(urtc));

/** null (GraphQL) and undefined (REST) both mean "absent", and absent fields are not signed. */
export const absentToUndefined = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);
