/**
 * `npm run bench`, inventory section: latency of the GPU inventory (`listGpuNodes`, which GraphQL's
 * `gpuNodes` and REST's `GET /gpu/nodes` both use) at 10,000 and at 100,000 attested nodes.
 *
 * A fresh, migrated SQLite file; a market opened in this process (no HTTP: what is measured is the query
 * on the market's SQL engine, plus one row through the GraphQL executor to show what the nested dataloaders add).
 * Nodes are written with bulk SQL in one transaction (signing 100,000 attestations would take minutes):
 * 10,000 first, measured, then 90,000 more, measured again, all at one `now`.
 *
 * The data, from a fixed-seed PRNG so that every run sees the same rows:
 * - device_arch ~70% nvidia_gpu / 20% amd_gpu / 10% apple_gpu, models from the catalog with their real
 *   memory sizes (reported MiB a little under nominal) and a measured benchmark a little under spec;
 *   1 GPU mostly, 2, 4 or 8 on some (Apple: 1), one gpu_devices row per GPU;
 * - each node serves a non-empty subset of render/tts/stt/llm (llm likelier with more memory), priced
 *   per unit, log-uniformly with a mild premium for larger GPUs (llm 500 to ~20,000 µRTC per 1K tokens);
 *   model lists as JSON and as gpu_node_models rows, only models that fit the node's memory;
 * - trust mostly catalog_consistent, ~5% suspended; ~85% attested within the TTL (online), the rest
 *   between an hour and 30 days ago.
 * No ANALYZE is run: the query planner sees what it sees in production (no sqlite_stat1).
 *
 * Measured at each size: the filtered, price-ordered first page the issue names, its second page (the
 * cursor of the first), its totalCount() (a COUNT over the filter), the same page through GraphQL, and a
 * few other representative pages. Each: a warm-up, then sequential timed runs (up to a time budget);
 * p50 and p99 in ms.
 * The SQL the inventory runs is captured (the market's engine, wrapped to record each statement) and run
 * through EXPLAIN QUERY PLAN on the same file. A missed target is reported, never a failing exit code.
 *
 * Environment: BENCH_INVENTORY_RUNS (timed runs per query, default 200), BENCH_INVENTORY_NODES (the
 * large size, default 100000; the small one is a tenth of it), BENCH_INVENTORY_SQL (set: also print the
 * SQL and arguments sent for the issue's query: page 1, page 2 and totalCount).
 *
 * Standalone: `npx tsx bench/inventory.ts`.
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
import { canonicalModel } from '@gpu-render-protocol/agent/models';
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type Database from 'better-sqlite3';
import { listGpuNodes, type InventoryFilter, type InventoryOrder } from '../src/attestation/inventory.js';
import { createMarketYoga } from '../src/server.js';
import { observed, type SqlEngine, type Step } from '../src/sql/statement.js';

const TTL_S = 3600;
const PAGE = 20;
const TARGET_MS = 20;

// ---------------------------------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------------------------------

type Arch = 'nvidia_gpu' | 'amd_gpu' | 'apple_gpu';
interface GpuKind {
  arch: Arch;
  /** As the catalog names it (src/attestation/catalog.ts). */
  name: string;
  /** Nominal memory sizes sold, GB. */
  gb: number[];
  /** Published FP32 TFLOPS (the measured score is 75-100% of it). */
  tflops: number;
  weight: number;
  /** GPUs per node, equally likely. */
  counts: number[];
}

const CONSUMER = [1, 1, 1, 1, 1, 2, 2, 4];
const WORKSTATION = [1, 1, 2, 4];
const DATACENTER = [1, 2, 4, 8, 8];
const APPLE = [1];

const KINDS: GpuKind[] = [
  // nvidia_gpu: 70% of nodes (weights are within the arch)
  { arch: 'nvidia_gpu', name: 'GeForce RTX 4090', gb: [24], tflops: 82.58, weight: 18, counts: CONSUMER },
  { arch: 'nvidia_gpu', name: 'GeForce RTX 3090', gb: [24], tflops: 35.58, weight: 12, counts: CONSUMER },
  { arch: 'nvidia_gpu', name: 'GeForce RTX 3060', gb: [8, 12], tflops: 12.74, weight: 9, counts: CONSUMER },
  { arch: 'nvidia_gpu', name: 'GeForce RTX 3080', gb: [10, 12], tflops: 29.77, weight: 6, counts: CONSUMER },
  { arch: 'nvidia_gpu', name: 'GeForce RTX 4070', gb: [12], tflops: 29.15, weight: 6, counts: CONSUMER },
  { arch: 'nvidia_gpu', name: 'GeForce RTX 4060 Ti', gb: [8, 16], tflops: 22.06, weight: 5, counts: CONSUMER },
  { arch: 'nvidia_gpu', name: 'GeForce RTX 4080', gb: [16], tflops: 48.74, weight: 6, counts: CONSUMER },
  { arch: 'nvidia_gpu', name: 'GeForce RTX 5090', gb: [32], tflops: 104.8, weight: 5, counts: CONSUMER },
  { arch: 'nvidia_gpu', name: 'Tesla T4', gb: [16], tflops: 8.14, weight: 2, counts: DATACENTER },
  { arch: 'nvidia_gpu', name: 'RTX A6000', gb: [48], tflops: 38.7, weight: 4, counts: WORKSTATION },
  { arch: 'nvidia_gpu', name: 'L40S', gb: [48], tflops: 91.6, weight: 3, counts: DATACENTER },
  { arch: 'nvidia_gpu', name: 'A100', gb: [40, 80], tflops: 19.5, weight: 6, counts: DATACENTER },
  { arch: 'nvidia_gpu', name: 'H100', gb: [80], tflops: 60, weight: 4, counts: DATACENTER },
  // amd_gpu: 20%
  { arch: 'amd_gpu', name: 'Radeon RX 7900 XTX', gb: [24], tflops: 61.39, weight: 10, counts: CONSUMER },
  { arch: 'amd_gpu', name: 'Radeon RX 7900 XT', gb: [20], tflops: 51.48, weight: 5, counts: CONSUMER },
  { arch: 'amd_gpu', name: 'Radeon RX 7800 XT', gb: [16], tflops: 37.32, weight: 5, counts: CONSUMER },
  { arch: 'amd_gpu', name: 'Radeon RX 6800 XT', gb: [16], tflops: 20.74, weight: 4, counts: CONSUMER },
  { arch: 'amd_gpu', name: 'Radeon Pro W7900', gb: [48], tflops: 61.3, weight: 2, counts: WORKSTATION },
  { arch: 'amd_gpu', name: 'Instinct MI250X', gb: [64], tflops: 47.9, weight: 2, counts: DATACENTER },
  { arch: 'amd_gpu', name: 'Instinct MI300X', gb: [192], tflops: 163.4, weight: 2, counts: DATACENTER },
  // apple_gpu: 10% (unified memory)
  { arch: 'apple_gpu', name: 'Apple M2 Max', gb: [32, 64, 96], tflops: 13.6, weight: 5, counts: APPLE },
  { arch: 'apple_gpu', name: 'Apple M3 Max', gb: [36, 48, 64, 128], tflops: 16.4, weight: 5, counts: APPLE },
  { arch: 'apple_gpu', name: 'Apple M2 Ultra', gb: [64, 128, 192], tflops: 27.2, weight: 3, counts: APPLE },
  { arch: 'apple_gpu', name: 'Apple M1 Max', gb: [32, 64], tflops: 10.4, weight: 3, counts: APPLE },
  { arch: 'apple_gpu', name: 'Apple M3 Pro', gb: [18, 36], tflops: 7.4, weight: 3, counts: APPLE },
  { arch: 'apple_gpu', name: 'Apple M4 Pro', gb: [24, 48], tflops: 9.2, weight: 3, counts: APPLE },
];
const ARCH_SHARE: [Arch, number][] = [
  ['nvidia_gpu', 0.7],
  ['amd_gpu', 0.2],
  ['apple_gpu', 0.1],
];

/** [version, weight, driver] */
const CUDA: [string, number, string][] = [
  ['11.8', 6, '520.61.05'],
  ['12.0', 4, '525.147.05'],
  ['12.1', 5, '530.30.02'],
  ['12.2', 12, '535.183.01'],
  ['12.3', 6, '545.29.06'],
  ['12.4', 20, '550.54.15'],
  ['12.6', 20, '560.35.03'],
  ['12.8', 15, '570.86.15'],
  ['13.0', 4, '580.65.06'],
];
const ROCM = ['5.7', '6.0', '6.1', '6.2', '6.3'];
const METAL = ['3.0', '3.1', '3.2'];

/** [name, least total GB to serve it, weight] */
const LLM_MODELS: [string, number, number][] = [
  ['llama-3.2-3b-instruct', 4, 4],
  ['phi-3.5-mini-instruct', 6, 2],
  ['mistral-7b-instruct', 8, 5],
  ['llama-3.1-8b-instruct', 10, 10],
  ['gemma-2-9b-it', 12, 3],
  ['qwen2.5-14b-instruct', 16, 4],
  ['deepseek-r1-distill-qwen-14b', 16, 3],
  ['qwen2.5-32b-instruct', 24, 4],
  ['mixtral-8x7b-instruct', 48, 2],
  ['llama-3.3-70b-instruct', 48, 4],
  ['qwen2.5-72b-instruct', 80, 2],
  ['deepseek-v3', 640, 1],
];
const TTS_MODELS: [string, number, number][] = [
  ['xtts-v2', 4, 4],
  ['kokoro-82m', 1, 4],
  ['piper-en-us', 1, 2],
  ['f5-tts', 6, 2],
  ['bark', 8, 1],
];
const STT_MODELS: [string, number, number][] = [
  ['whisper-large-v3', 10, 5],
  ['whisper-large-v3-turbo', 6, 5],
  ['distil-whisper-large-v3', 6, 2],
  ['whisper-medium', 5, 2],
  ['parakeet-tdt-0.6b', 4, 1],
];

/** The node's memory tier: a mild price premium (and likelihood of serving llm) for larger GPUs. */
function tierOf(maxGb: number): { premium: number; llm: number } {
  if (maxGb >= 80) return { premium: 1.8, llm: 0.85 };
  if (maxGb >= 40) return { premium: 1.5, llm: 0.8 };
  if (maxGb >= 24) return { premium: 1.3, llm: 0.75 };
  if (maxGb >= 16) return { premium: 1.15, llm: 0.55 };
  return { premium: 1, llm: 0.35 };
}

interface Counts {
  nodes: number;
  gpus: number;
  models: number;
  ms: number;
}

/** Writes nodes [from, to) in one transaction on the market's writing connection. */
export function seedNodes(db: Database.Database, from: number, to: number, now: number): Counts {
  const started = performance.now();
  const rand = prng(0x9e3779b9 ^ from);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const weighted = <T extends readonly unknown[]>(items: readonly T[], weightAt: number): T => {
    const total = items.reduce((s, it) => s + (it[weightAt] as number), 0);
    let r = rand() * total;
    for (const it of items) if ((r -= it[weightAt] as number) < 0) return it;
    return items[items.length - 1]!;
  };
  const logUniform = (lo: number, hi: number) => Math.exp(Math.log(lo) + rand() * (Math.log(hi) - Math.log(lo)));
  const kindsOf = new Map(
    ARCH_SHARE.map(([arch]) => [arch, KINDS.filter((k) => k.arch === arch).map((k) => [k, k.weight] as const)]),
  );
  /** Up to `max` distinct models that fit `totalGb`, at least one if any fits. */
  const modelsFor = (list: [string, number, number][], totalGb: number, max: number): string[] => {
    const fitting = list.filter(([, gb]) => gb <= totalGb);
    const chosen = new Set<string>();
    const want = 1 + Math.floor(rand() * max);
    for (let tries = 0; chosen.size < Math.min(want, fitting.length) && tries < 20; tries++)
      chosen.add(weighted(fitting, 2)[0]);
    return [...chosen];
  };
  const hex = (text: string) => createHash('sha1').update(text).digest('hex');

  const insertNode = db.prepare(`
    INSERT INTO gpu_attestations (${GPU_NODE_COLUMNS})
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertDevice = db.prepare(`
    INSERT INTO gpu_devices (uuid, miner_id, position, model, vram_mb, pci_id, driver_version, cuda_version, rocm_version, metal_version, benchmark_score)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insertModel = db.prepare(
    'INSERT INTO gpu_node_models (miner_id, kind, name, canonical, job_type, params_b, quant) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );

  const counts: Counts = { nodes: 0, gpus: 0, models: 0, ms: 0 };
  db.transaction(() => {
    for (let i = from; i < to; i++) {
      const minerId = `RTC${hex(`grp-bench-node-${i}`)}`;
      const archRoll = rand();
      const arch: Arch = archRoll < 0.7 ? 'nvidia_gpu' : archRoll < 0.9 ? 'amd_gpu' : 'apple_gpu';
      const kind = weighted(kindsOf.get(arch)!, 1)[0];
      const gb = pick(kind.gb);
      const count = pick(kind.counts);
      const vramMb = Math.round(gb * 1024 * (0.96 + rand() * 0.039)); // tools report a little under nominal
      const totalGb = gb * count;
      const perGpuScores = Array.from(
        { length: count },
        () => Math.round(kind.tflops * (0.75 + rand() * 0.25) * 100) / 100,
      );
      const benchmark = Math.round(perGpuScores.reduce((s, x) => s + x, 0) * 100) / 100;
      const cuda = arch === 'nvidia_gpu' ? weighted(CUDA, 1) : null;
      const rocm = arch === 'amd_gpu' ? pick(ROCM) : null;
      const metal = arch === 'apple_gpu' ? pick(METAL) : null;
      const cudaNum = cuda ? Number(cuda[0].split('.')[0]) * 1000 + Number(cuda[0].split('.')[1]) : null;

      const tier = tierOf(gb);
      let render = rand() < (arch === 'apple_gpu' ? 0.3 : arch === 'amd_gpu' ? 0.45 : 0.55);
      let llm = rand() < (arch === 'apple_gpu' ? 0.7 : tier.llm);
      const tts = rand() < 0.3;
      const stt = rand() < 0.35;
      if (!render && !llm && !tts && !stt) {
        if (gb >= 8) llm = true;
        else render = true;
      }
      const price = (lo: number, hi: number) => BigInt(Math.min(hi * 2, Math.round(logUniform(lo, hi) * tier.premium)));
      const priceRender = render ? price(8_000, 80_000) : null;
      const priceLlm = llm ? price(500, 11_000) : null;
      const priceTts = tts ? price(200, 5_000) : null;
      const priceStt = stt ? price(300, 6_000) : null;
      const llmModels = llm ? modelsFor(LLM_MODELS, totalGb, 3) : [];
      const ttsModels = tts ? modelsFor(TTS_MODELS, totalGb, 2) : [];
      const sttModels = stt ? modelsFor(STT_MODELS, totalGb, 2) : [];

      const trustRoll = rand();
      const trust = trustRoll < 0.03 ? 'verified' : trustRoll < 0.85 ? 'catalog_consistent' : 'self_reported';
      const suspended = rand() < 0.05;
      const online = rand() < 0.85;
      const last = online
        ? now - Math.floor(rand() * (TTL_S - 10))
        : now - TTL_S - 100 - Math.floor(rand() * 30 * 86_400);
      const first = last - Math.floor(rand() * 90 * 86_400);

      insertNode.run(
        minerId,
        arch,
        kind.name,
        count,
        vramMb,
        vramMb * count,
        cuda?.[0] ?? null,
        cudaNum,
        rocm,
        metal,
        benchmark,
        priceRender,
        priceTts,
        priceStt,
        priceLlm,
        render ? 1 : 0,
        tts ? 1 : 0,
        stt ? 1 : 0,
        llm ? 1 : 0,
        JSON.stringify(ttsModels),
        JSON.stringify(sttModels),
        JSON.stringify(llmModels),
        trust,
        trust === 'verified' ? 1 : 0,
        suspended ? 1 : 0,
        createHash('sha256').update(minerId).digest('hex'),
        trust === 'self_reported' ? '["gpus[0]:benchmark_outside_range"]' : '[]',
        first,
        last,
      );
      for (let p = 0; p < count; p++) {
        const h = hex(`grp-bench-gpu-${i}-${p}`);
        const uuid = `GPU-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
        const pci = arch === 'apple_gpu' ? null : `00000000:${(p + 1).toString(16).padStart(2, '0')}:00.0`;
        insertDevice.run(
          uuid,
          minerId,
          p,
          kind.name,
          vramMb,
          pci,
          cuda?.[2] ?? null,
          cuda?.[0] ?? null,
          rocm,
          metal,
          perGpuScores[p]!,
        );
      }
      for (const [k, names] of [
        ['tts', ttsModels],
        ['stt', sttModels],
        ['llm', llmModels],
      ] as const) {
        for (const name of names) {
          const m = canonicalModel(name, k);
          insertModel.run(minerId, k, name, m.canonical, m.jobType, m.paramsB, m.quant);
        }
        counts.models += names.length;
      }
      counts.nodes += 1;
      counts.gpus += count;
    }
  })();
  // Leave the file as a running server would after a while: the WAL folded into the database.
  db.pragma('wal_checkpoint(TRUNCATE)');
  counts.ms = performance.now() - started;
  return counts;
}

// ---------------------------------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------------------------------

interface Case {
  key: string;
  label: string;
  /** Timed runs relative to the default (COUNT and GraphQL are slower: fewer runs). */
  share?: number;
  run: () => Promise<unknown>;
  /** The calls to capture SQL from, for EXPLAIN QUERY PLAN (default: `run`). */
  capture?: (engine: SqlEngine) => Promise<unknown>;
}

interface CapturedQuery {
  sql: string;
  args: unknown[];
}

/** The market's engine, recording every SQL statement its reads run (with SQLite's text). */
function capturingEngine(engine: SqlEngine, captured: CapturedQuery[]): SqlEngine {
  const capture = (step: Step) =>
    captured.push({
      sql: step.statement.textFor('sqlite'),
      args: Array.isArray(step.params) ? [...(step.params as unknown[])] : [step.params],
    });
  return {
    dialect: engine.dialect,
    write: (work) => engine.write(() => observed(work(), capture)),
    read: (work) => engine.read(() => observed(work(), capture)),
    snapshot: (work) => engine.snapshot(() => observed(work(), capture)),
  };
}

interface Plan {
  lines: string[];
  verdict: string;
  fullScan: boolean;
  sorts: boolean;
}

/** EXPLAIN QUERY PLAN of a captured statement, on the bench's own connection to the same file. */
function explain(db: Database.Database, query: CapturedQuery): Plan {
  const bind = query.args.map((a) => (typeof a === 'boolean' ? (a ? 1 : 0) : a));
  const { lines, details } = queryPlan(db, query.sql, bind);
  // SCAN <table> without an index: every row read. (SCAN … USING [COVERING] INDEX walks an index in
  // order and stops at the LIMIT; SEARCH seeks a range of it; SCAN of a co-routine reads its output.)
  const coroutines = new Set(details.flatMap((d) => /^(?:CO-ROUTINE|MATERIALIZE) (\S+)/.exec(d)?.[1] ?? []));
  const fullScans = details.filter((d) => {
    const scanned = /^SCAN (\S+)(.*)$/.exec(d);
    return scanned && !coroutines.has(scanned[1]!) && !/USING/.test(scanned[2]!);
  });
  const sorts = details.some((d) => d.includes('USE TEMP B-TREE FOR ORDER BY'));
  const indexes = planIndexes(details);
  // A statement without a limit (LIMIT -1): every row after the cursor is read.
  const unlimited = /LIMIT \? OFFSET \?\s*$/.test(query.sql) && Number(query.args.at(-2)) === -1;
  const parts = [
    ...(unlimited ? ['NO LIMIT (LIMIT -1: every match after the cursor is read and paged in memory)'] : []),
    fullScans.length ? `FULL SCAN (${fullScans.join('; ')})` : 'no full table scan',
    indexes.length ? `indexes: ${indexes.join(', ')}` : 'no index',
    sorts
      ? 'sorts all matches in a temp B-tree'
      : details.some((d) => d.includes('TEMP B-TREE'))
        ? 'partial temp B-tree'
        : 'ordered by the index (no sort)',
  ];
  return { lines, verdict: parts.join('; '), fullScan: fullScans.length > 0 || unlimited, sorts };
}

// ---------------------------------------------------------------------------------------------------
// The section
// ---------------------------------------------------------------------------------------------------

export async function runInventoryBench(): Promise<void> {
  const large = envInt('BENCH_INVENTORY_NODES', 100_000, 100);
  const small = Math.floor(large / 10);
  const runs = envInt('BENCH_INVENTORY_RUNS', 200, 10);
  const budgetMs = 3_000; // per row and size: a slow query gets fewer runs (at least 10)
  const planned = (k: Case) => Math.max(10, Math.round(runs * (k.share ?? 1)));

  console.log('');
  console.log(
    `inventory: listGpuNodes (GraphQL gpuNodes / REST GET /gpu/nodes) at ${int(small)} and ${int(large)} nodes, in process`,
  );

  // `now` is the seeding time: every query and the GraphQL clock use it.
  await withBenchMarket('inventory', { ATTESTATION_TTL_S: TTL_S }, async ({ market: m, now }) => {
    const engine = m.sql;
    const yoga = createMarketYoga(m);
    const captured: CapturedQuery[] = [];
    const pc = capturingEngine(engine, captured);

    // (a) the page the issue names, and its variants.
    const issueFilter: InventoryFilter = { jobType: 'llm', minVramGb: 24, maxPriceUrtc: 10_000n };
    const byPrice: InventoryOrder = { field: 'price', direction: 'asc' };
    const list = (p: SqlEngine, filter: InventoryFilter, order?: InventoryOrder, after?: string) =>
      listGpuNodes(p, { filter, order, first: PAGE, after, now, ttlS: TTL_S });
    let page2After = '';
    const gqlBody = JSON.stringify({
      query: `query Bench($filter: GpuNodeFilter, $orderBy: GpuNodeOrder) {
        gpuNodes(filter: $filter, orderBy: $orderBy, first: ${PAGE}) { edges { node { minerId prices { llm1kTokensUrtc } gpus { model } } } }
      }`,
      variables: {
        filter: { jobType: 'LLM', minVramGb: 24, maxPriceUrtc: '10000' },
        orderBy: { field: 'PRICE', direction: 'ASC' },
      },
    });
    const graphql = async () => {
      const res = await yoga.fetch('http://bench.local/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: gqlBody,
      });
      const json = (await res.json()) as { data?: { gpuNodes: { edges: unknown[] } }; errors?: unknown };
      if (json.errors || json.data?.gpuNodes.edges.length !== PAGE)
        throw new Error(`graphql answered ${JSON.stringify(json).slice(0, 300)}`);
      return json;
    };

    const byLlmPrice: InventoryOrder = { field: 'price', direction: 'asc', jobType: 'llm' };

    const cases: Case[] = [
      {
        key: 'a',
        label: 'llm, ≥24 GB, ≤10000 µRTC, by price',
        run: () => list(engine, issueFilter, byPrice),
        capture: (p) => list(p, issueFilter, byPrice),
      },
      {
        key: 'a2',
        label: '  … page 2 (cursor of page 1)',
        run: () => list(engine, issueFilter, byPrice, page2After),
        capture: (p) => list(p, issueFilter, byPrice, page2After),
      },
      {
        key: 'count',
        label: '  … totalCount() (COUNT over filter)',
        share: 0.25,
        run: async () => (await list(engine, issueFilter, byPrice)).totalCount(),
        capture: async (p) => {
          const page = await list(p, issueFilter, byPrice);
          captured.length = 0; // only the COUNT
          return page.totalCount();
        },
      },
      { key: 'gql', label: '  … via GraphQL (+prices, gpus)', share: 0.5, run: graphql },
      {
        key: 'model',
        label: 'llmModel llama-3.1-8b, by price',
        run: () => list(engine, { llmModel: 'llama-3.1-8b-instruct' }, byLlmPrice),
        capture: (p) => list(p, { llmModel: 'llama-3.1-8b-instruct' }, byLlmPrice),
      },
      {
        key: 'rare',
        label: 'llmModel qwen2.5-72b (rare), by price',
        run: () => list(engine, { llmModel: 'qwen2.5-72b-instruct' }, byLlmPrice),
        capture: (p) => list(p, { llmModel: 'qwen2.5-72b-instruct' }, byLlmPrice),
      },
      {
        key: 'arch',
        label: 'amd_gpu, by benchmark desc',
        run: () => list(engine, { deviceArch: 'amd_gpu' }, { field: 'benchmark', direction: 'desc' }),
        capture: (p) => list(p, { deviceArch: 'amd_gpu' }, { field: 'benchmark', direction: 'desc' }),
      },
      {
        key: 'cuda',
        label: 'CUDA ≥12.2, by freshness desc',
        run: () => list(engine, { minCudaVersion: '12.2' }, { field: 'freshness', direction: 'desc' }),
        capture: (p) => list(p, { minCudaVersion: '12.2' }, { field: 'freshness', direction: 'desc' }),
      },
      {
        key: 'default',
        label: 'no filter (default: freshness desc)',
        run: () => list(engine, {}),
        capture: (p) => list(p, {}),
      },
    ];

    const results = new Map<string, Timing[]>();
    const plans = new Map<string, Plan[][]>();
    const notes: string[] = [];
    let seeded = 0;
    for (const size of [small, large]) {
      const c = seedNodes(m.db.sqlite, seeded, size, now);
      seeded = size;
      console.log(
        `  seeded ${int(c.nodes)} nodes (${int(c.gpus)} GPUs, ${int(c.models)} model rows) in ${(c.ms / 1000).toFixed(1)} s; ${int(size)} in all`,
      );

      // Correctness first: a fast wrong answer is no answer.
      const page = await list(engine, issueFilter, byPrice);
      const minMb = Math.floor(issueFilter.minVramGb! * 1024 * 0.92); // as inventoryWhere computes it
      const bad = page.nodes.filter(
        (n) =>
          !n.supportsLlm ||
          n.priceLlm1kTokensUrtc! > issueFilter.maxPriceUrtc! ||
          n.maxVramMb < minMb ||
          n.suspended ||
          n.lastAttestation < now - TTL_S,
      );
      const sorted = page.nodes.every(
        (n, i) => i === 0 || n.priceLlm1kTokensUrtc! >= page.nodes[i - 1]!.priceLlm1kTokensUrtc!,
      );
      if (page.nodes.length !== PAGE || bad.length || !sorted || !page.hasNextPage) {
        console.log(
          `  WARNING: page 1 of (a) is not what the filter asks: ${page.nodes.length} nodes, ${bad.length} outside the filter, sorted ${sorted}`,
        );
      }
      page2After = page.nodes.at(-1)!.minerId;
      // Page 2 continues page 1: each node strictly after the one before in (price, miner_id) order.
      const page2 = (await list(engine, issueFilter, byPrice, page2After)).nodes;
      const follows = page2.every((n, i) => {
        const prev = i === 0 ? page.nodes.at(-1)! : page2[i - 1]!;
        const [p, q] = [n.priceLlm1kTokensUrtc!, prev.priceLlm1kTokensUrtc!];
        return p > q || (p === q && n.minerId > prev.minerId);
      });
      if (page2.length !== PAGE || !follows)
        console.log(`  WARNING: page 2 of (a): ${page2.length} nodes, in order after page 1: ${follows}`);
      const total = await page.totalCount();
      // How far the price index is walked for page 1: its entries up to the 21st match (the page asks for 21).
      const walked = Number(
        m.db.sqlite
          .prepare(
            `WITH last AS (
               SELECT price_llm_1k_tokens_urtc AS price, miner_id FROM gpu_attestations
               WHERE supports_llm = 1 AND price_llm_1k_tokens_urtc <= ? AND max_vram_mb >= ? AND suspended = 0 AND last_attestation >= ?
               ORDER BY price_llm_1k_tokens_urtc, miner_id LIMIT 1 OFFSET ${PAGE})
             SELECT COUNT(*) FROM gpu_attestations AS g, last
             WHERE g.price_llm_1k_tokens_urtc IS NOT NULL AND (g.price_llm_1k_tokens_urtc, g.miner_id) <= (last.price, last.miner_id)`,
          )
          .pluck()
          .get(issueFilter.maxPriceUrtc, minMb, now - TTL_S) as bigint,
      );
      const llmNodes = Number(
        m.db.sqlite.prepare('SELECT COUNT(*) FROM gpu_attestations WHERE supports_llm = 1').pluck().get() as bigint,
      );
      const online = Number(
        m.db.sqlite
          .prepare('SELECT COUNT(*) FROM gpu_attestations WHERE suspended = 0 AND last_attestation >= ?')
          .pluck()
          .get(now - TTL_S) as bigint,
      );
      notes.push(
        `${int(size)} nodes: ${int(online)} online and not suspended, ${int(llmNodes)} serve llm; (a) matches ${int(total)}; ` +
          `page 1 walks ${int(walked)} entries of the llm price index to find ${PAGE + 1} matches (the cheapest offers are mostly smaller GPUs)`,
      );

      for (const k of cases) {
        const t = await time(k.run, planned(k), budgetMs);
        results.set(k.key, [...(results.get(k.key) ?? []), t]);
        if (k.capture) {
          captured.length = 0;
          await k.capture(pc);
          const p = captured.filter((q) => /^\s*SELECT/i.test(q.sql)).map((q) => explain(m.db.sqlite, q));
          plans.set(k.key, [...(plans.get(k.key) ?? []), p]);
        }
      }
    }

    // The table.
    const cell = (k: Case, t: Timing | undefined) =>
      t ? `p50 ${fmtMs(t.p50)} / p99 ${fmtMs(t.p99)} ms${t.runs < planned(k) ? ` n=${t.runs}` : ''}` : 'n/a';
    printGrowthTable(
      `inventory (first page of ${PAGE})`,
      [`${int(small)} nodes`, `${int(large)} nodes`],
      cases,
      results,
      cell,
      { label: 40, column: 32 },
    );
    console.log(
      `  (sequential runs after a warm-up: ${runs} per row, totalCount ${Math.round(runs / 4)}, GraphQL ${Math.round(runs / 2)}, ` +
        `or as many as fit in ${budgetMs / 1000} s (at least 10; n= shows when fewer); nodes grew ${large / small}×)`,
    );
    for (const n of notes) console.log(`  ${n}`);

    // Query plans, at the large size (the planner has no statistics, so the plan does not change with size).
    console.log('');
    console.log(`query plans (EXPLAIN QUERY PLAN of the SQL sent, at ${int(large)} nodes):`);
    for (const k of cases) {
      const p = plans.get(k.key)?.at(-1);
      if (!p) continue;
      p.forEach((plan, i) => {
        console.log(`  ${k.label.trim()}${p.length > 1 ? ` [statement ${i + 1}]` : ''}: ${plan.verdict}`);
        for (const line of plan.lines) console.log(`      ${line}`);
      });
    }
    if (process.env.BENCH_INVENTORY_SQL) {
      captured.length = 0;
      await list(pc, issueFilter, byPrice);
      await list(pc, issueFilter, byPrice, page2After);
      await (await list(pc, issueFilter, byPrice)).totalCount();
      captured.splice(2, 1); // page 1 again
      const names = ['page 1', 'page 2', 'totalCount()'];
      for (const [i, q] of captured.entries())
        console.log(
          `  SQL of (a) ${names[i]}: ${q.sql}\n  args: ${JSON.stringify(q.args, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`,
        );
    }

    const [a10, a100] = results.get('a')!;
    const pass = a100!.p99 < TARGET_MS;
    const growth = a100!.p50 / a10!.p50;
    console.log('');
    console.log(
      `target: filtered price-ordered page < ${TARGET_MS} ms at ${int(large)} nodes: ${pass ? 'PASS' : 'FAIL'} ` +
        `(p99 ${fmtMs(a100!.p99)} ms, p50 ${fmtMs(a100!.p50)} ms)`,
    );
    console.log(
      `target: cost grows far less than the node count: ${growth < 3 ? 'PASS' : 'FAIL'} ` +
        `(p50 ×${growth.toFixed(1)} for ×${large / small} nodes; PASS below ×3)`,
    );
    const scanning = cases.filter((k) =>
      plans
        .get(k.key)
        ?.at(-1)
        ?.some((p) => p.fullScan || p.sorts),
    );
    if (scanning.length)
      console.log(`note: full scan, full sort or no LIMIT in: ${scanning.map((k) => k.label.trim()).join('; ')}`);
    const growing = cases.filter((k) => {
      const [a, b] = results.get(k.key) ?? [];
      return a && b && b.p50 / a.p50 >= 3;
    });
    if (growing.length) {
      console.log(
        `note: p50 grew ×3 or more with the node count (informative): ${growing.map((k) => k.label.trim()).join('; ')}`,
      );
    }
  });
}

await runIfMain(import.meta.url, 'inventory', runInventoryBench);
