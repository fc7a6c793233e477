/**
 * GPU nodes over GraphQL: the node as of its last attestation and the inventory frontends query by
 * capability and price. A node's GPUs, escrow history and earnings are loaded through per-request
 * dataloaders over src/attestation/node-details.ts, so a page of nodes costs a fixed number of queries
 * however long it is.
 */
import { createContextCache } from '@pothos/core';
import type { Escrow, GpuDevice } from '@prisma/client';
import DataLoader from 'dataloader';
import { z } from 'zod';
import { DEVICE_ARCHES, type DeviceArch } from '../attestation/catalog.js';
import { TRUST_LEVELS, type TrustLevel } from '../attestation/evidence.js';
import { listGpuNodes, MAX_PAGE, type InventoryFilter, type InventoryOrder } from '../attestation/inventory.js';
import {
  earningsOfNodes,
  escrowHistoriesOfNodes,
  gpusOfNodes,
  type NodeEarnings,
} from '../attestation/node-details.js';
import { nodeStatus } from '../attestation/service.js';
import { InvalidInputError } from '../domain/errors.js';
import { addressField, type JobType } from '../domain/fields.js';
import { formatRtc } from '../domain/money.js';
import { builder, type GraphQLContext } from './builder.js';
import { decodeNodeCursor, encodeNodeCursor } from './gpu-cursor.js';
import { compact } from './gpu-inputs.js';
import { JobTypeEnum, seconds } from './shared.js';

export const DeviceArchEnum = builder.enumType('DeviceArch', {
  values: Object.fromEntries(DEVICE_ARCHES.map((a) => [a.toUpperCase(), { value: a }])) as Record<
    Uppercase<DeviceArch>,
    { value: DeviceArch }
  >,
});

export const TrustLevelEnum = builder.enumType('TrustLevel', {
  description:
    'SELF_REPORTED < CATALOG_CONSISTENT (every GPU matches the catalog) < VERIFIED (granted by the operator).',
  values: Object.fromEntries(TRUST_LEVELS.map((t) => [t.toUpperCase(), { value: t }])) as Record<
    Uppercase<TrustLevel>,
    { value: TrustLevel }
  >,
});

export const NodeStatusEnum = builder.enumType('NodeStatus', {
  values: { ONLINE: { value: 'online' }, OFFLINE: { value: 'offline' }, SUSPENDED: { value: 'suspended' } } as const,
});

const OrderDirectionEnum = builder.enumType('OrderDirection', {
  values: { ASC: { value: 'asc' }, DESC: { value: 'desc' } } as const,
});

const GpuNodeOrderFieldEnum = builder.enumType('GpuNodeOrderField', {
  values: {
    PRICE: { value: 'price', description: 'Price per unit of the order’s (or the filter’s) job type.' },
    BENCHMARK_SCORE: { value: 'benchmark' },
    VRAM: { value: 'vram', description: 'Memory of the largest GPU.' },
    FRESHNESS: { value: 'freshness', description: 'Time of the last attestation.' },
  } as const,
});

// Per-request dataloaders: one query per kind of nested data for a whole page of nodes.
const loaders = createContextCache((ctx: GraphQLContext) => {
  const prisma = ctx.market.db.prisma;
  return {
    gpus: new DataLoader<string, GpuDevice[]>((minerIds) => gpusOfNodes(prisma, minerIds)),
    earnings: new DataLoader<string, NodeEarnings>((minerIds) => earningsOfNodes(prisma, minerIds)),
    // Keyed by "minerId|limit": the newest `limit` escrows paying each node.
    escrowHistory: new DataLoader<string, Escrow[]>((keys) =>
      escrowHistoriesOfNodes(
        prisma,
        keys.map((k) => ({ minerId: k.slice(0, k.lastIndexOf('|')), limit: Number(k.slice(k.lastIndexOf('|') + 1)) })),
        ctx.market.sql.dialect,
      ),
    ),
  };
});

const GpuDeviceRef = builder.prismaObject('GpuDevice', {
  description: 'One GPU of a node, as attested.',
  fields: (t) => ({
    uuid: t.exposeString('uuid'),
    model: t.exposeString('model'),
    vramMb: t.exposeInt('vramMb'),
    pciId: t.exposeString('pciId', { nullable: true }),
    driverVersion: t.exposeString('driverVersion', { nullable: true }),
    cudaVersion: t.exposeString('cudaVersion', { nullable: true }),
    rocmVersion: t.exposeString('rocmVersion', { nullable: true }),
    metalVersion: t.exposeString('metalVersion', { nullable: true }),
    benchmarkScore: t.exposeFloat('benchmarkScore', { description: 'Measured dense FP32 TFLOPS.' }),
  }),
});

const GpuPricesRef = builder
  .objectRef<{ render: bigint | null; tts: bigint | null; stt: bigint | null; llm: bigint | null }>('GpuPrices')
  .implement({
    description: 'µRTC per unit; null for a job type the node does not serve.',
    fields: (t) => ({
      renderMinuteUrtc: t.field({ type: 'Urtc', nullable: true, resolve: (p) => p.render }),
      tts1kCharsUrtc: t.field({ type: 'Urtc', nullable: true, resolve: (p) => p.tts }),
      sttMinuteUrtc: t.field({ type: 'Urtc', nullable: true, resolve: (p) => p.stt }),
      llm1kTokensUrtc: t.field({ type: 'Urtc', nullable: true, resolve: (p) => p.llm }),
    }),
  });

const EarningsRef = builder.objectRef<NodeEarnings>('GpuNodeEarnings').implement({
  fields: (t) => ({
    releasedUrtc: t.field({
      type: 'Urtc',
      description: 'All µRTC released to this node.',
      resolve: (e) => e.releasedUrtc,
    }),
    releasedRtc: t.string({ resolve: (e) => formatRtc(e.releasedUrtc) }),
    jobsPaid: t.int({ resolve: (e) => e.jobs }),
  }),
});

const JOB_TYPE_SUPPORT = [
  ['render', 'supportsRender'],
  ['tts', 'supportsTts'],
  ['stt', 'supportsStt'],
  ['llm', 'supportsLlm'],
] as const;

export const GpuNodeRef = builder.prismaObject('GpuNode', {
  description: 'A GPU node (its wallet address is minerId) as of its last attestation.',
  fields: (t) => ({
    minerId: t.exposeString('minerId'),
    deviceArch: t.field({ type: DeviceArchEnum, resolve: (n) => n.deviceArch as DeviceArch }),
    gpuModel: t.exposeString('gpuModel', { description: 'The first GPU’s model, as the catalog names it.' }),
    gpuCount: t.exposeInt('gpuCount'),
    maxVramMb: t.exposeInt('maxVramMb'),
    totalVramMb: t.exposeInt('totalVramMb'),
    cudaVersion: t.exposeString('cudaVersion', { nullable: true }),
    rocmVersion: t.exposeString('rocmVersion', { nullable: true }),
    metalVersion: t.exposeString('metalVersion', { nullable: true }),
    benchmarkScore: t.exposeFloat('benchmarkScore', { description: 'Sum of the GPUs’ measured FP32 TFLOPS.' }),
    jobTypes: t.field({
      type: [JobTypeEnum],
      resolve: (n) => JOB_TYPE_SUPPORT.filter(([, column]) => n[column]).map(([jobType]) => jobType as JobType),
    }),
    ttsModels: t.stringList({
      description: 'As sent; `models` has what the catalog makes of each.',
      resolve: (n) => JSON.parse(n.ttsModels) as string[],
    }),
    sttModels: t.stringList({ description: 'As sent.', resolve: (n) => JSON.parse(n.sttModels) as string[] }),
    llmModels: t.stringList({ description: 'As sent.', resolve: (n) => JSON.parse(n.llmModels) as string[] }),
    prices: t.field({
      type: GpuPricesRef,
      resolve: (n) => ({
        render: n.priceRenderMinuteUrtc,
        tts: n.priceTts1kCharsUrtc,
        stt: n.priceSttMinuteUrtc,
        llm: n.priceLlm1kTokensUrtc,
      }),
    }),
    trust: t.field({ type: TrustLevelEnum, resolve: (n) => n.trust as TrustLevel }),
    status: t.field({
      type: NodeStatusEnum,
      resolve: (n, _, ctx) => nodeStatus(n, ctx.market.clock(), ctx.market.attestations.attestationTtlS),
    }),
    fingerprint: t.exposeString('fingerprint'),
    flags: t.stringList({ resolve: (n) => JSON.parse(n.flags) as string[] }),
    firstAttestedAt: t.field({ type: 'DateTime', resolve: (n) => seconds(n.firstAttestation) }),
    lastAttestedAt: t.field({ type: 'DateTime', resolve: (n) => seconds(n.lastAttestation) }),
    gpus: t.field({ type: [GpuDeviceRef], resolve: (n, _, ctx) => loaders(ctx).gpus.load(n.minerId) }),
    earnings: t.field({ type: EarningsRef, resolve: (n, _, ctx) => loaders(ctx).earnings.load(n.minerId) }),
    // A prismaField only to name the Escrow type (the escrow module's): the loader ignores the selection.
    escrowHistory: t.prismaField({
      type: ['Escrow'],
      description: 'The newest escrows that pay this node.',
      args: { first: t.arg.int({ required: false, defaultValue: 10, validate: z.number().int().min(1).max(50) }) },
      resolve: (_query, n, args, ctx) => loaders(ctx).escrowHistory.load(`${n.minerId}|${args.first ?? 10}`),
    }),
  }),
});

const GpuNodeFilter = builder.inputType('GpuNodeFilter', {
  fields: (t) => ({
    jobType: t.field({ type: JobTypeEnum, required: false }),
    deviceArch: t.field({ type: DeviceArchEnum, required: false }),
    minVramGb: t.float({ required: false, description: 'At least this much memory on one GPU, in GB as sold.' }),
    gpuModel: t.string({ required: false, description: 'Part of a GPU model name, e.g. "4090" or "A100".' }),
    minCudaVersion: t.string({ required: false, description: 'Compared as a version: "12.10" is above "12.9".' }),
    ttsModel: t.string({
      required: false,
      description: 'Any spelling the model catalog knows, e.g. "xtts_v2" or "coqui/XTTS-v2"; else the name as sent.',
    }),
    sttModel: t.string({
      required: false,
      description:
        'Any spelling the model catalog knows, e.g. "large-v3" or "ggml-large-v3.bin"; else the name as sent.',
    }),
    llmModel: t.string({
      required: false,
      description:
        'Any spelling the model catalog knows, e.g. "llama3.1:70b", "meta-llama/Llama-3.1-70B-Instruct"; else the name as sent.',
    }),
    minParamsB: t.float({ required: false, description: 'An LLM of at least this many billion parameters.' }),
    quant: t.string({
      required: false,
      description: 'An LLM in this quantisation, e.g. "q4_k_m", "Q8_0", "fp16", "awq".',
    }),
    maxPriceUrtc: t.field({ type: 'Urtc', required: false, description: 'With jobType: at most this price per unit.' }),
    minTrust: t.field({ type: TrustLevelEnum, required: false }),
    includeOffline: t.boolean({
      required: false,
      description: 'Also list offline and suspended nodes (default false).',
    }),
  }),
});

const GpuNodeOrder = builder.inputType('GpuNodeOrder', {
  fields: (t) => ({
    field: t.field({ type: GpuNodeOrderFieldEnum, required: true }),
    direction: t.field({ type: OrderDirectionEnum, required: false, defaultValue: 'asc' }),
    jobType: t.field({
      type: JobTypeEnum,
      required: false,
      description: 'For PRICE: whose price (defaults to the filter’s job type).',
    }),
  }),
});

const filterSchema = z
  .object({
    minVramGb: z.number().min(0).max(4096).nullish(),
    gpuModel: z.string().min(1).max(100).nullish(),
    minCudaVersion: z
      .string()
      .regex(/^\d{1,4}(\.\d{1,3})?$/, 'must be a version such as 12.4')
      .nullish(),
    ttsModel: z.string().max(100).nullish(),
    sttModel: z.string().max(100).nullish(),
    llmModel: z.string().max(100).nullish(),
    minParamsB: z.number().min(0).max(100_000).nullish(),
    quant: z.string().min(1).max(32).nullish(),
  })
  .passthrough()
  .nullish();

builder.queryFields((t) => ({
  gpuNodes: t.connection(
    {
      type: GpuNodeRef,
      description: `Attested GPU nodes by capability and price, ${MAX_PAGE} at most per page; online nodes only unless includeOffline.`,
      args: {
        filter: t.arg({ type: GpuNodeFilter, required: false, validate: filterSchema }),
        orderBy: t.arg({ type: GpuNodeOrder, required: false }),
      },
      resolve: async (_, args, ctx) => {
        if (args.last != null || args.before != null)
          throw new InvalidInputError('gpuNodes pages forward only: use first and after');
        const after = args.after ? decodeNodeCursor(args.after) : undefined;
        const page = await listGpuNodes(ctx.market.sql, {
          filter: compact((args.filter ?? {}) as InventoryFilter),
          order: args.orderBy ? (compact(args.orderBy) as InventoryOrder) : undefined,
          first: args.first ?? undefined,
          after,
          now: ctx.market.clock(),
          ttlS: ctx.market.attestations.attestationTtlS,
        });
        const edges = page.nodes.map((node) => ({ cursor: encodeNodeCursor(node.minerId), node }));
        return {
          edges,
          pageInfo: {
            hasNextPage: page.hasNextPage,
            hasPreviousPage: after !== undefined,
            startCursor: edges[0]?.cursor ?? null,
            endCursor: edges.at(-1)?.cursor ?? null,
          },
          totalCount: page.totalCount,
        };
      },
    },
    {
      fields: (c) => ({
        totalCount: c.int({
          resolve: (conn) => (conn as unknown as { totalCount: () => Promise<number> }).totalCount(),
        }),
      }),
    },
  ),
  gpuNode: t.prismaField({
    type: 'GpuNode',
    nullable: true,
    args: { minerId: t.arg.string({ required: true, validate: addressField }) },
    resolve: (query, _, { minerId }, ctx) => ctx.market.db.prisma.gpuNode.findUnique({ ...query, where: { minerId } }),
  }),
}));
