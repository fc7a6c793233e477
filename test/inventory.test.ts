/**
 * The GPU inventory against 240 attested nodes of every kind: each filter and ordering returns exactly
 * the nodes (and the order) computed independently from the seed, pages never skip or repeat a node,
 * and nested fields cost a fixed number of queries however many nodes a page holds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findGpuModel } from '../src/attestation/catalog.js';
import { attestationSchema } from '../src/attestation/requests.js';
import { graphql } from '../src/client/gql/gql.js';
import type { GpuNodeFilter, GpuNodeOrder } from '../src/client/gql/graphql.js';
import type { Wallet } from '../src/domain/signatures.js';
import { lockRequestSchema, releaseRequestSchema } from '../src/escrow/requests.js';
import type { Market } from '../src/market.js';
import { depositRequestSchema } from '../src/wallet/service.js';
import { graphqlClient } from './support/graphql.js';
import { ADMIN_KEY, newNonce, newWallet, startTestServer } from './support/market.js';
import { newGpuUuid } from './support/gpu.js';

const GpuNodesPage = graphql(`
  query GpuNodesPage($filter: GpuNodeFilter, $orderBy: GpuNodeOrder, $first: Int, $after: String) {
    gpuNodes(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          minerId
        }
      }
    }
  }
`);

const GpuNodesNested = graphql(`
  query GpuNodesNested($first: Int) {
    gpuNodes(first: $first, filter: { includeOffline: true }) {
      edges {
        node {
          minerId
          trust
          status
          prices {
            llm1kTokensUrtc
          }
          gpus {
            uuid
            model
            vramMb
          }
          earnings {
            releasedUrtc
            jobsPaid
          }
          escrowHistory(first: 3) {
            jobId
            releasedUrtc
          }
        }
      }
    }
  }
`);

const HARDWARE = {
  nvidia_gpu: [
    { model: 'NVIDIA GeForce RTX 4090', vram: 24564 },
    { model: 'NVIDIA GeForce RTX 3090', vram: 24576 },
    { model: 'NVIDIA A100-SXM4-80GB', vram: 81920 },
    { model: 'NVIDIA H100 80GB HBM3', vram: 81559 },
    { model: 'Tesla T4', vram: 15360 },
  ],
  amd_gpu: [
    { model: 'AMD Radeon RX 7900 XTX', vram: 24560 },
    { model: 'AMD Instinct MI300X', vram: 196592 },
  ],
  apple_gpu: [{ model: 'Apple M2 Max', vram: 65536 }],
} as const;
const CUDA = ['11.8', '12.2', '12.4', '12.10'];
const LLM_MODELS = ['llama-3.1-8b', 'llama-3.1-70b', 'mistral-7b', 'qwen2.5-32b'];
const TTS_MODELS = ['tts_models/en/ljspeech/tacotron2-DDC', 'xtts-v2', 'bark'];
const STT_MODELS = ['whisper-large-v3', 'whisper-medium'];
const JOBS = ['render', 'tts', 'stt', 'llm'] as const;
const PRICE_KEY = {
  render: 'render_minute_urtc',
  tts: 'tts_1k_chars_urtc',
  stt: 'stt_minute_urtc',
  llm: 'llm_1k_tokens_urtc',
} as const;

interface Seeded {
  wallet: Wallet;
  arch: keyof typeof HARDWARE;
  model: string;
  vram: number;
  gpuCount: number;
  cuda: string | undefined;
  jobs: (typeof JOBS)[number][];
  prices: Partial<Record<(typeof JOBS)[number], bigint>>;
  llm: string[];
  tts: string[];
  stt: string[];
  benchmark: number;
  trust: 'self_reported' | 'catalog_consistent' | 'verified';
  online: boolean;
  suspended: boolean;
  attestedAt: number;
}

const T0 = 2_000_000_000;
let now = T0;
let server: Awaited<ReturnType<typeof startTestServer>>;
let market: Market;
let execute: ReturnType<typeof graphqlClient>;
const nodes: Seeded[] = [];
const NODE_COUNT = 240;

async function seed(i: number, attestedAt: number): Promise<Seeded> {
  const arch = i % 10 < 7 ? 'nvidia_gpu' : i % 10 < 9 ? 'amd_gpu' : 'apple_gpu';
  const hw = HARDWARE[arch][i % HARDWARE[arch].length]!;
  const spec = findGpuModel(hw.model)!;
  const wild = i % 13 === 0; // a benchmark far outside its range: accepted, flagged, self-reported
  const benchmark = wild
    ? spec.benchmark.max * 3
    : Math.round(((spec.benchmark.min + spec.benchmark.max) / 2) * 100 + i) / 100;
  const jobs = JOBS.filter((_, bit) => ((i % 15) + 1) & (1 << bit));
  const prices = Object.fromEntries(
    jobs.map((j, k) => [j, BigInt(1000 + ((i * 7919 + k * 104729) % 50_000))]),
  ) as Seeded['prices'];
  const gpuCount = 1 + (i % 3);
  const cuda = arch === 'nvidia_gpu' ? CUDA[i % CUDA.length] : undefined;
  const node: Seeded = {
    wallet: newWallet(),
    arch,
    model: spec.name,
    vram: hw.vram,
    gpuCount,
    cuda,
    jobs,
    prices,
    llm: jobs.includes('llm') ? [LLM_MODELS[i % 4]!, LLM_MODELS[(i + 1) % 4]!] : [],
    tts: jobs.includes('tts') ? [TTS_MODELS[i % 3]!] : [],
    stt: jobs.includes('stt') ? [STT_MODELS[i % 2]!] : [],
    benchmark: benchmark * gpuCount,
    trust: wild ? 'self_reported' : 'catalog_consistent',
    online: true,
    suspended: false,
    attestedAt,
  };
  const challenge = await market.attestations.requestChallenge(node.wallet.address);
  const body = attestationSchema.parse({
    miner_id: node.wallet.address,
    challenge: challenge.challenge,
    device_arch: arch,
    gpus: Array.from({ length: gpuCount }, () => ({
      model: hw.model,
      vram_mb: hw.vram,
      uuid: newGpuUuid(),
      ...(cuda ? { cuda_version: cuda } : {}),
      benchmark_score: benchmark,
    })),
    job_types: jobs,
    ...(node.llm.length ? { llm_models: node.llm } : {}),
    ...(node.tts.length ? { tts_models: node.tts } : {}),
    ...(node.stt.length ? { stt_models: node.stt } : {}),
    prices: Object.fromEntries(jobs.map((j) => [PRICE_KEY[j], prices[j]!.toString()])),
  });
  await market.attestations.attest(body, {
    publicKey: node.wallet.publicKey,
    signature: node.wallet.sign({ action: 'gpu.attest', ...body }),
  });
  return node;
}

beforeAll(async () => {
  server = await startTestServer({ clock: () => now });
  market = server.market;
  execute = graphqlClient(market);
  // A first wave that will be offline by query time, then the rest two hours later.
  for (let i = 0; i < NODE_COUNT; i++) {
    if (i % 11 === 0) nodes.push(await seed(i, now));
  }
  now += 7200;
  for (let i = 0; i < NODE_COUNT; i++) {
    if (i % 11 !== 0) nodes.push(await seed(i, (now += 1)));
  }
  for (const n of nodes) n.online = n.attestedAt >= now - 3600;
  for (const [k, n] of nodes.entries()) {
    if (k % 17 === 5) {
      await market.attestations.setSuspended(n.wallet.address, true, ADMIN_KEY);
      n.suspended = true;
    }
    if (k % 19 === 3) {
      await market.attestations.setVerified(n.wallet.address, true, ADMIN_KEY);
      n.trust = 'verified';
    }
  }
}, 120_000);
afterAll(() => server.close());

/** Every node the query returns, following cursors page by page. */
async function all(filter: GpuNodeFilter | undefined, orderBy?: GpuNodeOrder, pageSize = 7) {
  const ids: string[] = [];
  let after: string | undefined;
  let totalCount = -1;
  for (;;) {
    const r = await execute(GpuNodesPage, { filter, orderBy, first: pageSize, after });
    totalCount = r.gpuNodes.totalCount;
    ids.push(...r.gpuNodes.edges.map((e) => e.node.minerId));
    if (!r.gpuNodes.pageInfo.hasNextPage) break;
    after = r.gpuNodes.pageInfo.endCursor!;
  }
  expect(new Set(ids).size).toBe(ids.length); // no node twice
  expect(totalCount).toBe(ids.length);
  return ids;
}

const listed = (n: Seeded) => n.online && !n.suspended;
const ids = (list: Seeded[]) => list.map((n) => n.wallet.address);
const sameSet = (actual: string[], expected: Seeded[]) => expect([...actual].sort()).toEqual(ids(expected).sort());
const byMiner = (a: Seeded, b: Seeded) => (a.wallet.address < b.wallet.address ? -1 : 1);
const cudaNum = (v: string | undefined) => (v ? Number(v.split('.')[0]) * 1000 + Number(v.split('.')[1]) : -1);

describe('gpuNodes filters', () => {
  it('lists online, unsuspended nodes by default, freshest first', async () => {
    const expected = nodes
      .filter(listed)
      .sort((a, b) => b.attestedAt - a.attestedAt || (a.wallet.address < b.wallet.address ? 1 : -1));
    expect(await all(undefined)).toEqual(ids(expected));
    expect(expected.length).toBeGreaterThan(150);
  });

  it('includes offline and suspended nodes when asked', async () => {
    sameSet(await all({ includeOffline: true }, undefined, 50), nodes);
  });

  it.each([
    ['job type', { jobType: 'TTS' }, (n: Seeded) => n.jobs.includes('tts')],
    ['device arch', { deviceArch: 'AMD_GPU' }, (n: Seeded) => n.arch === 'amd_gpu'],
    ['minimum VRAM (GB as sold)', { minVramGb: 80 }, (n: Seeded) => n.vram >= 80 * 1024 * 0.92],
    [
      'minimum VRAM 24 GB keeps 24 GB cards that report a little less',
      { minVramGb: 24 },
      (n: Seeded) => n.vram >= 24_000,
    ],
    ['GPU model', { gpuModel: '4090' }, (n: Seeded) => n.model.includes('4090')],
    [
      'minimum CUDA version, compared as a version',
      { minCudaVersion: '12.9' },
      (n: Seeded) => cudaNum(n.cuda) >= 12_009,
    ],
    ['LLM model', { llmModel: 'mistral-7b' }, (n: Seeded) => n.llm.includes('mistral-7b')],
    ['TTS model', { ttsModel: 'xtts-v2' }, (n: Seeded) => n.tts.includes('xtts-v2')],
    ['STT model', { sttModel: 'whisper-medium' }, (n: Seeded) => n.stt.includes('whisper-medium')],
    [
      'maximum price for a job type',
      { jobType: 'LLM', maxPriceUrtc: '20000' },
      (n: Seeded) => n.prices.llm !== undefined && n.prices.llm <= 20_000n,
    ],
    ['minimum trust', { minTrust: 'CATALOG_CONSISTENT' }, (n: Seeded) => n.trust !== 'self_reported'],
    ['verified only', { minTrust: 'VERIFIED' }, (n: Seeded) => n.trust === 'verified'],
    [
      'several filters at once',
      { jobType: 'RENDER', deviceArch: 'NVIDIA_GPU', minVramGb: 24 },
      (n: Seeded) => n.jobs.includes('render') && n.arch === 'nvidia_gpu' && n.vram >= 24_000,
    ],
  ] as [string, GpuNodeFilter, (n: Seeded) => boolean][])('filters by %s', async (_name, filter, predicate) => {
    const expected = nodes.filter((n) => listed(n) && predicate(n));
    expect(expected.length).toBeGreaterThan(0);
    sameSet(await all(filter), expected);
  });

  it('refuses a price filter or ordering without a job type, and backwards paging', async () => {
    await expect(execute(GpuNodesPage, { filter: { maxPriceUrtc: '5' } })).rejects.toThrow(/INVALID_INPUT|job type/);
    await expect(execute(GpuNodesPage, { orderBy: { field: 'PRICE' } })).rejects.toThrow(/job type/);
  });
});

describe('gpuNodes orderings', () => {
  it('orders by price for a job type, both ways, with no node missed or repeated across pages', async () => {
    const llm = nodes.filter((n) => listed(n) && n.jobs.includes('llm'));
    const asc = [...llm].sort((a, b) => Number(a.prices.llm! - b.prices.llm!) || byMiner(a, b));
    expect(await all({ jobType: 'LLM' }, { field: 'PRICE', direction: 'ASC' })).toEqual(ids(asc));
    const desc = [...llm].sort((a, b) => Number(b.prices.llm! - a.prices.llm!) || -byMiner(a, b));
    expect(await all(undefined, { field: 'PRICE', direction: 'DESC', jobType: 'LLM' }, 11)).toEqual(ids(desc));
  });

  it('orders by benchmark score, VRAM and freshness', async () => {
    const online = nodes.filter(listed);
    expect(await all(undefined, { field: 'BENCHMARK_SCORE', direction: 'DESC' })).toEqual(
      ids([...online].sort((a, b) => b.benchmark - a.benchmark || -byMiner(a, b))),
    );
    expect(await all(undefined, { field: 'VRAM', direction: 'ASC' })).toEqual(
      ids([...online].sort((a, b) => a.vram - b.vram || byMiner(a, b))),
    );
    expect(await all(undefined, { field: 'FRESHNESS', direction: 'ASC' })).toEqual(
      ids([...online].sort((a, b) => a.attestedAt - b.attestedAt || byMiner(a, b))),
    );
  });
});

describe('REST /gpu/nodes', () => {
  it('serves the same query with snake_case parameters and a cursor', async () => {
    const expected = nodes
      .filter((n) => listed(n) && n.jobs.includes('render') && n.prices.render! <= 30_000n)
      .sort((a, b) => Number(a.prices.render! - b.prices.render!) || byMiner(a, b));
    const got: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `${server.url}/gpu/nodes?job_type=render&max_price_urtc=30000&order_by=price&limit=9${cursor ? `&cursor=${cursor}` : ''}`;
      const body = (await (await fetch(url)).json()) as {
        nodes: { miner_id: string; gpus: unknown[] }[];
        next_cursor: string | null;
      };
      got.push(...body.nodes.map((n) => n.miner_id));
      expect(body.nodes.every((n) => n.gpus.length >= 1)).toBe(true);
      cursor = body.next_cursor;
    } while (cursor);
    expect(got).toEqual(ids(expected));
  });
});

describe('nested fields', () => {
  it('cost the same number of queries for a page of 100 nodes as for a page of 5', async () => {
    // Some escrows paying the first nodes, so that earnings and history have something to load.
    const payer = newWallet();
    await market.wallets.deposit(
      depositRequestSchema.parse({ wallet: payer.address, amountRtc: '100', reference: newNonce() }),
      ADMIN_KEY,
    );
    for (const n of nodes.slice(-4)) {
      const jobId = `inv-${newNonce()}`;
      const nonce = newNonce();
      const action = {
        action: 'escrow.lock',
        job_id: jobId,
        job_type: 'render',
        from_wallet: payer.address,
        to_wallet: n.wallet.address,
        amount_urtc: '2000000',
        nonce,
      };
      await market.escrows.lock(
        lockRequestSchema.parse({
          jobId,
          jobType: 'render',
          fromWallet: payer.address,
          toWallet: n.wallet.address,
          amountUrtc: '2000000',
          nonce,
          publicKey: payer.publicKey,
          signature: payer.sign(action),
        }),
      );
      const rn = newNonce();
      const release = { action: 'escrow.release', job_id: jobId, job_type: 'render', nonce: rn };
      await market.escrows.release(
        releaseRequestSchema.parse({
          jobId,
          jobType: 'render',
          nonce: rn,
          publicKey: payer.publicKey,
          signature: payer.sign(release),
        }),
        {},
      );
    }

    let queries = 0;
    const original = market.db.prisma;
    market.db.prisma = original.$extends({
      query: {
        $allOperations({ args, query }) {
          queries += 1;
          return query(args);
        },
      },
    }) as unknown as typeof original;
    try {
      const count = async (first: number) => {
        queries = 0;
        const r = await execute(GpuNodesNested, { first });
        return { queries, r };
      };
      const small = await count(5);
      const large = await count(100);
      expect(large.r.gpuNodes.edges).toHaveLength(100);
      expect(large.queries).toBe(small.queries);
      expect(large.queries).toBeLessThanOrEqual(5); // the page, GPUs, earnings, and the history (ids, rows)
      const paid = large.r.gpuNodes.edges.filter((e) => e.node.earnings.jobsPaid > 0);
      expect(paid.length).toBeGreaterThan(0);
      for (const e of paid) {
        expect(e.node.earnings.releasedUrtc).toBe('2000000');
        expect(e.node.escrowHistory).toHaveLength(1);
      }
      for (const e of large.r.gpuNodes.edges) expect(e.node.gpus.length).toBeGreaterThanOrEqual(1);
    } finally {
      market.db.prisma = original;
    }
  });
});
