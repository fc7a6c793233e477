/**
 * `npm run bench`: throughput and latency of the market server on a fresh, migrated SQLite file.
 *
 * Phases (each BENCH_SECONDS long, default 5, after a short uncounted warm-up of the same kind):
 *   1. GraphQL `{ __typename }` POSTed as JSON to /graphql — the trivial-query baseline;
 *   2. REST `POST /render/escrow` — every request a new job with its own signature and nonce;
 *   3. REST lock + release pairs — each connection locks a new job, then releases it (signed by the payer), at
 *      BENCH_CONNECTIONS and at twice as many connections (BENCH_PAIR_CONNECTIONS, e.g. `32,64`).
 * For each: req/s (pairs/s), p50/p99, and the server's CPU per request or pair, for the whole process (every
 * thread) and for its event-loop thread alone (/proc). Then, per server variant, the ratios to the trivial-query
 * rate against the targets (locks >= 1.0x, pairs >= 0.5x, pair p99 < 20 ms, more loops no slower), by wall
 * clock and by event-loop CPU (reported, never a failing exit code). BENCH_VARIANTS runs several server
 * configurations back to back, each its own process and fresh database: `name:KEY=value,KEY=value;name:...`
 * (e.g. `before:SIGNATURE_WORKERS=0,WAL_CHECKPOINT=commit;default:`). bench/lock-phases.ts times one lock and one
 * release phase by phase.
 * Then the inventory section (bench/inventory.ts): GPU inventory pages at 10,000 and 100,000 nodes.
 * Then the pricing section (bench/pricing.ts): market rates and price history with 10,000 online nodes at
 * 100,000 and 1,000,000 history rows.
 * Then the subscriptions section (bench/subscriptions.ts): 1,000 graphql-ws subscribers on one escrow, the
 * delay from the release's HTTP response to each subscriber's message.
 * Then the limits section (bench/limits.ts): the time to refuse the worst documents, and the trivial-query
 * rate with the query limits on and off.
 * Then the console section (bench/console.ts): the web console's JavaScript size (gzip) and the time from
 * navigation to its first inventory row in Chromium, with 10,000 nodes.
 * Then the PostgreSQL section (bench/postgres.ts): lock+release pairs/s, p50 and p99 at 32 loops with one server
 * instance and with three (processes on one PostgreSQL database), and the ratio three/one.
 *
 * Design: the server runs in a child process (this file re-invoked with `--serve`) so that it does not
 * share an event loop with the load generator (autocannon, in this process). Both still share the
 * machine's cores. Request bodies are signed before each timed phase (Ed25519 signing costs the load
 * generator ~50 µs per body); if a pool runs dry the missing bodies are signed inline and reported.
 *
 * Environment: BENCH_SECONDS (default 5), BENCH_WARMUP_SECONDS (default 1, 0 to skip),
 * BENCH_CONNECTIONS (default 32), BENCH_LOG_LEVEL (server log level, default silent; logs go to the null
 * device so that their cost is counted without flooding the terminal), BENCH_SYNCHRONOUS (FULL | NORMAL,
 * default FULL, as in production), BENCH_CPU_PROF (a directory: the server process writes a V8 CPU profile
 * there when it exits), BENCH_SECTIONS (comma-separated: server, inventory, pricing, subscriptions, limits, console,
 * postgres; all by default, in that order).
 */
import {
  ADMIN_KEY,
  envNumber,
  LOCK_AMOUNT_URTC,
  lockBody,
  migrateDatabase,
  percentile,
  postJson,
  releaseBody,
  ROOT,
} from './support.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, devNull, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { EventEmitter } from 'node:events';
import { destination, pino } from 'pino';
import { walletFromSeed, type Wallet } from '../src/domain/signatures.js';
import { loadConfig } from '../src/config.js';
import { assertLedgerFileSound } from '../src/ledger-invariants.js';

const LINE_PREFIX = 'BENCH ';

// ---------------------------------------------------------------------------------------------------
// Child: the server.
// ---------------------------------------------------------------------------------------------------

/**
 * CPU time (ms) of this process's main thread, the event loop's, from /proc (Linux; NaN elsewhere). Unlike
 * event-loop utilisation it does not count time the thread was ready but the machine ran something else.
 */
function loopThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S; // utime + stime
  } catch {
    return Number.NaN;
  }
}
/** USER_HZ: /proc's unit of CPU time on Linux. */
const CLOCK_TICKS_PER_S = 100;

async function serve(): Promise<void> {
  const { createMarket } = await import('../src/market.js');
  const { startMarketServer } = await import('../src/server.js');
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('--serve needs DATABASE_URL');
  const level = process.env.BENCH_LOG_LEVEL || 'silent';
  const log =
    level === 'silent'
      ? pino({ level: 'silent' })
      : pino({ level, base: { service: 'gpu-render-protocol' } }, destination({ dest: devNull, sync: false }));
  const synchronous = process.env.BENCH_SYNCHRONOUS === 'NORMAL' ? 'NORMAL' : 'FULL';
  // The throughput settings as a server reads them (their defaults included), from this process's environment.
  const { WAL_SYNC, WAL_CHECKPOINT, SQLITE_WRITER, GROUP_COMMIT_MAX_OPS, SIGNATURE_WORKERS } = loadConfig(process.env);
  const market = createMarket(
    {
      DATABASE_URL: databaseUrl,
      RC_ADMIN_KEY: ADMIN_KEY,
      SQLITE_SYNCHRONOUS: synchronous,
      WAL_SYNC,
      WAL_CHECKPOINT,
      SQLITE_WRITER,
      GROUP_COMMIT_MAX_OPS,
      SIGNATURE_WORKERS,
    },
    log,
  );
  const running = await startMarketServer(market, { host: '127.0.0.1', port: 0, sweepIntervalMs: 60_000 });

  const say = (message: Record<string, unknown>) => process.stdout.write(`${LINE_PREFIX}${JSON.stringify(message)}\n`);
  let cpuMark = process.cpuUsage();
  let loopCpuMark = loopThreadCpuMs();
  let eluMark = performance.eventLoopUtilization();
  let wallMark = performance.now();
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    running.close().then(
      () => {
        say({ closed: true });
        process.exit(0);
      },
      (err: unknown) => {
        console.error('bench server: close failed', err);
        process.exit(1);
      },
    );
  };

  // Commands, one a line: `mark` starts a measurement window, `usage` reports CPU and event-loop use since.
  const commands = createInterface({ input: process.stdin });
  commands.on('line', (line) => {
    const command = line.trim();
    if (command === 'mark') {
      cpuMark = process.cpuUsage();
      loopCpuMark = loopThreadCpuMs();
      eluMark = performance.eventLoopUtilization();
      wallMark = performance.now();
      say({ marked: true });
    } else if (command === 'usage') {
      const cpu = process.cpuUsage(cpuMark);
      const elu = performance.eventLoopUtilization(eluMark);
      const wallMs = performance.now() - wallMark;
      const cpuMs = (cpu.user + cpu.system) / 1000; // every thread of the process (workers included)
      const loopCpuMs = loopThreadCpuMs() - loopCpuMark; // the event loop's thread alone
      say({ usage: { cpu: cpuMs / wallMs, cpuMs, loopCpuMs, elu: elu.utilization } });
    } else if (command === 'exit') {
      stop();
    }
  });
  // The parent went away (or closed our stdin): stop.
  commands.on('close', stop);
  process.once('SIGTERM', stop);
  process.once('SIGINT', () => {}); // the parent handles Ctrl-C and tells us to exit

  say({
    url: running.url,
    pid: process.pid,
    synchronous,
    logLevel: level,
    settings: `SQLITE_WRITER=${SQLITE_WRITER} WAL_SYNC=${WAL_SYNC} WAL_CHECKPOINT=${WAL_CHECKPOINT} SIGNATURE_WORKERS=${SIGNATURE_WORKERS} GROUP_COMMIT_MAX_OPS=${GROUP_COMMIT_MAX_OPS}`,
  });
}

// ---------------------------------------------------------------------------------------------------
// Parent: the load generator.
// ---------------------------------------------------------------------------------------------------

/** The part of autocannon (CommonJS, no bundled typings) that this script uses. */
interface AutocannonContext {
  [key: string]: unknown;
}
interface AutocannonRequest {
  method?: 'GET' | 'POST';
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  setupRequest?: (req: AutocannonRequest, context: AutocannonContext) => AutocannonRequest;
  onResponse?: (status: number, body: string, context: AutocannonContext) => void;
}
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
  timeout?: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  requests?: AutocannonRequest[];
}
interface Histogram {
  average: number;
  p50: number;
  p99: number;
  total: number;
}
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  statusCodeStats: Record<string, { count: number }>;
  latency: Histogram;
  requests: Histogram & { sent: number };
}
type Autocannon = (opts: AutocannonOptions, cb: (err: Error | null, result: AutocannonResult) => void) => EventEmitter;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

class ServerProcess {
  private waiting: ((message: Record<string, unknown>) => void)[] = [];
  readonly exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.startsWith(LINE_PREFIX)) {
        process.stderr.write(`[server] ${line}\n`);
        return;
      }
      const message = JSON.parse(line.slice(LINE_PREFIX.length)) as Record<string, unknown>;
      this.waiting.shift()?.(message);
    });
    this.exited = new Promise((resolveExit) =>
      child.once('exit', (code) => {
        resolveExit(code);
        // Nothing more will answer: fail whoever is still waiting rather than hang.
        for (const waiter of this.waiting.splice(0)) waiter({ exited: code });
      }),
    );
  }

  static async start(
    databaseUrl: string,
    env: Record<string, string> = {},
  ): Promise<{
    server: ServerProcess;
    url: string;
    pid: number;
    synchronous: string;
    logLevel: string;
    settings: string;
  }> {
    const self = fileURLToPath(import.meta.url);
    const profileDir = process.env.BENCH_CPU_PROF;
    const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`] : [];
    const child = spawn(process.execPath, [...profile, ...process.execArgv, self, '--serve'], {
      cwd: ROOT,
      env: { ...process.env, ...env, DATABASE_URL: databaseUrl },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const server = new ServerProcess(child);
    const ready = server.next();
    const hello = await ready;
    if ('exited' in hello) throw new Error(`the server process exited (code ${String(hello.exited)}) before listening`);
    return {
      server,
      url: hello.url as string,
      pid: hello.pid as number,
      synchronous: hello.synchronous as string,
      logLevel: hello.logLevel as string,
      settings: hello.settings as string,
    };
  }

  private next(): Promise<Record<string, unknown>> {
    return new Promise((resolveMessage) => this.waiting.push(resolveMessage));
  }

  async command(command: 'mark' | 'usage'): Promise<Record<string, unknown>> {
    if (this.child.exitCode !== null || this.child.signalCode !== null)
      throw new Error('the server process has exited');
    const reply = this.next();
    this.child.stdin!.write(`${command}\n`);
    const message = await reply;
    if ('exited' in message) throw new Error(`the server process exited (code ${String(message.exited)})`);
    return message;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin!.end('exit\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}

function walletFromIndex(kind: number, index: number): Wallet {
  const seed = Buffer.alloc(32);
  seed.write('bench', 0);
  seed.writeUInt32BE(kind, 8);
  seed.writeUInt32BE(index, 12);
  seed.writeUInt32BE(process.pid, 16);
  return walletFromSeed(seed.toString('hex'));
}

/** An endless supply of fresh jobs: pre-signed bodies first, signed on demand (and counted) when they run out. */
class JobSource<T> {
  private pool: T[] = [];
  private taken = 0;
  private nextIndex = 0;
  inlineSigned = 0;

  constructor(private readonly make: (index: number) => T) {}

  /** Tops the unused pool up to `count`; returns how many were signed and how long that took. */
  fill(count: number): { signed: number; ms: number } {
    const started = performance.now();
    const missing = Math.max(0, count - (this.pool.length - this.taken));
    for (let i = 0; i < missing; i++) this.pool.push(this.make(this.nextIndex++));
    return { signed: missing, ms: performance.now() - started };
  }

  take(): T {
    if (this.taken < this.pool.length) {
      const item = this.pool[this.taken]!;
      this.pool[this.taken++] = undefined as T; // let the body be collected
      return item;
    }
    this.inlineSigned += 1;
    return this.make(this.nextIndex++);
  }

  /** Drops what has been used so the pool does not grow without bound. */
  compact(): void {
    this.pool = this.pool.slice(this.taken);
    this.taken = 0;
  }
}

interface PhaseFigures {
  name: string;
  connections: number;
  result: AutocannonResult;
  /** Successful units (requests, or pairs) and their rate over autocannon's measured duration. */
  units: number;
  perSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  failures: number;
  detail: string;
  /** Server CPU as a share of one core, and in ms (every thread of the process). */
  serverCpu: number;
  serverCpuMs: number;
  /** CPU ms of the server's event-loop thread alone. */
  loopCpuMs: number;
  serverElu: number;
  loadCpu: number;
  inlineSigned: number;
}

/** What a phase's answers prove: units done (requests, or pairs) and failed, and each unit's time when the phase times units itself. */
interface Tally {
  units: number;
  failures: number;
  latencies: number[] | null;
}

/** One timed phase, as data: the requests each connection sends in turn, counting into the tally. */
interface Phase {
  name: string;
  /** Concurrent connections (loops); BENCH_CONNECTIONS unless given. */
  connections?: number;
  requests: (tally: Tally) => AutocannonRequest[];
  /** The phase times its units itself (a pair: lock sent to release answered); else each request's time counts. */
  timesUnits?: boolean;
  /** Bodies signed before each run: their source, what they are called, a first guess of units/s, and requests per unit. */
  pool?: { source: JobSource<unknown>; what: string; guessPerSecond: number; requestsPerUnit: number };
}

/** Runs autocannon once, collecting every response time (autocannon's own histogram is whole milliseconds). */
function cannon(opts: AutocannonOptions, onLatency?: (ms: number) => void): Promise<AutocannonResult> {
  return new Promise((resolveRun, reject) => {
    const tracker = autocannon({ pipelining: 1, timeout: 10, ...opts }, (err, result) =>
      err ? reject(err) : resolveRun(result),
    );
    if (onLatency)
      tracker.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) =>
        onLatency(responseTime),
      );
  });
}

function statusSummary(result: AutocannonResult): string {
  const codes = Object.entries(result.statusCodeStats)
    .map(([code, { count }]) => `${code}×${count}`)
    .join(' ');
  const extra = [
    result.errors ? `errors ${result.errors}` : '',
    result.timeouts ? `timeouts ${result.timeouts}` : '',
    result.resets ? `resets ${result.resets}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return [codes, extra].filter(Boolean).join('; ');
}

/** A server configuration to measure: a name and the settings (environment variables) it starts with. */
interface Variant {
  name: string;
  env: Record<string, string>;
}

/**
 * BENCH_VARIANTS: `name:KEY=value,KEY=value;name:...` (an empty list of settings is the defaults). Each variant
 * gets its own server process and fresh database, one after another in this run, so that alternatives are
 * compared on the same machine at nearly the same time.
 */
function variantsFromEnv(): Variant[] {
  const raw = process.env.BENCH_VARIANTS?.trim();
  if (!raw) return [{ name: 'default', env: {} }];
  return raw.split(';').map((spec) => {
    const [name = '', settings = ''] = spec.split(':');
    const env: Record<string, string> = {};
    for (const pair of settings.split(',').filter(Boolean)) {
      const [key, value] = pair.split('=');
      if (!key || value === undefined) throw new Error(`BENCH_VARIANTS: ${JSON.stringify(pair)} is not KEY=value`);
      env[key.trim()] = value.trim();
    }
    return { name: name.trim() || 'default', env };
  });
}

/** What one variant measured, for the summary. */
interface VariantFigures {
  variant: Variant;
  settings: string;
  trivial: PhaseFigures;
  lock: PhaseFigures;
  pairs: PhaseFigures[];
}

async function main(): Promise<void> {
  const seconds = envNumber('BENCH_SECONDS', 5, 1);
  const warmupSeconds = envNumber('BENCH_WARMUP_SECONDS', 1, 0);
  const connections = Math.floor(envNumber('BENCH_CONNECTIONS', 32, 1));
  const pairConnections = (process.env.BENCH_PAIR_CONNECTIONS || `${connections},${connections * 2}`)
    .split(',')
    .map((n) => Math.floor(Number(n)))
    .filter((n) => n >= 1);
  const variants = variantsFromEnv();

  console.log('gpu-render-protocol benchmark');
  console.log(
    `  node ${process.version}, ${cpus().length} CPU core(s) (${cpus()[0]?.model.trim() ?? 'unknown'}); ${connections} connections ` +
      `(pairs at ${pairConnections.join(' and ')}); ${seconds} s per phase after a ${warmupSeconds} s warm-up`,
  );
  console.log(
    '  server: a child process (its own event loop); load generator: autocannon in this process, on the same machine',
  );
  console.log(
    '  (the two share the CPU cores, so on a small machine the figures are a lower bound for the server alone)',
  );

  const dir = mkdtempSync(join(tmpdir(), 'grp-bench-'));
  const template = join(dir, 'template.db');
  let server: ServerProcess | undefined;
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    console.error('\ninterrupted: stopping the server and removing the database');
    void (server?.stop() ?? Promise.resolve()).finally(() => {
      rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSigint);

  const results: VariantFigures[] = [];
  try {
    migrateDatabase(`file:${template}`);
    for (const [index, variant] of variants.entries()) {
      const file = join(dir, `bench-${index}.db`);
      copyFileSync(template, file);
      const started = await ServerProcess.start(`file:${file}`, variant.env);
      server = started.server;
      console.log('');
      console.log(
        `variant ${variant.name}: ${started.settings}, synchronous=${started.synchronous}; load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
      );
      console.log(
        `  database: ${file} (fresh, migrated); server log level: ${started.logLevel}; server pid ${started.pid} at ${started.url}`,
      );
      const figures = await measureServer(started.url, server, {
        seconds,
        warmupSeconds,
        connections,
        pairConnections,
      });
      await server.stop();
      server = undefined;
      console.log(`  ${assertLedgerFileSound(file)}`); // money rules after every lock and release above; throws on a violation
      results.push({ variant, settings: started.settings, ...figures });
    }
    printSummary(results);
  } finally {
    process.removeListener('SIGINT', onSigint);
    if (!interrupted) {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** µs of server CPU (all its threads) per unit of a phase. */
const cpuPerUnit = (f: PhaseFigures) => (f.serverCpuMs * 1000) / Math.max(1, f.units);
/** µs of the server's event-loop thread per unit: what bounds the rate while that thread is the busy one. */
const loopCpuPerUnit = (f: PhaseFigures) => (f.loopCpuMs * 1000) / Math.max(1, f.units);

function printSummary(results: VariantFigures[]): void {
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (v: number, digits: number, n: number) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a').padStart(n);
  for (const r of results) {
    const figures = [r.trivial, r.lock, ...r.pairs];
    console.log('');
    console.log(`variant ${r.variant.name} (${r.settings})`);
    console.log(
      `${pad('phase', 30)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'non-2xx'.padStart(9)}${'failed'.padStart(8)}${'CPU µs'.padStart(9)}${'loop µs'.padStart(9)}  server CPU / loop busy`,
    );
    for (const f of figures) {
      console.log(
        `${pad(f.name, 30)}${num(f.perSecond, 0, 9)}${num(f.p50, 2, 9)}${num(f.p99, 2, 9)}${String(f.non2xx).padStart(9)}${String(f.failures).padStart(8)}${num(cpuPerUnit(f), 0, 9)}${num(loopCpuPerUnit(f), 0, 9)}  ` +
          `${(f.serverCpu * 100).toFixed(0)}% / ${(f.serverElu * 100).toFixed(0)}%`,
      );
    }
    const problems = figures.filter((f) => f.non2xx > 0 || f.failures > 0 || f.inlineSigned > 0);
    for (const f of problems) {
      console.log(
        `WARNING ${f.name}: ${f.non2xx} non-2xx, ${f.failures} failed, ${f.inlineSigned} inline-signed bodies (${f.detail})`,
      );
    }
  }
  console.log('');
  console.log(
    '  (pairs: req/s column is pairs/s and latency is lock-sent to release-answered; other rows: per request)',
  );
  console.log(
    '  (CPU µs: server CPU time, every thread, per request or pair; loop µs: the event-loop thread alone. Both hold',
  );
  console.log(
    '  up better than rates on a busy machine; the loop thread bounds the rate while it is the busiest thread)',
  );
  console.log('');
  console.log('summary (targets: pairs/s >= 0.5 × trivial query rate; REST locks >= 1.0 × it; pair p99 < 20 ms at the');
  console.log('first pair concurrency; pairs/s at the second >= at the first)');
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'BELOW TARGET');
  for (const r of results) {
    const [first, second] = r.pairs;
    const lockRatio = r.lock.perSecond / r.trivial.perSecond;
    const pairRatio = (first?.perSecond ?? 0) / r.trivial.perSecond;
    console.log(
      `  ${r.variant.name}: trivial ${r.trivial.perSecond.toFixed(0)}/s; lock ${r.lock.perSecond.toFixed(0)}/s = ${lockRatio.toFixed(2)}× (${verdict(lockRatio >= 1)}); ` +
        r.pairs
          .map(
            (p) =>
              `pairs@${p.connections} ${p.perSecond.toFixed(0)}/s p50 ${p.p50.toFixed(1)} p99 ${p.p99.toFixed(1)} ms, ${cpuPerUnit(p).toFixed(0)} µs CPU/pair`,
          )
          .join('; ') +
        `; pairs/trivial ${pairRatio.toFixed(2)} (${verdict(pairRatio >= 0.5)})` +
        (first ? `; p99@${first.connections} ${verdict(first.p99 < 20)}` : '') +
        (first && second
          ? `; @${second.connections} vs @${first.connections} ${verdict(second.perSecond >= first.perSecond)}`
          : ''),
    );
    // The same ratios from the event loop's CPU per unit: what the rates would be if that thread were the limit.
    if (first)
      console.log(
        `    by event-loop CPU per unit: lock ${(loopCpuPerUnit(r.trivial) / loopCpuPerUnit(r.lock)).toFixed(2)}×, ` +
          `pairs ${(loopCpuPerUnit(r.trivial) / loopCpuPerUnit(first)).toFixed(2)}× the trivial query ` +
          `(trivial ${loopCpuPerUnit(r.trivial).toFixed(0)} µs, lock ${loopCpuPerUnit(r.lock).toFixed(0)} µs, pair ${loopCpuPerUnit(first).toFixed(0)} µs)`,
      );
  }
}

interface MeasureSettings {
  seconds: number;
  warmupSeconds: number;
  connections: number;
  pairConnections: number[];
}

/** The phases against one running server: the trivial query, locks, and lock+release pairs at each concurrency. */
async function measureServer(
  url: string,
  server: ServerProcess,
  { seconds, warmupSeconds, connections, pairConnections }: MeasureSettings,
): Promise<{ trivial: PhaseFigures; lock: PhaseFigures; pairs: PhaseFigures[] }> {
  {
    // Wallets: one payer per connection (each funded for every lock it could make), one provider.
    const payers = Array.from({ length: Math.max(connections, ...pairConnections) }, (_, i) => walletFromIndex(1, i));
    const provider = walletFromIndex(2, 0);
    for (const [i, payer] of payers.entries()) {
      // 1,000,000 RTC each: a billion locks of 0.001 RTC.
      const reply = await postJson(
        `${url}/wallet/deposit`,
        { wallet: payer.address, amount_rtc: 1_000_000, reference: `bench-fund-${i}` },
        { 'x-admin-key': ADMIN_KEY },
      );
      if (reply.status !== 201)
        throw new Error(`funding payer ${i} failed: ${reply.status} ${JSON.stringify(reply.body)}`);
    }

    // One lock and release by hand first: a wrong body should fail loudly here, not as a column of non-2xx.

    {
      const payer = payers[0]!;
      const lock = await postJson(
        `${url}/render/escrow`,
        lockBody(payer, 'bench-check', provider.address, 'check-lock', LOCK_AMOUNT_URTC),
      );
      if (lock.status !== 201) throw new Error(`sanity lock failed: ${lock.status} ${JSON.stringify(lock.body)}`);
      const release = await postJson(`${url}/render/release`, releaseBody(payer, 'bench-check', 'check-release'));
      if (release.status !== 200 || release.body?.status !== 'released')
        throw new Error(`sanity release failed: ${release.status} ${JSON.stringify(release.body)}`);
    }

    // Bodies are signed and serialised before the timed runs.
    const locks = new JobSource((i) => {
      const payer = payers[i % payers.length]!;
      return JSON.stringify(lockBody(payer, `bench-lock-${i}`, provider.address, `l${i}`, LOCK_AMOUNT_URTC));
    });
    const pairs = new JobSource((i) => {
      const payer = payers[i % payers.length]!;
      const jobId = `bench-pair-${i}`;
      const lock = JSON.stringify(lockBody(payer, jobId, provider.address, `pl${i}`, LOCK_AMOUNT_URTC));
      return { lock, release: JSON.stringify(releaseBody(payer, jobId, `pr${i}`)) };
    });

    const jsonHeaders = { 'content-type': 'application/json' };

    /** How many bodies to have ready: the warm-up's rate (else a generous guess) over the run, with headroom. */
    const sizeFor = (timed: boolean, rate: number | null, guess: number, conns: number) =>
      Math.ceil((rate ?? guess) * (timed ? seconds : warmupSeconds) * 1.6) + conns * 4;

    /** Readies a phase's bodies for the warm-up (`warmupRate` null) or for the timed run (the warm-up's rate, if there was one). */
    const ready = ({ pool, connections: conns = connections }: Phase, timed: boolean, warmupRate: number | null) => {
      if (!pool) return;
      pool.source.compact();
      const n = sizeFor(
        timed,
        warmupRate === null ? null : warmupRate / pool.requestsPerUnit,
        pool.guessPerSecond,
        conns,
      );
      const { signed, ms } = pool.source.fill(n);
      console.log(
        `  ${n} ${pool.what} ready for the ${timed ? 'timed run' : 'warm-up'} (${signed} signed now, in ${(ms / 1000).toFixed(2)} s)`,
      );
    };

    /** Warm-up (uncounted), then the timed run, with server CPU and event-loop use over the timed run. */
    async function runPhase(p: Phase): Promise<PhaseFigures> {
      const conns = p.connections ?? connections;
      const tally: Tally = { units: 0, failures: 0, latencies: null };
      const requests = p.requests(tally);
      const inlineSigned = () => p.pool?.source.inlineSigned ?? 0;
      let warmupRate: number | null = null;
      if (warmupSeconds > 0) {
        ready(p, false, null);
        const warm = await cannon({ url, connections: conns, duration: warmupSeconds, requests });
        warmupRate = warm.requests.total / warm.duration;
      }
      ready(p, true, warmupRate);
      Object.assign(tally, { units: 0, failures: 0, latencies: p.timesUnits ? [] : null });
      const inlineBefore = inlineSigned();
      const latencies: number[] = [];
      await server.command('mark');
      const loadMark = process.cpuUsage();
      const wallStart = performance.now();
      const result = await cannon({ url, connections: conns, duration: seconds, requests }, (ms) => latencies.push(ms));
      const loadUsage = process.cpuUsage(loadMark);
      const wallMs = performance.now() - wallStart;
      const usage = (await server.command('usage')).usage as {
        cpu: number;
        cpuMs: number;
        loopCpuMs: number;
        elu: number;
      };
      const sample = Float64Array.from(tally.latencies ?? latencies).sort();
      const f: PhaseFigures = {
        name: p.name,
        connections: conns,
        result,
        units: tally.units,
        perSecond: tally.units / result.duration,
        p50: percentile(sample, 50),
        p99: percentile(sample, 99),
        non2xx: result.non2xx,
        failures: tally.failures + result.errors + result.timeouts,
        detail: statusSummary(result),
        serverCpu: usage.cpu,
        serverCpuMs: usage.cpuMs,
        loopCpuMs: usage.loopCpuMs,
        serverElu: usage.elu,
        loadCpu: (loadUsage.user + loadUsage.system) / 1000 / wallMs,
        inlineSigned: inlineSigned() - inlineBefore,
      };
      console.log(
        `  done: ${p.name}: ${f.perSecond.toFixed(0)}/s over ${result.duration} s (${f.detail || 'no responses'}); ` +
          `server CPU ${(f.serverCpu * 100).toFixed(0)}%, event loop ${(f.serverElu * 100).toFixed(0)}% busy; load generator CPU ${(f.loadCpu * 100).toFixed(0)}%` +
          (f.inlineSigned ? `; ${f.inlineSigned} bodies signed inline (pool ran dry)` : ''),
      );
      return f;
    }

    const count = (tally: Tally, ok: boolean) => (ok ? (tally.units += 1) : (tally.failures += 1));
    const trivialQuery = JSON.stringify({ query: '{ __typename }' });
    const phases: Phase[] = [
      {
        // 1. The trivial query. A GraphQL error can come back with a 200: count only real answers.
        name: 'graphql { __typename }',
        requests: (tally) => [
          {
            method: 'POST',
            path: '/graphql',
            headers: jsonHeaders,
            body: trivialQuery,
            onResponse: (status, text) =>
              count(tally, status === 200 && text.includes('"__typename":"Query"') && !text.includes('"errors"')),
          },
        ],
      },
      {
        // 2. Locks: every request a new job.
        name: 'REST lock',
        pool: { source: locks, what: 'lock bodies', guessPerSecond: 4000, requestsPerUnit: 1 },
        requests: (tally) => [
          {
            method: 'POST',
            path: '/render/escrow',
            headers: jsonHeaders,
            setupRequest: (req) => ({ ...req, body: locks.take() }),
            onResponse: (status) => count(tally, status === 201),
          },
        ],
      },
    ];
    // 3. Lock then release of the same job, per connection; a pair counts when the lock answered 201 and the release 200.
    const pairPhase = (conns: number): Phase => ({
      name: `REST lock+release @${conns}`,
      connections: conns,
      timesUnits: true,
      pool: { source: pairs, what: 'lock+release pairs', guessPerSecond: 2000, requestsPerUnit: 2 },
      requests: (tally) => [
        {
          method: 'POST',
          path: '/render/escrow',
          headers: jsonHeaders,
          setupRequest: (req, context) => {
            const pair = pairs.take();
            context.release = pair.release;
            context.startedAt = performance.now();
            return { ...req, body: pair.lock };
          },
          onResponse: (status, _text, context) => {
            context.lockStatus = status;
          },
        },
        {
          method: 'POST',
          path: '/render/release',
          headers: jsonHeaders,
          setupRequest: (req, context) => ({ ...req, body: context.release as string }),
          onResponse: (status, text, context) => {
            const ok = context.lockStatus === 201 && status === 200 && text.includes('"status":"released"');
            if (ok) tally.latencies?.push(performance.now() - (context.startedAt as number));
            count(tally, ok);
          },
        },
      ],
    });

    console.log('');
    const [trivial, lock] = [await runPhase(phases[0]!), await runPhase(phases[1]!)];
    const pairFigures: PhaseFigures[] = [];
    for (const conns of pairConnections) pairFigures.push(await runPhase(pairPhase(conns)));
    return { trivial, lock, pairs: pairFigures };
  }
}

if (process.argv.includes('--serve')) {
  await serve();
} else {
  // Each section in its own database (and, where it serves, its own server processes), one after another.
  const sections: Record<string, () => Promise<void>> = {
    server: main,
    // GPU inventory pages at 10,000 and 100,000 nodes, on an in-process market.
    inventory: async () => (await import('./inventory.js')).runInventoryBench(),
    // Market rates and price history, likewise in process.
    pricing: async () => (await import('./pricing.js')).runPricingBench(),
    // 1,000 WebSocket subscribers on one escrow of a server process (src/main.ts).
    subscriptions: async () => (await import('./subscriptions.js')).runSubscriptionBench(),
    // Refusing the worst documents, and what the limits cost a trivial query.
    limits: async () => (await import('./limits.js')).runLimitsBench(),
    // The web console's JavaScript size, and the time to its first inventory row in Chromium.
    console: async () => (await import('./console.js')).runConsoleBench(),
    // Lock+release pairs with one and with three server processes on one PostgreSQL database.
    postgres: async () => (await import('./postgres.js')).runPostgresBench(),
  };
  try {
    const selected = (process.env.BENCH_SECTIONS || Object.keys(sections).join(','))
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean);
    const unknown = selected.filter((name) => !(name in sections));
    if (unknown.length > 0)
      throw new Error(`BENCH_SECTIONS: no section ${unknown.join(', ')} (one of ${Object.keys(sections).join(', ')})`);
    for (const [name, run] of Object.entries(sections)) if (selected.includes(name)) await run();
    process.exit(process.exitCode ?? 0);
  } catch (err) {
    console.error('benchmark failed:', err);
    process.exitCode = 1;
  }
}
