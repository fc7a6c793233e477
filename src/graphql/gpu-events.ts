/** GPU node events over GraphQL: `nodeStatusChanged`, each committed change of a node, with catch-up by `afterSeq`. */
import { filter, pipe } from 'graphql-yoga';
import type { NodeEventMessage } from '../attestation/events.js';
import type { TrustLevel } from '../attestation/evidence.js';
import { addressField } from '../domain/fields.js';
import { nothingMissed } from '../event-log.js';
import { catchUpThenLive } from '../subscriptions.js';
import { builder } from './builder.js';
import { NodeStatusEnum, TrustLevelEnum } from './gpu-nodes.js';
import { afterSeqArg, seconds } from './shared.js';

const NodeChangeEnum = builder.enumType('NodeChange', {
  values: {
    ATTESTED: { value: 'attested' },
    OFFLINE: { value: 'offline', description: 'Its attestation lapsed.' },
    SUSPENDED: { value: 'suspended' },
    REINSTATED: { value: 'reinstated' },
    VERIFIED: { value: 'verified' },
    UNVERIFIED: { value: 'unverified' },
    CONTESTED: {
      value: 'contested',
      description: 'Another miner claimed one of its GPUs: flagged hardware_contested, out of the fair rate.',
    },
    ASSIGNED: {
      value: 'assigned',
      description: 'The operator assigned a contested GPU: to this node, or away from it.',
    },
  } as const,
});

export const NodeEventRef = builder.objectRef<NodeEventMessage>('NodeEvent').implement({
  description: 'One committed change of a GPU node, numbered in the same sequence as escrow events.',
  fields: (t) => ({
    seq: t.int({ resolve: (e) => e.seq }),
    change: t.field({ type: NodeChangeEnum, resolve: (e) => e.change }),
    at: t.field({ type: 'DateTime', resolve: (e) => seconds(e.at) }),
    minerId: t.string({ resolve: (e) => e.minerId }),
    status: t.field({ type: NodeStatusEnum, description: 'Right after the change.', resolve: (e) => e.status }),
    trust: t.field({
      type: TrustLevelEnum,
      description: 'Right after the change.',
      resolve: (e) => e.trust as TrustLevel,
    }),
    node: t.prismaField({
      type: 'GpuNode',
      nullable: true,
      description: 'The node as it is now.',
      resolve: (query, e, _args, ctx) =>
        ctx.market.db.prisma.gpuNode.findUnique({ ...query, where: { minerId: e.minerId } }),
    }),
  }),
});

builder.subscriptionField('nodeStatusChanged', (t) =>
  t.field({
    type: NodeEventRef,
    description:
      'Nodes attested, going offline, suspended or reinstated (one node, or all). With afterSeq, missed events come first.',
    args: {
      minerId: t.arg.string({ required: false, validate: addressField.nullish() }),
      afterSeq: t.arg.int({ required: false, validate: afterSeqArg }),
    },
    subscribe: (_, { minerId, afterSeq }, ctx) => {
      const live = pipe(
        ctx.market.pubsub.subscribe('nodeChanged'),
        filter((e) => !minerId || e.minerId === minerId),
      );
      return catchUpThenLive(live, () =>
        afterSeq != null ? ctx.market.nodeEvents.catchUp(afterSeq, minerId ?? undefined) : nothingMissed(),
      );
    },
    resolve: (e: NodeEventMessage) => e,
  }),
);
