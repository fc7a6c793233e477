/**
 * `npm run bench`, PostgreSQL section: REST lock+release pairs per second, and each pair's p50 and p99 (lock sent to
 * release answered), at 32 concurrent loops (BENCH_PG_LOOPS) against ONE server instance and against THREE
 * (BENCH_PG_INSTANCES, default `1,3`), each instance a process of its own on one PostgreSQL database, then the ratio
 * of each to the first. Printed as figures, never judged.
 *
 * Set-up, per instance count: a fresh database (a copy of one migrated with the real migrations), the instances
 * started together on it with one receipt key and the operator key, no Redis (nothing here subscribes), silent logs,
 * the sweeper out of the way (60 s). Each loop has its own payer (funded once) and provider, so that loops meet only
 * where the service makes every write meet (the market's event log), not on a shared wallet row.
 *
 * The load generator is this process: the loops send each request to the next instance in turn (round robin per
 * request, as a load balancer would: a lock and its release usually reach different instances), over keep-alive
 * connections. Bodies are signed before the run; a pool that runs dry is refilled inline and reported. A warm-up
 * (BENCH_WARMUP_SECONDS, default 1) runs first and is not counted; the timed run lasts BENCH_SECONDS (default 5).
 * After each run the ledger is audited on the database (src/ledger-invariants.ts; a violation fails the bench).
 *
 * PostgreSQL: TEST_POSTGRES_URL when set (a server whose user may create databases), else a throwaway cluster
 * started with scripts/test-postgres.sh and stopped at the end (fsync off: the figures are not those of durable
 * commits); without either the section says why and is skipped. Everything shares the machine's cores: the
 * instances, PostgreSQL and the load generator.
 *
 * Standalone: `npx tsx bench/postgres.ts`.
 */
import {
  ADMIN_KEY,
  envInt,
  envNumber,
  LOCK_AMOUNT_URTC,
  lockBody,
  percentile,
  releaseBody,
  ROOT,
  runIfMain,
} from './support.js';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { pino } from 'pino';
import { walletFromSeed, type Wallet } from '../src/domain/signatures.js';

const LINE_PREFIX = 'BENCH ';
const TEST_POSTGRES_SCRIPT = join(ROOT, 'scripts/test-postgres.sh');

// ---------------------------------------------------------------------------------------------------
// Child: one instance of the server (the market as openMarket opens it from the environment).
// ---------------------------------------------------------------------------------------------------

async function serve(): Promise<void> {
  const { loadConfig } = await import('../src/config.js');
  const { openMarket } = await import('../src/market.js');
  const { startMarketServer } = await import('../src/server.js');
  const config = loadConfig(process.env);
  const market = await openMarket(config, pino({ level: 'silent' }));
  const running = await startMarketServer(market, { host: '127.0.0.1', port: 0, sweepIntervalMs: 60_000 });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('bench server: close failed', err);
        process.exit(1);
      },
    );
  };
  // The parent went away (or closed our stdin): stop.
  createInterface({ input: process.stdin }).on('close', stop);
  process.once('SIGTERM', stop);
  process.once('SIGINT', () => {}); // the parent handles Ctrl-C and closes our stdin
  process.stdout.write(`${LINE_PREFIX}${JSON.stringify({ url: running.url, pid: process.pid })}\n`);
}

// ---------------------------------------------------------------------------------------------------
// Parent: PostgreSQL, the instances and the load generator.
// ---------------------------------------------------------------------------------------------------

interface Instance {
  child: ChildProcess;
  url: URL;
  pid: number;
  exited: Promise<number | null>;
}

async function startInstance(env: Record<string, string>): Promise<Instance> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--serve'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const hello = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith(LINE_PREFIX))
        resolve(JSON.parse(line.slice(LINE_PREFIX.length)) as { url: string; pid: number });
      else process.stderr.write(`[server] ${line}\n`);
    });
    void exited.then((code) => reject(new Error(`a server instance exited (code ${String(code)}) before listening`)));
  });
  return { child, url: new URL(hello.url), pid: hello.pid, exited };
}

async function stopInstance(instance: Instance): Promise<void> {
  if (instance.child.exitCode !== null || instance.child.signalCode !== null) return;
  instance.child.stdin!.end();
  const timer = setTimeout(() => instance.child.kill('SIGKILL'), 15_000);
  await instance.exited;
  clearTimeout(timer);
}

/** CPU time (ms) a process has used, from /proc (Linux; CLK_TCK=100 assumed); NaN elsewhere. */
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/** The machine's busy and total CPU time (ms) over every core, from os.cpus(). */
function machineCpu(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

/** A server URL as it may be printed: the password replaced. */
function shown(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

/** TEST_POSTGRES_URL, or a throwaway cluster (with the function that stops it), or why there is none. */
function postgresServer(): { url: string; stop?: () => void } | { unavailable: string } {
  const given = process.env.TEST_POSTGRES_URL;
  if (given === 'none') return { unavailable: 'TEST_POSTGRES_URL=none' };
  if (given) return { url: given };
  try {
    const url = execFileSync(TEST_POSTGRES_SCRIPT, ['start'], { stdio: ['ignore', 'pipe', 'pipe'] })
      .toString()
      .trim();
    return { url, stop: () => execFileSync(TEST_POSTGRES_SCRIPT, ['stop', url], { stdio: 'pipe' }) };
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return {
      unavailable: `no TEST_POSTGRES_URL, and scripts/test-postgres.sh could not start a cluster: ${stderr || error}`,
    };
  }
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function onServer<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function wallet(kind: number, index: number): Wallet {
  const seed = Buffer.alloc(32);
  seed.write('bench-pg', 0);
  seed.writeUInt32BE(kind, 12);
  seed.writeUInt32BE(index, 16);
  seed.writeUInt32BE(process.pid, 20);
  return walletFromSeed(seed.toString('hex'));
}

interface Answer {
  status: number;
  text: string;
}

function post(
  agent: Agent,
  url: URL,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface RunFigures {
  instances: number;
  loops: number;
  pairs: number;
  perSecond: number;
  p50: number;
  p99: number;
  failures: number;
  /** Answers other than the expected, by status. */
  failed: Record<string, number>;
  inlineSigned: number;
  /** CPU of every instance, per pair (µs). */
  serverCpuPerPair: number;
  /** The machine's cores busy over the timed run (0..1), everything included. */
  machineBusy: number;
  escrows: number;
}

/** One instance count: a fresh database, the instances, funding, warm-up, the timed run, the audit. */
async function measure(
  serverUrl: string,
  template: string,
  count: number,
  settings: { loops: number; seconds: number; warmupSeconds: number; keyDir: string },
): Promise<RunFigures> {
  const { loops, seconds, warmupSeconds } = settings;
  const name = `grp_bench_${process.pid}_${count}_${Date.now()}`;
  await onServer(serverUrl, (c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  const url = databaseUrl(serverUrl, name);
  const instances: Instance[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: loops });
  try {
    const env = {
      DATABASE_URL: url,
      RC_ADMIN_KEY: ADMIN_KEY,
      RECEIPT_KEY_FILE: join(settings.keyDir, 'receipt.key'),
      REDIS_URL: '',
    };
    instances.push(...(await Promise.all(Array.from({ length: count }, () => startInstance(env)))));
    let turn = 0;
    const next = () => instances[turn++ % instances.length]!.url;

    const payers = Array.from({ length: loops }, (_, k) => wallet(1, k));
    const providers = Array.from({ length: loops }, (_, k) => wallet(2, k));
    for (const [k, payer] of payers.entries()) {
      const funded = await post(
        agent,
        next(),
        '/wallet/deposit',
        JSON.stringify({ wallet: payer.address, amount_rtc: 1_000_000, reference: `bench-pg-fund-${k}` }),
        { 'x-admin-key': ADMIN_KEY },
      );
      if (funded.status !== 201) throw new Error(`funding payer ${k} failed: ${funded.status} ${funded.text}`);
    }

    // Bodies signed before the run: a first guess of the rate, with headroom; inline (and counted) past it.
    const guessPerSecond = envNumber('BENCH_PG_GUESS_PAIRS', 400, 1);
    const perLoop = Math.ceil((guessPerSecond * (seconds + warmupSeconds) * 1.5) / loops) + 4;
    let inlineSigned = 0;
    const signPair = (k: number, i: number) => {
      const jobId = `bench-pg-${count}-${k}-${i}`;
      return {
        lock: JSON.stringify(lockBody(payers[k]!, jobId, providers[k]!.address, `l${i}`, LOCK_AMOUNT_URTC)),
        release: JSON.stringify(releaseBody(payers[k]!, jobId, `r${i}`)),
      };
    };
    const pools = payers.map((_, k) => Array.from({ length: perLoop }, (_, i) => signPair(k, i)));

    const latencies: number[] = [];
    const failed: Record<string, number> = {};
    let failures = 0;
    let pairs = 0;
    const t0 = performance.now();
    const timedFrom = t0 + warmupSeconds * 1000;
    const timedTo = timedFrom + seconds * 1000;
    let cpuMark = { servers: Number.NaN, machine: machineCpu() };
    const markTimer = setTimeout(() => {
      cpuMark = { servers: instances.reduce((s, i) => s + processCpuMs(i.pid), 0), machine: machineCpu() };
    }, timedFrom - t0);

    async function loop(k: number) {
      for (let i = 0; performance.now() < timedTo; i++) {
        let pair = pools[k]![i];
        if (pair) pools[k]![i] = undefined as never;
        else {
          pair = signPair(k, i);
          inlineSigned += 1;
        }
        const started = performance.now();
        let outcome: string;
        try {
          const lock = await post(agent, next(), '/render/escrow', pair.lock);
          const release = await post(agent, next(), '/render/release', pair.release);
          const released =
            lock.status === 201 && release.status === 200 && release.text.includes('"status":"released"');
          outcome = released ? 'ok' : `lock ${lock.status} / release ${release.status}`;
        } catch (error) {
          outcome = `no answer (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
        }
        const ended = performance.now();
        if (started < timedFrom || ended > timedTo) continue; // the warm-up, or past the end
        if (outcome === 'ok') {
          pairs += 1;
          latencies.push(ended - started);
        } else {
          failures += 1;
          failed[outcome] = (failed[outcome] ?? 0) + 1;
        }
      }
    }
    await Promise.all(payers.map((_, k) => loop(k)));
    clearTimeout(markTimer);
    const servers = instances.reduce((s, i) => s + processCpuMs(i.pid), 0) - cpuMark.servers;
    const machine = machineCpu();
    const sorted = Float64Array.from(latencies).sort();

    const { auditLedgerOn } = await import('../src/ledger-invariants.js');
    const { createPostgresPool } = await import('../src/db-postgres.js');
    const { createPostgresEngine } = await import('../src/sql/postgres.js');
    const engine = createPostgresEngine(createPostgresPool(url));
    let escrows = 0;
    try {
      const violations = await auditLedgerOn(engine);
      if (violations.length > 0)
        throw new Error(`ledger audit after ${count} instance(s): ${JSON.stringify(violations)}`);
      escrows = Number((await engine.pool.query('SELECT COUNT(*) AS n FROM render_escrow')).rows[0].n);
    } finally {
      await engine.pool.end();
    }
    return {
      instances: count,
      loops,
      pairs,
      perSecond: pairs / seconds,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      failures,
      failed,
      inlineSigned,
      serverCpuPerPair: (servers * 1000) / Math.max(1, pairs),
      machineBusy: (machine.busy - cpuMark.machine.busy) / Math.max(1, machine.total - cpuMark.machine.total),
      escrows,
    };
  } finally {
    agent.destroy();
    await Promise.all(instances.map(stopInstance));
    await onServer(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).catch(() => {});
  }
}

export async function runPostgresBench(): Promise<void> {
  const loops = envInt('BENCH_PG_LOOPS', 32, 1);
  const seconds = envNumber('BENCH_SECONDS', 5, 1);
  const warmupSeconds = envNumber('BENCH_WARMUP_SECONDS', 1, 0);
  const counts = (process.env.BENCH_PG_INSTANCES || '1,3')
    .split(',')
    .map((n) => Math.floor(Number(n)))
    .filter((n) => n >= 1);

  console.log('');
  console.log(
    `postgres: REST lock+release pairs at ${loops} concurrent loops against ${counts.join(' and ')} server instance(s) on one PostgreSQL database; ` +
      `${seconds} s timed after a ${warmupSeconds} s warm-up`,
  );
  const server = postgresServer();
  if ('unavailable' in server) {
    console.log(`  skipped: ${server.unavailable}`);
    return;
  }
  const version = await onServer(
    server.url,
    async (c) => (await c.query('SHOW server_version')).rows[0].server_version,
  );
  console.log(
    `  node ${process.version}, ${cpus().length} CPU core(s) shared by the instances (processes), PostgreSQL ${version} ` +
      `(${process.env.TEST_POSTGRES_URL ? shown(server.url) : 'a throwaway cluster, fsync off'}) and this load generator`,
  );
  console.log(
    `  load average before the run: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );

  const keyDir = mkdtempSync(join(tmpdir(), 'grp-bench-pg-'));
  const template = `grp_bench_template_${process.pid}_${Date.now()}`;
  const results: RunFigures[] = [];
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await onServer(server.url, (c) => c.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`)).catch(() => {});
    rmSync(keyDir, { recursive: true, force: true });
    server.stop?.();
  };
  const onSigint = () => {
    console.error('\ninterrupted: stopping the instances, dropping the databases');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  try {
    await onServer(server.url, (c) => c.query(`CREATE DATABASE "${template}"`));
    execFileSync('npx', ['prisma', 'migrate', 'deploy'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: databaseUrl(server.url, template) },
      stdio: 'pipe',
    });
    const { loadOrCreateReceiptKey } = await import('../src/escrow/receipts.js');
    loadOrCreateReceiptKey(join(keyDir, 'receipt.key')); // one key for every instance, made before they start
    for (const count of counts) {
      const f = await measure(server.url, template, count, { loops, seconds, warmupSeconds, keyDir });
      results.push(f);
      console.log(
        `  done: ${count} instance(s): ${f.perSecond.toFixed(0)} pairs/s, p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms; ` +
          `${f.failures} failed${f.failures ? ` (${JSON.stringify(f.failed)})` : ''}; ledger audit sound over ${f.escrows} escrows` +
          (f.inlineSigned ? `; ${f.inlineSigned} pairs signed inline (pool ran dry)` : ''),
      );
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    await cleanup();
  }

  console.log('');
  console.log(
    `${'instances'.padEnd(12)}${'pairs/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'failed'.padStart(8)}${'CPU µs/pair'.padStart(13)}  machine busy`,
  );
  const num = (v: number, digits: number, n: number) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a').padStart(n);
  for (const f of results) {
    console.log(
      `${String(f.instances).padEnd(12)}${num(f.perSecond, 0, 9)}${num(f.p50, 2, 9)}${num(f.p99, 2, 9)}${String(f.failures).padStart(8)}${num(f.serverCpuPerPair, 0, 13)}  ${(f.machineBusy * 100).toFixed(0)}%`,
    );
  }
  const [first, ...others] = results;
  for (const f of others) {
    console.log(
      `  ${f.instances}/${first!.instances} instance(s): ${(f.perSecond / first!.perSecond).toFixed(2)}× the pairs/s, p99 ${(f.p99 / first!.p99).toFixed(2)}×`,
    );
  }
  console.log(
    '  (CPU µs/pair: every instance process, all threads; machine busy: all cores, PostgreSQL and this load generator included)',
  );
}

if (process.argv.includes('--serve')) {
  await serve();
} else {
  await runIfMain(import.meta.url, 'postgres', runPostgresBench);
}
