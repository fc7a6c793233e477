/**
 * What every benchmark section shares, one copy each: a fresh database file migrated with the real
 * migrations (and a market opened on it), settings from the environment, the request signers, the
 * percentile and the timing loop, EXPLAIN QUERY PLAN's tree, and the figures' formats.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type Database from 'better-sqlite3';
import { pino } from 'pino';
import type { Wallet } from '../src/domain/signatures.js';
import { createMarket, type Market } from '../src/market.js';

export const ROOT = resolve(import.meta.dirname, '..');
/** The operator key of the benchmarks' markets and servers. */
export const ADMIN_KEY = 'bench-operator-key-0123456789abcdef0123';
export const LOCK_AMOUNT_URTC = '1000'; // 0.001 RTC

// ---------------------------------------------------------------------------------------------------
// Databases, markets, settings
// ---------------------------------------------------------------------------------------------------

/** Applies the committed migrations to `databaseUrl` (a new file is created), as `npm start` does. */
export function migrateDatabase(databaseUrl: string): void {
  execFileSync('npx', ['prisma', 'migrate', 'deploy'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: 'pipe',
  });
}

export interface BenchMarket {
  market: Market;
  /** The database file. */
  file: string;
  /** The market's clock, fixed at the time the file was migrated: seeding and every query use it. */
  now: number;
  /** Something more to close before the market (another client on the file). */
  onClose(close: () => Promise<unknown>): void;
}

/**
 * Runs `body` on a market opened in this process on a fresh, migrated SQLite file in a temp dir
 * (synchronous=NORMAL, logs off, a fixed clock), then closes it and removes the file — on Ctrl-C too.
 */
export async function withBenchMarket<T>(
  name: string,
  settings: { ATTESTATION_TTL_S?: number },
  body: (bench: BenchMarket) => Promise<T>,
): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `grp-bench-${name}-`));
  const file = join(dir, `${name}.db`);
  let market: Market | undefined;
  const closers: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const close of closers) await close().catch(() => {});
    await market?.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  const onSigint = () => {
    console.error(`\ninterrupted: removing the ${name} database`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  try {
    migrateDatabase(`file:${file}`);
    const now = Math.floor(Date.now() / 1000);
    market = createMarket(
      { DATABASE_URL: `file:${file}`, RC_ADMIN_KEY: undefined, SQLITE_SYNCHRONOUS: 'NORMAL', ...settings },
      pino({ level: 'silent' }),
      () => now,
    );
    return await body({ market, file, now, onClose: (close) => closers.push(close) });
  } finally {
    process.removeListener('SIGINT', onSigint);
    await cleanup();
  }
}

/** Runs a section when its file is the script started (`npx tsx bench/<section>.ts`). */
export async function runIfMain(moduleUrl: string, section: string, run: () => Promise<void>): Promise<void> {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(resolve(process.argv[1])).href) return;
  try {
    await run();
  } catch (err) {
    console.error(`${section} benchmark failed:`, err);
    process.exitCode = 1;
  }
}

/** The columns of a bulk-seeded GPU node (gpu_attestations), in the order the sections' INSERTs give them. */
export const GPU_NODE_COLUMNS = `miner_id, device_arch, gpu_model, gpu_count, max_vram_mb, total_vram_mb, cuda_version,
  cuda_version_num, rocm_version, metal_version, benchmark_score, price_render_minute_urtc, price_tts_1k_chars_urtc,
  price_stt_minute_urtc, price_llm_1k_tokens_urtc, supports_render, supports_tts, supports_stt, supports_llm,
  tts_models, stt_models, llm_models, trust, verified, suspended, fingerprint, flags, first_attestation, last_attestation`;

/** A number setting from the environment (its fallback when unset or empty), at least `min`. */
export function envNumber(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min)
    throw new Error(`${name} must be a number >= ${min}, got ${JSON.stringify(raw)}`);
  return value;
}

/** A whole-number setting from the environment (fractions are dropped), at least `min`. */
export function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Math.floor(Number(raw));
  if (!Number.isFinite(value) || value < min)
    throw new Error(`${name} must be a number >= ${min}, got ${JSON.stringify(raw)}`);
  return value;
}

// ---------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------

/** POSTs JSON; `at` is when the response (status and headers) arrived, before its body was read. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; at: number }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const at = performance.now();
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null, at };
}

/** A signed lock body (a render job), exactly as CONTRACT.md (and test/support/rest.ts) build it. */
export function lockBody(
  payer: Wallet,
  jobId: string,
  toWallet: string,
  nonce: string,
  amountUrtc = LOCK_AMOUNT_URTC,
): Record<string, string> {
  const action = {
    action: 'escrow.lock',
    job_id: jobId,
    job_type: 'render',
    from_wallet: payer.address,
    to_wallet: toWallet,
    amount_urtc: amountUrtc,
    nonce,
  };
  const { action: _action, ...fields } = action;
  return { ...fields, public_key: payer.publicKey, signature: payer.sign(action) };
}

/** A release body of a render job, signed by its payer. */
export function releaseBody(payer: Wallet, jobId: string, nonce: string): Record<string, string> {
  const action = { action: 'escrow.release', job_id: jobId, job_type: 'render', nonce };
  const { action: _action, ...fields } = action;
  return { ...fields, public_key: payer.publicKey, signature: payer.sign(action) };
}

// ---------------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------------

/** The nearest-rank percentile of sorted samples; NaN for none. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface Timing {
  p50: number;
  p99: number;
  runs: number;
}

/** Warm-up, then up to `runs` sequential timed runs (fewer, but at least 10, once `budgetMs` is spent). */
export async function time(run: () => Promise<unknown>, runs: number, budgetMs: number): Promise<Timing> {
  const warmStart = performance.now();
  for (let i = 0; i < Math.max(3, runs / 10) && (i < 2 || performance.now() - warmStart < budgetMs / 4); i++)
    await run();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < runs && (samples.length < 10 || performance.now() - start < budgetMs)) {
    const t0 = performance.now();
    await run();
    samples.push(performance.now() - t0);
  }
  const sorted = Float64Array.from(samples).sort();
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), runs: samples.length };
}

/** mulberry32: small, fast, seeded (every run of a section writes the same rows). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** EXPLAIN QUERY PLAN of a statement: its lines indented as a tree, and each line's detail alone. */
export function queryPlan(db: Database.Database, sql: string, args: unknown[]): { lines: string[]; details: string[] } {
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as {
    id: bigint | number;
    parent: bigint | number;
    detail: string;
  }[];
  const depth = new Map<number, number>();
  const lines = rows.map((r) => {
    const d = Number(r.parent) === 0 ? 0 : (depth.get(Number(r.parent)) ?? 0) + 1;
    depth.set(Number(r.id), d);
    return `${'  '.repeat(d)}${r.detail}`;
  });
  return { lines, details: rows.map((r) => r.detail.trim()) };
}

/** The indexes a plan names. */
export const planIndexes = (details: string[], keys = /USING (?:COVERING )?INDEX (\w+)|USING (PRIMARY KEY)/g) => [
  ...new Set(details.flatMap((d) => [...d.matchAll(keys)].map((m) => m[1] ?? m[2]!))),
];

// ---------------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------------

export const fmtMs = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));
export const int = (n: number) => n.toLocaleString('en-US');

/** A row per case, a column per size, and the growth of p50 from the first size to the second. */
export function printGrowthTable<C extends { key: string; label: string }>(
  heading: string,
  sizes: [string, string],
  cases: C[],
  results: Map<string, Timing[]>,
  cell: (c: C, t: Timing | undefined) => string,
  widths: { label: number; column: number },
  before?: (c: C) => void,
): void {
  console.log('');
  console.log(
    `${heading.padEnd(widths.label)}${sizes[0].padEnd(widths.column)}${sizes[1].padEnd(widths.column)}growth (p50)`,
  );
  for (const k of cases) {
    before?.(k);
    const [a, b] = results.get(k.key) ?? [];
    const growth = a && b ? `${(b.p50 / a.p50).toFixed(1)}×` : 'n/a';
    console.log(
      `${k.label.padEnd(widths.label)}${cell(k, a).padEnd(widths.column)}${cell(k, b).padEnd(widths.column)}${growth}`,
    );
  }
}
