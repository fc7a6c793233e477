/**
 * The README's "From zero to a paid job" block, run as the script it is, twice in a row against the same
 * database (as a user pasting it again would): the first run pays the node, the second changes nothing.
 * Only the port, the database and the key directory are moved out of the way, by substitution.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;

function walkthrough(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## From zero to a paid job'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error('the README has no walkthrough block');
  return block[1]!;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Runs the block in its own process group (the server it starts included), then stops them all. */
async function run(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-e', '-c', `${script}\nkill %1`], {
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
