/**
 * The fair market rate of a job type (pure).
 *
 * Method: take the current price of every eligible online provider (./eligibility.ts: verified or
 * bonded, no contested GPU) whose quote is not marked as an outlier;
 * give each piece of hardware one vote (the median of the prices quoted under one fingerprint); the
 * fair rate is the median of the votes. Fewer than MIN_PROVIDERS independent providers: no rate
 * (insufficient data). Around the median lies a band of K scaled median absolute deviations (K = 3;
 * MAD × 1.4826 estimates a standard deviation): votes inside it are reported as `counted`, and a new
 * quote far outside it is marked as an outlier when the node makes it (`isOutlierQuote`), which keeps
 * that quote out of the rate altogether until the node quotes within the band again.
 *
 * Why it resists manipulation: the median has a 50% breakdown point. As long as colluding providers
 * are a minority of the independent providers, the fair rate stays within the range of the honest
 * quotes whatever prices the colluders choose (test/fair-rate.test.ts checks this bound by property
 * testing). Trimming outliers before taking the median would not make it stronger (a symmetric trim
 * leaves the median where it is, an asymmetric one lets quotes just inside the band pull it), so the
 * band is used to reject new quotes, not to bend the statistic. A wallet without hardware of its own
 * gets no vote, and many wallets on one machine get one. Fingerprints are self-reported, though: what
 * keeps invented providers from being the majority is eligibility, which costs RTC or the operator's trust.
 */

export const MIN_PROVIDERS = 3;
export const MAD_K = 3;
const MAD_SCALE = 1.4826;

export interface Quote {
  /** The hardware fingerprint of the quoting node: one vote per fingerprint. */
  fingerprint: string;
  priceUrtc: bigint;
}

export interface FairRate {
  /** Null while fewer than MIN_PROVIDERS independent providers quote. */
  fairUrtc: bigint | null;
  insufficientData: boolean;
  /** Independent providers (distinct fingerprints) quoting. */
  providers: number;
  /** Providers whose vote lies inside the band around the median. */
  counted: number;
  minUrtc: bigint | null;
  maxUrtc: bigint | null;
  /** The half-width of the band of accepted quotes around the median, in µRTC. */
  bandUrtc: bigint | null;
}

/** The median of sorted integers; between two middles, their mean rounded down (µRTC stay integers). */
export function medianOfSorted(sorted: readonly bigint[]): bigint {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2n;
}

const sortBigints = (xs: bigint[]) => xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
const abs = (x: bigint) => (x < 0n ? -x : x);

/** Half-width of the band of accepted quotes: K scaled MADs, rounded up. */
export function outlierBand(median: bigint, sortedPrices: readonly bigint[]): bigint {
  const deviations = sortBigints(sortedPrices.map((p) => abs(p - median)));
  const mad = medianOfSorted(deviations);
  // Computed in thousandths so that it stays integer: ceil(MAD × 1.4826 × K).
  const scaled = mad * BigInt(Math.round(MAD_SCALE * MAD_K * 1000));
  return (scaled + 999n) / 1000n;
}

export function fairRate(quotes: readonly Quote[]): FairRate {
  const byHardware = new Map<string, bigint[]>();
  for (const q of quotes) {
    const list = byHardware.get(q.fingerprint);
    if (list) list.push(q.priceUrtc);
    else byHardware.set(q.fingerprint, [q.priceUrtc]);
  }
  const votes = sortBigints([...byHardware.values()].map((prices) => medianOfSorted(sortBigints(prices))));
  const providers = votes.length;
  const minUrtc = votes[0] ?? null;
  const maxUrtc = votes.at(-1) ?? null;
  if (providers < MIN_PROVIDERS) {
    return { fairUrtc: null, insufficientData: true, providers, counted: 0, minUrtc, maxUrtc, bandUrtc: null };
  }
  const median = medianOfSorted(votes);
  const band = outlierBand(median, votes);
  const counted = votes.filter((v) => abs(v - median) <= band).length;
  return { fairUrtc: median, insufficientData: false, providers, counted, minUrtc, maxUrtc, bandUrtc: band };
}

/**
 * Whether a new quote is far outside the band around the current rate: such a quote is accepted (the
 * node may price as it likes) but marked, and the statistic above never lets it move the rate. The
 * band is at least a quarter of the rate, so that a market where everyone quotes alike does not mark
 * every small difference.
 */
export function isOutlierQuote(priceUrtc: bigint, current: FairRate): boolean {
  return checkPrice(priceUrtc, current).manipulated;
}

export interface PriceCheck {
  /** Outside the band of accepted quotes around the fair rate (never while the data is insufficient). */
  manipulated: boolean;
  reason: 'above_band' | 'below_band' | 'within_band' | 'insufficient_data';
  fairUrtc: bigint | null;
  bandLowUrtc: bigint | null;
  bandHighUrtc: bigint | null;
}

/** The seed's manipulation check: is this price far outside the band around the current fair rate? */
export function checkPrice(priceUrtc: bigint, current: FairRate): PriceCheck {
  if (current.fairUrtc === null || current.bandUrtc === null) {
    return { manipulated: false, reason: 'insufficient_data', fairUrtc: null, bandLowUrtc: null, bandHighUrtc: null };
  }
  const band = current.bandUrtc > current.fairUrtc / 4n ? current.bandUrtc : current.fairUrtc / 4n;
  const low = current.fairUrtc - band > 0n ? current.fairUrtc - band : 0n;
  const high = current.fairUrtc + band;
  const reason = priceUrtc > high ? 'above_band' : priceUrtc < current.fairUrtc - band ? 'below_band' : 'within_band';
  return {
    manipulated: reason !== 'within_band',
    reason,
    fairUrtc: current.fairUrtc,
    bandLowUrtc: low,
    bandHighUrtc: high,
  };
}
