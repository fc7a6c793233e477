/**
 * Names and limits of the wire contract (CONTRACT.md) that a signer must get exactly right: job types,
 * device arches, which price and which model list belong to which job type, the action an attestation is
 * signed as, and the money bounds (integer µRTC, never above RustChain's supply cap).
 */

export const JOB_TYPES = ['render', 'tts', 'stt', 'llm'] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const DEVICE_ARCHES = ['nvidia_gpu', 'amd_gpu', 'apple_gpu'] as const;
export type DeviceArch = (typeof DEVICE_ARCHES)[number];

/** The `prices` key that quotes each job type. */
export const PRICE_FIELD = {
  render: 'render_minute_urtc',
  tts: 'tts_1k_chars_urtc',
  stt: 'stt_minute_urtc',
  llm: 'llm_1k_tokens_urtc',
} as const satisfies Record<JobType, string>;
export type PriceField = (typeof PRICE_FIELD)[JobType];

/** The model-list key of each job type that has one (render has none). */
export const MODEL_LIST_FIELD = {
  tts: 'tts_models',
  stt: 'stt_models',
  llm: 'llm_models',
} as const satisfies Partial<Record<JobType, string>>;

/** The signed object of POST /gpu/attest is its body plus `action: "gpu.attest"`. */
export const ATTEST_ACTION = 'gpu.attest';

export const URTC_PER_RTC = 1_000_000n;
/** RustChain's supply cap, 8,388,608 RTC: no single amount can exceed it. */
export const MAX_AMOUNT_URTC = 8_388_608n * URTC_PER_RTC;
