/**
 * Which providers the fair rate listens to (pure).
 *
 * Everything a node attests is self-reported, its hardware fingerprint included: a script can invent
 * any number of "catalog consistent" nodes with distinct GPUs for free, so one vote per fingerprint
 * alone lets invented nodes set the rate. A provider is therefore *eligible* only when faking it costs
 * real RTC or the operator's trust:
 * - the operator verified the node's hardware (trust `verified`), or
 * - the node's wallet keeps a bond of at least BOND_MIN_URTC locked (./../attestation/bonds.ts), which
 *   the operator can slash and which takes BOND_UNBOND_DELAY_S to get back;
 * and the node holds no contested GPU. Being paid for jobs does not count: a Sybil can pay itself.
 * Every fresh quote is still reported beside the rate (`quoted_median_urtc`, `quoted_providers`).
 */
import { medianOfSorted } from './fair-rate.js';

/** A node holding a GPU another miner also claims, until the operator assigns it. */
export const CONTESTED_FLAG = 'hardware_contested';
/** A node that lost a GPU to the operator's assignment, until it attests its hardware again. */
export const REASSIGNED_FLAG = 'hardware_reassigned';
/** 100 RTC. */
export const BOND_MIN_URTC_DEFAULT = 100_000_000n;
/** 7 days: long enough for the operator to slash a bond before it leaves. */
export const BOND_UNBOND_DELAY_S_DEFAULT = 7 * 86_400;

export interface ProviderStanding {
  verified: boolean;
  bondedUrtc: bigint;
  flags: readonly string[];
}

export function hasContestedHardware(flags: readonly string[]): boolean {
  return flags.includes(CONTESTED_FLAG) || flags.includes(REASSIGNED_FLAG);
}

export function isEligibleProvider(p: ProviderStanding, bondMinUrtc: bigint): boolean {
  if (hasContestedHardware(p.flags)) return false;
  return p.verified || p.bondedUrtc >= bondMinUrtc;
}

export interface QuotedSummary {
  /** The median of every fresh quote, eligible or not (a node's quote once, outliers included). */
  quotedMedianUrtc: bigint | null;
  quotedProviders: number;
}

export function quotedSummary(prices: readonly bigint[]): QuotedSummary {
  const sorted = BigInt64Array.from(prices).sort();
  return {
    quotedMedianUrtc: sorted.length ? medianOfSorted(Array.from(sorted)) : null,
    quotedProviders: sorted.length,
  };
}
