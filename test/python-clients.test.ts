/**
 * RustChain's Python wallets, accepted unchanged. examples/python/gpr_client.py signs as RustChain's own wallet
 * code does — PyNaCl over `json.dumps(action, sort_keys=True, separators=(",", ":"))`, non-ASCII escaped as
 * `\uXXXX`, floats written as Python writes them (`80.0`) — and these tests run that script, under Debian's
 * /usr/bin/python3, against a listening server. Each case moves money exactly as its TypeScript-signed
 * equivalent does.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/domain/canonical-json.js';
import type { Wallet } from '../src/domain/signatures.js';
import { attest, newGpuUuid } from './support/gpu.js';
import { newJobId, newWallet, startTestServer } from './support/market.js';
import { call, deposit, signedLockBody, signedRefundBody, signedReleaseBody } from './support/rest.js';
import { expectLedgerSound } from './support/database.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = new URL('../examples/python/gpr_client.py', import.meta.url).pathname;
const pythonReady = spawnSync(PYTHON, ['-c', 'import nacl.signing']).status === 0;
const cryptographyReady =
  pythonReady && spawnSync(PYTHON, ['-c', 'import cryptography.hazmat.primitives.asymmetric.ed25519']).status === 0;
if (!pythonReady)
  console.warn(
    `python-clients: skipped, ${PYTHON} with PyNaCl is missing (apt-get install python3-nacl; .ci/run does)`,
  );

let server: Awaited<ReturnType<typeof startTestServer>>;
let url: string;
let keys: string;
beforeAll(async () => {
  server = await startTestServer();
  url = server.url;
  keys = mkdtempSync(join(tmpdir(), 'grp-python-'));
});
afterAll(async () => {
  await expectLedgerSound(server.market);
  await server.close();
});

interface PythonRun {
  code: number | null;
  /** The last line of stdout, parsed: the server's answer (or the dry run's body). */
  answer: any;
  stdout: string;
  stderr: string;
}

/** Runs the example client as a user would. Asynchronous: the server answering it lives in this process. */
const gprClient = (key: string, ...args: string[]) => python([SCRIPT], key, args);

async function python(program: string[], key: string, args: string[]): Promise<PythonRun> {
  const child = spawn(PYTHON, [...program, '--server', url, '--key', join(keys, key), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return { code, answer: last ? JSON.parse(last) : null, stdout, stderr };
}

/** A Python wallet: its key file is created by the client's first run, which prints the address. */
async function pythonWallet(name: string): Promise<{ key: string; address: string; publicKey: string }> {
  const key = `${name}-${newJobId('k')}.key`;
  const r = await gprClient(key, 'address');
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toContain('created key file');
  return { key, address: r.answer.address, publicKey: r.answer.public_key };
}

const upper = (address: string) => `RTC${address.slice(3).toUpperCase()}`;
const balanceOf = async (address: string) => {
  const b = (await call(url, 'GET', `/wallet/balance?wallet=${address}`)).body;
  return { available_urtc: b.available_urtc, locked_urtc: b.locked_urtc };
};
/** What an escrow's settlement moved, without the names and times that differ between runs. */
const settlement = (e: Record<string, unknown>) => ({
  status: e.status,
  amount_urtc: e.amount_urtc,
  released_urtc: e.released_urtc,
  refunded_urtc: e.refunded_urtc,
  remaining_urtc: e.remaining_urtc,
  refund_reason: e.refund_reason,
  settled_by: e.settled_by,
});
const escrowOf = async (jobId: string) => (await call(url, 'GET', `/render/escrow/${jobId}`)).body;

/** The signature checked over one byte form alone: which serialisation the signer really used. */
function verifiesOver(bytes: string, publicKey: string, signature: string): boolean {
  const key = createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(publicKey, 'hex')]),
    format: 'der',
    type: 'spki',
  });
  return verify(null, Buffer.from(bytes, 'utf8'), key, Buffer.from(signature, 'hex'));
}

/** The same job signed in TypeScript: a funded payer locks for a provider, then `settle` ends it. */
async function typescriptEquivalent(
  amountUrtc: string,
  settle: (payer: Wallet, provider: Wallet, jobId: string) => Promise<unknown>,
) {
  const payer = newWallet();
  const provider = newWallet();
  expect((await deposit(url, payer.address, '10')).status).toBe(201);
  const jobId = newJobId('ts');
  const lock = signedLockBody(payer, { job_id: jobId, to_wallet: provider.address, amount_urtc: amountUrtc });
  expect((await call(url, 'POST', '/render/escrow', lock)).status).toBe(201);
  await settle(payer, provider, jobId);
  return {
    escrow: settlement(await escrowOf(jobId)),
    payer: await balanceOf(payer.address),
    provider: await balanceOf(provider.address),
  };
}

const REASON = 'échec du rendu — GPU 溢出 🔥';

describe.skipIf(!pythonReady)('a Python wallet (examples/python/gpr_client.py, PyNaCl)', () => {
  it('locks and releases: the node is paid as a TypeScript-signed job pays it', async () => {
    const payer = await pythonWallet('payer');
    const provider = newWallet();
    expect((await deposit(url, payer.address, '10')).status).toBe(201);
    const jobId = newJobId('py');

    const lock = await gprClient(payer.key, 'lock', '--job-id', jobId, '--to', provider.address, '--amount-rtc', '2.5');
    expect(lock.code, lock.stderr).toBe(0);
    expect(lock.answer).toMatchObject({
      ok: true,
      status: 'locked',
      from_wallet: payer.address,
      amount_urtc: '2500000',
    });
    const release = await gprClient(payer.key, 'release', '--job-id', jobId);
    expect(release.code, release.stderr).toBe(0);
    expect(release.answer).toMatchObject({ ok: true, status: 'released' });

    const python = {
      escrow: settlement(await escrowOf(jobId)),
      payer: await balanceOf(payer.address),
      provider: await balanceOf(provider.address),
    };
    const typescript = await typescriptEquivalent('2500000', (p, _provider, id) =>
      call(url, 'POST', '/render/release', signedReleaseBody(p, { job_id: id })),
    );
    expect(python).toEqual(typescript);
    expect(python.provider).toEqual({ available_urtc: '2500000', locked_urtc: '0' });
    expect(python.payer).toEqual({ available_urtc: '7500000', locked_urtc: '0' });
  });

  it('refunds with a non-ASCII reason, signed over the \\uXXXX form, as a TypeScript refund does', async () => {
    const payer = newWallet();
    const gpuNode = await pythonWallet('gpu');
    expect((await deposit(url, payer.address, '10')).status).toBe(201);
    const jobId = newJobId('py');
    const lock = signedLockBody(payer, { job_id: jobId, to_wallet: gpuNode.address, amount_urtc: '3000000' });
    expect((await call(url, 'POST', '/render/escrow', lock)).status).toBe(201);

    // The body the client sends, first as a dry run: its signature is over Python's bytes, not over JCS.
    const nonce = 'py-refund-1';
    const dry = await gprClient(
      gpuNode.key,
      'refund',
      '--nonce',
      nonce,
      '--dry-run',
      '--job-id',
      jobId,
      '--reason',
      REASON,
    );
    expect(dry.code, dry.stderr).toBe(0);
    const { public_key, signature, ...fields } = dry.answer.body;
    expect(fields).toEqual({ job_id: jobId, job_type: 'render', nonce, reason: REASON });
    const action = { action: 'escrow.refund', ...fields };
    expect(canonicalJson(action, 'python')).toContain('\\u00e9chec du rendu \\u2014 GPU \\u6ea2\\u51fa \\ud83d\\udd25');
    expect(verifiesOver(canonicalJson(action, 'python'), public_key, signature)).toBe(true);
    expect(verifiesOver(canonicalJson(action, 'jcs'), public_key, signature)).toBe(false);

    const refund = await gprClient(gpuNode.key, 'refund', '--nonce', nonce, '--job-id', jobId, '--reason', REASON);
    expect(refund.code, refund.stderr).toBe(0);
    expect(refund.answer).toMatchObject({
      ok: true,
      status: 'refunded',
      refund_reason: REASON,
      settled_by: 'provider',
    });

    const python = {
      escrow: settlement(await escrowOf(jobId)),
      payer: await balanceOf(payer.address),
      provider: await balanceOf(gpuNode.address),
    };
    const typescript = await typescriptEquivalent('3000000', (_payer, provider, id) =>
      call(url, 'POST', '/render/refund', signedRefundBody(provider, { job_id: id, reason: REASON })),
    );
    expect(python).toEqual(typescript);
    expect(python.payer).toEqual({ available_urtc: '10000000', locked_urtc: '0' });
  });

  it('writes its address with uppercase hex: the same lowercase wallet pays and is paid', async () => {
    const payer = await pythonWallet('upper');
    const provider = newWallet();
    expect((await deposit(url, payer.address, '10')).status).toBe(201);
    const jobId = newJobId('py');
    const lock = await gprClient(
      payer.key,
      'lock',
      '--job-id',
      jobId,
      '--from-wallet',
      upper(payer.address),
      '--to',
      upper(provider.address),
      '--amount-urtc',
      '2500000',
    );
    expect(lock.code, lock.stderr).toBe(0);
    expect(lock.answer).toMatchObject({ ok: true, from_wallet: payer.address, to_wallet: provider.address });
    const held = await gprClient(payer.key, 'balance', '--wallet', upper(payer.address));
    expect(held.answer).toMatchObject({ ok: true, available_urtc: '7500000', locked_urtc: '2500000' });
    expect((await gprClient(payer.key, 'release', '--job-id', jobId)).code).toBe(0);
    expect(await balanceOf(provider.address)).toEqual({ available_urtc: '2500000', locked_urtc: '0' });
    expect(await balanceOf(payer.address)).toEqual({ available_urtc: '7500000', locked_urtc: '0' });
  });

  it('attests a GPU with a whole-number float benchmark (80.0) through the challenge, as a TypeScript node does', async () => {
    const gpuNode = await pythonWallet('node');
    const uuid = newGpuUuid();
    const config = join(keys, `${uuid}.json`);
    // Written as Python's json.dumps writes it: the benchmark is the float 80.0.
    writeFileSync(
      config,
      `{"device_arch": "nvidia_gpu", "gpus": [{"model": "NVIDIA GeForce RTX 4090", "vram_mb": 24564, "uuid": "${uuid}", "benchmark_score": 80.0}], "job_types": ["render"], "prices": {"render_minute_urtc": "50000"}}`,
    );

    const dry = await gprClient(gpuNode.key, 'attest', config, '--dry-run', '--challenge', 'ab'.repeat(32));
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('"benchmark_score":80.0');
    const { public_key, signature, ...fields } = dry.answer.body;
    // JavaScript reads 80.0 as 80: the signature covers the text Python wrote, not the JCS of the value.
    expect(verifiesOver(canonicalJson({ action: 'gpu.attest', ...fields }), public_key, signature)).toBe(false);
    const asPythonWrote = canonicalJson({ action: 'gpu.attest', ...fields }).replace(
      '"benchmark_score":80',
      '"benchmark_score":80.0',
    );
    expect(verifiesOver(asPythonWrote, public_key, signature)).toBe(true);

    const attested = await gprClient(gpuNode.key, 'attest', config);
    expect(attested.code, attested.stderr).toBe(0);
    expect(attested.answer).toMatchObject({ ok: true, miner_id: gpuNode.address, status: 'online' });

    const tsNode = newWallet();
    const typescript = await attest(url, tsNode, {
      gpus: [{ model: 'NVIDIA GeForce RTX 4090', vram_mb: 24564, uuid: newGpuUuid(), benchmark_score: 80 }],
      job_types: ['render'],
      llm_models: undefined,
      prices: { render_minute_urtc: '50000' },
    });
    expect(typescript.status).toBe(200);
    const { miner_id: _p, fingerprint: _pf, ...pythonResult } = attested.answer;
    const { miner_id: _t, fingerprint: _tf, ...typescriptResult } = typescript.body;
    expect(pythonResult).toEqual(typescriptResult);

    const nodes = (await call(url, 'GET', '/gpu/nodes?job_type=render&limit=100')).body.nodes as any[];
    expect(nodes.find((n) => n.miner_id === gpuNode.address)).toMatchObject({
      gpus: [expect.objectContaining({ uuid, benchmark_score: 80 })],
    });

    // A challenge the server never gave is refused, and the client exits 1 with the server's answer.
    const madeUp = await gprClient(gpuNode.key, 'attest', config, '--challenge', fields.challenge as string);
    expect(madeUp.code).toBe(1);
    expect(madeUp.answer).toMatchObject({ ok: false, error: { code: 'INVALID_CHALLENGE' } });
  });

  it.skipIf(!cryptographyReady)(
    "signs what RustChain's wallet CLI signs: cryptography's Ed25519 over the same json.dumps gives the same signature",
    async () => {
      const wallet = await pythonWallet('cli');
      const jobId = newJobId('py');
      const dry = await gprClient(
        wallet.key,
        'refund',
        '--nonce',
        'cli-1',
        '--dry-run',
        '--job-id',
        jobId,
        '--reason',
        REASON,
      );
      const { public_key: _k, signature, ...fields } = dry.answer.body;
      // tools/rustchain_wallet_cli.py's way: Ed25519PrivateKey.sign(json.dumps(tx, sort_keys=True, separators=...).encode())
      const cli = [
        'import json, sys',
        'from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey',
        'request = json.load(sys.stdin)',
        'key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(open(request["key"]).read().strip()))',
        'print(key.sign(json.dumps(request["action"], sort_keys=True, separators=(",", ":")).encode()).hex())',
      ].join('\n');
      const out = spawnSync(PYTHON, ['-c', cli], {
        input: JSON.stringify({ key: join(keys, wallet.key), action: { action: 'escrow.refund', ...fields } }),
        encoding: 'utf8',
      });
      expect(out.status, out.stderr).toBe(0);
      expect(out.stdout.trim()).toBe(signature);
    },
  );

  it('explains a refused signature in plain words, and nothing moves', async () => {
    const payer = await pythonWallet('tampered');
    const provider = newWallet();
    expect((await deposit(url, payer.address, '1')).status).toBe(201);
    // The client as it is, but its signatures are made over other bytes than the server rebuilds.
    const wrapper = [
      'import sys',
      `sys.path.insert(0, ${JSON.stringify(join(SCRIPT, '..'))})`,
      'import gpr_client',
      'sign = gpr_client.Wallet.sign',
      'gpr_client.Wallet.sign = lambda self, action: sign(self, {**action, "amount_urtc": "1"})',
      'sys.exit(gpr_client.main(sys.argv[1:]))',
    ].join('\n');
    const lock = ['lock', '--job-id', newJobId('py'), '--to', provider.address, '--amount-urtc', '1000'];
    const refused = await python(['-c', wrapper], payer.key, lock);
    expect(refused.code).toBe(1);
    expect(refused.answer).toMatchObject({ ok: false, error: { code: 'INVALID_SIGNATURE' } });
    expect(refused.stderr).toContain('the server did not accept the signature');
    expect(refused.stderr).toContain(payer.address);
    expect(await balanceOf(payer.address)).toEqual({ available_urtc: '1000000', locked_urtc: '0' });

    // Nor will the client write another wallet's address as its own.
    const forged = await gprClient(
      payer.key,
      'lock',
      '--job-id',
      newJobId('py'),
      '--to',
      provider.address,
      '--from-wallet',
      provider.address,
      '--amount-urtc',
      '1000',
    );
    expect(forged.code).toBe(2);
    expect(forged.stderr).toContain("is not this key's wallet");
  });
});
