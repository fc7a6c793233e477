/**
 * The pricing oracle: fair market rates per job type (./fair-rate.ts), the realised rate of released
 * jobs, quotes that turn a job size into the µRTC to lock, and bucketed price history for analysts.
 * Reads never write; they are awaited (src/sql, either engine). `refresh()` recomputes the rates after
 * changes and reports each rate that moved.
 */
import type { Clock } from '../clock.js';
import { InvalidInputError, StateError } from '../domain/errors.js';
import { JOB_TYPES, type JobType } from '../domain/fields.js';
import { BOND_MIN_URTC_DEFAULT, quotedSummary, type QuotedSummary } from './eligibility.js';
import { checkPrice, fairRate, medianOfSorted, type FairRate, type PriceCheck } from './fair-rate.js';
import type { SqlEngine, Work } from '../sql/statement.js';
import type { PriceEventMessage, PricingStore } from './store.js';

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

/**
 * The node's price a job may be quoted and locked at: only a node that serves the job type, is not
 * suspended and whose attestation is fresh (a lapsed attestation's price is no offer any more).
 */
export function priceInForce(
  node: { priceUrtc: bigint | null; suspended: boolean; lastAttestation: number },
  at: { minerId: string; jobType: JobType; now: number; attestationTtlS: number },
): bigint {
  if (node.priceUrtc === null) throw new StateError('INVALID_STATE', `node ${at.minerId} does not serve ${at.jobType}`);
  if (node.suspended)
    throw new StateError('INVALID_STATE', `node ${at.minerId} is suspended: its prices are not offered`);
  if (at.now - node.lastAttestation > at.attestationTtlS) {
    throw new StateError(
      'INVALID_STATE',
      `node ${at.minerId} is offline (its attestation lapsed): its prices are not offered until it attests again`,
    );
  }
  return node.priceUrtc;
}

export const REALISED_WINDOW_S = 24 * 3600;
export const BUCKET_SECONDS = { hour: 3600, day: 86400 } as const;
export type BucketSize = keyof typeof BUCKET_SECONDS;
const MAX_BUCKETS = 1000;
/** How long after a write moved rates are reported (a burst of attestations is reported once). */
const REFRESH_DEBOUNCE_MS = 100;

/** The fair rate over eligible providers, and every fresh quote beside it. */
export type RateStatistic = FairRate & QuotedSummary;

/** Every job type's statistic, and until when it holds (the oldest online attestation's lapse). */
interface Statistics {
  stats: Record<JobType, RateStatistic>;
  validUntil: number;
}

export interface MarketRate extends RateStatistic {
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
  fair: MarketRate;
  fairTotalUrtc: bigint | null;
}

function realisedOf(jobType: JobType, r: { volumeUrtc: bigint; deliveredUnits: number }): Realised {
  // A partial release paid for that share of the quoted units (deliveredUnits is summed that way).
  const rate =
    r.deliveredUnits > 0
      ? BigInt(Math.round((Number(r.volumeUrtc) * Number(PRICE_UNIT[jobType].per)) / r.deliveredUnits))
      : null;
  return { volumeUrtc: r.volumeUrtc, rateUrtc: rate };
}

export function createPricingService({
  store,
  clock,
  attestationTtlS,
  bondMinUrtc = BOND_MIN_URTC_DEFAULT,
  sql,
  onRateChange,
}: {
  store: PricingStore;
  /** The bond that makes a node eligible for the fair rate (./eligibility.ts). */
  bondMinUrtc?: bigint;
  /** Where prices are read and moved rates numbered. */
  sql: SqlEngine;
  clock: Clock;
  attestationTtlS: number;
  /** Called with each moved rate's event after it is committed. */
  onRateChange(event: PriceEventMessage): void;
}) {
  const lastReported = new Map<JobType, string>();
  let refreshTimer: NodeJS.Timeout | undefined;
  /** Refreshes started, and the latest one that reported: an older refresh finishing later reports nothing. */
  let refreshesStarted = 0;
  let refreshReported = 0;

  /**
   * The fair-rate statistics of every job type, cached: they change only when a node attests or is
   * suspended (each of which calls `invalidate()`) or when the oldest online attestation lapses, which
   * the cache knows the time of. Writes made by another process sharing the database are seen at the
   * next refresh (the sweeper's interval). One read computes them: callers arriving while it runs share
   * it; a computation started before an invalidation never fills the cache after it.
   */
  let cache: Statistics | null = null;
  let generation = 0;
  let computing: { now: number; generation: number; stats: Promise<Record<JobType, RateStatistic>> } | null = null;

  function* readStatistics(now: number): Work<Statistics> {
    const since = now - attestationTtlS;
    const { eligible, quoted } = yield* store.onlineQuotes(since, bondMinUrtc);
    const earliest = yield* store.earliestOnline(since);
    const stat = (jobType: JobType): RateStatistic => ({
      ...fairRate(eligible[jobType]),
      ...quotedSummary(quoted[jobType]),
    });
    return {
      stats: { render: stat('render'), tts: stat('tts'), stt: stat('stt'), llm: stat('llm') },
      validUntil: earliest === null ? Number.POSITIVE_INFINITY : earliest + attestationTtlS + 1,
    };
  }

  const cached = (now: number) => (cache && now < cache.validUntil ? cache.stats : null);

  function statistics(now: number): Promise<Record<JobType, RateStatistic>> {
    const hit = cached(now);
    if (hit) return Promise.resolve(hit);
    if (computing && computing.now === now && computing.generation === generation) return computing.stats;
    const started = generation;
    const stats = sql
      .read(() => readStatistics(now))
      .then((computed) => {
        if (generation === started) cache = computed;
        return computed.stats;
      });
    const entry = { now, generation: started, stats };
    computing = entry;
    const done = () => {
      if (computing === entry) computing = null;
    };
    stats.then(done, done);
    return stats;
  }

  /** Drops the cached statistics: the next read recomputes them. */
  function forget() {
    cache = null;
    computing = null;
    generation++;
  }

  async function rate(jobType: JobType): Promise<MarketRate> {
    const now = clock();
    const [stats, recent] = await Promise.all([
      statistics(now),
      sql.read(function* () {
        const updatedAt = yield* store.lastChangeOfType(jobType);
        const realised = yield* store.realisedBetween(jobType, now - REALISED_WINDOW_S, now + 1);
        return { updatedAt, realised };
      }),
    ]);
    return {
      ...stats[jobType],
      jobType,
      unit: PRICE_UNIT[jobType].unit,
      updatedAt: recent.updatedAt,
      realised: realisedOf(jobType, recent.realised),
    };
  }

  const fingerprintOf = (r: MarketRate) => `${r.fairUrtc}|${r.providers}|${r.counted}|${r.minUrtc}|${r.maxUrtc}`;

  return {
    rate,

    /** The fair-rate statistic of a job type now, over eligible providers (cached; see above). */
    async currentRate(jobType: JobType): Promise<FairRate> {
      return (await statistics(clock()))[jobType];
    },

    marketRates(): Promise<MarketRate[]> {
      return Promise.all(JOB_TYPES.map(rate));
    },

    /** Whether a proposed price for a job type lies far outside the band around its fair rate now. */
    async checkPrice(jobType: JobType, priceUrtc: bigint): Promise<PriceCheck & { proposedUrtc: bigint }> {
      return { ...checkPrice(priceUrtc, (await statistics(clock()))[jobType]), proposedUrtc: priceUrtc };
    },

    async quote(jobType: JobType, units: bigint, minerId: string): Promise<Quotation> {
      const node = await sql.read(() => store.nodePrice(minerId, jobType));
      if (!node) throw new StateError('NOT_FOUND', `no GPU node ${minerId}`);
      const price = priceInForce(node, { minerId, jobType, now: clock(), attestationTtlS });
      const fair = await rate(jobType);
      return {
        jobType,
        minerId,
        units,
        unitPriceUrtc: price,
        totalUrtc: priceOfJob(jobType, units, price),
        fair,
        fairTotalUrtc: fair.fairUrtc === null ? null : priceOfJob(jobType, units, fair.fairUrtc),
      };
    },

    /** Quotes and realised payments of a job type in [from, to), in UTC hour or day buckets (empty ones included). */
    async history(jobType: JobType, from: number, to: number, bucket: BucketSize): Promise<PriceBucket[]> {
      const size = BUCKET_SECONDS[bucket];
      const start = Math.floor(from / size) * size;
      const end = Math.ceil(to / size) * size;
      if (end <= start) throw new InvalidInputError('to must be after from');
      if ((end - start) / size > MAX_BUCKETS) throw new InvalidInputError(`at most ${MAX_BUCKETS} buckets per request`);
      // One unit of work reads every bucket (one connection, one round of statements).
      return sql.read(function* () {
        const buckets: PriceBucket[] = [];
        for (let bucketStart = start; bucketStart < end; bucketStart += size) {
          const prices = yield* store.pricesBetween(jobType, bucketStart, bucketStart + size);
          const sorted = BigInt64Array.from(prices).sort(); // exact: every stored integer fits in 64 bits
          const realised = yield* store.realisedBetween(jobType, bucketStart, bucketStart + size);
          buckets.push({
            start: bucketStart,
            end: bucketStart + size,
            open: prices[0] ?? null,
            high: sorted.length ? sorted[sorted.length - 1]! : null,
            low: sorted.length ? sorted[0]! : null,
            close: prices.at(-1) ?? null,
            median: sorted.length ? medianOfSorted(Array.from(sorted)) : null,
            count: prices.length,
            realised: realisedOf(jobType, realised),
          });
        }
        return buckets;
      });
    },

    /**
     * After a write: drops the cached statistics at once (the next read recomputes them) and reports
     * moved rates shortly after, once for a burst of writes rather than once per attestation.
     */
    invalidate(): void {
      forget();
      refreshTimer ??= setTimeout(() => {
        refreshTimer = undefined;
        this.refresh().catch(() => {}); // a failed refresh only delays the notice: the next write or sweep reports it
      }, REFRESH_DEBOUNCE_MS);
      refreshTimer.unref();
    },

    close(): void {
      clearTimeout(refreshTimer);
      refreshTimer = undefined;
    },

    /** Drops the cached statistics, recomputes every rate and reports the ones that changed since the last report. */
    async refresh(): Promise<MarketRate[]> {
      const started = ++refreshesStarted;
      forget();
      const rates = await Promise.all(JOB_TYPES.map(rate));
      if (started < refreshReported) return []; // a refresh started later has read newer rates and reported them
      refreshReported = started;
      const changed: MarketRate[] = [];
      for (const r of rates) {
        const key = fingerprintOf(r);
        if (lastReported.get(r.jobType) === key) continue;
        lastReported.set(r.jobType, key);
        changed.push(r);
      }
      if (changed.length > 0) {
        const at = clock();
        sql
          .write(function* () {
            const events: PriceEventMessage[] = [];
            for (const r of changed) events.push(yield* store.recordPriceEvent(r.jobType, r.fairUrtc, at));
            return events;
          })
          .then((events) => events.forEach(onRateChange))
          .catch(() => {}); // a failed record only costs subscribers this notice; the rate itself is read live
      }
      return changed;
    },
  };
}

export type PricingService = ReturnType<typeof createPricingService>;
