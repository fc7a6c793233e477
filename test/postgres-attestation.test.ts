/**
 * GPU attestation on PostgreSQL: three instances (three engines on their own pools, one database) run the
 * attestation services as they run on SQLite. A challenge → attestation flow works across instances; one challenge
 * used by two instances at once is accepted once; a claimed GPU is contested and assigned; the inventory's filters,
 * orders, pages and model counts answer exactly what SQLite answers for the same attestations; a node's events are
 * numbered once each, whichever instance writes them, and catch up in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeEventLog, type NodeEventMessage } from '../src/attestation/events.js';
import { listGpuNodes, modelCounts, type InventoryFilter, type InventoryOrder } from '../src/attestation/inventory.js';
import { attestationSchema } from '../src/attestation/requests.js';
import { createAttestationService } from '../src/attestation/service.js';
import { createAttestationStore } from '../src/attestation/store.js';
import type { Wallet } from '../src/domain/signatures.js';
import { createOperatorGate } from '../src/operator.js';
import { fairRate } from '../src/pricing/fair-rate.js';
import { createPricingStore, type PricingStore } from '../src/pricing/store.js';
import { sql, type SqlEngine } from '../src/sql/statement.js';
import { attestationFields, newGpuUuid, rtx4090 } from './support/gpu.js';
import { ADMIN_KEY, createInMemoryServices, newWallet, silentLog } from './support/market.js';
import { openTestPostgresEngines, type TestPostgresEngines } from './support/postgres-engine.js';
import { testPostgresServer } from './support/postgres.js';

const server = testPostgresServer();
const TTL_S = 3600;

let now = 1_900_000_000; // times are INTEGER (int4) in PostgreSQL
const clock = () => now;

/** One instance's attestation side on `engine`, as src/market.ts wires it; the events it published after commit. */
function attestationInstance(engine: SqlEngine, pricing: PricingStore) {
  const events = createNodeEventLog(engine);
  const published: NodeEventMessage[] = [];
  const attestations = createAttestationService({
    store: createAttestationStore(engine),
    sql: engine,
    operator: createOperatorGate(ADMIN_KEY),
    clock,
    log: silentLog,
    attestationTtlS: TTL_S,
    pricing,
    currentRate: async () => fairRate([]), // the pricing service's reads are async on PostgreSQL
    priceChangeIntervalS: 600,
    events,
    onChange: (event) => published.push(event),
  });
  return { engine, events, attestations, published };
}
type Instance = ReturnType<typeof attestationInstance>;

/** A signed attestation of `node` on `challenge`, parsed as the front doors parse it. */
function signed(node: Wallet, challenge: string, overrides: Record<string, unknown> = {}) {
  const body = attestationSchema.parse(attestationFields(node, challenge, overrides));
  return { body, signature: { publicKey: node.publicKey, signature: node.sign({ action: 'gpu.attest', ...body }) } };
}

async function attestOn(at: Instance, node: Wallet, overrides: Record<string, unknown> = {}, challengeFrom = at) {
  const { challenge } = await challengeFrom.attestations.requestChallenge(node.address);
  const { body, signature } = signed(node, challenge, overrides);
  return at.attestations.attest(body, signature);
}

const ids = (nodes: { minerId: string }[]) => nodes.map((n) => n.minerId);
const priceChangesOf = sql('SELECT job_type FROM price_history WHERE miner_id = ?');

describe.skipIf(!server.url)(
  server.url ? 'attestation on PostgreSQL' : `attestation on PostgreSQL (skipped: ${server.unavailable})`,
  () => {
    let pg: TestPostgresEngines;
    let sqlite: ReturnType<typeof createInMemoryServices>;
    let instances: Instance[];
    let onSqlite: Instance;

    beforeAll(async () => {
      pg = await openTestPostgresEngines(3);
      sqlite = createInMemoryServices(clock);
      instances = pg.engines.map((engine) => attestationInstance(engine, createPricingStore(engine)));
      onSqlite = attestationInstance(sqlite.sql, createPricingStore(sqlite.sql));
    });
    afterAll(async () => {
      await pg?.close();
      sqlite?.db.close();
    });

    it('attests a node on one instance with a challenge issued by another, and reads it back on a third', async () => {
      const [a, b, c] = instances as [Instance, Instance, Instance];
      const node = newWallet();
      const result = await attestOn(b, node, {}, a);
      expect(result).toEqual({
        minerId: node.address,
        status: 'online',
        trust: 'catalog_consistent',
        fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
        flags: [],
      });
      const page = await listGpuNodes(c.engine, { filter: {}, now, ttlS: TTL_S, first: 100 });
      const listed = page.nodes.find((n) => n.minerId === node.address)!;
      expect(listed).toMatchObject({
        deviceArch: 'nvidia_gpu',
        gpuModel: 'GeForce RTX 4090',
        gpuCount: 1,
        maxVramMb: 24564,
        benchmarkScore: 80.1,
        priceRenderMinuteUrtc: 50000n,
        priceLlm1kTokensUrtc: 2000n,
        priceTts1kCharsUrtc: null,
        supportsRender: true,
        supportsTts: false,
        supportsLlm: true,
        verified: false,
        suspended: false,
        offlineAnnounced: false,
        firstAttestation: now,
        lastAttestation: now,
      });
      expect(JSON.parse(listed.llmModels)).toEqual(['llama-3.1-8b-instruct']);

      // A used challenge is refused on every instance, and nothing changes.
      const { challenge } = await a.attestations.requestChallenge(node.address);
      const first = signed(node, challenge);
      await c.attestations.attest(first.body, first.signature);
      for (const at of instances)
        await expect(at.attestations.attest(first.body, first.signature)).rejects.toMatchObject({
          code: 'INVALID_CHALLENGE',
        });
    });

    it('accepts one challenge once when two instances use it at the same moment', async () => {
      for (let round = 0; round < 6; round++) {
        const node = newWallet();
        const { challenge } = await instances[0]!.attestations.requestChallenge(node.address);
        const { body, signature } = signed(node, challenge);
        const before = instances.map((i) => i.published.length);
        const outcomes = await Promise.allSettled([
          instances[1]!.attestations.attest(body, signature),
          instances[2]!.attestations.attest(body, signature),
        ]);
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
        expect(refused.reason).toMatchObject({ code: 'INVALID_CHALLENGE', message: 'this challenge was already used' });
        // One attestation: one event, one node row.
        const published = instances.flatMap((i, k) => i.published.slice(before[k]));
        expect(published.map((e) => [e.minerId, e.change])).toEqual([[node.address, 'attested']]);
        expect((await instances[0]!.events.after(0, node.address)).map((e) => e.seq)).toEqual([published[0]!.seq]);
      }
    });

    it('runs a new node’s first attestations one at a time: its prices change once', async () => {
      const node = newWallet();
      const gpus = [rtx4090()];
      const bodies = await Promise.all(
        [0, 1].map(async (k) =>
          signed(node, (await instances[k]!.attestations.requestChallenge(node.address)).challenge, { gpus }),
        ),
      );
      const results = await Promise.all(
        bodies.map(({ body, signature }, k) => instances[k + 1]!.attestations.attest(body, signature)),
      );
      expect(results.map((r) => r.status)).toEqual(['online', 'online']);
      const changes = await pg.sql.read(() => priceChangesOf.values<string>([node.address]));
      expect(changes.sort()).toEqual(['llm', 'render']); // the second attestation quoted the same prices: no change
    });

    it('contests a GPU another node claims, and the operator assigns it back', async () => {
      const [a, b, c] = instances as [Instance, Instance, Instance];
      const [holder, claimant] = [newWallet(), newWallet()];
      const gpu = rtx4090();
      await attestOn(a, holder, { gpus: [gpu] });
      await expect(attestOn(b, claimant, { gpus: [{ ...gpu }] })).rejects.toMatchObject({
        code: 'DUPLICATE_HARDWARE',
      });
      const contested = (await c.events.after(0, holder.address)).map((e) => e.change);
      expect(contested).toEqual(['attested', 'contested']);
      const flagsOf = async (minerId: string) =>
        JSON.parse(
          (await listGpuNodes(c.engine, { filter: {}, now, ttlS: TTL_S, first: 100 })).nodes.find(
            (n) => n.minerId === minerId,
          )!.flags,
        ) as string[];
      expect(await flagsOf(holder.address)).toEqual(['hardware_contested']);

      await expect(c.attestations.assignGpu(gpu.uuid, holder.address, ADMIN_KEY)).resolves.toEqual({
        uuid: gpu.uuid,
        minerId: holder.address,
        previousHolder: holder.address,
      });
      expect(await flagsOf(holder.address)).toEqual([]);
      await expect(attestOn(a, claimant, { gpus: [{ ...gpu }] })).rejects.toMatchObject({
        code: 'DUPLICATE_HARDWARE',
        message: expect.stringContaining('assigned by the operator'),
      });
      await b.attestations.setVerified(holder.address, true, ADMIN_KEY);
      expect((await a.events.after(0, holder.address)).map((e) => [e.change, e.trust])).toEqual([
        ['attested', 'catalog_consistent'],
        ['contested', 'catalog_consistent'],
        ['assigned', 'catalog_consistent'],
        ['verified', 'verified'],
      ]);
    });

    describe('the inventory', () => {
      /** The same nodes, attested on SQLite and (spread over the instances) on PostgreSQL. */
      const HARDWARE = [
        {
          arch: 'nvidia_gpu',
          gpu: { model: 'NVIDIA GeForce RTX 4090', vram_mb: 24564, cuda_version: '12.4', benchmark_score: 80.1 },
        },
        {
          arch: 'nvidia_gpu',
          gpu: { model: 'NVIDIA A100-SXM4-80GB', vram_mb: 81920, cuda_version: '12.2', benchmark_score: 18.5 },
        },
        { arch: 'nvidia_gpu', gpu: { model: 'Tesla T4', vram_mb: 15360, cuda_version: '11.8', benchmark_score: 7.9 } },
        { arch: 'amd_gpu', gpu: { model: 'AMD Radeon RX 7900 XTX', vram_mb: 24560, benchmark_score: 40.2 } },
        { arch: 'apple_gpu', gpu: { model: 'Apple M2 Max', vram_mb: 65536, benchmark_score: 12.8 } },
      ] as const;
      const LLMS = ['llama-3.1-8b-instruct', 'qwen2.5:7b', 'Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf', 'my-own-llm'];
      const nodes: Wallet[] = [];

      beforeAll(async () => {
        now += 10_000; // the earlier tests' nodes are offline by now
        for (let i = 0; i < 15; i++) {
          const node = newWallet();
          nodes.push(node);
          const hw = HARDWARE[i % HARDWARE.length]!;
          const tts = i % 3 === 0;
          const overrides = {
            device_arch: hw.arch,
            gpus: Array.from({ length: hw.arch === 'apple_gpu' ? 1 : 1 + (i % 2) }, () => ({
              ...hw.gpu,
              uuid: newGpuUuid(),
            })),
            job_types: tts ? ['render', 'llm', 'tts'] : ['render', 'llm'],
            llm_models: [LLMS[i % LLMS.length]!],
            ...(tts ? { tts_models: ['xtts_v2'] } : {}),
            prices: {
              render_minute_urtc: String(40_000 + ((i * 7919) % 20_000)),
              llm_1k_tokens_urtc: String(1_000 + ((i * 104_729) % 3_000)),
              ...(tts ? { tts_1k_chars_urtc: String(500 + i) } : {}),
            },
          };
          await attestOn(onSqlite, node, overrides);
          await attestOn(instances[i % 3]!, node, overrides, instances[(i + 1) % 3]!);
          now += 1;
        }
        // One suspended node and one that lapsed, on both.
        for (const at of [onSqlite, instances[2]!])
          await at.attestations.setSuspended(nodes[3]!.address, true, ADMIN_KEY);
      });

      const FILTERS: [string, InventoryFilter, InventoryOrder?][] = [
        ['everything online', {}],
        ['job type', { jobType: 'tts' }],
        ['job type and price ceiling', { jobType: 'llm', maxPriceUrtc: 2_500n }],
        ['VRAM', { minVramGb: 24 }],
        ['VRAM 64 GB', { minVramGb: 64 }],
        ['GPU model, any case', { gpuModel: 'rtx 4090' }],
        ['device arch', { deviceArch: 'amd_gpu' }],
        ['CUDA version', { minCudaVersion: '12.2' }],
        ['LLM by any spelling', { llmModel: 'llama3.1:8b' }],
        ['LLM as sent, unknown to the catalog', { llmModel: 'my-own-llm' }],
        ['LLM size and quantisation', { minParamsB: 7, quant: 'Q4_K_M' }],
        ['TTS model', { ttsModel: 'coqui/XTTS-v2' }],
        ['trust', { minTrust: 'catalog_consistent' }],
        ['offline and suspended too', { includeOffline: true }],
        ['by price', { jobType: 'llm' }, { field: 'price', direction: 'asc' }],
        ['by price of another job type', { minVramGb: 20 }, { field: 'price', direction: 'desc', jobType: 'render' }],
        ['by benchmark', {}, { field: 'benchmark', direction: 'desc' }],
        ['by VRAM', { jobType: 'render' }, { field: 'vram', direction: 'asc' }],
      ];

      it.each(FILTERS)('%s: the same nodes, in the same order, as on SQLite', async (_, filter, order) => {
        const query = { filter, order, now, ttlS: TTL_S, first: 100 };
        const expected = await listGpuNodes(sqlite.sql, query);
        // The earlier tests attested more nodes on PostgreSQL only, offline by now: listed when offline ones are.
        const ours = (page: { nodes: { minerId: string }[] }) =>
          ids(page.nodes).filter((id) => nodes.some((n) => n.address === id));
        expect(ours(expected).length).toBeGreaterThan(0);
        for (const instance of instances) {
          const page = await listGpuNodes(instance.engine, query);
          expect(ours(page)).toEqual(ours(expected));
          if (!filter.includeOffline) {
            expect(await page.totalCount()).toBe(await expected.totalCount());
            expect(ids(page.nodes)).toEqual(ids(expected.nodes));
          }
        }
      });

      it('filters as the attestations say (job type, VRAM, model)', async () => {
        const list = async (filter: InventoryFilter) =>
          new Set(ids((await listGpuNodes(instances[1]!.engine, { filter, now, ttlS: TTL_S, first: 100 })).nodes));
        const online = nodes.filter((_, i) => i !== 3);
        expect(await list({ jobType: 'tts' })).toEqual(
          new Set(online.filter((n) => nodes.indexOf(n) % 3 === 0).map((n) => n.address)),
        );
        expect(await list({ minVramGb: 64 })).toEqual(
          new Set(online.filter((n) => [1, 4].includes(nodes.indexOf(n) % 5)).map((n) => n.address)),
        );
        // Every spelling of Llama 3.1 8B (the catalog's id, an Ollama tag, a GGUF file), not Qwen nor the unknown one.
        expect(await list({ llmModel: 'meta-llama/Llama-3.1-8B-Instruct' })).toEqual(
          new Set(online.filter((n) => [0, 2].includes(nodes.indexOf(n) % 4)).map((n) => n.address)),
        );
      });

      it('pages with a cursor as SQLite does, in price and benchmark orders', async () => {
        for (const [filter, order] of [
          [{ jobType: 'llm' }, { field: 'price', direction: 'asc' }],
          [{}, { field: 'benchmark', direction: 'desc' }],
        ] as [InventoryFilter, InventoryOrder][]) {
          const walk = async (engine: SqlEngine) => {
            const seen: string[] = [];
            let after: string | undefined;
            for (;;) {
              const page = await listGpuNodes(engine, { filter, order, first: 4, after, now, ttlS: TTL_S });
              seen.push(...ids(page.nodes));
              if (!page.hasNextPage) return seen;
              after = page.nodes.at(-1)!.minerId;
            }
          };
          const expected = await walk(sqlite.sql);
          expect(expected.length).toBeGreaterThan(8);
          expect(new Set(expected).size).toBe(expected.length);
          expect(await walk(instances[2]!.engine)).toEqual(expected);
        }
      });

      it('counts the online nodes per model as SQLite does', async () => {
        for (const jobType of [undefined, 'llm', 'tts'] as const) {
          const expected = await modelCounts(sqlite.sql, { jobType, now, ttlS: TTL_S });
          const got = await modelCounts(instances[0]!.engine, { jobType, now, ttlS: TTL_S });
          expect(got).toEqual(expected);
          expect(got.known.some((m) => m.onlineNodes > 0)).toBe(true);
        }
        const { unknown } = await modelCounts(instances[0]!.engine, { jobType: 'llm', now, ttlS: TTL_S });
        // Sent by nodes 3, 7 and 11; node 3 is suspended.
        expect(unknown).toEqual([{ name: 'my-own-llm', jobType: 'llm', onlineNodes: 2 }]);
      });

      it('catches a node up on its events in order, each once, whichever instance wrote them', async () => {
        const node = nodes[5]!;
        await instances[0]!.attestations.setSuspended(node.address, true, ADMIN_KEY);
        await instances[1]!.attestations.setSuspended(node.address, false, ADMIN_KEY);
        now += TTL_S + 1;
        // Two instances sweep at once: the lapse is announced once.
        const sweeps = await Promise.all(instances.slice(1).map((i) => i.attestations.announceOffline()));
        expect(await instances[0]!.attestations.announceOffline()).toBe(0);
        const offline = instances.flatMap((i) => i.published).filter((e) => e.change === 'offline');
        expect(offline).toHaveLength(sweeps[0]! + sweeps[1]!);
        expect(new Set(offline.map((e) => e.minerId)).size).toBe(offline.length);
        // Every node attested here but the suspended one (and the nodes of the tests above).
        for (const [i, n] of nodes.entries()) expect(offline.some((e) => e.minerId === n.address)).toBe(i !== 3);

        const catchUp = instances[2]!.events.catchUp(0, node.address);
        expect(await catchUp.purgedAfter(0)).toBe(false);
        const events = await catchUp.page(0, 500);
        expect(events.map((e) => [e.change, e.status])).toEqual([
          ['attested', 'online'],
          ['suspended', 'suspended'],
          ['reinstated', 'online'],
          ['offline', 'offline'],
        ]);
        expect(events.every((e, i) => i === 0 || e.seq > events[i - 1]!.seq)).toBe(true);
        // What each instance published after its commit is what the log holds.
        const published = instances.flatMap((i) => i.published).filter((e) => e.minerId === node.address);
        expect([...published].sort((x, y) => x.seq - y.seq)).toEqual(events);
        // From the middle: only what came after.
        expect((await catchUp.page(events[1]!.seq, 500)).map((e) => e.change)).toEqual(['reinstated', 'offline']);
      });
    });
  },
);
