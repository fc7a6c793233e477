/**
 * Voice and language models by name, end to end: the attestation rules (a TTS node names a TTS engine the
 * catalog knows, an STT node Whisper; names signed as sent and stored beside their canonical id; unknown and
 * too-large models flagged without touching trust), and the inventory's filters by any alias.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../src/client/gql/gql.js';
import type { GpuNodeFilter } from '../src/client/gql/graphql.js';
import type { Wallet } from '../src/domain/signatures.js';
import { graphqlClient } from './support/graphql.js';
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
    ['only names the catalog does not know', { ...TTS_NODE, tts_models: ['my-voice', 'acme-tts'] }],
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

  it('refuses it over GraphQL too, with the engines in the issue', async () => {
    const node = newWallet();
    const challenge = await challengeFor(server.url, node);
    const fields = attestationFields(node, challenge, { ...TTS_NODE, tts_models: ['my-voice'] });
    const gpu = (fields.gpus as ReturnType<typeof rtx4090>[])[0]!;
    const r = await call(server.url, 'POST', '/graphql', {
      query: `mutation($input: GpuAttestationInput!) { submitGpuAttestation(input: $input) {
        __typename ... on InvalidInputError { code message issues { path message } } } }`,
      variables: {
        input: {
          minerId: node.address,
          challenge,
          deviceArch: 'NVIDIA_GPU',
          gpus: [{ model: gpu.model, vramMb: gpu.vram_mb, uuid: gpu.uuid, benchmarkScore: gpu.benchmark_score }],
          jobTypes: ['TTS'],
          ttsModels: ['my-voice'],
          prices: { tts1kCharsUrtc: '3000' },
          publicKey: node.publicKey,
          signature: 'unchecked: the shape is refused first',
        },
      },
    });
    const answer = r.body.data.submitGpuAttestation;
    expect(answer).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT' });
    expect(answer.issues).toContainEqual({
      path: expect.stringContaining('tts_models'),
      message: expect.stringContaining('(Coqui TTS, XTTS, Bark)'),
    });
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

const NodesWithModels = graphql(`
  query NodesWithModels($filter: GpuNodeFilter) {
    gpuNodes(filter: $filter, first: 100) {
      totalCount
      edges {
        node {
          minerId
          models {
            jobType
            name
            canonical
            paramsB
            quant
            flags
          }
        }
      }
    }
  }
`);

const ModelMenu = graphql(`
  query ModelMenu($jobType: JobType) {
    models(jobType: $jobType) {
      models {
        id
        jobType
        engine
        displayName
        aliases
        paramsB
        minVramMb
        onlineNodes
      }
      unknownNames {
        name
        jobType
        onlineNodes
      }
    }
  }
`);

describe('the inventory by model name', () => {
  let inventory: Awaited<ReturnType<typeof startTestServer>>;
  let execute: ReturnType<typeof graphqlClient>;
  const at = 1_970_000_000;
  const nodes: Record<
    'xtts' | 'vits' | 'whisper' | 'anyWhisper' | 'llama70' | 'llama8' | 'qwen' | 'custom' | 'offline',
    Wallet
  > = {
    xtts: newWallet(),
    vits: newWallet(),
    whisper: newWallet(),
    anyWhisper: newWallet(),
    llama70: newWallet(),
    llama8: newWallet(),
    qwen: newWallet(),
    custom: newWallet(),
    offline: newWallet(),
  };
  const a100 = () => rtx4090({ model: 'NVIDIA A100-SXM4-80GB', vram_mb: 81920, benchmark_score: 19.5 });

  beforeAll(async () => {
    let clock = at - 7200;
    inventory = await startTestServer({ clock: () => clock });
    execute = graphqlClient(inventory.market);
    // Attested two hours ago: offline by query time.
    await attest(inventory.url, nodes.offline, { llm_models: ['llama3.1:70b'], gpus: [a100()] });
    clock = at;
    const attested = [
      await attest(inventory.url, nodes.xtts, {
        ...TTS_NODE,
        tts_models: ['tts_models/multilingual/multi-dataset/xtts_v2'],
      }),
      await attest(inventory.url, nodes.vits, { ...TTS_NODE, tts_models: ['tts_models/en/vctk/vits', 'my-voice'] }),
      await attest(inventory.url, nodes.whisper, { ...STT_NODE, stt_models: ['Systran/faster-whisper-large-v3'] }),
      // The seed's own vocabulary: the engine, without a size.
      await attest(inventory.url, nodes.anyWhisper, { ...STT_NODE, stt_models: ['Whisper'] }),
      await attest(inventory.url, nodes.llama70, {
        gpus: [a100()],
        llm_models: ['Meta-Llama-3.1-70B-Instruct-Q4_K_M.gguf', 'llama3.1:8b-instruct-q8_0'],
      }),
      await attest(inventory.url, nodes.llama8, { llm_models: ['meta-llama/Llama-3.1-8B-Instruct', 'llama3.1:8b'] }),
      await attest(inventory.url, nodes.qwen, { llm_models: ['Qwen/Qwen2.5-32B-Instruct-AWQ'] }),
      await attest(inventory.url, nodes.custom, { llm_models: ['acme-private-13b'] }),
    ];
    for (const r of attested) expect(r.status).toBe(200);
  });
  afterAll(() => inventory.close());

  const byGraphql = async (filter: GpuNodeFilter) => {
    const data = await execute(NodesWithModels, { filter });
    return data.gpuNodes.edges.map((e) => e.node.minerId).sort();
  };
  const byRest = async (query: string) => {
    const r = await call(inventory.url, 'GET', `/gpu/nodes?${query}&limit=100`);
    expect(r.status).toBe(200);
    return (r.body.nodes as { miner_id: string }[]).map((n) => n.miner_id).sort();
  };
  const ids = (...wallets: Wallet[]) => wallets.map((w) => w.address).sort();

  it.each([
    ['llmModel', 'llm_model', 'llama3.1:70b', ['llama70']],
    ['llmModel', 'llm_model', 'meta-llama/Llama-3.1-70B-Instruct', ['llama70']],
    ['llmModel', 'llm_model', 'Meta-Llama-3.1-70B-Instruct.Q5_K_M.gguf', ['llama70']],
    ['llmModel', 'llm_model', 'llama-3.1-8b-instruct', ['llama70', 'llama8']],
    ['llmModel', 'llm_model', 'hf.co/bartowski/Meta-Llama-3.1-8B-Instruct-GGUF:Q4_K_M', ['llama70', 'llama8']],
    ['llmModel', 'llm_model', 'qwen2.5:32b', ['qwen']],
    ['llmModel', 'llm_model', 'acme-private-13b', ['custom']],
    ['llmModel', 'llm_model', 'ACME-private-13b', []],
    ['llmModel', 'llm_model', 'llama3.1:405b', []],
    ['ttsModel', 'tts_model', 'coqui/XTTS-v2', ['xtts']],
    ['ttsModel', 'tts_model', 'xtts', ['xtts']],
    ['ttsModel', 'tts_model', 'tts_models--en--vctk--vits', ['vits']],
    ['ttsModel', 'tts_model', 'my-voice', ['vits']],
    ['sttModel', 'stt_model', 'large-v3', ['whisper']],
    ['sttModel', 'stt_model', 'ggml-large-v3.bin', ['whisper']],
    ['sttModel', 'stt_model', 'openai/whisper-large-v3', ['whisper']],
    ['sttModel', 'stt_model', 'large-v2', []],
    ['sttModel', 'stt_model', 'whisper', ['whisper', 'anyWhisper']],
    ['sttModel', 'stt_model', 'faster-whisper', ['whisper', 'anyWhisper']],
    ['ttsModel', 'tts_model', 'Coqui TTS', ['vits']],
  ] as const)('%s / %s = %s finds %j through GraphQL and REST', async (field, param, value, expected) => {
    const wanted = ids(...expected.map((k) => nodes[k]));
    expect(await byGraphql({ [field]: value })).toEqual(wanted);
    expect(await byRest(`${param}=${encodeURIComponent(value)}`)).toEqual(wanted);
  });

  it('filters LLMs by size and quantisation, on the same model as the name', async () => {
    expect(await byGraphql({ minParamsB: 30 })).toEqual(ids(nodes.llama70, nodes.qwen));
    expect(await byRest('min_params_b=30')).toEqual(ids(nodes.llama70, nodes.qwen));
    expect(await byGraphql({ minParamsB: 8 })).toEqual(ids(nodes.llama70, nodes.llama8, nodes.qwen));
    expect(await byGraphql({ quant: 'Q4_K_M' })).toEqual(ids(nodes.llama70));
    expect(await byRest('quant=q8_0')).toEqual(ids(nodes.llama70));
    expect(await byRest('quant=AWQ')).toEqual(ids(nodes.qwen));
    expect(await byGraphql({ llmModel: 'llama3.1:8b', quant: 'q8_0' })).toEqual(ids(nodes.llama70));
    // The 8B is served in q8_0 and the 70B in q4_k_m: no single model is a 70B in q8_0.
    expect(await byGraphql({ minParamsB: 70, quant: 'q8_0' })).toEqual([]);
    expect(await byRest('llm_model=llama3.1:8b&min_params_b=9')).toEqual([]);
    const r = await call(inventory.url, 'GET', '/gpu/nodes?quant=nine-bits');
    expect(r.body.error.code).toBe('INVALID_INPUT');
  });

  it('shows each node’s models with canonical id, sent name, parameters, quantisation and flags', async () => {
    const data = await execute(NodesWithModels, { filter: { llmModel: 'llama3.1:70b' } });
    expect(data.gpuNodes.edges[0]!.node.models).toEqual([
      {
        jobType: 'LLM',
        name: 'Meta-Llama-3.1-70B-Instruct-Q4_K_M.gguf',
        canonical: 'llama-3.1-70b-instruct',
        paramsB: 70.6,
        quant: 'q4_k_m',
        flags: [],
      },
      {
        jobType: 'LLM',
        name: 'llama3.1:8b-instruct-q8_0',
        canonical: 'llama-3.1-8b-instruct',
        paramsB: 8.03,
        quant: 'q8_0',
        flags: [],
      },
    ]);
    const rest = await call(inventory.url, 'GET', '/gpu/nodes?tts_model=my-voice');
    expect(rest.body.nodes[0].models).toEqual([
      { job_type: 'tts', name: 'my-voice', canonical: null, params_b: null, quant: null, flags: ['unknown_model'] },
      {
        job_type: 'tts',
        name: 'tts_models/en/vctk/vits',
        canonical: 'tts_models/en/vctk/vits',
        params_b: null,
        quant: null,
        flags: [],
      },
    ]);
  });

  it('counts the online nodes serving each catalog model, once per node, and the unknown names', async () => {
    const llm = (await execute(ModelMenu, { jobType: 'LLM' })).models;
    const count = (id: string) => llm.models.find((m) => m.id === id)!.onlineNodes;
    // Two spellings of the 8B on one node count once; the offline 70B node does not count.
    expect(count('llama-3.1-8b-instruct')).toBe(2);
    expect(count('llama-3.1-70b-instruct')).toBe(1);
    expect(count('qwen2.5-32b-instruct')).toBe(1);
    expect(count('mistral-7b-instruct')).toBe(0);
    expect(llm.models.every((m) => m.jobType === 'LLM')).toBe(true);
    expect(llm.models.find((m) => m.id === 'llama-3.1-70b-instruct')).toMatchObject({
      engine: 'llama',
      displayName: 'Llama 3.1 70B Instruct',
      paramsB: 70.6,
      aliases: expect.arrayContaining(['meta-llama/Llama-3.1-70B-Instruct', 'llama3.1:70b']),
    });
    expect(llm.unknownNames).toEqual([{ name: 'acme-private-13b', jobType: 'LLM', onlineNodes: 1 }]);

    const tts = (await execute(ModelMenu, { jobType: 'TTS' })).models;
    expect(tts.models.find((m) => m.id === 'xtts-v2')).toMatchObject({ onlineNodes: 1, minVramMb: 4096 });
    expect(tts.unknownNames).toEqual([{ name: 'my-voice', jobType: 'TTS', onlineNodes: 1 }]);
    expect((await execute(ModelMenu, { jobType: 'RENDER' })).models).toEqual({ models: [], unknownNames: [] });

    const rest = await call(inventory.url, 'GET', '/gpu/models?job_type=stt');
    expect(rest.status).toBe(200);
    expect(rest.body.models.find((m: { id: string }) => m.id === 'whisper-large-v3')).toMatchObject({
      job_type: 'stt',
      engine: 'whisper',
      min_vram_mb: 10_240,
      online_nodes: 1,
    });
    expect(rest.body.unknown_names).toEqual([]);
    const all = await call(inventory.url, 'GET', '/gpu/models');
    expect(all.body.models.length).toBe(tts.models.length + llm.models.length + rest.body.models.length);
    expect((await call(inventory.url, 'GET', '/gpu/models?job_type=render')).status).toBe(400);
  });
});
