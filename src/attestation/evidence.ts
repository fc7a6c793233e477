/**
 * What an attestation proves and how far it is trusted (pure). A node's fingerprint is a hash over its
 * GPUs' stable identifiers; its trust level follows from the catalog checks and the operator's word.
 */
import { createHash } from 'node:crypto';
import { checkGpu, type DeviceArch, type GpuFlag } from './catalog.js';
import type { Attestation } from './requests.js';

export const TRUST_LEVELS = ['self_reported', 'catalog_consistent', 'verified'] as const;
export type TrustLevel = (typeof TRUST_LEVELS)[number];

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** One GPU's identity: what a node cannot change without changing hardware. */
export function gpuFingerprint(gpu: { uuid: string; pci_id?: string; vram_mb: number }): string {
  return sha256(`${gpu.uuid}|${gpu.pci_id ?? ''}|${gpu.vram_mb}`);
}

/** The node's identity: its GPUs' fingerprints, order-independent. */
export function nodeFingerprint(gpus: Attestation['gpus']): string {
  return sha256(gpus.map(gpuFingerprint).sort().join('\n'));
}

export type EvidenceVerdict =
  | { plausible: false; reason: string }
  | { plausible: true; flags: string[]; catalogConsistent: boolean; canonicalModels: string[] };

/** Checks every GPU against the catalog: any implausible GPU rejects the attestation; oddities are flags. */
export function examineGpus(deviceArch: DeviceArch, gpus: Attestation['gpus']): EvidenceVerdict {
  const flags: string[] = [];
  const canonicalModels: string[] = [];
  let catalogConsistent = true;
  for (const [i, gpu] of gpus.entries()) {
    const check = checkGpu(deviceArch, { model: gpu.model, vramMb: gpu.vram_mb, benchmarkScore: gpu.benchmark_score });
    if (check.verdict === 'implausible')
      return { plausible: false, reason: `gpus[${i}] (${gpu.model}): ${check.reason}` };
    for (const flag of check.flags as GpuFlag[]) flags.push(`gpus[${i}]:${flag}`);
    if (check.flags.length > 0) catalogConsistent = false;
    canonicalModels.push(check.spec?.name ?? gpu.model);
  }
  return { plausible: true, flags, catalogConsistent, canonicalModels };
}

/** `verified` is the operator's grant for this exact hardware; otherwise the catalog decides. */
export function trustLevel(catalogConsistent: boolean, verifiedHardware: boolean): TrustLevel {
  if (verifiedHardware) return 'verified';
  return catalogConsistent ? 'catalog_consistent' : 'self_reported';
}

/** "12.4" → 12004, for comparisons as versions rather than strings. */
export function versionNumber(version: string | undefined): number | null {
  if (!version) return null;
  const [major = '0', minor = '0'] = version.split('.');
  return Number(major) * 1000 + Math.min(Number(minor), 999);
}
