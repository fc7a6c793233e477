/**
 * `npm run bench`, console section: what the web console costs a person opening it.
 *
 * - Size: the JavaScript a first visit downloads (web/dist/assets/*.js, built by `npm run build:web`, which this
 *   section runs and times first), raw and gzip-compressed (level 9); the budget is 300 KB gzip.
 * - Time to first inventory row: a server in this process on a fresh, migrated SQLite file with 10,000 nodes
 *   (bench/inventory.ts's seeding), Chromium (Debian's /usr/bin/chromium, driven by playwright-core) opening
 *   /console/?job=LLM&sort=price in a fresh browser context each run (nothing cached), and the page's own
 *   clock read when the first row of the table is in the DOM: navigation start to first row, in ms. One
 *   uncounted warm-up run, then BENCH_CONSOLE_RUNS runs (default 10); p50 and max. Without Chromium the
 *   timing is skipped with a message.
 * A missed budget is reported, never a failing exit code.
 *
 * Standalone: `npx tsx bench/console.ts`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { CONSOLE_BUILD_DIR } from '../src/console-static.js';
import { startMarketServer } from '../src/server.js';
import { seedNodes } from './inventory.js';
import { envInt, fmtMs, int, percentile, ROOT, runIfMain, withBenchMarket } from './support.js';

const GZIP_BUDGET_BYTES = 300 * 1024;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const NODES = 10_000;

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export async function runConsoleBench(): Promise<void> {
  console.log('\nconsole: the web console (web/dist) as a browser loads it');
  const buildStarted = performance.now();
  execFileSync('npm', ['run', '--silent', 'build:web'], { cwd: ROOT, stdio: 'inherit' });
  console.log(`  npm run build:web: ${((performance.now() - buildStarted) / 1000).toFixed(1)} s`);

  const assets = join(CONSOLE_BUILD_DIR, 'assets');
  let raw = 0;
  let gzip = 0;
  for (const name of readdirSync(assets).filter((n) => n.endsWith('.js'))) {
    const bytes = readFileSync(join(assets, name));
    const zipped = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gzip += zipped;
    console.log(`  ${name}: ${kb(bytes.length)} raw, ${kb(zipped)} gzip`);
  }
  console.log(
    `console JavaScript: ${kb(raw)} raw, ${kb(gzip)} gzip (budget 300 KB gzip: ${gzip <= GZIP_BUDGET_BYTES ? 'PASS' : 'OVER BUDGET'})`,
  );

  if (!existsSync(CHROMIUM)) {
    console.log(`  time to first inventory row: skipped, no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
    return;
  }
  const runs = envInt('BENCH_CONSOLE_RUNS', 10, 1);
  await withBenchMarket('console', { ATTESTATION_TTL_S: 3600 }, async ({ market, now }) => {
    const seeded = seedNodes(market.db.sqlite, 0, NODES, now);
    console.log(`  seeded ${int(seeded.nodes)} nodes in ${(seeded.ms / 1000).toFixed(1)} s`);
    const server = await startMarketServer(market, { host: '127.0.0.1', port: 0, sweepIntervalMs: 3_600_000 });
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const times: number[] = [];
      for (let i = 0; i <= runs; i++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();
        await page.goto(`${server.url}/console/?job=LLM&sort=price`, { waitUntil: 'commit' });
        await page.locator('[data-testid=inventory-table] tbody tr').first().waitFor({ timeout: 30_000 });
        const ms = await page.evaluate(() => performance.now()); // since this document's navigation began
        if (i > 0) times.push(ms); // the first run warms the server and the browser
        await context.close();
      }
      const sorted = Float64Array.from(times).sort();
      console.log(
        `console time to first inventory row (${int(NODES)} nodes, LLM by price, cold browser context): ` +
          `p50 ${fmtMs(percentile(sorted, 50))} ms, max ${fmtMs(sorted[sorted.length - 1]!)} ms over ${runs} runs`,
      );
    } finally {
      await browser.close();
      await server.close();
    }
  });
}

await runIfMain(import.meta.url, 'console', runConsoleBench);
