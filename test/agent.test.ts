/**
 * The node agent (packages/agent) against this server: its signed attestations pass the server's strict
 * schema and verify with the server's verifier, every fixture machine attests to a real listening server
 * and is listed, and the `gpr-agent` command attests end to end. The agent's own unit tests are in its
 * package; the contract pieces both sides use are one copy (@gpu-render-protocol/agent/protocol).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentError,
  attestOnce,
  buildAttestation,
  parseAgentConfig,
  PRICE_FIELD as AGENT_PRICE_FIELD,
  signAttestation,
  TOOL_DEVICE_ARCH,
} from '@gpu-render-protocol/agent';
import * as protocol from '@gpu-render-protocol/agent/protocol';
import { runCli, withFakeNvidiaSmi } from '../packages/agent/test/support/cli.js';
import { MACHINES } from '../packages/agent/test/support/fixtures.js';
import { DEVICE_ARCHES } from '../src/attestation/catalog.js';
import { attestationAction, attestationSchema, PRICE_FIELD } from '../src/attestation/requests.js';
import { MarketError } from '../src/domain/errors.js';
import { JOB_TYPES } from '../src/domain/fields.js';
import { MAX_AMOUNT_URTC } from '../src/domain/money.js';
import { verifyActionSignature, walletFromSeed } from '../src/domain/signatures.js';
import { newWallet, startTestServer } from './support/market.js';

const CHALLENGE = 'ab'.repeat(32);
const CONFIG = parseAgentConfig({
  job_types: ['render', 'tts', 'llm'],
  tts_models: ['xtts-v2'],
  llm_models: ['llama-3.1-8b-instruct'],
  prices: { render_minute_urtc: '50000', tts_1k_chars_urtc: '15000', llm_1k_tokens_urtc: '2000' },
  benchmark_score: 35.5,
});

describe('the agent’s attestations and the server’s checks', () => {
  it('uses the server’s own contract names and limits (one copy, not an equal one)', () => {
    expect(JOB_TYPES).toBe(protocol.JOB_TYPES);
    expect(PRICE_FIELD).toBe(protocol.PRICE_FIELD);
    expect(AGENT_PRICE_FIELD).toBe(PRICE_FIELD);
    expect(DEVICE_ARCHES).toBe(protocol.DEVICE_ARCHES);
    expect(MAX_AMOUNT_URTC).toBe(protocol.MAX_AMOUNT_URTC);
    expect(walletFromSeed).toBe(protocol.walletFromSeed);
    expect([...new Set(Object.values(TOOL_DEVICE_ARCH))].sort()).toEqual([...DEVICE_ARCHES].sort());
  });

  for (const machine of MACHINES) {
    it(`the ${machine.name} body passes the strict schema and its signature verifies with the server’s verifier`, () => {
      const wallet = newWallet();
      const signed = signAttestation(
        buildAttestation({
          minerId: wallet.address,
          challenge: CHALLENGE,
          config: CONFIG,
          detection: machine.detection(),
        }),
        wallet,
      );
      const { public_key, signature, ...body } = signed;
      const attestation = attestationSchema.parse(body);
      expect(attestation).toStrictEqual(body);
      expect(verifyActionSignature(attestationAction(attestation), { publicKey: public_key, signature })).toBe(
        wallet.address,
      );

      const tampered = structuredClone(attestation);
      tampered.gpus[0]!.vram_mb += 1024;
      expect(() => verifyActionSignature(attestationAction(tampered), { publicKey: public_key, signature })).toThrow(
        MarketError,
      );
    });
  }
});

describe('attestOnce against the real market server', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  for (const machine of MACHINES) {
    it(`attests the ${machine.name} fixture machine, and the server lists it`, async () => {
      const wallet = newWallet();
      const config = parseAgentConfig({
        job_types: ['render', 'llm'],
        llm_models: ['llama-3.1-8b-instruct'],
        prices: { render_minute_urtc: '50000', llm_1k_tokens_urtc: '2000' },
        benchmark_score: machine.tflops,
      });
      const result = await attestOnce({ serverUrl: server.url, wallet, config, detection: machine.detection() });
      expect(result).toMatchObject({ ok: true, miner_id: wallet.address, status: 'online', flags: [] });
      const listed = await fetch(`${server.url}/gpu/nodes?include_offline=true&limit=100`).then(
        (r) => r.json() as Promise<{ nodes: Array<{ miner_id: string; gpu_count: number }> }>,
      );
      expect(listed.nodes.find((n) => n.miner_id === wallet.address)?.gpu_count).toBe(machine.gpus);
    });
  }

  it('gets the server’s DUPLICATE_HARDWARE as an AgentError when another key attests the same GPUs', async () => {
    const config = parseAgentConfig({
      job_types: ['render'],
      prices: { render_minute_urtc: '50000' },
      benchmark_score: 55,
    });
    const detection = MACHINES.find((m) => m.name === 'H100 80GB HBM3')!.detection();
    const error = await attestOnce({ serverUrl: server.url, wallet: newWallet(), config, detection }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AgentError);
    expect(error).toMatchObject({ code: 'DUPLICATE_HARDWARE', httpStatus: 409 });
  });
});

describe('the gpr-agent command', () => {
  it('attests to a real server and prints a one-line summary', async () => {
    // Its own server: the stand-in nvidia-smi reports the RTX 4090 fixture, which the tests above attest with another key.
    const server = await startTestServer();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'agent-attest-ok-'));
      const config = join(dir, 'agent.json');
      writeFileSync(
        config,
        JSON.stringify({ job_types: ['render'], prices: { render_minute_urtc: '50000' }, benchmark_score: 80 }),
      );
      const result = await runCli(
        ['attest', '--server', server.url, '--key', join(dir, 'node.key'), '--config', config],
        withFakeNvidiaSmi(),
      );
      expect(result.code).toBe(0);
      const lines = result.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({
        ok: true,
        tool: 'nvidia-smi',
        device_arch: 'nvidia_gpu',
        gpus: 1,
        status: 'online',
        flags: [],
      });
    } finally {
      await server.close();
    }
  });
});
