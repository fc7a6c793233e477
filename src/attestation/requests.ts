/**
 * The attestation a GPU node signs, in the wire contract's own snake_case shape (docs/CONTRACT.md):
 * the signed object is this body plus `action: "gpu.attest"`, so the schema is strict (an unknown
 * field is refused rather than silently left out of what was verified).
 */
import { MODEL_LIST_FIELD as MODEL_LIST, PRICE_FIELD } from '@gpu-render-protocol/agent/protocol';
import { z } from 'zod';
import {
  addressField,
  JOB_TYPES,
  jobTypeField,
  sentAddressField,
  walletOfAddress,
  type JobType,
} from '../domain/fields.js';
import { MAX_AMOUNT_URTC } from '../domain/money.js';
import type { ActionObject } from '../domain/signatures.js';
import { DEVICE_ARCHES } from './catalog.js';
import { missingEngineMessage, type ModelJobType } from './models.js';

export const MAX_GPUS_PER_NODE = 16;
const MAX_MODELS = 64;

const versionField = z.string().regex(/^\d{1,4}(\.\d{1,5}){0,3}$/, 'must be a version such as 12.4 or 550.54.15');
/** Drivers name themselves more freely, e.g. amdgpu in the kernel reports "6.8.0-49-generic". */
const driverVersionField = z
  .string()
  .regex(/^\d[0-9A-Za-z.+_-]{0,63}$/, 'must start with a digit: 1-64 characters of A-Z a-z 0-9 . + _ -');
const modelName = z
  .string()
  .regex(/^[\w .:/+@-]{1,100}$/, 'must be 1-100 characters of letters, digits, space and . : / + @ - _');
const priceField = z
  .string()
  .regex(/^\d{1,19}$/, 'must be µRTC as a string of digits')
  .refine(
    (v) => BigInt(v) > 0n && BigInt(v) <= MAX_AMOUNT_URTC,
    'must be greater than zero and at most the RTC supply cap',
  )
  .optional();

export const gpuField = z.strictObject({
  model: z.string().min(1).max(100),
  vram_mb: z.number().int().min(256).max(4_194_304),
  uuid: z.string().regex(/^[A-Za-z0-9._:-]{4,128}$/, 'must be 4-128 characters of A-Z a-z 0-9 . _ : -'),
  pci_id: z
    .string()
    .regex(/^[A-Za-z0-9.:_-]{1,64}$/)
    .optional(),
  driver_version: driverVersionField.optional(),
  cuda_version: versionField.optional(),
  rocm_version: versionField.optional(),
  metal_version: versionField.optional(),
  benchmark_score: z.number().positive().max(100_000),
});

/** Which price and which model list belong to which job type: the contract's names, shared with the node agent. */
export { PRICE_FIELD };

export const attestationSchema = z
  .strictObject({
    miner_id: sentAddressField,
    challenge: z.string().regex(/^[0-9a-f]{64}$/, 'must be the 64 hex characters /gpu/challenge returned'),
    device_arch: z.enum(DEVICE_ARCHES, { error: 'must be one of nvidia_gpu, amd_gpu, apple_gpu' }),
    gpus: z.array(gpuField).min(1).max(MAX_GPUS_PER_NODE),
    job_types: z.array(jobTypeField).min(1).max(JOB_TYPES.length),
    tts_models: z.array(modelName).max(MAX_MODELS).optional(),
    stt_models: z.array(modelName).max(MAX_MODELS).optional(),
    llm_models: z.array(modelName).max(MAX_MODELS).optional(),
    prices: z.strictObject({
      render_minute_urtc: priceField,
      tts_1k_chars_urtc: priceField,
      stt_minute_urtc: priceField,
      llm_1k_tokens_urtc: priceField,
    }),
  })
  .superRefine((a, ctx) => {
    const served = new Set(a.job_types);
    if (served.size !== a.job_types.length)
      ctx.addIssue({ code: 'custom', path: ['job_types'], message: 'lists a job type twice' });
    for (const jobType of JOB_TYPES) {
      const field = PRICE_FIELD[jobType];
      const priced = a.prices[field] !== undefined;
      if (served.has(jobType) && !priced)
        ctx.addIssue({ code: 'custom', path: ['prices', field], message: `is required: the node serves ${jobType}` });
      if (!served.has(jobType) && priced)
        ctx.addIssue({
          code: 'custom',
          path: ['prices', field],
          message: `is given but the node does not serve ${jobType}`,
        });
    }
    for (const [jobType, field] of Object.entries(MODEL_LIST) as [ModelJobType, keyof typeof a][]) {
      const list = a[field] as string[] | undefined;
      if (list?.length && !served.has(jobType))
        ctx.addIssue({ code: 'custom', path: [field], message: `is given but the node does not serve ${jobType}` });
      if (list && new Set(list).size !== list.length)
        ctx.addIssue({ code: 'custom', path: [field], message: 'lists a model twice' });
      // Checked, not changed: the names stay as signed; the service canonicalises them after the signature.
      const missing = served.has(jobType) ? missingEngineMessage(jobType, list ?? []) : null;
      if (missing) ctx.addIssue({ code: 'custom', path: [field], message: missing });
    }
    const uuids = a.gpus.map((g) => g.uuid);
    if (new Set(uuids).size !== uuids.length)
      ctx.addIssue({ code: 'custom', path: ['gpus'], message: 'lists a GPU uuid twice' });
  })
  // The node's wallet in lowercase; the signature is checked over the body as sent (the front doors pass it).
  .transform((a) => ({ ...a, miner_id: walletOfAddress(a.miner_id) }));
export type Attestation = z.output<typeof attestationSchema>;

/** The signed object rebuilt from parsed values: what an in-process caller without the body as sent checks. */
export function attestationAction(a: Attestation): ActionObject {
  return { action: 'gpu.attest', ...a };
}

export const challengeRequestSchema = z.object({ miner_id: addressField });
