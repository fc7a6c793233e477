/**
 * GPU inputs as the services take them. A GraphQL attestation becomes the contract's snake_case
 * attestation body — the object the node signed — with absent fields left out, so that one request
 * schema (src/attestation/requests.ts) and one signature check serve GraphQL and REST alike.
 */
import { z } from 'zod';
import { attestationSchema } from '../attestation/requests.js';

/** The object without its null and undefined fields (GraphQL sends null for an input field left out). */
export const compact = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as T;

interface GpuInputShape {
  model: string;
  vramMb: number;
  uuid: string;
  pciId?: string | null;
  driverVersion?: string | null;
  cudaVersion?: string | null;
  rocmVersion?: string | null;
  metalVersion?: string | null;
  benchmarkScore: number;
}

const gpuBody = (g: GpuInputShape) =>
  compact({
    model: g.model,
    vram_mb: g.vramMb,
    uuid: g.uuid,
    pci_id: g.pciId,
    driver_version: g.driverVersion,
    cuda_version: g.cudaVersion,
    rocm_version: g.rocmVersion,
    metal_version: g.metalVersion,
    benchmark_score: g.benchmarkScore,
  });

/** The GraphQL input as the contract's attestation body (what was signed), absent fields left out. */
export function attestationBody(input: Record<string, any>): unknown {
  const prices = (input.prices ?? {}) as Record<string, string | null | undefined>;
  return compact({
    miner_id: input.minerId,
    challenge: input.challenge,
    device_arch: input.deviceArch,
    gpus: (input.gpus as GpuInputShape[]).map(gpuBody),
    job_types: input.jobTypes,
    tts_models: input.ttsModels,
    stt_models: input.sttModels,
    llm_models: input.llmModels,
    prices: compact({
      render_minute_urtc: prices.renderMinuteUrtc,
      tts_1k_chars_urtc: prices.tts1kCharsUrtc,
      stt_minute_urtc: prices.sttMinuteUrtc,
      llm_1k_tokens_urtc: prices.llm1kTokensUrtc,
    }),
  });
}

/**
 * `submitGpuAttestation`'s arguments, validated as the attestation, its key and its signature. Pothos
 * types a transformed `t.validate` result loosely: the resolver casts to `AttestationArgs`.
 */
export const attestationArgsSchema = z
  .object({ input: z.record(z.string(), z.unknown()) })
  .transform(({ input }) => ({
    attestation: attestationBody(input),
    // What the node signed: miner_id as written (the parsed attestation has its wallet in lowercase).
    fieldsAsSent: attestationBody(input) as Record<string, unknown>,
    publicKey: input.publicKey as string,
    signature: input.signature as string,
  }))
  .pipe(
    z.object({
      attestation: attestationSchema,
      fieldsAsSent: z.record(z.string(), z.unknown()),
      publicKey: z.string().max(256),
      signature: z.string().max(512),
    }),
  );

export type AttestationArgs = z.output<typeof attestationArgsSchema>;
