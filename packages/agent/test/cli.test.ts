/**
 * The `gpr-agent` command, run through the package's bin entry as npm runs it: keygen, and the paths of
 * attest that need no market server — no GPU tool (which this GPU-less machine shows for real), a dry run
 * with a stand-in nvidia-smi, the repeat loop and its shutdown, bad usage and a bad config. Attesting to
 * a real server is the market server's integration test.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAttestation } from '../src/client.js';
import { loadAgentConfig } from '../src/config.js';
import { NO_GPU_TOOL_MESSAGE, parseNvidiaSmiCsv } from '../src/gpus.js';
import { walletFromSeed } from '../src/protocol/index.js';
import { BIN, EXAMPLE_CONFIG, PACKAGE_DIR, runCli, withFakeNvidiaSmi } from './support/cli.js';
import { fixture } from './support/fixtures.js';
import { verifies } from './support/signature.js';

describe('the agent CLI', () => {
  it('prints its usage for --help, and exits 64 with it for an unknown command', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('gpr-agent attest --server URL --key FILE --config FILE');
    const unknown = await runCli(['attset']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr).toContain('unknown command "attset"');
    expect(unknown.stderr).toContain('gpr-agent keygen --key FILE');
  });

  it('keygen writes a 0600 key file in the wallet format and prints the miner_id; it never overwrites', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-key-'));
    const key = join(dir, 'node.key');
    const first = await runCli(['keygen', '--key', key]);
    expect(first.code).toBe(0);
    const text = readFileSync(key, 'utf8');
    expect(text).toMatch(/^[0-9a-f]{64}\n$/);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const printed = JSON.parse(first.stdout);
    const wallet = walletFromSeed(text.trim());
    expect(printed).toStrictEqual({ miner_id: wallet.address, public_key: wallet.publicKey, key_file: key });

    const second = await runCli(['keygen', '--key', key]);
    expect(second.code).toBe(78);
    expect(second.stderr).toContain('already exists');
    expect(readFileSync(key, 'utf8')).toBe(text);
  });

  it('attest exits 2 with the clear message when no GPU tool is installed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-attest-'));
    mkdirSync(join(dir, 'keys'));
    const key = join(dir, 'keys', 'node.key');
    const result = await runCli([
      'attest',
      '--server',
      'http://127.0.0.1:9',
      '--key',
      key,
      '--config',
      'examples/agent.config.json',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(NO_GPU_TOOL_MESSAGE);
    const line = JSON.parse(result.stdout.trim());
    expect(line).toMatchObject({ ok: false, error: { code: 'NO_GPU_TOOL', message: NO_GPU_TOOL_MESSAGE } });
    // The key was created for the node all the same (0600), ready for when the driver is installed.
    expect(line.miner_id).toBe(walletFromSeed(readFileSync(key, 'utf8').trim()).address);
    expect(statSync(key).mode & 0o777).toBe(0o600);
  });

  it('attest --dry-run prints the signed body for the detected GPUs and sends nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-dry-run-'));
    const key = join(dir, 'node.key');
    const result = await runCli(
      ['attest', '--dry-run', '--key', key, '--config', 'examples/agent.config.json'],
      withFakeNvidiaSmi(),
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('placeholder');
    const { public_key, signature, ...fields } = JSON.parse(result.stdout);
    const wallet = walletFromSeed(readFileSync(key, 'utf8').trim());
    expect(public_key).toBe(wallet.publicKey);
    expect(fields).toStrictEqual(
      buildAttestation({
        minerId: wallet.address,
        challenge: '0'.repeat(64),
        config: loadAgentConfig(EXAMPLE_CONFIG),
        detection: {
          deviceArch: 'nvidia_gpu',
          gpus: [{ ...parseNvidiaSmiCsv(fixture('nvidia-smi-rtx4090.csv'))[0]!, cudaVersion: '12.4' }],
        },
      }),
    );
    expect(verifies({ ...fields, action: 'gpu.attest' }, public_key, signature)).toBe(true);
  });

  it('attest --interval repeats until SIGTERM, then exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-interval-'));
    const config = join(dir, 'agent.json');
    writeFileSync(
      config,
      JSON.stringify({ job_types: ['render'], prices: { render_minute_urtc: '50000' }, benchmark_score: 80 }),
    );
    // Nothing listens on port 9: each attempt fails, is logged, and the agent keeps going.
    const args = [
      'attest',
      '--server',
      'http://127.0.0.1:9',
      '--key',
      join(dir, 'k'),
      '--config',
      config,
      '--interval',
      '10',
    ];
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: PACKAGE_DIR,
      env: { ...process.env, PATH: withFakeNvidiaSmi() },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // The summary line (stdout) and the schedule message (stderr) come through separate pipes, in either order.
    const deadline = Date.now() + 20_000;
    while (
      !(stdout.includes('\n') && stderr.includes('attesting every')) &&
      child.exitCode === null &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(JSON.parse(stdout.trim())).toMatchObject({ ok: false, error: { code: 'NETWORK' } });
    expect(stderr).toContain('attesting every 10 s');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('stopped');
  });

  it('attest refuses bad usage and a bad config', async () => {
    expect((await runCli(['attest', '--key', 'k', '--config', 'c'])).code).toBe(64);
    const dir = mkdtempSync(join(tmpdir(), 'agent-bad-config-'));
    const config = join(dir, 'agent.json');
    writeFileSync(config, JSON.stringify({ job_types: ['llm'], prices: {}, benchmark_score: 10 }));
    const result = await runCli(['attest', '--dry-run', '--key', join(dir, 'k'), '--config', config]);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('prices.llm_1k_tokens_urtc: is required because job_types includes "llm"');
  });
});
