/**
 * `npm run bench`, pricing section: latency of the pricing oracle (`market.pricing`, which GraphQL's
 * `marketRates`, `fairRate` and `priceHistory` use) with 10,000 online GPU nodes, at 100,000 and at
 * 1,000,000 rows of price history.
 *
 * A fresh, migrated SQLite file; a market opened in this process on a fixed clock (the seeding time), no
 * HTTP: what is measured is the service call (the SQL of src/pricing/store.ts on the SQLite engine,
 * plus the statistics of src/pricing/service.ts and fair-rate.ts), and the same answers through the
 * GraphQL executor for context. Everything is written with bulk SQL (prepared INSERTs in one transaction
 * per table), from a fixed-seed PRNG so that every run sees the same rows:
 * - 10,000 online nodes (attested within the TTL, none suspended), each its own hardware fingerprint, and
 *   2,000 offline ones (attested 1 to 30 days ago) that the rate must skip; ~97% serve llm at prices
 *   log-normal around 2,000 µRTC per 1K tokens, ~30% render, ~20% tts, ~25% stt; ~1% of the online llm
 *   quotes are far outliers carrying the `price_outlier:llm` flag (left out of the rate);
 * - price history spread evenly over the 365 days before `now` (so 30 days hold 1/12 of it), 70% llm,
 *   12% render, 10% stt, 8% tts, each row a change of one (node, job type) from its previous price (the
 *   first change of a pair from NULL), a mean-reverting random walk, ~1% marked as outliers; rows are in
 *   time order, as an append-only table fills. 100,000 rows first, measured; then the table is emptied
 *   and refilled with 1,000,000 rows over the same year, measured again (same nodes, same escrows);
 * - 10,000 escrows over the last 30 days: 90% released with a quote's `units` and `unit_price_urtc`
 *   (a tenth of them partly refunded), 10% refunded, between two wallets.
 * No ANALYZE is run: the query planner sees what it sees in production (no sqlite_stat1).
 *
 * The service caches the fair-rate statistics of all four job types until a write drops them
 * (`invalidate()`: the next read recomputes, and a debounced `refresh()` reports moved rates) or the
 * oldest online attestation lapses (never, on the bench's fixed clock), so rates are measured two ways:
 * `marketRates()` on a warm cache (the normal read path: statistics cached, the per-type updatedAt and
 * 24-hour realised sums still read from SQL) and `refresh()`, which drops the cache and recomputes all
 * four rates (one pass over the online nodes, the four statistics, the per-type SQL): the cold cost, paid
 * by the first read after a write and by the debounced refresh. Bulk seeding bypasses the service, so
 * `refresh()` is called after it.
 *
 * Measured at each size: warm `marketRates()` (all four job types) and `rate('llm')`, the cold recompute,
 * the 30-day daily and the 7-day hourly `history('llm', …)`, both through GraphQL too, and the store's
 * statements alone (what part of each call the SQL is). Each: answers checked against plain SQL first,
 * then a warm-up, then sequential timed runs (up to a time budget); p50 and p99 in ms. The SQL the service
 * runs is recorded (a store built by src's createPricingStore on an engine over a connection wrapper that
 * logs each statement executed, with its arguments) and run through EXPLAIN QUERY PLAN on the same file. A missed
 * target is reported, never a failing exit code.
 *
 * Environment: BENCH_PRICING_RUNS (timed runs per row, default 100), BENCH_PRICING_ROWS (the large
 * history, default 1000000; the small one is a tenth of it), BENCH_PRICING_NODES (online nodes, default
 * 10000).
 *
 * Standalone: `npx tsx bench/pricing.ts`.
 */
import {
  envInt,
  fmtMs,
  GPU_NODE_COLUMNS,
  int,
  planIndexes,
  printGrowthTable,
  prng,
  queryPlan,
  runIfMain,
  time,
  withBenchMarket,
  type Timing,
} from './support.js';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type Database from 'better-sqlite3';
import { JOB_TYPES, type JobType } from '../src/domain/fields.js';
import { fairRate } from '../src/pricing/fair-rate.js';
import { BOND_MIN_URTC_DEFAULT } from '../src/pricing/eligibility.js';
import { createPricingService, PRICE_UNIT, priceOfJob, REALISED_WINDOW_S } from '../src/pricing/service.js';
import { createGroupCommit } from '../src/group-commit.js';
import { createSqliteEngine } from '../src/sql/sqlite.js';
import { createPricingStore, outlierFlag, PRICE_COLUMN_SQL } from '../src/pricing/store.js';
import { createMarketYoga } from '../src/server.js';

const TTL_S = 3600;
const DAY = 86_400;
const YEAR = 365 * DAY;
const TARGET_MS = 50;
/** Allowed p50 growth of the cold rate recompute from the small history to the large one. */
const FLAT = 1.5;

// ---------------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------------

const JOB_INDEX: Record<JobType, number> = { render: 0, tts: 1, stt: 2, llm: 3 };
/** [share of nodes serving it, median price µRTC per price unit, log-normal sigma] */
const SERVES: Record<JobType, [number, number, number]> = {
  render: [0.3, 30_000, 0.3],
  tts: [0.2, 1_500, 0.3],
  stt: [0.25, 2_500, 0.3],
  llm: [0.97, 2_000, 0.25],
};
/** Share of the price history rows per job type. */
const HISTORY_SHARE: [JobType, number][] = [
  ['llm', 0.7],
  ['render', 0.12],
  ['stt', 0.1],
  ['tts', 0.08],
];
const OUTLIER_SHARE = 0.01;

interface Nodes {
  minerIds: string[];
  online: number;
  /** Current price per node, per job type; 0 where the node does not serve it. */
  prices: Record<JobType, Float64Array>;
  /** Node indexes serving each job type (online and offline). */
  serving: Record<JobType, Int32Array>;
}

/** A job type with the shares of HISTORY_SHARE. */
function pickJobType(rand: () => number): JobType {
  let r = rand();
  for (const [jobType, share] of HISTORY_SHARE) if ((r -= share) < 0) return jobType;
  return 'llm';
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/**
 * `online` nodes attested within the TTL and `offline` ones attested 1 to 30 days ago, in one transaction;
 * all operator-verified, so that every online quote is eligible for the fair rate.
 */
function seedNodes(db: Database.Database, online: number, offline: number, now: number): Nodes & { ms: number } {
  const started = performance.now();
  const rand = prng(0x5eed_0001);
  const total = online + offline;
  const insert = db.prepare(`
    INSERT INTO gpu_attestations (${GPU_NODE_COLUMNS})
    VALUES (?, 'nvidia_gpu', ?, ?, ?, ?, '12.4', 12004, NULL, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'verified', 1, 0, ?, ?, ?, ?)`);
  const GPUS: [string, number, number][] = [
    ['GeForce RTX 4090', 24_080, 72],
    ['GeForce RTX 3090', 24_080, 31],
    ['RTX A6000', 48_600, 34],
    ['A100', 81_200, 18],
    ['H100', 81_200, 55],
  ];
  const nodes: Nodes = {
    minerIds: [],
    online,
    prices: Object.fromEntries(JOB_TYPES.map((j) => [j, new Float64Array(total)])) as Record<JobType, Float64Array>,
    serving: {} as Record<JobType, Int32Array>,
  };
  const serving = Object.fromEntries(JOB_TYPES.map((j) => [j, [] as number[]])) as Record<JobType, number[]>;
  db.transaction(() => {
    for (let i = 0; i < total; i++) {
      const minerId = `RTC${createHash('sha1').update(`grp-bench-pricing-node-${i}`).digest('hex')}`;
      nodes.minerIds.push(minerId);
      const flags: string[] = [];
      for (const j of JOB_TYPES) {
        const [share, median, sigma] = SERVES[j];
        if (rand() >= share && !(j === 'llm' && JOB_TYPES.every((k) => nodes.prices[k][i] === 0))) continue;
        let price = Math.max(1, Math.round(median * Math.exp(sigma * gaussian(rand))));
        if (j === 'llm' && i < online && rand() < OUTLIER_SHARE) {
          price = Math.round(median * (rand() < 0.5 ? 0.05 : 20) * (0.8 + rand() * 0.4)); // far outside the band
          flags.push(outlierFlag('llm'));
        }
        nodes.prices[j][i] = price;
        serving[j].push(i);
      }
      const [model, vramMb, tflops] = GPUS[Math.floor(rand() * GPUS.length)]!;
      const count = rand() < 0.8 ? 1 : 2;
      const last = i < online ? now - Math.floor(rand() * (TTL_S - 10)) : now - DAY - Math.floor(rand() * 29 * DAY);
      const p = (j: JobType) => (nodes.prices[j][i] ? nodes.prices[j][i] : null);
      insert.run(
        minerId,
        model,
        count,
        vramMb,
        vramMb * count,
        Math.round(tflops * count * (0.8 + rand() * 0.2) * 100) / 100,
        p('render'),
        p('tts'),
        p('stt'),
        p('llm'),
        ...JOB_TYPES.map((j) => (p(j) === null ? 0 : 1)),
        nodes.prices.tts[i] ? '["xtts-v2"]' : '[]',
        nodes.prices.stt[i] ? '["whisper-large-v3"]' : '[]',
        nodes.prices.llm[i] ? '["llama-3.1-8b-instruct"]' : '[]',
        createHash('sha256').update(minerId).digest('hex'),
        JSON.stringify(flags),
        last - Math.floor(rand() * 400 * DAY),
        last,
      );
    }
  })();
  nodes.serving = Object.fromEntries(JOB_TYPES.map((j) => [j, Int32Array.from(serving[j])])) as Record<
    JobType,
    Int32Array
  >;
  return { ...nodes, ms: performance.now() - started };
}

/**
 * `rows` price changes, evenly spread over [now - YEAR, now) in time order, in one transaction. Each
 * (node, job type) pair walks from its node's price: mean-reverting, never repeating its previous price.
 */
function seedHistory(db: Database.Database, nodes: Nodes, rows: number, now: number): number {
  const started = performance.now();
  const rand = prng(0x5eed_0002 ^ rows);
  const last = new Float64Array(nodes.minerIds.length * 4); // the pair's latest price, 0 before its first change
  const insert = db.prepare(
    'INSERT INTO price_history (miner_id, job_type, old_price_urtc, new_price_urtc, changed_at, outlier) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const from = now - YEAR;
  db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const at = from + Math.floor(((i + rand()) * YEAR) / rows); // stratified: non-decreasing, below now
      const jobType = pickJobType(rand);
      const candidates = nodes.serving[jobType];
      const node = candidates[Math.floor(rand() * candidates.length)]!;
      const slot = node * 4 + JOB_INDEX[jobType];
      const base = nodes.prices[jobType][node]!;
      const old = last[slot]!;
      let price = old === 0 ? base : Math.round(old * Math.exp(0.05 * gaussian(rand) + 0.1 * Math.log(base / old)));
      if (price === old) price += rand() < 0.5 && price > 1 ? -1 : 1;
      price = Math.max(1, price);
      if (price === old) price = old + 1;
      last[slot] = price;
      insert.run(nodes.minerIds[node], jobType, old === 0 ? null : old, price, at, rand() < OUTLIER_SHARE ? 1 : 0);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  return performance.now() - started;
}

/** Escrows over the last 30 days between two wallets: 90% released with units (some partly refunded), 10% refunded. */
function seedEscrows(db: Database.Database, nodes: Nodes, count: number, now: number): number {
  const started = performance.now();
  const rand = prng(0x5eed_0003);
  const [payer, provider] = ['payer', 'provider'].map(
    (w) => `RTC${createHash('sha1').update(`grp-bench-pricing-${w}`).digest('hex')}`,
  ) as [string, string];
  const wallet = db.prepare(
    'INSERT INTO wallets (address, available_urtc, locked_urtc, created_at, updated_at) VALUES (?, 0, 0, ?, ?)',
  );
  const insert = db.prepare(`
    INSERT INTO render_escrow (job_id, job_type, from_wallet, to_wallet, amount_urtc, status, created_at, expires_at, released_at,
      refunded_at, released_urtc, refunded_urtc, refund_reason, settled_by, metadata, unit_price_urtc, units)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`);
  /** Job sizes in the job's own units: [least, most] */
  const SIZE: Record<JobType, [number, number]> = {
    render: [1, 120],
    tts: [200, 20_000],
    stt: [1, 60],
    llm: [500, 50_000],
  };
  db.transaction(() => {
    wallet.run(payer, now - YEAR, now);
    wallet.run(provider, now - YEAR, now);
    for (let i = 0; i < count; i++) {
      const jobType = pickJobType(rand);
      const candidates = nodes.serving[jobType];
      const unitPrice = BigInt(nodes.prices[jobType][candidates[Math.floor(rand() * candidates.length)]!]!);
      const [lo, hi] = SIZE[jobType];
      const units = BigInt(Math.round(lo * Math.exp(rand() * Math.log(hi / lo))));
      const amount = priceOfJob(jobType, units, unitPrice);
      const created = now - 30 * DAY + Math.floor(rand() * (30 * DAY - 600));
      const settled = created + 60 + Math.floor(rand() * 540);
      const roll = rand();
      const status = roll < 0.9 ? 'released' : 'refunded';
      const released =
        status === 'refunded' ? 0n : roll < 0.81 ? amount : (amount * BigInt(1 + Math.floor(rand() * 99))) / 100n;
      insert.run(
        `grp-bench-pricing-job-${i}`,
        jobType,
        payer,
        provider,
        amount,
        status,
        created,
        created + 3600,
        status === 'released' ? settled : null,
        status === 'refunded' || released < amount ? settled : null,
        released,
        amount - released,
        status === 'refunded' ? 'provider_failed' : released < amount ? 'partial' : null,
        status === 'released' ? payer : 'sweeper',
        unitPrice,
        units,
      );
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  return performance.now() - started;
}

// ---------------------------------------------------------------------------------------------------
// Recording the store's SQL, and its plans
// ---------------------------------------------------------------------------------------------------

interface Executed {
  sql: string;
  args: unknown[];
}

/**
 * A stand-in for the connection the SQLite engine prepares the store's statements on: each statement is
 * the real one, wrapped so that every execution (all, get, run, iterate) is logged with its arguments.
 */
function recordingConnection(db: Database.Database, log: Executed[]): Database.Database {
  const wrap = (stmt: Database.Statement, sql: string): Database.Statement => {
    const proxy: Database.Statement = new Proxy(stmt, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (prop === 'all' || prop === 'get' || prop === 'run' || prop === 'iterate') log.push({ sql, args });
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result === target ? proxy : result; // pluck(), raw(), … return the statement itself
        };
      },
    });
    return proxy;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'prepare') return (sql: string) => wrap(target.prepare(sql), sql);
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The statement of src/pricing/store.ts an SQL text is (its name there, and the store method running it). */
function statementName(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  if (/^SELECT MIN\(last_attestation\) FROM gpu_attestations/i.test(flat)) return 'earliestOnline';
  if (
    /FROM gpu_attestations g LEFT JOIN node_bonds b .* WHERE g.last_attestation >= \? AND g.suspended = 0$/i.test(flat)
  )
    return 'online (onlineQuotes, all four types in one pass)';
  if (/MAX\(changed_at\) FROM price_history WHERE job_type = \?$/i.test(flat)) return 'lastChangeOfType';
  if (/MAX\(changed_at\) FROM price_history WHERE miner_id/i.test(flat)) return 'lastChange';
  if (/FROM price_history WHERE job_type = \? AND changed_at/i.test(flat)) return 'bucketPrices (pricesBetween)';
  if (/FROM render_escrow/i.test(flat)) return 'realisedSums (realisedBetween)';
  if (/FROM gpu_attestations WHERE miner_id/i.test(flat)) return 'nodePrice';
  return 'statement';
}

interface Plan {
  lines: string[];
  verdict: string;
  fullScan: boolean;
  /** Every search or scan reads only an index (COVERING INDEX, or the table's own B-tree by key). */
  covering: boolean;
  indexes: string[];
}

function explain(db: Database.Database, q: Executed): Plan {
  const { lines, details } = queryPlan(db, q.sql, q.args);
  const fullScans = details.filter((d) => /^SCAN /.test(d) && !/USING/.test(d)); // SCAN … USING INDEX walks an index
  const searches = details.filter((d) => /^(SEARCH|SCAN) /.test(d));
  const indexes = planIndexes(details, /USING (?:COVERING )?INDEX (\w+)|USING (INTEGER PRIMARY KEY|PRIMARY KEY)/g);
  const covering = searches.length > 0 && searches.every((d) => /COVERING INDEX|PRIMARY KEY/.test(d));
  const parts = [
    fullScans.length ? `FULL SCAN (${fullScans.join('; ')})` : 'no full table scan',
    indexes.length
      ? `index: ${indexes.join(', ')}${covering ? ' (covering)' : ' (not covering: a table row read per index entry)'}`
      : 'no index',
    ...(details.some((d) => d.includes('TEMP B-TREE')) ? ['sorts in a temp B-tree'] : []),
  ];
  return { lines, verdict: parts.join('; '), fullScan: fullScans.length > 0, covering, indexes };
}

// ---------------------------------------------------------------------------------------------------
// The section
// ---------------------------------------------------------------------------------------------------

interface Case {
  key: string;
  label: string;
  /** Timed runs relative to the default (GraphQL: fewer). */
  share?: number;
  /** The time budget for the timed runs (the rows the targets judge get a larger one, for their p99). */
  budgetMs?: number;
  run: () => Promise<unknown>;
}

/** ms, with µs resolution below 1 ms (the indexed lookups take a few µs). */
const fmt = (v: number) => (v < 1 ? v.toFixed(3) : fmtMs(v));

export async function runPricingBench(): Promise<void> {
  const large = envInt('BENCH_PRICING_ROWS', 1_000_000, 1_000);
  const small = Math.floor(large / 10);
  const onlineNodes = envInt('BENCH_PRICING_NODES', 10_000, 10);
  const offlineNodes = Math.floor(onlineNodes / 5);
  const escrowCount = 10_000;
  const runs = envInt('BENCH_PRICING_RUNS', 100, 10);
  const budgetMs = 3_000; // per row and size: a slow call gets fewer runs (at least 10)
  const targetBudgetMs = 12_000; // the rows the targets judge: enough for ~100 runs even when slow
  const planned = (k: Case) => Math.max(10, Math.round(runs * (k.share ?? 1)));

  console.log('');
  console.log(
    `pricing: marketRates / rate / priceHistory with ${int(onlineNodes)} online nodes, at ${int(small)} and ${int(large)} history rows, in process`,
  );

  // `now` is the seeding time: the market's clock stays on it.
  await withBenchMarket('pricing', { ATTESTATION_TTL_S: TTL_S }, async ({ market: m, now }) => {
    const db = m.db.sqlite;
    const sqliteVersion = db.prepare('SELECT sqlite_version()').pluck().get() as string;
    const yoga = createMarketYoga(m);
    // The store's statements alone (for the breakdown, each unit of work driven at once on the connection), and
    // a recording copy of store and service (for the plans: an engine preparing its statements on the wrapper).
    const engine = createSqliteEngine(db, createGroupCommit(db));
    const store = createPricingStore(engine);
    const executed: Executed[] = [];
    const recordingEngine = createSqliteEngine(recordingConnection(db, executed), createGroupCommit(db));
    const recorded = createPricingService({
      store: createPricingStore(recordingEngine),
      clock: () => now,
      attestationTtlS: TTL_S,
      sql: recordingEngine,
      onRateChange: () => {},
    });

    const nodes = seedNodes(db, onlineNodes, offlineNodes, now);
    const escrowMs = seedEscrows(db, nodes, escrowCount, now);
    // The bulk INSERTs went around the service: the statistics it cached when the market opened (no nodes,
    // valid forever) are stale until dropped, as a write would.
    await m.pricing.refresh();
    console.log(
      `  seeded ${int(onlineNodes)} online + ${int(offlineNodes)} offline nodes in ${(nodes.ms / 1000).toFixed(1)} s, ` +
        `${int(escrowCount)} escrows over 30 days in ${(escrowMs / 1000).toFixed(1)} s`,
    );

    const month = { from: now - 30 * DAY, to: now };
    const week = { from: now - 7 * DAY, to: now };
    const gql = async (query: string, check: (data: Record<string, unknown[]>) => boolean) => {
      const res = await yoga.fetch('http://bench.local/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      const json = (await res.json()) as { data?: Record<string, unknown[]>; errors?: unknown };
      if (json.errors || !json.data || !check(json.data))
        throw new Error(`graphql answered ${JSON.stringify(json).slice(0, 300)}`);
      return json;
    };
    const iso = (s: number) => new Date(s * 1000).toISOString();
    const gqlRates = `{ marketRates { jobType fairUrtc providers } }`;
    const gqlHistory = `{ priceHistory(jobType: LLM, from: "${iso(month.from)}", to: "${iso(month.to)}", bucket: DAY) {
      start open high low close median count realisedVolumeUrtc realisedRateUrtc } }`;
    const monthStart = Math.floor(month.from / DAY) * DAY;
    const monthEnd = Math.ceil(month.to / DAY) * DAY;

    const since = now - TTL_S;
    let quotes = engine.now(store.onlineQuotes(since, BOND_MIN_URTC_DEFAULT)); // the input of the fairRate() rows, refreshed per size
    const dayStarts = Array.from({ length: (monthEnd - monthStart) / DAY }, (_, i) => monthStart + i * DAY); // history()'s day buckets
    const cases: Case[] = [
      {
        key: 'rates',
        label: 'marketRates() warm cache (4 job types)',
        budgetMs: targetBudgetMs,
        run: async () => m.pricing.marketRates(),
      },
      {
        key: 'cold',
        label: 'refresh(): cold recompute of 4 rates',
        budgetMs: targetBudgetMs,
        run: async () => m.pricing.refresh(),
      },
      { key: 'rate', label: "rate('llm') warm cache", run: async () => m.pricing.rate('llm') },
      {
        key: 'month',
        label: "history('llm', 30 days, 'day')",
        budgetMs: targetBudgetMs,
        run: async () => m.pricing.history('llm', month.from, month.to, 'day'),
      },
      {
        key: 'week',
        label: "history('llm', 7 days, 'hour')",
        run: async () => m.pricing.history('llm', week.from, week.to, 'hour'),
      },
      {
        key: 'gql-rates',
        label: '  GraphQL { marketRates } (warm)',
        share: 0.5,
        run: () => gql(gqlRates, (d) => d.marketRates?.length === 4),
      },
      {
        key: 'gql-month',
        label: '  GraphQL priceHistory 30 days, DAY',
        share: 0.5,
        run: () => gql(gqlHistory, (d) => (d.priceHistory?.length ?? 0) >= 30),
      },
      // The parts: the store's statements alone (SQL and row mapping), and the statistic.
      {
        key: 'sql-quotes',
        label: '  store.onlineQuotes() (1 pass, 4 types)',
        run: async () => engine.now(store.onlineQuotes(since, BOND_MIN_URTC_DEFAULT)),
      },
      {
        key: 'sql-earliest',
        label: '  store.earliestOnline()',
        run: async () => engine.now(store.earliestOnline(since)),
      },
      {
        key: 'fair4',
        label: '  fairRate() × 4 of those quotes',
        run: async () => JOB_TYPES.map((j) => fairRate(quotes.eligible[j])),
      },
      { key: 'fair', label: '  fairRate() of the llm quotes', run: async () => fairRate(quotes.eligible.llm) },
      {
        key: 'sql-last',
        label: "  store.lastChangeOfType('llm')",
        run: async () => engine.now(store.lastChangeOfType('llm')),
      },
      {
        key: 'sql-real24',
        label: "  store.realisedBetween('llm', 24 h)",
        run: async () => engine.now(store.realisedBetween('llm', now - REALISED_WINDOW_S, now + 1)),
      },
      {
        key: 'sql-prices30',
        label: `  store.pricesBetween('llm') × ${dayStarts.length} days`,
        run: async () => dayStarts.map((d) => engine.now(store.pricesBetween('llm', d, d + DAY))),
      },
      {
        key: 'sql-real30',
        label: `  store.realisedBetween('llm') × ${dayStarts.length} days`,
        run: async () => dayStarts.map((d) => engine.now(store.realisedBetween('llm', d, d + DAY))),
      },
    ];

    const results = new Map<string, Timing[]>();
    /** The distinct statements the recorded calls ran, by SQL text, with their plans. */
    const plans = new Map<string, { name: string; sql: string; plan: Plan }>();
    /** Per recorded call: how many times it ran each statement. */
    const perCall: { call: string; counts: Map<string, number> }[] = [];
    const notes: string[] = [];
    // Plain SQL for the checks: the released, quoted escrows of a job type in a window, summed in JS.
    const releasedRows = db.prepare(
      `SELECT released_urtc, amount_urtc, units FROM render_escrow WHERE job_type = ? AND status = 'released' AND released_at >= ? AND released_at < ? AND units IS NOT NULL`,
    );
    const releasedIn = (jobType: JobType, from: number, to: number) => {
      const rows = releasedRows.all(jobType, from, to) as {
        released_urtc: bigint;
        amount_urtc: bigint;
        units: bigint;
      }[];
      const volume = rows.reduce((a, r) => a + r.released_urtc, 0n);
      const delivered = rows.reduce(
        (a, r) => a + (Number(r.units) * Number(r.released_urtc)) / Number(r.amount_urtc),
        0,
      );
      const rate = delivered > 0 ? Math.round((Number(volume) * Number(PRICE_UNIT[jobType].per)) / delivered) : null;
      return { rows: rows.length, volume, rate };
    };
    for (const size of [small, large]) {
      if (size === large) db.prepare('DELETE FROM price_history').run(); // refilled in time order, as the table grows
      const ms = seedHistory(db, nodes, size, now);
      console.log(`  seeded ${int(size)} price history rows in ${(ms / 1000).toFixed(1)} s`);
      await m.pricing.refresh(); // as after a write (the history is not in the cached statistics, but the service cannot know)

      // Correctness first: a fast wrong answer is no answer. Each rate against plain SQL (every node is its
      // own hardware here, so the fair rate is the median of the online, unflagged quotes), both the warm
      // answer and the one recomputed by refresh().
      const rates = await m.pricing.marketRates();
      const recomputed = await m.pricing.refresh();
      const warmAgain = await m.pricing.marketRates();
      const key = (r: (typeof rates)[number]) =>
        JSON.stringify(r, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
      if (recomputed.length !== 0 || rates.some((r, i) => key(r) !== key(warmAgain[i]!))) {
        console.log(
          `  WARNING: refresh() reported ${recomputed.length} moved rates, or the warm answer changed across it, with no write in between`,
        );
      }
      for (const r of rates) {
        const column = PRICE_COLUMN_SQL[r.jobType];
        const prices = db
          .prepare(
            `SELECT ${column} FROM gpu_attestations WHERE last_attestation >= ? AND suspended = 0 AND ${column} IS NOT NULL AND flags NOT LIKE ? ORDER BY 1`,
          )
          .pluck()
          .all(since, `%${outlierFlag(r.jobType)}%`) as bigint[];
        const mid = prices.length >> 1;
        const median = prices.length % 2 ? prices[mid]! : (prices[mid - 1]! + prices[mid]!) / 2n;
        const last = Number(
          db.prepare('SELECT MAX(changed_at) FROM price_history WHERE job_type = ?').pluck().get(r.jobType) as bigint,
        );
        const paid24 = releasedIn(r.jobType, now - REALISED_WINDOW_S, now + 1);
        const rateOff =
          r.realised.rateUrtc === null || paid24.rate === null
            ? r.realised.rateUrtc !== paid24.rate
            : Math.abs(Number(r.realised.rateUrtc) - paid24.rate) > 1;
        if (
          r.providers !== prices.length ||
          r.fairUrtc !== median ||
          r.updatedAt !== last ||
          r.realised.volumeUrtc !== paid24.volume ||
          rateOff
        ) {
          console.log(
            `  WARNING: the ${r.jobType} rate is not what plain SQL says: providers ${r.providers} vs ${prices.length}, fair ${r.fairUrtc} vs ${median}, ` +
              `updatedAt ${r.updatedAt} vs ${last}, realised ${r.realised.volumeUrtc} vs ${paid24.volume} at ${r.realised.rateUrtc} vs ${paid24.rate}`,
          );
        }
      }
      const inWindow = db
        .prepare(`SELECT COUNT(*) FROM price_history WHERE job_type = 'llm' AND changed_at >= ? AND changed_at < ?`)
        .pluck();
      const firstLast = db
        .prepare(
          `SELECT (SELECT new_price_urtc FROM price_history WHERE job_type = 'llm' AND changed_at >= @from AND changed_at < @to ORDER BY changed_at, id LIMIT 1),
                (SELECT new_price_urtc FROM price_history WHERE job_type = 'llm' AND changed_at >= @from AND changed_at < @to ORDER BY changed_at DESC, id DESC LIMIT 1),
                (SELECT MIN(new_price_urtc) FROM price_history WHERE job_type = 'llm' AND changed_at >= @from AND changed_at < @to),
                (SELECT MAX(new_price_urtc) FROM price_history WHERE job_type = 'llm' AND changed_at >= @from AND changed_at < @to)`,
        )
        .raw();
      for (const [window, bucket, width] of [
        [month, 'day', DAY],
        [week, 'hour', 3600],
      ] as const) {
        const buckets = await m.pricing.history('llm', window.from, window.to, bucket);
        const [start, end] = [Math.floor(window.from / width) * width, Math.ceil(window.to / width) * width];
        const changes = Number(inWindow.get(start, end) as bigint);
        const paid = releasedIn('llm', start, end);
        const counted = buckets.reduce((s, b) => s + b.count, 0);
        const volume = buckets.reduce((s, b) => s + b.realised.volumeUrtc, 0n);
        // Each bucket's open, close, low and high against plain SQL too.
        const wrong = buckets.filter((b) => {
          const [open, close, low, high] = firstLast.get({ from: b.start, to: b.end }) as (bigint | null)[];
          return (
            b.open !== open ||
            b.close !== close ||
            b.low !== low ||
            b.high !== high ||
            b.count !== Number(inWindow.get(b.start, b.end) as bigint)
          );
        });
        if (counted !== changes || volume !== paid.volume || buckets.length !== (end - start) / width || wrong.length) {
          console.log(
            `  WARNING: history by ${bucket}: ${counted} changes in ${buckets.length} buckets vs ${changes} in SQL, realised ${volume} vs ${paid.volume}, ` +
              `${wrong.length} buckets with open/close/low/high/count unlike SQL`,
          );
        }
        if (bucket === 'day') {
          const llm = rates.find((r) => r.jobType === 'llm')!;
          notes.push(
            `${int(size)} rows: ${int(changes)} llm changes in the 30-day window (+ ${int(paid.rows)} released escrows), ` +
              `${int(Number(inWindow.get(Math.floor(week.from / 3600) * 3600, now + 1) as bigint))} in the 7-day one; ` +
              `quotes per marketRates(): ${rates.map((r) => `${r.jobType} ${int(r.providers)}`).join(', ')} (llm fair ${llm.fairUrtc} µRTC, ${int(llm.counted)} inside the band)`,
          );
        }
      }
      quotes = engine.now(store.onlineQuotes(since, BOND_MIN_URTC_DEFAULT));

      for (const k of cases) {
        const t = await time(k.run, planned(k), k.budgetMs ?? budgetMs);
        results.set(k.key, [...(results.get(k.key) ?? []), t]);
      }

      if (size === large) {
        // The SQL the service runs for each measured call, with its arguments.
        const calls: [string, () => Promise<unknown>][] = [
          ['refresh() (cold: all four rates recomputed)', () => recorded.refresh()],
          ['marketRates() (warm cache)', () => recorded.marketRates()],
          ["history('llm', 30 days, 'day')", () => recorded.history('llm', month.from, month.to, 'day')],
          ["history('llm', 7 days, 'hour')", () => recorded.history('llm', week.from, week.to, 'hour')],
        ];
        for (const [call, run] of calls) {
          executed.length = 0;
          await run();
          const counts = new Map<string, number>();
          for (const q of executed) {
            const sql = q.sql.replace(/\s+/g, ' ').trim();
            const name = statementName(q.sql);
            counts.set(name, (counts.get(name) ?? 0) + 1);
            if (!plans.has(sql)) plans.set(sql, { name, sql, plan: explain(db, q) });
          }
          perCall.push({ call, counts });
        }
      }
    }

    // The table.
    const cell = (k: Case, t: Timing | undefined) =>
      t ? `p50 ${fmt(t.p50)} / p99 ${fmt(t.p99)} ms${t.runs < planned(k) ? ` n=${t.runs}` : ''}` : 'n/a';
    const partsHeading = (k: Case) => {
      if (k.key === 'sql-quotes')
        console.log('the parts (store: its SQL and row mapping; fairRate: the statistic in JS):');
    };
    printGrowthTable(
      `pricing (${int(onlineNodes)} online nodes)`,
      [`${int(small)} rows`, `${int(large)} rows`],
      cases,
      results,
      cell,
      { label: 44, column: 32 },
      partsHeading,
    );
    console.log(
      `  (sequential runs after a warm-up: ${runs} per row, GraphQL ${Math.round(runs / 2)}, or as many as fit in ${budgetMs / 1000} s, ` +
        `${targetBudgetMs / 1000} s for marketRates, the cold recompute and the 30-day history (at least 10; n= shows when fewer); ` +
        `history grew ${large / small}×, nodes and escrows did not)`,
    );
    console.log(
      `  (warm: the fair-rate statistics come from the cache, each type's updatedAt and 24-hour realised sums from SQL; ` +
        `cold: refresh() drops the cache and recomputes, the cost the first read after an attestation or suspension pays)`,
    );
    for (const n of notes) console.log(`  ${n}`);

    console.log('');
    const online = Number(
      db.prepare('SELECT COUNT(*) FROM gpu_attestations WHERE last_attestation >= ?').pluck().get(since) as bigint,
    );
    console.log(
      `query plans (EXPLAIN QUERY PLAN of the SQL src/pricing/store.ts runs, as executed, at ${int(large)} rows; SQLite ${sqliteVersion}):`,
    );
    console.log('  statements per call:');
    for (const { call, counts } of perCall)
      console.log(`    ${call}: ${[...counts].map(([name, n]) => `${name} ×${n}`).join(', ')}`);
    console.log(
      `  (the online pass reads the index entry and the table row of each of the ${int(online)} online nodes once, for all four types; ` +
        `a warm marketRates() runs no statement over the nodes)`,
    );
    for (const p of plans.values()) {
      console.log(`  ${p.name}: ${p.plan.verdict}`);
      console.log(`      ${p.sql}`);
      for (const line of p.plan.lines) console.log(`      ${line}`);
    }
    for (const prefix of ['bucketPrices', 'realisedSums']) {
      const p = [...plans.values()].find((q) => q.name.startsWith(prefix));
      const uses = p ? p.plan.lines.some((l) => l.includes('USING COVERING INDEX')) : false;
      console.log(
        `  ${prefix} uses a COVERING INDEX: ${p ? (uses ? `yes (${p.plan.indexes.join(', ')})` : `no (${p.plan.lines.join('; ')})`) : 'not executed'}`,
      );
    }

    const [r1, r2] = results.get('rates')!;
    const [c1, c2] = results.get('cold')!;
    const [, h2] = results.get('month')!;
    const [, w2] = results.get('week')!;
    const [, g2] = results.get('gql-rates')!;
    const [, gh2] = results.get('gql-month')!;
    const coldGrowth = c2!.p50 / c1!.p50;
    const warmGrowth = r2!.p50 / r1!.p50;
    console.log('');
    console.log(
      `target: marketRates < ${TARGET_MS} ms at ${int(large)} rows and ${int(onlineNodes)} nodes (warm cache, the read path): ${r2!.p99 < TARGET_MS ? 'PASS' : 'FAIL'} ` +
        `(p99 ${fmtMs(r2!.p99)} ms, p50 ${fmtMs(r2!.p50)} ms; through GraphQL p99 ${fmtMs(g2!.p99)} ms)`,
    );
    console.log(
      `  cold recompute of all four rates (refresh(); the first read after a write) < ${TARGET_MS} ms at ${int(large)} rows: ${c2!.p99 < TARGET_MS ? 'yes' : 'NO'} ` +
        `(p99 ${fmtMs(c2!.p99)} ms, p50 ${fmtMs(c2!.p50)} ms; reported, not the target)`,
    );
    console.log(
      `target: 30-day daily priceHistory < ${TARGET_MS} ms at ${int(large)} rows: ${h2!.p99 < TARGET_MS ? 'PASS' : 'FAIL'} ` +
        `(p99 ${fmtMs(h2!.p99)} ms, p50 ${fmtMs(h2!.p50)} ms; through GraphQL p99 ${fmtMs(gh2!.p99)} ms)`,
    );
    console.log(
      `  7-day hourly priceHistory < ${TARGET_MS} ms at ${int(large)} rows: ${w2!.p99 < TARGET_MS ? 'yes' : 'NO'} (p99 ${fmtMs(w2!.p99)} ms, p50 ${fmtMs(w2!.p50)} ms)`,
    );
    console.log(
      `target: rate cost independent of the history's length: ${coldGrowth <= FLAT ? 'PASS' : 'FAIL'} ` +
        `(cold recompute p50 ×${coldGrowth.toFixed(2)} for ×${large / small} rows, warm marketRates p50 ×${warmGrowth.toFixed(2)}; PASS at ×${FLAT} or less)`,
    );
    const scanning = [...plans.values()].filter((p) => p.plan.fullScan);
    if (scanning.length)
      console.log(`note: full table scan in: ${[...new Set(scanning.map((p) => p.name))].join('; ')}`);
  });
}

await runIfMain(import.meta.url, 'pricing', runPricingBench);
