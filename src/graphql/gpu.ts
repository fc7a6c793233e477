/**
 * GPU nodes over GraphQL: attestation (challenge, signed attestation), the inventory frontends query
 * by capability, and the operator's verification, suspension and assignment of contested GPUs. A node's GPUs, escrow history and
 * earnings are loaded through per-request dataloaders, so a page of nodes costs a fixed number of
 * queries however long it is.
 */
import type { IncomingMessage } from 'node:http';
import { createContextCache } from '@pothos/core';
import type { Escrow, GpuDevice } from '@prisma/client';
import { Prisma } from '@prisma/client';
import DataLoader from 'dataloader';
import { filter, pipe } from 'graphql-yoga';
import { z } from 'zod';
import { DEVICE_ARCHES, type DeviceArch } from '../attestation/catalog.js';
import type { NodeEventMessage } from '../attestation/events.js';
import { catchUpThenLive, nothingMissed } from '../subscriptions.js';
import { TRUST_LEVELS, type TrustLevel } from '../attestation/evidence.js';
import { listGpuNodes, MAX_PAGE, type InventoryFilter, type InventoryOrder } from '../attestation/inventory.js';
import { attestationSchema, challengeRequestSchema, gpuField, type Attestation } from '../attestation/requests.js';
import { nodeStatus } from '../attestation/service.js';
import { InvalidInputError } from '../domain/errors.js';
import { addressField, type JobType } from '../domain/fields.js';
import { formatRtc } from '../domain/money.js';
import { builder, NODE_ERRORS, type GraphQLContext } from './builder.js';
import { EscrowRef, JobTypeEnum, seconds } from './escrow.js';

const DeviceArchEnum = builder.enumType('DeviceArch', {
  values: Object.fromEntries(DEVICE_ARCHES.map((a) => [a.toUpperCase(), { value: a }])) as Record<Uppercase<DeviceArch>, { value: DeviceArch }>,
});

const TrustLevelEnum = builder.enumType('TrustLevel', {
  description: 'SELF_REPORTED < CATALOG_CONSISTENT (every GPU matches the catalog) < VERIFIED (granted by the operator).',
  values: Object.fromEntries(TRUST_LEVELS.map((t) => [t.toUpperCase(), { value: t }])) as Record<Uppercase<TrustLevel>, { value: TrustLevel }>,
});

const NodeStatusEnum = builder.enumType('NodeStatus', {
  values: { ONLINE: { value: 'online' }, OFFLINE: { value: 'offline' }, SUSPENDED: { value: 'suspended' } } as const,
});

const OrderDirectionEnum = builder.enumType('OrderDirection', { values: { ASC: { value: 'asc' }, DESC: { value: 'desc' } } as const });

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
    gpus: new DataLoader<string, GpuDevice[]>(async (minerIds) => {
      const rows = await prisma.gpuDevice.findMany({ where: { minerId: { in: [...minerIds] } }, orderBy: [{ minerId: 'asc' }, { position: 'asc' }] });
      return minerIds.map((id) => rows.filter((r) => r.minerId === id));
    }),
    earnings: new DataLoader<string, { releasedUrtc: bigint; jobs: number }>(async (minerIds) => {
      const rows = await prisma.escrow.groupBy({
        by: ['toWallet'],
        where: { toWallet: { in: [...minerIds] }, status: 'released' },
        _sum: { releasedUrtc: true },
        _count: { _all: true },
      });
      return minerIds.map((id) => {
        const row = rows.find((r) => r.toWallet === id);
        return { releasedUrtc: row?._sum.releasedUrtc ?? 0n, jobs: row?._count._all ?? 0 };
      });
    }),
    // Keyed by "minerId|limit": the newest `limit` escrows paying each node, in one windowed query.
    escrowHistory: new DataLoader<string, Escrow[]>(async (keys) => {
      const parsed = keys.map((k) => ({ minerId: k.slice(0, k.lastIndexOf('|')), limit: Number(k.slice(k.lastIndexOf('|') + 1)) }));
      const limit = Math.max(...parsed.map((p) => p.limit));
      const ids = await prisma.$queryRaw<{ id: number | bigint }[]>`
        SELECT id FROM (
          SELECT id, ROW_NUMBER() OVER (PARTITION BY to_wallet ORDER BY id DESC) AS rn
          FROM render_escrow WHERE to_wallet IN (${Prisma.join(parsed.map((p) => p.minerId))})
        ) WHERE rn <= ${limit}`;
      const escrows = await prisma.escrow.findMany({ where: { id: { in: ids.map((r) => Number(r.id)) } }, orderBy: { id: 'desc' } });
      return parsed.map((p) => escrows.filter((e) => e.toWallet === p.minerId).slice(0, p.limit));
    }),
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

const EarningsRef = builder.objectRef<{ releasedUrtc: bigint; jobs: number }>('GpuNodeEarnings').implement({
  fields: (t) => ({
    releasedUrtc: t.field({ type: 'Urtc', description: 'All µRTC released to this node.', resolve: (e) => e.releasedUrtc }),
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
    jobTypes: t.field({ type: [JobTypeEnum], resolve: (n) => JOB_TYPE_SUPPORT.filter(([, column]) => n[column]).map(([jobType]) => jobType as JobType) }),
    ttsModels: t.stringList({ resolve: (n) => JSON.parse(n.ttsModels) as string[] }),
    sttModels: t.stringList({ resolve: (n) => JSON.parse(n.sttModels) as string[] }),
    llmModels: t.stringList({ resolve: (n) => JSON.parse(n.llmModels) as string[] }),
    prices: t.field({
      type: GpuPricesRef,
      resolve: (n) => ({ render: n.priceRenderMinuteUrtc, tts: n.priceTts1kCharsUrtc, stt: n.priceSttMinuteUrtc, llm: n.priceLlm1kTokensUrtc }),
    }),
    trust: t.field({ type: TrustLevelEnum, resolve: (n) => n.trust as TrustLevel }),
    status: t.field({ type: NodeStatusEnum, resolve: (n, _, ctx) => nodeStatus(n, ctx.market.clock(), ctx.market.attestations.attestationTtlS) }),
    fingerprint: t.exposeString('fingerprint'),
    flags: t.stringList({ resolve: (n) => JSON.parse(n.flags) as string[] }),
    firstAttestedAt: t.field({ type: 'DateTime', resolve: (n) => seconds(n.firstAttestation) }),
    lastAttestedAt: t.field({ type: 'DateTime', resolve: (n) => seconds(n.lastAttestation) }),
    gpus: t.field({ type: [GpuDeviceRef], resolve: (n, _, ctx) => loaders(ctx).gpus.load(n.minerId) }),
    earnings: t.field({ type: EarningsRef, resolve: (n, _, ctx) => loaders(ctx).earnings.load(n.minerId) }),
    escrowHistory: t.field({
      type: [EscrowRef],
      description: 'The newest escrows that pay this node.',
      args: { first: t.arg.int({ required: false, defaultValue: 10, validate: z.number().int().min(1).max(50) }) },
      resolve: (n, args, ctx) => loaders(ctx).escrowHistory.load(`${n.minerId}|${args.first ?? 10}`),
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
    ttsModel: t.string({ required: false }),
    sttModel: t.string({ required: false }),
    llmModel: t.string({ required: false }),
    maxPriceUrtc: t.field({ type: 'Urtc', required: false, description: 'With jobType: at most this price per unit.' }),
    minTrust: t.field({ type: TrustLevelEnum, required: false }),
    includeOffline: t.boolean({ required: false, description: 'Also list offline and suspended nodes (default false).' }),
  }),
});

const GpuNodeOrder = builder.inputType('GpuNodeOrder', {
  fields: (t) => ({
    field: t.field({ type: GpuNodeOrderFieldEnum, required: true }),
    direction: t.field({ type: OrderDirectionEnum, required: false, defaultValue: 'asc' }),
    jobType: t.field({ type: JobTypeEnum, required: false, description: 'For PRICE: whose price (defaults to the filter’s job type).' }),
  }),
});

const filterSchema = z
  .object({
    minVramGb: z.number().min(0).max(4096).nullish(),
    gpuModel: z.string().min(1).max(100).nullish(),
    minCudaVersion: z.string().regex(/^\d{1,4}(\.\d{1,3})?$/, 'must be a version such as 12.4').nullish(),
    ttsModel: z.string().max(100).nullish(),
    sttModel: z.string().max(100).nullish(),
    llmModel: z.string().max(100).nullish(),
  })
  .passthrough()
  .nullish();

const compact = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as T;

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
        if (args.last != null || args.before != null) throw new InvalidInputError('gpuNodes pages forward only: use first and after');
        const after = args.after ? decodeCursor(args.after) : undefined;
        const page = await listGpuNodes(ctx.market.db.prisma, {
          filter: compact((args.filter ?? {}) as InventoryFilter),
          order: args.orderBy ? (compact(args.orderBy) as InventoryOrder) : undefined,
          first: args.first ?? undefined,
          after,
          now: ctx.market.clock(),
          ttlS: ctx.market.attestations.attestationTtlS,
        });
        const edges = page.nodes.map((node) => ({ cursor: encodeCursor(node.minerId), node }));
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
    { fields: (c) => ({ totalCount: c.int({ resolve: (conn) => (conn as unknown as { totalCount: () => Promise<number> }).totalCount() }) }) },
  ),
  gpuNode: t.prismaField({
    type: 'GpuNode',
    nullable: true,
    args: { minerId: t.arg.string({ required: true, validate: addressField }) },
    resolve: (query, _, { minerId }, ctx) => ctx.market.db.prisma.gpuNode.findUnique({ ...query, where: { minerId } }),
  }),
}));

const encodeCursor = (minerId: string) => Buffer.from(`GpuNode:${minerId}`).toString('base64url');
function decodeCursor(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!text.startsWith('GpuNode:') || !addressField.safeParse(text.slice(8)).success) throw new InvalidInputError('after is not a gpuNodes cursor');
  return text.slice(8);
}

const ChallengeRef = builder.objectRef<{ challenge: string; expiresAt: number }>('AttestationChallenge').implement({
  description: 'Sign this into the attestation within 5 minutes; it works once.',
  fields: (t) => ({
    challenge: t.exposeString('challenge'),
    expiresAt: t.field({ type: 'DateTime', resolve: (c) => seconds(c.expiresAt) }),
  }),
});

const AttestationResultRef = builder
  .objectRef<{ minerId: string; status: 'online' | 'offline' | 'suspended'; trust: TrustLevel; fingerprint: string; flags: string[] }>('GpuAttestationSuccess')
  .implement({
    fields: (t) => ({
      minerId: t.exposeString('minerId'),
      status: t.field({ type: NodeStatusEnum, resolve: (r) => r.status }),
      trust: t.field({ type: TrustLevelEnum, resolve: (r) => r.trust }),
      fingerprint: t.exposeString('fingerprint'),
      flags: t.exposeStringList('flags'),
      node: t.prismaField({ type: 'GpuNode', resolve: (query, r, _args, ctx) => ctx.market.db.prisma.gpuNode.findUniqueOrThrow({ ...query, where: { minerId: r.minerId } }) }),
    }),
  });

const GpuInput = builder.inputType('GpuInput', {
  fields: (t) => ({
    model: t.string({ required: true }),
    vramMb: t.int({ required: true }),
    uuid: t.string({ required: true }),
    pciId: t.string({ required: false }),
    driverVersion: t.string({ required: false }),
    cudaVersion: t.string({ required: false }),
    rocmVersion: t.string({ required: false }),
    metalVersion: t.string({ required: false }),
    benchmarkScore: t.float({ required: true, description: 'Measured dense FP32 TFLOPS.' }),
  }),
});

const GpuPricesInput = builder.inputType('GpuPricesInput', {
  description: 'µRTC per unit as digit strings, one for each job type served.',
  fields: (t) => ({
    renderMinuteUrtc: t.string({ required: false }),
    tts1kCharsUrtc: t.string({ required: false }),
    sttMinuteUrtc: t.string({ required: false }),
    llm1kTokensUrtc: t.string({ required: false }),
  }),
});

const GpuAttestationInput = builder.inputType('GpuAttestationInput', {
  description: 'Signed by minerId’s key over the contract’s snake_case attestation object plus action "gpu.attest".',
  fields: (t) => ({
    minerId: t.string({ required: true }),
    challenge: t.string({ required: true }),
    deviceArch: t.field({ type: DeviceArchEnum, required: true }),
    gpus: t.field({ type: [GpuInput], required: true }),
    jobTypes: t.field({ type: [JobTypeEnum], required: true }),
    ttsModels: t.stringList({ required: false }),
    sttModels: t.stringList({ required: false }),
    llmModels: t.stringList({ required: false }),
    prices: t.field({ type: GpuPricesInput, required: true }),
    publicKey: t.string({ required: true }),
    signature: t.string({ required: true }),
  }),
});

type GpuInputShape = { model: string; vramMb: number; uuid: string; pciId?: string | null; driverVersion?: string | null; cudaVersion?: string | null; rocmVersion?: string | null; metalVersion?: string | null; benchmarkScore: number };

/** The GraphQL input as the contract's attestation body (what was signed), absent fields left out. */
function attestationBody(input: Record<string, any>): unknown {
  const prices = (input.prices ?? {}) as Record<string, string | null | undefined>;
  return compact({
    miner_id: input.minerId,
    challenge: input.challenge,
    device_arch: input.deviceArch,
    gpus: (input.gpus as GpuInputShape[]).map((g) =>
      compact({
        model: g.model,
        vram_mb: g.vramMb,
        uuid: g.uuid,
        pci_id: g.pciId,
        driver_version: g.driverVersion,
        cuda_version: g.cudaVersion,
        rocm_version: g.rocmVersion,
        metal_version: g.metalVersion,
        benchmark_score: g.benchmarkScore,
      }),
    ),
    job_types: input.jobTypes,
    tts_models: input.ttsModels,
    stt_models: input.sttModels,
    llm_models: input.llmModels,
    prices: compact({
      render_minute_urtc: prices.renderMinuteUrtc,
      tts_1k_chars_urtc: prices.tts1kCharsUrtc,
      stt_minute_urtc: prices.sttMinuteUrtc,
      llm_1k_tokens_urtc: prices.llm1kTokensUrtc,
    }),
  });
}

const GpuNodeResultRef = builder.objectRef<{ minerId: string }>('GpuNodeSuccess').implement({
  fields: (t) => ({
    node: t.prismaField({ type: 'GpuNode', resolve: (query, r, _args, ctx) => ctx.market.db.prisma.gpuNode.findUniqueOrThrow({ ...query, where: { minerId: r.minerId } }) }),
  }),
});

const nodeErrors = (name: string) => ({ types: NODE_ERRORS, directResult: true as const, union: { name } });

/** The requesting client's address: the HTTP peer (for graphql-ws, the upgrade request's); absent in process. */
const clientAddressOf = (ctx: GraphQLContext) => (ctx as GraphQLContext & { req?: IncomingMessage }).req?.socket?.remoteAddress;

const GpuAssignmentRef = builder.objectRef<{ uuid: string; minerId: string; previousHolder: string | null }>('GpuAssignmentSuccess').implement({
  fields: (t) => ({
    uuid: t.exposeString('uuid'),
    minerId: t.exposeString('minerId', { description: 'The only miner that may attest with this GPU from now on.' }),
    previousHolder: t.exposeString('previousHolder', { nullable: true, description: 'The node that held it at the assignment, if any.' }),
  }),
});

builder.mutationFields((t) => ({
  requestAttestationChallenge: t.field({
    type: ChallengeRef,
    errors: nodeErrors('AttestationChallengeResult'),
    args: { minerId: t.arg.string({ required: true, validate: challengeRequestSchema.shape.miner_id }) },
    resolve: (_, { minerId }, ctx) => ctx.market.attestations.requestChallenge(minerId, clientAddressOf(ctx)),
  }),
  submitGpuAttestation: t.field({
    type: AttestationResultRef,
    errors: nodeErrors('GpuAttestationResult'),
    args: t.validate(
      { input: t.arg({ type: GpuAttestationInput, required: true }) },
      z
        .object({ input: z.record(z.string(), z.unknown()) })
        .transform(({ input }) => ({ attestation: attestationBody(input), publicKey: input.publicKey as string, signature: input.signature as string }))
        .pipe(z.object({ attestation: attestationSchema, publicKey: z.string().max(256), signature: z.string().max(512) })),
    ),
    resolve: (_, args, ctx) => {
      const { attestation, publicKey, signature } = args as unknown as { attestation: Attestation; publicKey: string; signature: string };
      return ctx.market.attestations.attest(attestation, { publicKey, signature });
    },
  }),
  verifyGpuNode: t.field({
    type: GpuNodeResultRef,
    description: 'Operator only (X-Admin-Key): grants or withdraws VERIFIED trust for the node’s current hardware.',
    errors: nodeErrors('VerifyGpuNodeResult'),
    args: { minerId: t.arg.string({ required: true, validate: addressField }), verified: t.arg.boolean({ required: true }) },
    resolve: async (_, { minerId, verified }, ctx) => {
      await ctx.market.attestations.setVerified(minerId, verified, ctx.adminKey);
      return { minerId };
    },
  }),
  assignGpu: t.field({
    type: GpuAssignmentRef,
    description: 'Operator only (X-Admin-Key): the GPU belongs to minerId. Its contests close; another node holding it loses it.',
    errors: nodeErrors('AssignGpuResult'),
    args: { uuid: t.arg.string({ required: true, validate: gpuField.shape.uuid }), minerId: t.arg.string({ required: true, validate: addressField }) },
    resolve: (_, { uuid, minerId }, ctx) => ctx.market.attestations.assignGpu(uuid, minerId, ctx.adminKey),
  }),
  suspendGpuNode: t.field({
    type: GpuNodeResultRef,
    description: 'Operator only (X-Admin-Key): takes a node out of the inventory, or puts it back.',
    errors: nodeErrors('SuspendGpuNodeResult'),
    args: { minerId: t.arg.string({ required: true, validate: addressField }), suspended: t.arg.boolean({ required: true }) },
    resolve: async (_, { minerId, suspended }, ctx) => {
      await ctx.market.attestations.setSuspended(minerId, suspended, ctx.adminKey);
      return { minerId };
    },
  }),
}));

const NodeChangeEnum = builder.enumType('NodeChange', {
  values: {
    ATTESTED: { value: 'attested' },
    OFFLINE: { value: 'offline', description: 'Its attestation lapsed.' },
    SUSPENDED: { value: 'suspended' },
    REINSTATED: { value: 'reinstated' },
    VERIFIED: { value: 'verified' },
    UNVERIFIED: { value: 'unverified' },
    CONTESTED: { value: 'contested', description: 'Another miner claimed one of its GPUs: flagged hardware_contested, out of the fair rate.' },
    ASSIGNED: { value: 'assigned', description: 'The operator assigned a contested GPU: to this node, or away from it.' },
  } as const,
});

const NodeEventRef = builder.objectRef<NodeEventMessage>('NodeEvent').implement({
  description: 'One committed change of a GPU node, numbered in the same sequence as escrow events.',
  fields: (t) => ({
    seq: t.int({ resolve: (e) => e.seq }),
    change: t.field({ type: NodeChangeEnum, resolve: (e) => e.change }),
    at: t.field({ type: 'DateTime', resolve: (e) => seconds(e.at) }),
    minerId: t.string({ resolve: (e) => e.minerId }),
    status: t.field({ type: NodeStatusEnum, description: 'Right after the change.', resolve: (e) => e.status }),
    trust: t.field({ type: TrustLevelEnum, description: 'Right after the change.', resolve: (e) => e.trust as TrustLevel }),
    node: t.prismaField({
      type: 'GpuNode',
      nullable: true,
      description: 'The node as it is now.',
      resolve: (query, e, _args, ctx) => ctx.market.db.prisma.gpuNode.findUnique({ ...query, where: { minerId: e.minerId } }),
    }),
  }),
});

builder.subscriptionField('nodeStatusChanged', (t) =>
  t.field({
    type: NodeEventRef,
    description: 'Nodes attested, going offline, suspended or reinstated (one node, or all). With afterSeq, missed events come first.',
    args: {
      minerId: t.arg.string({ required: false, validate: addressField.nullish() }),
      afterSeq: t.arg.int({ required: false, validate: z.number().int().min(0).nullish() }),
    },
    subscribe: (_, { minerId, afterSeq }, ctx) => {
      const live = pipe(ctx.market.pubsub.subscribe('nodeChanged'), filter((e) => !minerId || e.minerId === minerId));
      return catchUpThenLive(live, () =>
        afterSeq != null ? ctx.market.nodeEvents.catchUp(afterSeq, minerId ?? undefined) : nothingMissed(),
      );
    },
    resolve: (e: NodeEventMessage) => e,
  }),
);
