/**
 * The example clients (examples/bot.ts, examples/inventory.ts) run as a user runs them: separate
 * processes talking HTTP and WebSocket to a real server process on a fresh database file.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walletFromSeed, type Wallet } from '../src/domain/signatures.js';
import { verifyNode } from './support/eligibility.js';
import { attest, rtx4090 } from './support/gpu.js';
import { ADMIN_KEY, freshTestDatabaseUrl, newWallet } from './support/market.js';
import { spawnServer, type ServerProcess } from './support/process.js';
import { call } from './support/rest.js';

const ROOT = new URL('..', import.meta.url).pathname;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an example to its end, with only the environment given (no GRP_SERVER / RC_ADMIN_KEY leaking in). */
function runExample(script: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  const { GRP_SERVER: _s, RC_ADMIN_KEY: _k, ...inherited } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      env: { ...inherited, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not finish in 15 s\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, 15_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

let server: ServerProcess;
/** Attested LLM nodes: two RTX 4090 (24 GB) at 1800 and 2500 µRTC per 1K tokens, one RTX 3060 (12 GB) at 1200. */
let nodes: { wallet: Wallet; llmPrice: string }[];

beforeAll(async () => {
  server = await spawnServer(await freshTestDatabaseUrl());
  const specs = [
    { llmPrice: '1800', gpu: rtx4090() },
    { llmPrice: '2500', gpu: rtx4090() },
    { llmPrice: '1200', gpu: rtx4090({ model: 'NVIDIA GeForce RTX 3060', vram_mb: 12288, benchmark_score: 12.7 }) },
  ];
  nodes = await Promise.all(
    specs.map(async ({ llmPrice, gpu }) => {
      const wallet = newWallet();
      const r = await attest(server.url, wallet, {
        gpus: [gpu],
        prices: { render_minute_urtc: '50000', llm_1k_tokens_urtc: llmPrice },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      await verifyNode(server.url, wallet.address); // eligible for the fair rate
      return { wallet, llmPrice };
    }),
  );
});
afterAll(async () => {
  if (server?.child.exitCode === null) await server.stop();
});

describe('examples/inventory.ts', () => {
  it('lists the attested LLM nodes cheapest first with their prices, the filters, and the fair rate', async () => {
    const [all, filtered] = await Promise.all([
      runExample('examples/inventory.ts', ['--server', server.url]),
      runExample('examples/inventory.ts', [
        '--server',
        server.url,
        '--job-type',
        'LLM',
        '--min-vram-gb',
        '24',
        '--max-price-urtc',
        '2000',
      ]),
    ]);
    expect(all.code, all.stderr).toBe(0);
    const byPrice = [...nodes].sort((a, b) => Number(a.llmPrice) - Number(b.llmPrice));
    const rows = all.stdout.split('\n').filter((l) => l.startsWith('RTC'));
    expect(rows.map((l) => l.split(/\s+/).slice(0, 2))).toEqual(byPrice.map((n) => [n.wallet.address, n.llmPrice]));
    expect(all.stdout).toContain('1× NVIDIA GeForce RTX 3060 (12 GB)');
    expect(all.stdout).toMatch(/3 shown of 3/);
    expect(all.stdout).toMatch(/fair rate LLM: 1800 µRTC \(0\.0018 RTC\) per 1K tokens/);

    // ≥ 24 GB drops the RTX 3060, ≤ 2000 µRTC the 4090 at 2500.
    expect(filtered.code, filtered.stderr).toBe(0);
    const kept = filtered.stdout.split('\n').filter((l) => l.startsWith('RTC'));
    expect(kept.map((l) => l.split(/\s+/).slice(0, 2))).toEqual([[nodes[0]!.wallet.address, '1800']]);
  });

  it('refuses a job type that does not exist, with the usage', async () => {
    const r = await runExample('examples/inventory.ts', ['--server', server.url, '--job-type', 'MINING']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('--job-type must be one of RENDER, TTS, STT, LLM');
  });
});

describe('examples/bot.ts', () => {
  it('locks an LLM job, pays a milestone, has it delivered and accepts it, printing every transition, and verifies the receipt', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grp-bot-'));
    const keyFile = join(dir, 'bot.key');
    const providerKeyFile = join(dir, 'node.key');
    const [ok, refused] = await Promise.all([
      runExample('examples/bot.ts', [
        '--server',
        server.url,
        '--admin-key',
        ADMIN_KEY,
        '--key',
        keyFile,
        '--provider-key',
        providerKeyFile,
      ]),
      // The same through the environment, with a wrong operator key: the deposit's error is printed.
      runExample('examples/bot.ts', [], {
        GRP_SERVER: server.url,
        RC_ADMIN_KEY: 'not-the-operator-key-0123456789abcdef',
      }),
    ]);

    expect(ok.code, `${ok.stdout}\n${ok.stderr}`).toBe(0);
    const events = [
      ...ok.stdout.matchAll(
        /^event seq=(\d+) change=(\w+) status=(\w+) amount_urtc=(\d+) released_urtc=(\d+) refunded_urtc=(\d+) remaining_urtc=(\d+)/gm,
      ),
    ].map((m) => ({
      seq: Number(m[1]),
      change: m[2],
      status: m[3],
      released: m[5],
      refunded: m[6],
      remaining: m[7],
    }));
    expect(events.map((e) => [e.change, e.status, e.released, e.remaining])).toEqual([
      ['LOCKED', 'LOCKED', '0', '2500000'],
      ['PARTIALLY_RELEASED', 'LOCKED', '1000000', '1500000'], // the milestone: the rest stays locked
      ['DELIVERED', 'DELIVERED', '1000000', '1500000'],
      ['RELEASED', 'RELEASED', '2500000', '0'],
    ]);
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    expect(ok.stdout).toMatch(/^settled {2}job llm-bot-\S+ RELEASED/m);
    expect(ok.stdout).toMatch(
      /^receipt {2}verified with key [0-9a-f]{16}: released, 2500000 µRTC released, settled by payer$/m,
    );

    // The key files it created hold the bot's and the node's wallets, readable by their owner only; the node was paid.
    const bot = walletFromSeed(readFileSync(keyFile, 'utf8').trim());
    const node = walletFromSeed(readFileSync(providerKeyFile, 'utf8').trim());
    expect(ok.stdout).toContain(`bot      ${bot.address} (new key file ${keyFile})`);
    expect(ok.stdout).toContain(`provider ${node.address} (new key file ${providerKeyFile})`);
    for (const file of [keyFile, providerKeyFile]) expect(statSync(file).mode & 0o077).toBe(0);
    expect((await call(server.url, 'GET', `/wallet/balance?wallet=${bot.address}`)).body).toMatchObject({
      available_urtc: '7500000',
      locked_urtc: '0',
    });
    expect((await call(server.url, 'GET', `/wallet/balance?wallet=${node.address}`)).body).toMatchObject({
      available_urtc: '2500000',
    });

    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: deposit failed: UNAUTHORIZED: /m);
    expect(refused.stdout).not.toContain('event ');
  });
});
