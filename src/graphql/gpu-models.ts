/**
 * Voice and language models over GraphQL: each node's models (the name as sent beside the catalog's
 * canonical id, parameters, quantisation and flags), and `models(jobType)`, the catalog with how many
 * online nodes serve each model and the names it does not know — what a frontend's filter menus need.
 * The catalog is packages/agent/src/models; matching lives in src/attestation/inventory.ts.
 */
import { createContextCache } from '@pothos/core';
import type { GpuNodeModel } from '@prisma/client';
import DataLoader from 'dataloader';
import { modelCounts, type ModelCount, type UnknownModelCount } from '../attestation/inventory.js';
import { MODEL_JOB_TYPES, type ModelJobType } from '../attestation/models.js';
import { modelsOfNodes } from '../attestation/node-details.js';
import type { JobType } from '../domain/fields.js';
import { builder, type GraphQLContext } from './builder.js';
import { GpuNodeRef } from './gpu-nodes.js';
import { JobTypeEnum } from './shared.js';

const loaders = createContextCache((ctx: GraphQLContext) => ({
  models: new DataLoader<string, GpuNodeModel[]>((minerIds) => modelsOfNodes(ctx.market.db.prisma, minerIds)),
}));

const isModelJobType = (jobType: JobType): jobType is ModelJobType =>
  (MODEL_JOB_TYPES as readonly string[]).includes(jobType);

const NodeModelRef = builder.objectRef<GpuNodeModel>('GpuNodeModel').implement({
  description: 'A model a node attested: the name as it sent (and signed) it, and what the model catalog makes of it.',
  fields: (t) => ({
    jobType: t.field({ type: JobTypeEnum, description: 'The list it was sent in.', resolve: (m) => m.kind as JobType }),
    name: t.exposeString('name', { description: 'As sent.' }),
    canonical: t.exposeString('canonical', { nullable: true, description: 'The catalog’s id; null when unknown.' }),
    paramsB: t.exposeFloat('paramsB', { nullable: true, description: 'Billions of parameters, when known.' }),
    quant: t.exposeString('quant', {
      nullable: true,
      description: 'The quantisation the name carries (q4_k_m, q8_0, f16, awq …), normalised.',
    }),
    flags: t.stringList({
      description: 'unknown_model, model_exceeds_vram.',
      resolve: (m) => JSON.parse(m.flags) as string[],
    }),
  }),
});

builder.objectField(GpuNodeRef, 'models', (t) =>
  t.field({
    type: [NodeModelRef],
    description: 'The TTS, STT and LLM models the node serves.',
    resolve: (n, _, ctx) => loaders(ctx).models.load(n.minerId),
  }),
);

const CatalogModelRef = builder.objectRef<ModelCount>('CatalogModel').implement({
  description: 'A model of the catalog and how many online nodes serve it.',
  fields: (t) => ({
    id: t.exposeString('id', { description: 'Canonical id: what a filter matches, in any of its aliases.' }),
    jobType: t.field({ type: JobTypeEnum, resolve: (m) => m.jobType }),
    engine: t.exposeString('engine'),
    displayName: t.exposeString('displayName'),
    aliases: t.stringList({ resolve: (m) => [...m.aliases] }),
    paramsB: t.exposeFloat('paramsB', { nullable: true }),
    minVramMb: t.exposeInt('minVramMb', { nullable: true, description: 'The least memory it runs in, when known.' }),
    onlineNodes: t.exposeInt('onlineNodes'),
  }),
});

const UnknownModelRef = builder.objectRef<UnknownModelCount>('UnknownModelName').implement({
  description: 'A name online nodes sent that the catalog does not know (a filter matches it exactly).',
  fields: (t) => ({
    name: t.exposeString('name'),
    jobType: t.field({ type: JobTypeEnum, resolve: (m) => m.jobType }),
    onlineNodes: t.exposeInt('onlineNodes'),
  }),
});

const ModelMenuRef = builder
  .objectRef<{ known: ModelCount[]; unknown: UnknownModelCount[] }>('ModelCatalog')
  .implement({
    fields: (t) => ({
      models: t.field({ type: [CatalogModelRef], resolve: (c) => c.known }),
      unknownNames: t.field({
        type: [UnknownModelRef],
        description: 'At most 100, the most served first.',
        resolve: (c) => c.unknown,
      }),
    }),
  });

builder.queryFields((t) => ({
  models: t.field({
    type: ModelMenuRef,
    description: 'The model catalog (of one job type, or all) with how many online nodes serve each model.',
    args: { jobType: t.arg({ type: JobTypeEnum, required: false }) },
    resolve: (_, { jobType }, ctx) => {
      if (jobType && !isModelJobType(jobType)) return { known: [], unknown: [] };
      return modelCounts(ctx.market.sql, {
        jobType: jobType ?? undefined,
        now: ctx.market.clock(),
        ttlS: ctx.market.attestations.attestationTtlS,
      });
    },
  }),
}));
