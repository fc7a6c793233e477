/** GPU attestation end to end: each rejection has its code and leaves the stored node as it was. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { canonicalJson, walletFromSeed, type Wallet } from '../src/domain/signatures.js';
import { newWallet, startTestServer } from './support/market.js';
import { attest, attestationFields, challengeFor, rtx4090, signAttestation } from './support/gpu.js';
import { asOperator, call } from './support/rest.js';

let now = 1_950_000_000;
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer({ clock: () => now });
});
afterAll(() => server.close());

async function storedNode(node: Wallet) {
  const r = await call(server.url, 'GET', '/gpu/nodes?include_offline=true&limit=100');
  return r.body.nodes.find((n: { miner_id: string }) => n.miner_id === node.address) ?? null;
}

/** Attests `node` once successfully, then returns a fresh challenge for the next attempt. */
async function attested(node: Wallet, overrides: Record<string, unknown> = {}) {
  const r = await attest(server.url, node, overrides);
  expect(r.status).toBe(200);
  return r.body;
}

async function expectRejected(
  node: Wallet,
  fields: Record<string, unknown>,
  status: number,
  code: string,
  signer = node,
) {
  const before = await storedNode(node);
  const r = await call(server.url, 'POST', '/gpu/attest', signAttestation(signer, fields));
  expect(r).toMatchObject({ status, body: { ok: false, error: { code } } });
  expect(await storedNode(node)).toEqual(before);
  return r;
}

describe('a valid attestation', () => {
  it('lists the node online with catalog-consistent trust, a fingerprint and its prices', async () => {
    const node = newWallet();
    const body = await attested(node);
    expect(body).toMatchObject({
      ok: true,
      miner_id: node.address,
      status: 'online',
      trust: 'catalog_consistent',
      flags: [],
    });
    expect(body.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(await storedNode(node)).toMatchObject({
      gpu_model: 'GeForce RTX 4090',
      job_types: ['render', 'llm'],
      prices: { render_minute_urtc: '50000', llm_1k_tokens_urtc: '2000', tts_1k_chars_urtc: null },
      max_vram_mb: 24564,
      cuda_version: '12.4',
    });
  });

  it('re-attesting the same hardware keeps the fingerprint and the first attestation time', async () => {
    const node = newWallet();
    const gpu = rtx4090();
    const first = await attested(node, { gpus: [gpu] });
    const firstSeen = (await storedNode(node)).first_attested_at;
    now += 601; // past the interval between two price changes
    const second = await attested(node, {
      gpus: [gpu],
      prices: { render_minute_urtc: '60000', llm_1k_tokens_urtc: '2000' },
    });
    expect(second.fingerprint).toBe(first.fingerprint);
    const stored = await storedNode(node);
    expect(stored).toMatchObject({
      first_attested_at: firstSeen,
      last_attested_at: now,
      prices: { render_minute_urtc: '60000' },
    });
  });

  it('flags a benchmark far outside the model’s range and lowers trust, without rejecting', async () => {
    const body = await attested(newWallet(), { gpus: [rtx4090({ benchmark_score: 900 })] });
    expect(body).toMatchObject({ trust: 'self_reported', flags: ['gpus[0]:benchmark_far_outside_range'] });
  });

  it('flags a node whose hardware changed between attestations', async () => {
    const node = newWallet();
    const first = await attested(node);
    const second = await attested(node, { gpus: [rtx4090(), rtx4090({ pci_id: '00000000:02:00.0' })] });
    expect(second.fingerprint).not.toBe(first.fingerprint);
    expect(second.flags).toContain('fingerprint_changed');
  });

  it('goes offline when the attestation lifetime passes', async () => {
    const node = newWallet();
    await attested(node);
    now += 3601;
    expect((await storedNode(node)).status).toBe('offline');
    const online = await call(server.url, 'GET', '/gpu/nodes?limit=100');
    expect(online.body.nodes.some((n: { miner_id: string }) => n.miner_id === node.address)).toBe(false);
  });
});

describe('rejections', () => {
  it('a tampered body is INVALID_SIGNATURE; a third party’s valid signature is FORBIDDEN', async () => {
    const node = newWallet();
    await attested(node);
    const challenge = await challengeFor(server.url, node);
    const signed = signAttestation(node, attestationFields(node, challenge));
    const tampered = await call(server.url, 'POST', '/gpu/attest', {
      ...signed,
      prices: { render_minute_urtc: '1', llm_1k_tokens_urtc: '2000' },
    });
    expect(tampered).toMatchObject({ status: 401, body: { error: { code: 'INVALID_SIGNATURE' } } });
    await expectRejected(node, attestationFields(node, challenge), 403, 'FORBIDDEN', newWallet());
    // The challenge survived both: nothing was consumed by a rejected attestation.
    expect((await call(server.url, 'POST', '/gpu/attest', signed)).status).toBe(200);
  });

  it('a replayed, unknown, another miner’s or expired challenge is INVALID_CHALLENGE', async () => {
    const node = newWallet();
    const challenge = await challengeFor(server.url, node);
    const signed = signAttestation(node, attestationFields(node, challenge));
    expect((await call(server.url, 'POST', '/gpu/attest', signed)).status).toBe(200);
    const replay = await call(server.url, 'POST', '/gpu/attest', signed);
    expect(replay).toMatchObject({ status: 409, body: { error: { code: 'INVALID_CHALLENGE' } } });

    await expectRejected(node, attestationFields(node, 'ab'.repeat(32)), 409, 'INVALID_CHALLENGE');
    const othersChallenge = await challengeFor(server.url, newWallet());
    await expectRejected(node, attestationFields(node, othersChallenge), 409, 'INVALID_CHALLENGE');
    const stale = await challengeFor(server.url, node);
    now += 301;
    await expectRejected(node, attestationFields(node, stale), 409, 'INVALID_CHALLENGE');
  });

  it('a GPU already attested by another miner is DUPLICATE_HARDWARE', async () => {
    const owner = newWallet();
    const gpu = rtx4090();
    await attested(owner, { gpus: [gpu] });
    const thief = newWallet();
    const challenge = await challengeFor(server.url, thief);
    await expectRejected(
      thief,
      attestationFields(thief, challenge, { gpus: [rtx4090(), { ...gpu }] }),
      409,
      'DUPLICATE_HARDWARE',
    );
  });

  it.each([
    ['VRAM the model never had', { gpus: [rtx4090({ vram_mb: 49152 })] }],
    ['a vendor/arch mismatch', { device_arch: 'amd_gpu' }],
    [
      'an AMD card claimed as NVIDIA',
      {
        gpus: [
          { model: 'AMD Radeon RX 7900 XTX', vram_mb: 24560, uuid: 'amd-0x5f6b9d1a2c3e4f70', benchmark_score: 40 },
        ],
      },
    ],
  ])('%s is IMPLAUSIBLE_HARDWARE', async (_name, overrides) => {
    const node = newWallet();
    await attested(node);
    const challenge = await challengeFor(server.url, node);
    const r = await expectRejected(node, attestationFields(node, challenge, overrides), 422, 'IMPLAUSIBLE_HARDWARE');
    expect(r.body.error.message.length).toBeGreaterThan(10);
  });

  it.each([
    ['an unknown job type', { job_types: ['mining'] }],
    ['a missing price for a served job type', { job_types: ['render', 'tts'], prices: { render_minute_urtc: '1000' } }],
    [
      'a price for a job type not served',
      { prices: { render_minute_urtc: '1000', llm_1k_tokens_urtc: '5', stt_minute_urtc: '7' } },
    ],
    ['a zero price', { prices: { render_minute_urtc: '0', llm_1k_tokens_urtc: '5' } }],
    ['a price as a number', { prices: { render_minute_urtc: 1000, llm_1k_tokens_urtc: '5' } }],
    ['an unknown device arch', { device_arch: 'intel_gpu' }],
    ['no GPUs', { gpus: [] }],
    ['the same GPU twice', 'twice'],
    ['an unknown field', { overclocked: true }],
    ['a model list for a job type not served', { tts_models: ['xtts-v2'] }],
  ])('%s is INVALID_INPUT', async (_name, overrides) => {
    const node = newWallet();
    await attested(node);
    const challenge = await challengeFor(server.url, node);
    const gpu = rtx4090();
    const fields =
      overrides === 'twice'
        ? attestationFields(node, challenge, { gpus: [gpu, gpu] })
        : attestationFields(node, challenge, overrides as Record<string, unknown>);
    await expectRejected(node, fields, 400, 'INVALID_INPUT');
  });

  it('refuses malformed bodies and challenge requests with 400', async () => {
    expect((await call(server.url, 'POST', '/gpu/attest', '{nope')).status).toBe(400);
    expect((await call(server.url, 'POST', '/gpu/challenge', { miner_id: 'nobody' })).body.error.code).toBe(
      'INVALID_INPUT',
    );
    expect((await call(server.url, 'GET', '/gpu/nodes?limit=1000')).body.error.code).toBe('INVALID_INPUT');
    expect((await call(server.url, 'GET', '/gpu/nodes?order_by=price')).body.error.code).toBe('INVALID_INPUT');
    expect((await call(server.url, 'GET', '/gpu/nodes?colour=red')).body.error.code).toBe('INVALID_INPUT');
  });
});

describe('the operator', () => {
  const VerifyNode = `mutation($minerId: String!, $verified: Boolean!) { verifyGpuNode(minerId: $minerId, verified: $verified) { __typename ... on GpuNodeSuccess { node { trust } } ... on MarketError { code } } }`;
  const SuspendNode = `mutation($minerId: String!, $suspended: Boolean!) { suspendGpuNode(minerId: $minerId, suspended: $suspended) { __typename ... on GpuNodeSuccess { node { status } } ... on MarketError { code } } }`;
  const gql = (query: string, variables: unknown, headers: Record<string, string> = {}) =>
    call(server.url, 'POST', '/graphql', { query, variables }, headers).then((r) => r.body.data);

  it('verifies a node’s hardware; new hardware loses it; a stranger cannot verify', async () => {
    const node = newWallet();
    const gpu = rtx4090();
    await attested(node, { gpus: [gpu] });
    expect((await gql(VerifyNode, { minerId: node.address, verified: true })).verifyGpuNode.code).toBe('UNAUTHORIZED');
    expect(
      (await gql(VerifyNode, { minerId: node.address, verified: true }, asOperator)).verifyGpuNode.node.trust,
    ).toBe('VERIFIED');
    expect((await attested(node, { gpus: [gpu] })).trust).toBe('verified');
    const moved = await attested(node, { gpus: [rtx4090()] });
    expect(moved).toMatchObject({ trust: 'catalog_consistent', flags: ['fingerprint_changed'] });
    expect(
      (await gql(VerifyNode, { minerId: newWallet().address, verified: true }, asOperator)).verifyGpuNode.code,
    ).toBe('NOT_FOUND');
  });

  it('suspends a node out of the inventory and reinstates it', async () => {
    const node = newWallet();
    await attested(node);
    expect(
      (await gql(SuspendNode, { minerId: node.address, suspended: true }, asOperator)).suspendGpuNode.node.status,
    ).toBe('SUSPENDED');
    const listed = await call(server.url, 'GET', '/gpu/nodes?limit=100');
    expect(listed.body.nodes.some((n: { miner_id: string }) => n.miner_id === node.address)).toBe(false);
    expect((await attested(node)).status).toBe('suspended'); // attesting again does not lift a suspension
    expect(
      (await gql(SuspendNode, { minerId: node.address, suspended: false }, asOperator)).suspendGpuNode.node.status,
    ).toBe('ONLINE');
  });
});

describe('over GraphQL', () => {
  const Challenge = `mutation($minerId: String!) { requestAttestationChallenge(minerId: $minerId) { __typename ... on AttestationChallenge { challenge expiresAt } ... on MarketError { code } } }`;
  const Submit = `mutation($input: GpuAttestationInput!) { submitGpuAttestation(input: $input) {
    __typename
    ... on GpuAttestationSuccess { minerId status trust flags node { gpuModel jobTypes prices { llm1kTokensUrtc } gpus { uuid vramMb } } }
    ... on MarketError { code message } } }`;
  const gql = (query: string, variables: unknown) =>
    call(server.url, 'POST', '/graphql', { query, variables }).then((r) => r.body.data);

  async function submit(node: Wallet, gpu: ReturnType<typeof rtx4090>) {
    const { challenge } = (await gql(Challenge, { minerId: node.address })).requestAttestationChallenge;
    // The node signs the contract's snake_case object; GraphQL carries the same values in camelCase.
    const fields = attestationFields(node, challenge, {
      gpus: [gpu],
      job_types: ['llm'],
      llm_models: ['mistral-7b'],
      prices: { llm_1k_tokens_urtc: '1500' },
    });
    const signature = node.sign({ action: 'gpu.attest', ...fields });
    return (
      await gql(Submit, {
        input: {
          minerId: node.address,
          challenge,
          deviceArch: 'NVIDIA_GPU',
          gpus: [
            {
              model: gpu.model,
              vramMb: gpu.vram_mb,
              uuid: gpu.uuid,
              pciId: gpu.pci_id,
              driverVersion: gpu.driver_version,
              cudaVersion: gpu.cuda_version,
              benchmarkScore: gpu.benchmark_score,
            },
          ],
          jobTypes: ['LLM'],
          llmModels: ['mistral-7b'],
          prices: { llm1kTokensUrtc: '1500' },
          publicKey: node.publicKey,
          signature,
        },
      })
    ).submitGpuAttestation;
  }

  it('attests with the same signature as REST and answers typed errors', async () => {
    const node = newWallet();
    const ok = await submit(node, rtx4090());
    expect(ok).toMatchObject({
      __typename: 'GpuAttestationSuccess',
      status: 'ONLINE',
      trust: 'CATALOG_CONSISTENT',
      node: {
        gpuModel: 'GeForce RTX 4090',
        jobTypes: ['LLM'],
        prices: { llm1kTokensUrtc: '1500' },
        gpus: [{ vramMb: 24564 }],
      },
    });
    const implausible = await submit(newWallet(), rtx4090({ vram_mb: 8192 }));
    expect(implausible).toMatchObject({ __typename: 'HardwareEvidenceError', code: 'IMPLAUSIBLE_HARDWARE' });
    expect((await gql(Challenge, { minerId: 'RTCnope' })).requestAttestationChallenge.code).toBe('INVALID_INPUT');
  });
});

describe('numbers in the signed object', () => {
  it('are signed as the body wrote them (80.10 and 24564.0 stay so), not as JavaScript would print them', async () => {
    const seed = randomBytes(32).toString('hex');
    const node = walletFromSeed(seed);
    const gpu = rtx4090({ benchmark_score: 80.1 });
    const fields = attestationFields(node, await challengeFor(server.url, node), { gpus: [gpu] });
    // A Python agent writes floats with a trailing zero; the same replacement spells the signed text and the body.
    const asPythonWrites = (json: string) =>
      json
        .replace('"benchmark_score":80.1', '"benchmark_score":80.10')
        .replace(`"vram_mb":${gpu.vram_mb}`, `"vram_mb":${gpu.vram_mb}.0`);
    const signedText = asPythonWrites(canonicalJson({ action: 'gpu.attest', ...fields }));
    expect(signedText).toContain('"benchmark_score":80.10');
    const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seed, 'hex')]);
    const signature = sign(
      null,
      Buffer.from(signedText),
      createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }),
    ).toString('hex');
    const body = asPythonWrites(JSON.stringify({ ...fields, public_key: node.publicKey, signature }));
    expect(body).toContain('"vram_mb":24564.0');
    const r = await call(server.url, 'POST', '/gpu/attest', body);
    expect(r).toMatchObject({ status: 200, body: { ok: true, miner_id: node.address } });
    expect((await storedNode(node)).gpus[0]).toMatchObject({ vram_mb: 24564, benchmark_score: 80.1 });
  });
});
