/**
 * The attestation body built from a detection and the config, its signature, and the exchange with a
 * server (challenge, then the signed attestation) through an injected fetch that records each request.
 */
import { describe, expect, it } from 'vitest';
import { AgentError, attestOnce, buildAttestation, wireVersion, type FetchLike } from '../src/client.js';
import { ConfigError, parseAgentConfig, type AgentConfig } from '../src/config.js';
import { parseNvidiaSmiCsv, parseRocmSmiJson, type Detection } from '../src/gpus.js';
import { addressFromPublicKey, walletFromSeed } from '../src/protocol/index.js';
import { fixture } from './support/fixtures.js';
import { verifies } from './support/signature.js';

const WALLET = walletFromSeed('11'.repeat(32));
const THREE_090S: Detection = {
  tool: 'nvidia-smi',
  deviceArch: 'nvidia_gpu',
  gpus: parseNvidiaSmiCsv(fixture('nvidia-smi-2x-rtx3090.csv')).map((g) => ({ ...g, cudaVersion: '12.2' })),
};
const CONFIG: AgentConfig = parseAgentConfig({
  job_types: ['render', 'llm'],
  llm_models: ['llama-3.1-8b-instruct'],
  prices: { render_minute_urtc: '250000', llm_1k_tokens_urtc: '2000' },
  benchmark_score: 35.6,
  benchmark_scores: { 'GPU-d41a7e03-6b92-c85f-1e3d-90a2b7f4c615': 34.25 },
});
const CHALLENGE = 'ab'.repeat(32);

describe('buildAttestation', () => {
  it('builds the contract’s body, snake_case, optional fields left out', () => {
    const body = buildAttestation({
      minerId: WALLET.address,
      challenge: CHALLENGE,
      config: CONFIG,
      detection: THREE_090S,
    });
    expect(body).toStrictEqual({
      miner_id: WALLET.address,
      challenge: CHALLENGE,
      device_arch: 'nvidia_gpu',
      gpus: [
        {
          model: 'NVIDIA GeForce RTX 3090',
          vram_mb: 24576,
          uuid: 'GPU-2c8f4a61-09d3-7e5b-b4a2-e61f3d9c0a87',
          pci_id: '00000000:01:00.0',
          driver_version: '535.183.01',
          cuda_version: '12.2',
          benchmark_score: 35.6,
        },
        {
          model: 'NVIDIA GeForce RTX 3090',
          vram_mb: 24576,
          uuid: 'GPU-d41a7e03-6b92-c85f-1e3d-90a2b7f4c615',
          pci_id: '00000000:21:00.0',
          driver_version: '535.183.01',
          cuda_version: '12.2',
          benchmark_score: 34.25,
        },
      ],
      job_types: ['render', 'llm'],
      llm_models: ['llama-3.1-8b-instruct'],
      prices: { render_minute_urtc: '250000', llm_1k_tokens_urtc: '2000' },
    });
    // Nothing undefined hides in it: what is signed is exactly what JSON carries.
    expect(JSON.parse(JSON.stringify(body))).toStrictEqual(body);
  });

  it('leaves out what a GPU does not report (a T4 with [N/A] fields)', () => {
    const detection: Detection = {
      tool: 'nvidia-smi',
      deviceArch: 'nvidia_gpu',
      gpus: parseNvidiaSmiCsv(fixture('nvidia-smi-t4-na-fields.csv')),
    };
    const body = buildAttestation({ minerId: WALLET.address, challenge: CHALLENGE, config: CONFIG, detection });
    expect(body.gpus).toStrictEqual([
      { model: 'Tesla T4', vram_mb: 15360, uuid: 'GPU-58a2f1d7-c06e-93b4-2d8f-a17c4e5b9036', benchmark_score: 35.6 },
    ]);
  });

  it('sends the leading version number when a tool prints more (rocm-smi with the in-kernel driver)', () => {
    const gpus = parseRocmSmiJson(fixture('rocm-smi-7900xtx.json'), fixture('rocm-info-version.txt'));
    expect(gpus[0]!.driverVersion).toBe('6.8.0-49-generic');
    const body = buildAttestation({
      minerId: WALLET.address,
      challenge: CHALLENGE,
      config: CONFIG,
      detection: { deviceArch: 'amd_gpu', gpus },
    });
    expect(body.gpus).toStrictEqual([
      {
        model: 'Radeon RX 7900 XTX',
        vram_mb: 24560,
        uuid: '0x3f8a6c1d92e4b507',
        pci_id: '0000:03:00.0',
        driver_version: '6.8.0',
        rocm_version: '6.2.4',
        benchmark_score: 35.6,
      },
    ]);
    expect(wireVersion('550.54.14')).toBe('550.54.14');
    expect(wireVersion('unknown')).toBeUndefined();
  });

  it('refuses a GPU without a benchmark', () => {
    const config = parseAgentConfig({
      job_types: ['tts'],
      prices: { tts_1k_chars_urtc: '1000' },
      benchmark_scores: { other: 1 },
    });
    expect(() =>
      buildAttestation({ minerId: WALLET.address, challenge: CHALLENGE, config, detection: THREE_090S }),
    ).toThrow(ConfigError);
  });
});

interface Captured {
  url: string;
  method: string | undefined;
  contentType: string | null;
  body: any;
}

function fakeServer(
  answers: Record<string, { status: number; body: unknown } | { status: number; text: string }>,
): FetchLike & { requests: Captured[] } {
  const requests: Captured[] = [];
  const fetchImpl = async (url: string, init: RequestInit) => {
    requests.push({
      url,
      method: init.method,
      contentType: new Headers(init.headers).get('content-type'),
      body: JSON.parse(String(init.body)),
    });
    const path = new URL(url).pathname;
    const answer = answers[path];
    if (!answer) return new Response('not found', { status: 404 });
    const text = 'text' in answer ? answer.text : JSON.stringify(answer.body);
    return new Response(text, { status: answer.status, headers: { 'content-type': 'application/json' } });
  };
  return Object.assign(fetchImpl, { requests });
}

describe('attestOnce', () => {
  const challengeOk = { status: 200, body: { ok: true, challenge: CHALLENGE, expires_at: 1_900_000_000 } };

  it('gets a challenge, then sends the attestation signed by the miner’s key', async () => {
    const answer = {
      ok: true,
      miner_id: WALLET.address,
      status: 'active',
      trust: 0.92,
      fingerprint: 'f00d',
      flags: [],
    };
    const fetchImpl = fakeServer({ '/gpu/challenge': challengeOk, '/gpu/attest': { status: 200, body: answer } });
    const result = await attestOnce({
      serverUrl: 'http://market.test/',
      wallet: WALLET,
      config: CONFIG,
      detection: THREE_090S,
      fetchImpl,
    });
    expect(result).toStrictEqual(answer);

    const [challengeRequest, attestRequest] = fetchImpl.requests;
    expect(fetchImpl.requests).toHaveLength(2);
    expect(challengeRequest).toStrictEqual({
      url: 'http://market.test/gpu/challenge',
      method: 'POST',
      contentType: 'application/json',
      body: { miner_id: WALLET.address },
    });
    expect(attestRequest!.url).toBe('http://market.test/gpu/attest');
    expect(attestRequest!.method).toBe('POST');

    const { public_key, signature, ...signedFields } = attestRequest!.body;
    expect(signedFields).toStrictEqual(
      buildAttestation({ minerId: WALLET.address, challenge: CHALLENGE, config: CONFIG, detection: THREE_090S }),
    );
    expect(public_key).toBe(WALLET.publicKey);
    expect(addressFromPublicKey(public_key)).toBe(signedFields.miner_id);
    expect(verifies({ ...signedFields, action: 'gpu.attest' }, public_key, signature)).toBe(true);
    // The signature covers the hardware: a changed field no longer verifies.
    const tampered = structuredClone(signedFields);
    tampered.gpus[0].vram_mb = 49152;
    expect(verifies({ ...tampered, action: 'gpu.attest' }, public_key, signature)).toBe(false);
    expect(verifies({ ...signedFields, action: 'escrow.lock' }, public_key, signature)).toBe(false);
  });

  it('turns the server’s error body into an AgentError with its code', async () => {
    const fetchImpl = fakeServer({
      '/gpu/challenge': challengeOk,
      '/gpu/attest': {
        status: 409,
        body: {
          ok: false,
          error: { code: 'DUPLICATE_HARDWARE', message: 'GPU-d41a7e03 is attested by another miner' },
        },
      },
    });
    const error = await attestOnce({
      serverUrl: 'http://market.test',
      wallet: WALLET,
      config: CONFIG,
      detection: THREE_090S,
      fetchImpl,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentError);
    expect(error).toMatchObject({
      code: 'DUPLICATE_HARDWARE',
      message: 'GPU-d41a7e03 is attested by another miner',
      httpStatus: 409,
    });
  });

  it('stops at a refused challenge', async () => {
    const fetchImpl = fakeServer({
      '/gpu/challenge': { status: 429, body: { ok: false, error: { code: 'RATE_LIMITED', message: 'slow down' } } },
    });
    const error = await attestOnce({
      serverUrl: 'http://market.test',
      wallet: WALLET,
      config: CONFIG,
      detection: THREE_090S,
      fetchImpl,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', httpStatus: 429 });
    expect(fetchImpl.requests).toHaveLength(1);
  });

  it('reports a proxy’s HTML error page and an unreachable server', async () => {
    const html = fakeServer({ '/gpu/challenge': { status: 502, text: '<html>Bad Gateway</html>' } });
    const error = await attestOnce({
      serverUrl: 'http://market.test',
      wallet: WALLET,
      config: CONFIG,
      detection: THREE_090S,
      fetchImpl: html,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HTTP_502', httpStatus: 502 });

    const down: FetchLike = async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9') });
    };
    const refused = await attestOnce({
      serverUrl: 'http://127.0.0.1:9',
      wallet: WALLET,
      config: CONFIG,
      detection: THREE_090S,
      fetchImpl: down,
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AgentError);
    expect(refused).toMatchObject({ code: 'NETWORK' });
    expect((refused as Error).message).toContain('ECONNREFUSED');
  });
});
