/** Builds and signs GPU attestations for tests, as a node agent would. */
import type { Wallet } from '../../src/domain/signatures.js';
import { call } from './rest.js';

let gpuCounter = 0;
/** A GPU uuid no other test uses. */
export const newGpuUuid = () => `GPU-${process.pid.toString(16)}-${(++gpuCounter).toString(16).padStart(8, '0')}-test`;

export function rtx4090(overrides: Record<string, unknown> = {}) {
  return {
    model: 'NVIDIA GeForce RTX 4090',
    vram_mb: 24564,
    uuid: newGpuUuid(),
    pci_id: '00000000:01:00.0',
    driver_version: '550.54.15',
    cuda_version: '12.4',
    benchmark_score: 80.1,
    ...overrides,
  };
}

export function attestationFields(
  node: Wallet,
  challenge: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    miner_id: node.address,
    challenge,
    device_arch: 'nvidia_gpu',
    gpus: [rtx4090()],
    job_types: ['render', 'llm'],
    llm_models: ['llama-3.1-8b-instruct'],
    prices: { render_minute_urtc: '50000', llm_1k_tokens_urtc: '2000' },
    ...overrides,
  };
}

/** Signs `fields` as the contract says: the body without key and signature, plus action "gpu.attest". */
export function signAttestation(node: Wallet, fields: Record<string, unknown>) {
  return { ...fields, public_key: node.publicKey, signature: node.sign({ action: 'gpu.attest', ...fields }) };
}

export async function challengeFor(baseUrl: string, node: Wallet): Promise<string> {
  const r = await call(baseUrl, 'POST', '/gpu/challenge', { miner_id: node.address });
  if (r.status !== 200) throw new Error(`challenge failed: ${JSON.stringify(r.body)}`);
  return r.body.challenge as string;
}

/** Challenge, sign and attest in one go; returns the server's reply. */
export async function attest(baseUrl: string, node: Wallet, overrides: Record<string, unknown> = {}) {
  const challenge = await challengeFor(baseUrl, node);
  return call(baseUrl, 'POST', '/gpu/attest', signAttestation(node, attestationFields(node, challenge, overrides)));
}
