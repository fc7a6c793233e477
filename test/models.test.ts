/**
 * Voice and language models by name, end to end: the attestation rules (a TTS node names a TTS engine the
 * catalog knows, an STT node Whisper; names signed as sent and stored beside their canonical id; unknown and
 * too-large models flagged without touching trust), and the inventory's filters by any alias.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Wallet } from '../src/domain/signatures.js';
import { ADMIN_KEY, newWallet, startTestServer } from './support/market.js';
import { attest, attestationFields, challengeFor, rtx4090, signAttestation } from './support/gpu.js';
import { call } from './support/rest.js';

let now = 1_960_000_000;
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer({ clock: () => now });
});
afterAll(() => server.close());

const TTS_NODE = {
  job_types: ['tts'],
  llm_models: undefined,
  prices: { tts_1k_chars_urtc: '3000' },
};
const STT_NODE = {
  job_types: ['stt'],
  llm_models: undefined,
  prices: { stt_minute_urtc: '4000' },
};

async function storedModels(node: Wallet) {
  return server.market.db.prisma.gpuNodeModel.findMany({
    where: { minerId: node.address },
    orderBy: [{ kind: 'asc' }, { name: 'asc' }],
  });
}

async function storedNode(node: Wallet) {
  return server.market.db.prisma.gpuNode.findUnique({ where: { minerId: node.address } });
}

describe('attesting models by name', () => {
  it.each([
    ['no TTS model at all', { ...TTS_NODE }],
    ['only names the catalog does not know', { ...TTS_NODE, tts_models: ['my-voice', 'coqui-tts'] }],
    ['a Whisper model as its TTS model', { ...TTS_NODE, tts_models: ['large-v3'] }],
  ])('refuses a TTS node with %s, naming the known engines', async (_name, overrides) => {
    const node = newWallet();
    const r = await attest(server.url, node, overrides);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('INVALID_INPUT');
    for (const engine of ['Coqui TTS', 'XTTS', 'Bark']) expect(r.body.error.message).toContain(engine);
    const issue = r.body.error.issues.find((i: { path: string }) => i.path === 'tts_models');
    expect(issue.message).toMatch(/Coqui TTS, XTTS, Bark/);
    expect(await storedNode(node)).toBeNull();
  });

  it('refuses an STT node that names no Whisper model', async () => {
    const node = newWallet();
    const r = await attest(server.url, node, { ...STT_NODE, stt_models: ['vosk-model-en-us-0.22'] });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'INVALID_INPUT' });
    expect(r.body.error.issues).toContainEqual({ path: 'stt_models', message: expect.stringContaining('Whisper') });
  });

  it('accepts a TTS node with one known engine beside an unknown voice, and flags the unknown one', async () => {
    const node = newWallet();
    const r = await attest(server.url, node, { ...TTS_NODE, tts_models: ['my-voice', 'coqui/XTTS-v2'] });
    expect(r.status).toBe(200);
    expect(r.body.trust).toBe('catalog_consistent');
    expect(r.body.flags).toEqual(['tts_models[0]:unknown_model']);
    expect(await storedModels(node)).toMatchObject([
      { kind: 'tts', name: 'coqui/XTTS-v2', canonical: 'xtts-v2', jobType: 'tts', flags: '[]' },
      { kind: 'tts', name: 'my-voice', canonical: null, jobType: null, flags: '["unknown_model"]' },
    ]);
  });

  it('stores each alias as sent beside its canonical id, parameters and quantisation', async () => {
    const node = newWallet();
    const sent = [
      'llama3.1:8b-instruct-q4_K_M',
      'Qwen2.5-7B-Instruct-Q8_0.gguf',
      'TheBloke/Mistral-7B-Instruct-v0.2-AWQ',
    ];
    const r = await attest(server.url, node, { llm_models: sent });
    expect(r.status).toBe(200);
    expect(r.body.flags).toEqual([]);
    expect(await storedModels(node)).toMatchObject([
      { name: 'Qwen2.5-7B-Instruct-Q8_0.gguf', canonical: 'qwen2.5-7b-instruct', paramsB: 7.62, quant: 'q8_0' },
      { name: 'TheBloke/Mistral-7B-Instruct-v0.2-AWQ', canonical: 'mistral-7b-instruct', paramsB: 7.25, quant: 'awq' },
      { name: 'llama3.1:8b-instruct-q4_K_M', canonical: 'llama-3.1-8b-instruct', paramsB: 8.03, quant: 'q4_k_m' },
    ]);
    // The node's own lists keep the names as the node signed them.
    expect(JSON.parse((await storedNode(node))!.llmModels)).toEqual(sent);
  });

  it('verifies the signature over the names as sent: a canonical spelling of them does not verify', async () => {
    const node = newWallet();
    const challenge = await challengeFor(server.url, node);
    const fields = attestationFields(node, challenge, { llm_models: ['llama3.1:8b'] });
    const signed = signAttestation(node, fields);
    const r = await call(server.url, 'POST', '/gpu/attest', { ...signed, llm_models: ['llama-3.1-8b-instruct'] });
    expect(r.body.error.code).toBe('INVALID_SIGNATURE');
    expect((await call(server.url, 'POST', '/gpu/attest', signed)).status).toBe(200);
  });

  it('keeps an unknown LLM and flags it, without lowering trust', async () => {
    const node = newWallet();
    const r = await attest(server.url, node, { llm_models: ['llama-3.1-8b-instruct', 'acme-private-13b'] });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ trust: 'catalog_consistent', flags: ['llm_models[1]:unknown_model'] });
    expect(await storedModels(node)).toContainEqual(
      expect.objectContaining({ name: 'acme-private-13b', canonical: null, paramsB: null, flags: '["unknown_model"]' }),
    );
  });

  it('flags a model whose minimum memory exceeds the largest GPU, without lowering trust', async () => {
    const node = newWallet();
    const r = await attest(server.url, node, {
      gpus: [rtx4090(), rtx4090()],
      llm_models: ['llama3.1:70b', 'llama3.1:8b', 'Meta-Llama-3.1-8B-Instruct-f16.gguf'],
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ trust: 'catalog_consistent', flags: ['llm_models[0]:model_exceeds_vram'] });
    // An operator's verification withdrawn falls back on the hardware evidence, which the model flag is not.
    await server.market.attestations.setVerified(node.address, true, ADMIN_KEY);
    await server.market.attestations.setVerified(node.address, false, ADMIN_KEY);
    expect((await storedNode(node))!.trust).toBe('catalog_consistent');

    const small = newWallet();
    const t4 = { model: 'Tesla T4', vram_mb: 15360, benchmark_score: 8.1 };
    const s = await attest(server.url, small, {
      gpus: [rtx4090(t4)],
      job_types: ['stt'],
      llm_models: undefined,
      stt_models: ['ggml-large-v3.bin', 'suno/bark'],
      prices: { stt_minute_urtc: '4000' },
    });
    // bark is not an STT model: unknown in an STT list, whatever its size.
    expect(s.body.flags).toEqual(['stt_models[1]:unknown_model']);
    const roomy = await attest(server.url, newWallet(), {
      gpus: [rtx4090(t4)],
      ...TTS_NODE,
      tts_models: ['suno/bark', 'xtts_v2'],
    });
    expect(roomy.body.flags).toEqual([]);
    now += 1;
    const exactFit = await attest(server.url, newWallet(), {
      gpus: [rtx4090({ model: 'NVIDIA GeForce RTX 3060', vram_mb: 12288, benchmark_score: 12.7 })],
      ...TTS_NODE,
      tts_models: ['tts_models/multilingual/multi-dataset/bark', 'xtts_v2'],
    });
    expect(exactFit.body).toMatchObject({ trust: 'catalog_consistent', flags: [] });
    const tooSmall = await attest(server.url, newWallet(), {
      gpus: [rtx4090({ model: 'NVIDIA GeForce RTX 3050', vram_mb: 8192, benchmark_score: 9.1 })],
      ...TTS_NODE,
      tts_models: ['suno/bark', 'xtts_v2'],
    });
    expect(tooSmall.body.flags).toEqual(['tts_models[0]:model_exceeds_vram']);
  });
});
