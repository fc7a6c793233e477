/**
 * Attestation and inventory paths: POST /gpu/challenge, POST /gpu/attest, GET /gpu/nodes, GET /gpu/models
 * (the model catalog with how many online nodes serve each model); node bonds
 * (POST /gpu/bond, POST /gpu/unbond, GET /gpu/bond, operator POST /gpu/slash) and the operator's
 * assignment of a contested GPU (POST /gpu/assign).
 */
import type { GpuDevice, GpuNode, GpuNodeModel } from '@prisma/client';
import { z } from 'zod';
import { DEVICE_ARCHES } from '../attestation/catalog.js';
import { TRUST_LEVELS } from '../attestation/evidence.js';
import { listGpuNodes, MAX_PAGE, modelCounts } from '../attestation/inventory.js';
import { MODEL_JOB_TYPES } from '../attestation/models.js';
import { modelsOfNodes } from '../attestation/node-details.js';
import { bondRequestSchema, slashRequestSchema, type BondRecord } from '../attestation/bonds.js';
import { attestationSchema, challengeRequestSchema, gpuField } from '../attestation/requests.js';
import { nodeStatus } from '../attestation/service.js';
import { addressField, jobTypeField, JOB_TYPES } from '../domain/fields.js';
import { rtcNumber } from '../domain/money.js';
import { parseInput } from '../domain/validation.js';
import type { Market } from '../market.js';
import { ADMIN_KEY_HEADER } from '../operator.js';
import { isEligibleProvider } from '../pricing/eligibility.js';
import { adminKey, parseBody, readJsonBody, readJsonObject, sendJson } from './http.js';
import type { Route } from './router.js';

const nodesQuerySchema = z.strictObject({
  job_type: jobTypeField.optional(),
  device_arch: z.enum(DEVICE_ARCHES).optional(),
  min_vram_gb: z.coerce.number().min(0).max(4096).optional(),
  model: z.string().min(1).max(100).optional(),
  min_cuda_version: z
    .string()
    .regex(/^\d{1,4}(\.\d{1,3})?$/)
    .optional(),
  tts_model: z.string().max(100).optional(),
  stt_model: z.string().max(100).optional(),
  llm_model: z.string().max(100).optional(),
  min_params_b: z.coerce.number().min(0).max(100_000).optional(),
  quant: z.string().min(1).max(32).optional(),
  max_price_urtc: z
    .string()
    .regex(/^\d{1,19}$/)
    .transform(BigInt)
    .optional(),
  min_trust: z.enum(TRUST_LEVELS).optional(),
  include_offline: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  order_by: z.enum(['price', 'benchmark', 'vram', 'freshness']).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).optional(),
  cursor: addressField.optional(),
});

const modelsQuerySchema = z.strictObject({ job_type: z.enum(MODEL_JOB_TYPES).optional() });

const assignSchema = z.strictObject({ uuid: gpuField.shape.uuid, miner_id: addressField });
const signedSchema = z.object({
  public_key: z.string().max(256).optional(),
  signature: z.string().max(512).optional(),
});

function bondJson(b: BondRecord, market: Market) {
  return {
    miner_id: b.minerId,
    bonded_urtc: b.bondedUrtc.toString(),
    bonded_rtc: rtcNumber(b.bondedUrtc),
    unbonding_urtc: b.unbondingUrtc.toString(),
    unbond_at: b.unbondAt,
    slashed_urtc: b.slashedUrtc.toString(),
    bond_min_urtc: market.bonds.bondMinUrtc.toString(),
    eligible_by_bond: b.bondedUrtc >= market.bonds.bondMinUrtc,
  };
}

function nodeModelJson(m: GpuNodeModel) {
  return {
    job_type: m.kind,
    name: m.name,
    canonical: m.canonical,
    params_b: m.paramsB,
    quant: m.quant,
    flags: JSON.parse(m.flags) as string[],
  };
}

export function gpuNodeJson(n: GpuNode, gpus: GpuDevice[], models: GpuNodeModel[], bondedUrtc: bigint, market: Market) {
  const flags = JSON.parse(n.flags) as string[];
  return {
    miner_id: n.minerId,
    device_arch: n.deviceArch,
    gpu_model: n.gpuModel,
    gpu_count: n.gpuCount,
    max_vram_mb: n.maxVramMb,
    total_vram_mb: n.totalVramMb,
    cuda_version: n.cudaVersion,
    rocm_version: n.rocmVersion,
    metal_version: n.metalVersion,
    benchmark_score: n.benchmarkScore,
    job_types: JOB_TYPES.filter(
      (t) => ({ render: n.supportsRender, tts: n.supportsTts, stt: n.supportsStt, llm: n.supportsLlm })[t],
    ),
    tts_models: JSON.parse(n.ttsModels) as string[],
    stt_models: JSON.parse(n.sttModels) as string[],
    llm_models: JSON.parse(n.llmModels) as string[],
    models: models.map(nodeModelJson),
    prices: {
      render_minute_urtc: n.priceRenderMinuteUrtc?.toString() ?? null,
      tts_1k_chars_urtc: n.priceTts1kCharsUrtc?.toString() ?? null,
      stt_minute_urtc: n.priceSttMinuteUrtc?.toString() ?? null,
      llm_1k_tokens_urtc: n.priceLlm1kTokensUrtc?.toString() ?? null,
    },
    trust: n.trust,
    status: nodeStatus(n, market.clock(), market.attestations.attestationTtlS),
    fingerprint: n.fingerprint,
    flags,
    eligible: isEligibleProvider({ verified: n.verified, bondedUrtc, flags }, market.bonds.bondMinUrtc),
    bonded_urtc: bondedUrtc.toString(),
    first_attested_at: n.firstAttestation,
    last_attested_at: n.lastAttestation,
    gpus: gpus.map((g) => ({
      uuid: g.uuid,
      model: g.model,
      vram_mb: g.vramMb,
      pci_id: g.pciId,
      driver_version: g.driverVersion,
      cuda_version: g.cudaVersion,
      rocm_version: g.rocmVersion,
      metal_version: g.metalVersion,
      benchmark_score: g.benchmarkScore,
    })),
  };
}

export const gpuRoutes: Route[] = [
  {
    method: 'POST',
    path: '/gpu/challenge',
    async handle({ req, res, market }) {
      const { miner_id } = parseInput(challengeRequestSchema, await readJsonObject(req), { name: 'body' });
      const { challenge, expiresAt } = await market.attestations.requestChallenge(miner_id, req.socket.remoteAddress);
      sendJson(res, 200, { ok: true, miner_id, challenge, expires_at: expiresAt });
    },
  },
  {
    method: 'POST',
    path: '/gpu/attest',
    async handle({ req, res, market }) {
      const { body: whole, asSent } = await readJsonBody(req);
      const { public_key, signature, ...body } = whole;
      const attestation = parseInput(attestationSchema, body, { name: 'body' });
      const signed = parseInput(signedSchema, { public_key, signature }, { name: 'body' });
      // The signed object is the body as sent, numbers written as the node wrote them.
      const { public_key: _k, signature: _s, ...fieldsAsSent } = asSent;
      const result = await market.attestations.attest(
        attestation,
        { publicKey: signed.public_key, signature: signed.signature },
        fieldsAsSent,
      );
      sendJson(res, 200, {
        ok: true,
        miner_id: result.minerId,
        status: result.status,
        trust: result.trust,
        fingerprint: result.fingerprint,
        flags: result.flags,
      });
    },
  },
  {
    method: 'GET',
    path: '/gpu/nodes',
    async handle({ res, market, query }) {
      const q = parseInput(nodesQuerySchema, Object.fromEntries(query), { name: 'query' });
      const page = await listGpuNodes(market.sql, {
        filter: {
          jobType: q.job_type,
          deviceArch: q.device_arch,
          minVramGb: q.min_vram_gb,
          gpuModel: q.model,
          minCudaVersion: q.min_cuda_version,
          ttsModel: q.tts_model,
          sttModel: q.stt_model,
          llmModel: q.llm_model,
          minParamsB: q.min_params_b,
          quant: q.quant,
          maxPriceUrtc: q.max_price_urtc,
          minTrust: q.min_trust,
          includeOffline: q.include_offline,
        },
        order: q.order_by ? { field: q.order_by, direction: q.order ?? 'asc' } : undefined,
        first: q.limit,
        after: q.cursor,
        now: market.clock(),
        ttlS: market.attestations.attestationTtlS,
      });
      const minerIds = page.nodes.map((n) => n.minerId);
      const [gpus, models, bonds] = await Promise.all([
        market.db.prisma.gpuDevice.findMany({
          where: { minerId: { in: minerIds } },
          orderBy: [{ minerId: 'asc' }, { position: 'asc' }],
        }),
        modelsOfNodes(market.db.prisma, minerIds),
        market.db.prisma.nodeBond.findMany({ where: { minerId: { in: minerIds } } }),
      ]);
      const bondedOf = new Map(bonds.map((b) => [b.minerId, b.bondedUrtc]));
      sendJson(res, 200, {
        ok: true,
        nodes: page.nodes.map((n, i) =>
          gpuNodeJson(
            n,
            gpus.filter((g) => g.minerId === n.minerId),
            models[i]!,
            bondedOf.get(n.minerId) ?? 0n,
            market,
          ),
        ),
        next_cursor: page.hasNextPage ? page.nodes.at(-1)!.minerId : null,
      });
    },
  },
  {
    method: 'GET',
    path: '/gpu/models',
    async handle({ res, market, query }) {
      const q = parseInput(modelsQuerySchema, Object.fromEntries(query), { name: 'query' });
      const counts = await modelCounts(market.sql, {
        jobType: q.job_type,
        now: market.clock(),
        ttlS: market.attestations.attestationTtlS,
      });
      sendJson(res, 200, {
        ok: true,
        models: counts.known.map((m) => ({
          id: m.id,
          job_type: m.jobType,
          engine: m.engine,
          display_name: m.displayName,
          aliases: m.aliases,
          params_b: m.paramsB,
          min_vram_mb: m.minVramMb,
          online_nodes: m.onlineNodes,
        })),
        unknown_names: counts.unknown.map((u) => ({ name: u.name, job_type: u.jobType, online_nodes: u.onlineNodes })),
      });
    },
  },
  {
    method: 'POST',
    path: '/gpu/assign',
    async handle({ req, res, market }) {
      const body = parseInput(assignSchema, await readJsonObject(req), { name: 'body' });
      const result = await market.attestations.assignGpu(
        body.uuid,
        body.miner_id,
        adminKey(req.headers[ADMIN_KEY_HEADER]),
      );
      sendJson(res, 200, {
        ok: true,
        uuid: result.uuid,
        miner_id: result.minerId,
        previous_holder: result.previousHolder,
      });
    },
  },
  {
    method: 'POST',
    path: '/gpu/bond',
    async handle({ req, res, market }) {
      const bond = await market.bonds.bond(parseBody(bondRequestSchema, await readJsonObject(req)));
      sendJson(res, 200, { ok: true, ...bondJson(bond, market) });
    },
  },
  {
    method: 'POST',
    path: '/gpu/unbond',
    async handle({ req, res, market }) {
      const bond = await market.bonds.unbond(parseBody(bondRequestSchema, await readJsonObject(req)));
      sendJson(res, 200, { ok: true, ...bondJson(bond, market) });
    },
  },
  {
    method: 'POST',
    path: '/gpu/slash',
    async handle({ req, res, market }) {
      const request = parseBody(slashRequestSchema, await readJsonObject(req));
      const { bond, changed } = await market.bonds.slash(request, adminKey(req.headers[ADMIN_KEY_HEADER]));
      sendJson(res, 200, { ok: true, changed, ...bondJson(bond, market) });
    },
  },
  {
    method: 'GET',
    path: '/gpu/bond',
    async handle({ res, market, query }) {
      const minerId = parseInput(addressField, query.get('miner_id') ?? '', { name: 'miner_id' });
      // A wallet that never bonded has an empty bond, as an unknown wallet has zero balances.
      const bond = (await market.bonds.find(minerId)) ?? {
        minerId,
        bondedUrtc: 0n,
        unbondingUrtc: 0n,
        unbondAt: null,
        slashedUrtc: 0n,
        createdAt: 0,
        updatedAt: 0,
      };
      sendJson(res, 200, { ok: true, ...bondJson(bond, market) });
    },
  },
];
