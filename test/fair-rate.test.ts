/** The fair-rate statistic: robustness properties (fast-check) and its edges. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BOND_MIN_URTC_DEFAULT, isEligibleProvider, quotedSummary } from '../src/pricing/eligibility.js';
import { fairRate, isOutlierQuote, MIN_PROVIDERS, type Quote } from '../src/pricing/fair-rate.js';

const price = fc.bigInt({ min: 1n, max: 10_000_000n });
const extreme = fc.oneof(
  fc.constant(1n),
  fc.constant(8_388_608_000_000n),
  fc.bigInt({ min: 1n, max: 8_388_608_000_000n }),
);
const quotes = (prices: bigint[], prefix: string): Quote[] =>
  prices.map((priceUrtc, i) => ({ fingerprint: `${prefix}${i}`, priceUrtc }));

describe('fairRate', () => {
  it('does not depend on the order of the quotes', () => {
    fc.assert(
      fc.property(fc.array(price, { minLength: 0, maxLength: 40 }), fc.func(fc.integer()), (prices, key) => {
        const q = quotes(prices, 'n');
        const shuffled = [...q].sort((a, b) => key(a.fingerprint) - key(b.fingerprint));
        expect(fairRate(shuffled)).toEqual(fairRate(q));
      }),
      { numRuns: 300 },
    );
  });

  it('stays within the honest quotes’ range when colluders are a minority, whatever they quote', () => {
    fc.assert(
      fc.property(
        fc.array(price, { minLength: MIN_PROVIDERS, maxLength: 40 }),
        fc.array(extreme, { maxLength: 39 }),
        (honest, colluding) => {
          fc.pre(colluding.length < honest.length);
          const rate = fairRate([...quotes(honest, 'h'), ...quotes(colluding, 'c')]);
          const lo = honest.reduce((a, b) => (a < b ? a : b));
          const hi = honest.reduce((a, b) => (a > b ? a : b));
          expect(rate.fairUrtc).not.toBeNull();
          expect(rate.fairUrtc! >= lo && rate.fairUrtc! <= hi).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('reports insufficient data below 3 independent providers', () => {
    expect(fairRate([])).toMatchObject({ fairUrtc: null, insufficientData: true, providers: 0 });
    expect(fairRate(quotes([100n, 200n], 'n'))).toMatchObject({
      fairUrtc: null,
      insufficientData: true,
      providers: 2,
      minUrtc: 100n,
      maxUrtc: 200n,
    });
    expect(fairRate(quotes([100n, 200n, 300n], 'n'))).toMatchObject({
      fairUrtc: 200n,
      insufficientData: false,
      providers: 3,
    });
  });

  it('gives one vote per hardware fingerprint, however many wallets quote with it', () => {
    const honest = quotes([100n, 110n, 120n], 'h');
    const sybil = Array.from({ length: 50 }, () => ({ fingerprint: 'one-machine', priceUrtc: 9_000_000n }));
    const rate = fairRate([...honest, ...sybil]);
    expect(rate.providers).toBe(4);
    expect(rate.fairUrtc).toBe(115n); // the median of 100, 110, 120 and the one sybil vote
    expect(fairRate(sybil)).toMatchObject({ insufficientData: true, providers: 1 }); // fifty wallets, one machine
  });

  it('takes the mean of the two middle votes, rounded down to whole µRTC', () => {
    expect(fairRate(quotes([10n, 11n, 20n, 21n], 'n')).fairUrtc).toBe(15n);
  });

  it('counts the votes inside 3 scaled MADs of the median', () => {
    const rate = fairRate(quotes([100n, 101n, 99n, 100n, 102n, 98n, 5000n], 'n'));
    expect(rate).toMatchObject({ fairUrtc: 100n, providers: 7, counted: 6 });
  });
});

describe('isOutlierQuote', () => {
  const market = fairRate(quotes([1000n, 1010n, 990n, 1005n, 995n], 'n'));

  it('marks a quote far outside the band around the rate, and not one near it', () => {
    expect(isOutlierQuote(1_000_000n, market)).toBe(true);
    expect(isOutlierQuote(1n, market)).toBe(true);
    expect(isOutlierQuote(1100n, market)).toBe(false);
    expect(isOutlierQuote(1250n, market)).toBe(false); // the band is at least a quarter of the rate
    expect(isOutlierQuote(1251n, market)).toBe(true);
  });

  it('marks nothing while the rate has insufficient data', () => {
    expect(isOutlierQuote(1_000_000n, fairRate(quotes([1000n, 1000n], 'n')))).toBe(false);
  });
});

describe('isEligibleProvider', () => {
  const min = BOND_MIN_URTC_DEFAULT;
  it('takes the operator’s verification or a bond of at least the minimum, and no contested GPU', () => {
    expect(isEligibleProvider({ verified: false, bondedUrtc: 0n, flags: [] }, min)).toBe(false);
    expect(isEligibleProvider({ verified: false, bondedUrtc: min - 1n, flags: [] }, min)).toBe(false);
    expect(isEligibleProvider({ verified: false, bondedUrtc: min, flags: [] }, min)).toBe(true);
    expect(isEligibleProvider({ verified: true, bondedUrtc: 0n, flags: ['fingerprint_changed'] }, min)).toBe(true);
    expect(isEligibleProvider({ verified: true, bondedUrtc: min, flags: ['hardware_contested'] }, min)).toBe(false);
    expect(isEligibleProvider({ verified: false, bondedUrtc: min, flags: ['hardware_reassigned'] }, min)).toBe(false);
  });
});

describe('quotedSummary', () => {
  it('is the median of every quote, one per node', () => {
    expect(quotedSummary([])).toEqual({ quotedMedianUrtc: null, quotedProviders: 0 });
    expect(quotedSummary([400n, 10_000_000n, 10_000_000n, 10_000_000n])).toEqual({
      quotedMedianUrtc: 10_000_000n,
      quotedProviders: 4,
    });
    expect(quotedSummary([3n, 1n, 2n])).toEqual({ quotedMedianUrtc: 2n, quotedProviders: 3 });
  });
});
