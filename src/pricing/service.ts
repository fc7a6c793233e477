/**
 * The pricing oracle: fair market rates per job type (./fair-rate.ts), the realised rate of released
 * jobs, quotes that turn a job size into the µRTC to lock, and bucketed price history for analysts.
 * Reads never write. `refresh()` recomputes the rates after changes and reports each rate that moved.
 */
import type { Clock } from '../clock.js';
import { InvalidInputError, StateError } from '../domain/errors.js';
import { JOB_TYPES, type JobType } from '../domain/fields.js';
import { fairRate, medianOfSorted, type FairRate } from './fair-rate.js';
import type { PricingStore } from './store.js';

/** What one unit of each job type is, and how many of the job's own units a price covers. */
export const PRICE_UNIT: Record<JobType, { unit: string; jobUnit: string; per: bigint }> = {
  render: { unit: 'minute', jobUnit: 'minutes', per: 1n },
  tts: { unit: '1K characters', jobUnit: 'characters', per: 1000n },
  stt: { unit: 'minute', jobUnit: 'minutes', per: 1n },
  llm: { unit: '1K tokens', jobUnit: 'tokens (input + output)', per: 1000n },
};

/** µRTC to lock for `units` of a job at `unitPriceUrtc` per price unit, rounded up to whole µRTC. */
export function priceOfJob(jobType: JobType, units: bigint, unitPriceUrtc: bigint): bigint {
  const per = PRICE_UNIT[jobType].per;
  return (units * unitPriceUrtc + per - 1n) / per;
}

export const REALISED_WINDOW_S = 24 * 3600;
export const BUCKET_SECONDS = { hour: 3600, day: 86400 } as const;
export type BucketSize = keyof typeof BUCKET_SECONDS;
const MAX_BUCKETS = 1000;

export interface MarketRate extends FairRate {
  jobType: JobType;
  unit: string;
  /** Time of the latest price change of this job type. */
  updatedAt: number | null;
  /** Released jobs of the last 24 hours that carried a quote. */
  realised: Realised;
}

export interface Realised {
  volumeUrtc: bigint;
  /** Volume-weighted µRTC per price unit actually paid; null without released quoted jobs. */
  rateUrtc: bigint | null;
}

export interface PriceBucket {
  start: number;
  end: number;
  open: bigint | null;
  high: bigint | null;
  low: bigint | null;
  close: bigint | null;
  median: bigint | null;
  count: number;
  realised: Realised;
}

export interface Quotation {
  jobType: JobType;
  minerId: string;
  units: bigint;
  unitPriceUrtc: bigint;
  totalUrtc: bigint;
  fair: FairRate;
  fairTotalUrtc: bigint | null;
}

function realisedOf(jobType: JobType, rows: { releasedUrtc: bigint; units: bigint; amountUrtc: bigint }[]): Realised {
  let volume = 0n;
  let deliveredUnits = 0; // a partial release paid for that share of the quoted units
  for (const r of rows) {
    volume += r.releasedUrtc;
    deliveredUnits += (Number(r.units) * Number(r.releasedUrtc)) / Number(r.amountUrtc);
  }
  const rate = deliveredUnits > 0 ? BigInt(Math.round((Number(volume) * Number(PRICE_UNIT[jobType].per)) / deliveredUnits)) : null;
  return { volumeUrtc: volume, rateUrtc: rate };
}

export function createPricingService({
  store,
  clock,
  attestationTtlS,
  onRateChange,
}: {
  store: PricingStore;
  clock: Clock;
  attestationTtlS: number;
  onRateChange(rate: MarketRate): void;
}) {
  const lastReported = new Map<JobType, string>();

  function rate(jobType: JobType): MarketRate {
    const now = clock();
    const stat = fairRate(store.onlineQuotes(jobType, now - attestationTtlS));
    return {
      ...stat,
      jobType,
      unit: PRICE_UNIT[jobType].unit,
      updatedAt: store.lastChangeOfType(jobType),
      realised: realisedOf(jobType, store.realised(jobType, now - REALISED_WINDOW_S, now + 1)),
    };
  }

  const fingerprintOf = (r: MarketRate) => `${r.fairUrtc}|${r.providers}|${r.counted}|${r.minUrtc}|${r.maxUrtc}`;

  return {
    rate,

    marketRates(): MarketRate[] {
      return JOB_TYPES.map(rate);
    },

    quote(jobType: JobType, units: bigint, minerId: string): Quotation {
      const node = store.nodePrice(minerId, jobType);
      if (!node) throw new StateError('NOT_FOUND', `no GPU node ${minerId}`);
      if (node.priceUrtc === null) throw new StateError('INVALID_STATE', `node ${minerId} does not serve ${jobType}`);
      const fair = rate(jobType);
      return {
        jobType,
        minerId,
        units,
        unitPriceUrtc: node.priceUrtc,
        totalUrtc: priceOfJob(jobType, units, node.priceUrtc),
        fair,
        fairTotalUrtc: fair.fairUrtc === null ? null : priceOfJob(jobType, units, fair.fairUrtc),
      };
    },

    /** Quotes and realised payments of a job type in [from, to), in UTC hour or day buckets (empty ones included). */
    history(jobType: JobType, from: number, to: number, bucket: BucketSize): PriceBucket[] {
      const size = BUCKET_SECONDS[bucket];
      const start = Math.floor(from / size) * size;
      const end = Math.ceil(to / size) * size;
      if (end <= start) throw new InvalidInputError('to must be after from');
      if ((end - start) / size > MAX_BUCKETS) throw new InvalidInputError(`at most ${MAX_BUCKETS} buckets per request`);
      const buckets = Array.from({ length: (end - start) / size }, (_, i) => ({ start: start + i * size, prices: [] as bigint[], paid: [] as { releasedUrtc: bigint; units: bigint; amountUrtc: bigint }[] }));
      for (const q of store.history(jobType, start, end)) buckets[Math.floor((q.at - start) / size)]!.prices.push(q.price);
      for (const r of store.realised(jobType, start, end)) buckets[Math.floor((r.at - start) / size)]!.paid.push(r);
      return buckets.map((b) => {
        const sorted = [...b.prices].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
        return {
          start: b.start,
          end: b.start + size,
          open: b.prices[0] ?? null,
          high: sorted.at(-1) ?? null,
          low: sorted[0] ?? null,
          close: b.prices.at(-1) ?? null,
          median: sorted.length ? medianOfSorted(sorted) : null,
          count: b.prices.length,
          realised: realisedOf(jobType, b.paid),
        };
      });
    },

    /** Recomputes every rate and reports the ones that changed since the last report. */
    refresh(): MarketRate[] {
      const changed: MarketRate[] = [];
      for (const jobType of JOB_TYPES) {
        const r = rate(jobType);
        const key = fingerprintOf(r);
        if (lastReported.get(jobType) === key) continue;
        lastReported.set(jobType, key);
        changed.push(r);
      }
      for (const r of changed) onRateChange(r);
      return changed;
    },
  };
}

export type PricingService = ReturnType<typeof createPricingService>;
