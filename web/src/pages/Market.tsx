/**
 * The market: the fair rate of each job type (how many providers it is taken over, or why there is none yet),
 * and a job type's price history in hour or day buckets over a chosen range. Both follow priceUpdated: a moved
 * rate replaces its row, and the chart of that job type is read again.
 */
import { useMemo, useState } from 'react';
import { useQuery, useSubscription } from 'urql';
import { MarketChart } from '../PriceChart.js';
import { dateTime, JOB_LABEL, JOB_TYPES, rtc, UNIT_LABEL, type JobTypeName } from '../format.js';
import { graphql } from '../gql/index.js';
import type { FairRateFieldsFragment } from '../gql/graphql.js';
import { setQuery } from '../router.js';
import { Empty, ErrorNotice, Loading } from '../ui.js';

graphql(`
  fragment FairRateFields on FairRate {
    jobType
    unit
    fairUrtc
    providers
    counted
    insufficientData
    minUrtc
    maxUrtc
    quotedMedianUrtc
    quotedProviders
    updatedAt
    realised24h {
      rateUrtc
      volumeUrtc
    }
  }
`);

const MarketRates = graphql(`
  query MarketRates {
    marketRates {
      ...FairRateFields
    }
  }
`);

const MarketHistory = graphql(`
  query MarketHistory($jobType: JobType!, $from: DateTime!, $to: DateTime!, $bucket: PriceBucketSize!) {
    priceHistory(jobType: $jobType, from: $from, to: $to, bucket: $bucket) {
      start
      end
      open
      high
      low
      close
      median
      count
      realisedRateUrtc
      realisedVolumeUrtc
    }
  }
`);

const MarketPriceMoves = graphql(`
  subscription MarketPriceMoves {
    priceUpdated {
      seq
      jobType
      rate {
        ...FairRateFields
      }
    }
  }
`);

const HOUR = 3600;
const DAY = 86_400;
export const RANGES = { '24h': DAY, '7d': 7 * DAY, '30d': 30 * DAY, '90d': 90 * DAY } as const;
type Range = keyof typeof RANGES;
const BUCKETS = { HOUR, DAY } as const;
type BucketSize = keyof typeof BUCKETS;
/** The API answers at most this many buckets. */
const MAX_BUCKETS = 1000;

/** [from, to) aligned to whole buckets, ending with the bucket that holds now. */
export function bucketWindow(range: Range, bucket: BucketSize, nowMs: number) {
  const size = BUCKETS[bucket];
  const to = (Math.floor(nowMs / 1000 / size) + 1) * size;
  const from = to - Math.ceil(RANGES[range] / size) * size;
  return { from: new Date(from * 1000).toISOString(), to: new Date(to * 1000).toISOString() };
}

export function MarketPage({ query }: { query: URLSearchParams }) {
  const job = (JOB_TYPES as readonly string[]).includes(query.get('job') ?? '')
    ? (query.get('job') as JobTypeName)
    : 'RENDER';
  const range: Range = (query.get('range') ?? '') in RANGES ? (query.get('range') as Range) : '7d';
  const wanted: BucketSize =
    query.get('bucket') === 'DAY'
      ? 'DAY'
      : query.get('bucket') === 'HOUR'
        ? 'HOUR'
        : range === '24h' || range === '7d'
          ? 'HOUR'
          : 'DAY';
  const bucket: BucketSize = RANGES[range] / BUCKETS[wanted] > MAX_BUCKETS ? 'DAY' : wanted;
  const [moved, setMoved] = useState(0); // bumped by a price move of the charted job type
  const span = useMemo(() => bucketWindow(range, bucket, Date.now()), [range, bucket, moved]);

  const [rates] = useQuery({ query: MarketRates });
  const [history] = useQuery({ query: MarketHistory, variables: { jobType: job, ...span, bucket } });
  const [liveRates, setLiveRates] = useState<Partial<Record<JobTypeName, FairRateFieldsFragment>>>({});
  useSubscription({ query: MarketPriceMoves }, (_previous, event) => {
    const e = event.priceUpdated;
    setLiveRates((r) => ({ ...r, [e.jobType]: e.rate }));
    if (e.jobType === job) setMoved((n) => n + 1);
    return event;
  });

  const rows = rates.data?.marketRates.map((r) => liveRates[r.jobType as JobTypeName] ?? r);
  const buckets = history.data?.priceHistory;
  const quoted = buckets?.reduce((n, b) => n + b.count, 0) ?? 0;

  return (
    <section aria-labelledby="market-title">
      <h1 id="market-title">Market</h1>
      <h2>Fair rates now</h2>
      {rates.error && <ErrorNotice error={rates.error} what="the fair rates" />}
      {!rates.data && rates.fetching && <Loading what="fair rates" />}
      {rows && (
        <div className="table-wrap">
          <table className="rates" data-testid="rates-table">
            <thead>
              <tr>
                <th scope="col">Job type</th>
                <th scope="col" className="num">
                  Fair rate
                </th>
                <th scope="col" className="num">
                  Providers
                </th>
                <th scope="col" className="num">
                  Range of counted quotes
                </th>
                <th scope="col" className="num">
                  Realised, 24 h
                </th>
                <th scope="col">Last price change</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.jobType} data-job={r.jobType}>
                  <th scope="row">
                    {JOB_LABEL[r.jobType as JobTypeName]} <span className="sub">per {r.unit}</span>
                  </th>
                  <td className="num">
                    {r.insufficientData ? (
                      <span className="badge muted" title="A fair rate needs at least 3 eligible providers">
                        not enough data
                      </span>
                    ) : (
                      rtc(r.fairUrtc)
                    )}
                  </td>
                  <td className="num" title={`${r.quotedProviders} online nodes quote this job type`}>
                    {r.providers} eligible
                    <span className="sub"> of {r.quotedProviders} quoting</span>
                  </td>
                  <td className="num">{r.minUrtc ? `${rtc(r.minUrtc)} – ${rtc(r.maxUrtc)}` : '—'}</td>
                  <td className="num">
                    {r.realised24h.rateUrtc ? rtc(r.realised24h.rateUrtc) : '—'}
                    <span className="sub"> on {rtc(r.realised24h.volumeUrtc)}</span>
                  </td>
                  <td>{dateTime(r.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Price history</h2>
      <form className="filters compact" aria-label="Choose the price history" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="history-job">Job type</label>
          <select id="history-job" value={job} onChange={(e) => setQuery({ job: e.target.value }, { replace: true })}>
            {JOB_TYPES.map((j) => (
              <option key={j} value={j}>
                {JOB_LABEL[j]}
              </option>
            ))}
          </select>
        </div>
        <fieldset className="segmented">
          <legend>Range</legend>
          {(Object.keys(RANGES) as Range[]).map((r) => (
            <label key={r}>
              <input
                type="radio"
                name="range"
                value={r}
                checked={r === range}
                onChange={() => setQuery({ range: r }, { replace: true })}
              />
              {r}
            </label>
          ))}
        </fieldset>
        <fieldset className="segmented">
          <legend>Buckets</legend>
          {(Object.keys(BUCKETS) as BucketSize[]).map((b) => (
            <label key={b}>
              <input
                type="radio"
                name="bucket"
                value={b}
                checked={b === bucket}
                disabled={RANGES[range] / BUCKETS[b] > MAX_BUCKETS}
                onChange={() => setQuery({ bucket: b }, { replace: true })}
              />
              {b === 'HOUR' ? 'Hourly' : 'Daily'}
            </label>
          ))}
        </fieldset>
      </form>
      {history.error && <ErrorNotice error={history.error} what="the price history" />}
      {!buckets && history.fetching && <Loading what="price history" />}
      {buckets && (
        <figure className="chart-figure" data-testid="market-chart" data-bucket-count={buckets.length}>
          <figcaption>
            {JOB_LABEL[job]}: quoted prices (candles: open, high, low, close), median and realised rate in RTC{' '}
            {UNIT_LABEL[job]}; bars: realised volume in RTC. {bucket === 'HOUR' ? 'Hourly' : 'Daily'} buckets (UTC),
            last {range}.
          </figcaption>
          <div className="axis-label y" aria-hidden="true">
            RTC {UNIT_LABEL[job]}
          </div>
          <MarketChart
            buckets={buckets}
            label={`${JOB_LABEL[job]} price history, ${buckets.length} ${bucket === 'HOUR' ? 'hourly' : 'daily'} buckets`}
          />
          <div className="axis-label x" aria-hidden="true">
            Time (UTC)
          </div>
          <ul className="legend">
            <li className="l-candle">Quotes (open/high/low/close)</li>
            <li className="l-median">Median quote</li>
            <li className="l-realised">Realised rate</li>
            <li className="l-volume">Realised volume</li>
          </ul>
          {quoted === 0 && (
            <Empty>No price changes were quoted for {JOB_LABEL[job].toLowerCase()} in this range.</Empty>
          )}
        </figure>
      )}
    </section>
  );
}
