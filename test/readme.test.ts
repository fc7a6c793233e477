/**
 * The README's runnable blocks, each run as the script it is, twice in a row against the same database (as a
 * user pasting it again would): "From zero to a paid job" (the first run pays the node, the second changes
 * nothing), the hand attestation of a node on a machine without a GPU, and the Python client's walkthrough.
 * Only the port, the database, the key directory and (for Python) the interpreter are moved out of the way,
 * by substitution.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { freshTestDatabaseUrl } from './support/market.js';
import { spawnServer } from './support/process.js';

const ROOT = new URL('..', import.meta.url).pathname;

/** The first `sh` block after the heading. */
function blockAfter(heading: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf(heading);
  if (at < 0) throw new Error(`the README has no heading ${heading}`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error(`the README has no sh block after ${heading}`);
  return block[1]!;
}

const walkthrough = () => blockAfter('## From zero to a paid job');

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Runs the block in its own process group (the server it starts included, stopped by `kill %1`), then stops them all. */
async function run(
  script: string,
  env: Record<string, string>,
  { startsServer = true } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-e', '-c', startsServer ? `${script}\nkill %1` : script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    process.kill(-child.pid!, 'SIGTERM'); // the server, should the script have stopped before `kill %1`
  } catch {
    // the group is gone already
  }
  return { code, stdout, stderr };
}

it('the walkthrough pays the GPU node 2.5 RTC, and pasted again changes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grp-readme-'));
  const port = await freePort();
  const script = walkthrough().replaceAll('localhost:4000', `localhost:${port}`).replaceAll('data/', `${dir}/`);
  const env = {
    PORT: String(port),
    DATABASE_URL: `file:${dir}/market.db`,
    RECEIPT_KEY_FILE: `${dir}/receipt.key`,
    LOG_LEVEL: 'warn',
  };

  const first = await run(script, env);
  expect(first.code, first.stderr).toBe(0);
  const answers = first.stdout.split('\n').filter((l) => l.startsWith('{"ok"'));
  expect(answers.map((a) => JSON.parse(a).status ?? null).slice(1, 4)).toEqual(['locked', 'delivered', 'released']);
  expect(JSON.parse(answers[4]!)).toMatchObject({ ok: true, available_urtc: '2500000', available_rtc: 2.5 });
  expect(JSON.parse(answers[5]!)).toMatchObject({ ok: true, receipt: { job_id: 'render-42', status: 'released' } });

  const again = await run(script, env);
  expect(again.code, again.stderr).toBe(0);
  expect(again.stderr).toContain('exists: using the key in it');
  const replies = again.stdout
    .split('\n')
    .filter((l) => l.startsWith('{"ok"'))
    .map((l) => JSON.parse(l));
  expect(replies[1]).toMatchObject({ ok: true, status: 'released' }); // the lock's replay shows the escrow as it is
  expect(replies[2]).toMatchObject({ ok: false, error: { code: 'NONCE_REUSED' } }); // the delivery was applied once
  expect(replies[4]).toMatchObject({ available_urtc: '2500000' });
});

/** A block that needs the server of the walkthrough running: a server process, and the block pointed at it. */
async function againstServer(block: string, dir: string, env: Record<string, string> = {}) {
  const server = await spawnServer(await freshTestDatabaseUrl(), { RECEIPT_KEY_FILE: `${dir}/receipt.key`, ...env });
  const script = block.replaceAll('localhost:4000', new URL(server.url).host).replaceAll('data/', `${dir}/`);
  return { script, stop: () => server.stop() };
}
const answersOf = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));

it('the hand attestation attests a node from a machine without a GPU, and pasted again attests it again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grp-readme-attest-'));
  const { script, stop } = await againstServer(blockAfter('### Attesting by hand, on a machine without a GPU'), dir);
  try {
    for (const pass of [1, 2]) {
      const r = await run(script, { LOG_LEVEL: 'warn' }, { startsServer: false });
      expect(r.code, r.stderr).toBe(0);
      const [dryRun, attested, listed] = answersOf(r.stdout);
      expect(dryRun).toMatchObject({
        challenge: '0'.repeat(64),
        device_arch: 'nvidia_gpu',
        gpus: [{ model: 'NVIDIA GeForce RTX 4090', vram_mb: 24564, benchmark_score: 82.6 }],
        prices: { render_minute_urtc: '250000' },
        signature: expect.stringMatching(/^[0-9a-f]{128}$/),
      });
      expect(attested).toMatchObject({
        ok: true,
        miner_id: dryRun.miner_id,
        tool: 'nvidia-smi',
        status: 'online',
        trust: 'catalog_consistent',
        flags: [],
      });
      expect(listed.nodes).toEqual([
        expect.objectContaining({
          miner_id: dryRun.miner_id,
          prices: expect.objectContaining({ render_minute_urtc: '250000' }),
        }),
      ]);
      if (pass === 1) expect(r.stderr).toContain('created key file');
      else expect(r.stderr).not.toContain('created key file');
    }
  } finally {
    await stop();
  }
});

const pythonReady = spawnSync('/usr/bin/python3', ['-c', 'import nacl.signing']).status === 0;
it.skipIf(!pythonReady)(
  'the Python walkthrough pays 1.5 RTC and refunds 1 RTC with a non-ASCII reason; pasted again, it replays',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grp-readme-python-'));
    const block = blockAfter('### From Python').replaceAll('python3 ', '/usr/bin/python3 ');
    const { script, stop } = await againstServer(block, dir, {
      RC_ADMIN_KEY: 'change-me-to-a-long-random-operator-key',
    });
    try {
      const first = await run(script, {}, { startsServer: false });
      expect(first.code, first.stderr).toBe(0);
      const [deposit, lock1, release, lock2, refund, balance] = answersOf(first.stdout);
      expect(deposit).toMatchObject({ ok: true, created: true, available_urtc: '5000000' });
      expect([lock1, release, lock2, refund].map((a) => [a.status, a.changed])).toEqual([
        ['locked', true],
        ['released', true],
        ['locked', true],
        ['refunded', true],
      ]);
      expect(refund).toMatchObject({ refund_reason: 'échec du rendu — GPU 溢出', settled_by: 'provider' });
      expect(balance).toMatchObject({ ok: true, wallet: deposit.wallet, available_urtc: '3500000', locked_urtc: '0' });

      const again = await run(script, {}, { startsServer: false });
      expect(again.code, again.stderr).toBe(0);
      const replies = answersOf(again.stdout);
      expect(replies.slice(1, 5).map((a) => [a.status, a.changed])).toEqual([
        ['released', false],
        ['released', false],
        ['refunded', false],
        ['refunded', false],
      ]);
      expect(replies[5]).toMatchObject({ available_urtc: '3500000' });
    } finally {
      await stop();
    }
  },
);
