/**
 * Attesting GPU nodes over GraphQL: the challenge, the signed attestation, and the operator's
 * verification, suspension and assignment of contested GPUs. The rules live in
 * src/attestation/service.ts; the input becomes the contract's signed body in gpu-inputs.ts.
 */
import type { IncomingMessage } from 'node:http';
import type { TrustLevel } from '../attestation/evidence.js';
import { challengeRequestSchema, gpuField } from '../attestation/requests.js';
import { addressField } from '../domain/fields.js';
import { builder, NODE_ERRORS, type GraphQLContext } from './builder.js';
import { attestationArgsSchema, type AttestationArgs } from './gpu-inputs.js';
import { DeviceArchEnum, NodeStatusEnum, TrustLevelEnum } from './gpu-nodes.js';
import { JobTypeEnum, seconds } from './shared.js';

const ChallengeRef = builder.objectRef<{ challenge: string; expiresAt: number }>('AttestationChallenge').implement({
  description: 'Sign this into the attestation within 5 minutes; it works once.',
  fields: (t) => ({
    challenge: t.exposeString('challenge'),
    expiresAt: t.field({ type: 'DateTime', resolve: (c) => seconds(c.expiresAt) }),
  }),
});

const AttestationResultRef = builder
  .objectRef<{
    minerId: string;
    status: 'online' | 'offline' | 'suspended';
    trust: TrustLevel;
    fingerprint: string;
    flags: string[];
  }>('GpuAttestationSuccess')
  .implement({
    fields: (t) => ({
      minerId: t.exposeString('minerId'),
      status: t.field({ type: NodeStatusEnum, resolve: (r) => r.status }),
      trust: t.field({ type: TrustLevelEnum, resolve: (r) => r.trust }),
      fingerprint: t.exposeString('fingerprint'),
      flags: t.exposeStringList('flags'),
      node: t.prismaField({
        type: 'GpuNode',
        resolve: (query, r, _args, ctx) =>
          ctx.market.db.prisma.gpuNode.findUniqueOrThrow({ ...query, where: { minerId: r.minerId } }),
      }),
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

const GpuNodeResultRef = builder.objectRef<{ minerId: string }>('GpuNodeSuccess').implement({
  fields: (t) => ({
    node: t.prismaField({
      type: 'GpuNode',
      resolve: (query, r, _args, ctx) =>
        ctx.market.db.prisma.gpuNode.findUniqueOrThrow({ ...query, where: { minerId: r.minerId } }),
    }),
  }),
});

const GpuAssignmentRef = builder
  .objectRef<{ uuid: string; minerId: string; previousHolder: string | null }>('GpuAssignmentSuccess')
  .implement({
    fields: (t) => ({
      uuid: t.exposeString('uuid'),
      minerId: t.exposeString('minerId', { description: 'The only miner that may attest with this GPU from now on.' }),
      previousHolder: t.exposeString('previousHolder', {
        nullable: true,
        description: 'The node that held it at the assignment, if any.',
      }),
    }),
  });

const nodeErrors = (name: string) => ({ types: NODE_ERRORS, directResult: true as const, union: { name } });

/** The requesting client's address: the HTTP peer (for graphql-ws, the upgrade request's); absent in process. */
const clientAddressOf = (ctx: GraphQLContext) =>
  (ctx as GraphQLContext & { req?: IncomingMessage }).req?.socket?.remoteAddress;

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
    args: t.validate({ input: t.arg({ type: GpuAttestationInput, required: true }) }, attestationArgsSchema),
    resolve: (_, args, ctx) => {
      const { attestation, fieldsAsSent, publicKey, signature } = args as unknown as AttestationArgs;
      return ctx.market.attestations.attest(attestation, { publicKey, signature }, fieldsAsSent);
    },
  }),
  verifyGpuNode: t.field({
    type: GpuNodeResultRef,
    description: 'Operator only (X-Admin-Key): grants or withdraws VERIFIED trust for the node’s current hardware.',
    errors: nodeErrors('VerifyGpuNodeResult'),
    args: {
      minerId: t.arg.string({ required: true, validate: addressField }),
      verified: t.arg.boolean({ required: true }),
    },
    resolve: async (_, { minerId, verified }, ctx) => {
      await ctx.market.attestations.setVerified(minerId, verified, ctx.adminKey);
      return { minerId };
    },
  }),
  assignGpu: t.field({
    type: GpuAssignmentRef,
    description:
      'Operator only (X-Admin-Key): the GPU belongs to minerId. Its contests close; another node holding it loses it.',
    errors: nodeErrors('AssignGpuResult'),
    args: {
      uuid: t.arg.string({ required: true, validate: gpuField.shape.uuid }),
      minerId: t.arg.string({ required: true, validate: addressField }),
    },
    resolve: (_, { uuid, minerId }, ctx) => ctx.market.attestations.assignGpu(uuid, minerId, ctx.adminKey),
  }),
  suspendGpuNode: t.field({
    type: GpuNodeResultRef,
    description: 'Operator only (X-Admin-Key): takes a node out of the inventory, or puts it back.',
    errors: nodeErrors('SuspendGpuNodeResult'),
    args: {
      minerId: t.arg.string({ required: true, validate: addressField }),
      suspended: t.arg.boolean({ required: true }),
    },
    resolve: async (_, { minerId, suspended }, ctx) => {
      await ctx.market.attestations.setSuspended(minerId, suspended, ctx.adminKey);
      return { minerId };
    },
  }),
}));
