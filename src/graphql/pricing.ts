/**
 * The pricing oracle over GraphQL: fair and realised rates per job type, quotes, bucketed price
 * history for analysts, a node's own price changes, and `priceUpdated` when a fair rate moves.
 */
import { filter, pipe } from 'graphql-yoga';
import { z } from 'zod';
import { addressField, JOB_TYPES, type JobType } from '../domain/fields.js';
import { formatRtc } from '../domain/money.js';
import { PRICE_UNIT, type MarketRate, type PriceBucket, type Quotation, type Realised } from '../pricing/service.js';
import { nothingMissed } from '../event-log.js';
import { catchUpThenLive } from '../subscriptions.js';
import type { PriceEventMessage } from '../pricing/store.js';
import { builder } from './builder.js';
import { GpuNodeRef } from './gpu-nodes.js';
import { afterSeqArg, JobTypeEnum, optionalSeconds, seconds } from './shared.js';

const RealisedRef = builder.objectRef<Realised>('RealisedRate').implement({
  description: 'What released jobs that carried a quote actually paid.',
  fields: (t) => ({
    volumeUrtc: t.field({ type: 'Urtc', resolve: (r) => r.volumeUrtc }),
    rateUrtc: t.field({
      type: 'Urtc',
      nullable: true,
      description: 'Volume-weighted µRTC per price unit.',
      resolve: (r) => r.rateUrtc,
    }),
  }),
});

export const FairRateRef = builder.objectRef<MarketRate>('FairRate').implement({
  description:
    'The fair market rate of a job type: the median of eligible online providers’ prices (verified, or bonded with at least BOND_MIN_URTC, and no contested GPU), one vote per hardware fingerprint, leaving out quotes marked as outliers; null below 3 eligible providers. quoted* describe every fresh quote.',
  fields: (t) => ({
    jobType: t.field({ type: JobTypeEnum, resolve: (r) => r.jobType }),
    unit: t.string({ description: 'minute, 1K characters, minute, 1K tokens.', resolve: (r) => r.unit }),
    fairUrtc: t.field({ type: 'Urtc', nullable: true, resolve: (r) => r.fairUrtc }),
    fairRtc: t.string({ nullable: true, resolve: (r) => (r.fairUrtc === null ? null : formatRtc(r.fairUrtc)) }),
    insufficientData: t.boolean({ resolve: (r) => r.insufficientData }),
    providers: t.int({
      description: 'Eligible independent providers (distinct hardware) quoting.',
      resolve: (r) => r.providers,
    }),
    counted: t.int({ description: 'Providers whose quote counted (not outliers).', resolve: (r) => r.counted }),
    minUrtc: t.field({ type: 'Urtc', nullable: true, resolve: (r) => r.minUrtc }),
    maxUrtc: t.field({ type: 'Urtc', nullable: true, resolve: (r) => r.maxUrtc }),
    quotedMedianUrtc: t.field({
      type: 'Urtc',
      nullable: true,
      description: 'The median of every fresh quote of online nodes, eligible or not (outliers included).',
      resolve: (r) => r.quotedMedianUrtc,
    }),
    quotedProviders: t.int({
      description: 'Online nodes quoting this job type, eligible or not.',
      resolve: (r) => r.quotedProviders,
    }),
    updatedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'The latest price change of this job type.',
      resolve: (r) => optionalSeconds(r.updatedAt),
    }),
    realised24h: t.field({ type: RealisedRef, resolve: (r) => r.realised }),
  }),
});

const QuoteRef = builder.objectRef<Quotation>('Quote').implement({
  description:
    'The µRTC to lock for a job of this size at this node’s price (pass `units` to the lock to keep that price).',
  fields: (t) => ({
    jobType: t.field({ type: JobTypeEnum, resolve: (q) => q.jobType }),
    minerId: t.exposeString('minerId'),
    units: t.string({
      description: 'Minutes, characters or tokens, as a digit string.',
      resolve: (q) => q.units.toString(),
    }),
    unitPriceUrtc: t.field({ type: 'Urtc', resolve: (q) => q.unitPriceUrtc }),
    totalUrtc: t.field({ type: 'Urtc', resolve: (q) => q.totalUrtc }),
    totalRtc: t.string({ resolve: (q) => formatRtc(q.totalUrtc) }),
    fairRate: t.field({ type: FairRateRef, resolve: (q) => ({ ...q.fair, jobType: q.jobType }) as MarketRate }),
    fairTotalUrtc: t.field({ type: 'Urtc', nullable: true, resolve: (q) => q.fairTotalUrtc }),
  }),
});

const PriceBucketRef = builder.objectRef<PriceBucket>('PriceBucket').implement({
  description: 'The price changes (quotes) of one hour or day, and what released jobs paid in it.',
  fields: (t) => ({
    start: t.field({ type: 'DateTime', resolve: (b) => seconds(b.start) }),
    end: t.field({ type: 'DateTime', resolve: (b) => seconds(b.end) }),
    open: t.field({ type: 'Urtc', nullable: true, resolve: (b) => b.open }),
    high: t.field({ type: 'Urtc', nullable: true, resolve: (b) => b.high }),
    low: t.field({ type: 'Urtc', nullable: true, resolve: (b) => b.low }),
    close: t.field({ type: 'Urtc', nullable: true, resolve: (b) => b.close }),
    median: t.field({ type: 'Urtc', nullable: true, resolve: (b) => b.median }),
    count: t.int({ resolve: (b) => b.count }),
    realisedVolumeUrtc: t.field({ type: 'Urtc', resolve: (b) => b.realised.volumeUrtc }),
    realisedRateUrtc: t.field({ type: 'Urtc', nullable: true, resolve: (b) => b.realised.rateUrtc }),
  }),
});

const BucketSizeEnum = builder.enumType('PriceBucketSize', {
  values: { HOUR: { value: 'hour' }, DAY: { value: 'day' } } as const,
});

const PriceChangeRef = builder.prismaObject('PriceChange', {
  fields: (t) => ({
    jobType: t.field({ type: JobTypeEnum, resolve: (c) => c.jobType as JobType }),
    oldPriceUrtc: t.expose('oldPriceUrtc', { type: 'Urtc', nullable: true }),
    newPriceUrtc: t.expose('newPriceUrtc', { type: 'Urtc' }),
    changedAt: t.field({ type: 'DateTime', resolve: (c) => seconds(c.changedAt) }),
    outlier: t.exposeBoolean('outlier', { description: 'Far outside the band around the fair rate when quoted.' }),
  }),
});

builder.objectField(GpuNodeRef, 'priceHistory', (t) =>
  t.prismaConnection(
    {
      type: PriceChangeRef,
      cursor: 'id',
      description: 'This node’s price changes, newest first.',
      args: { jobType: t.arg({ type: JobTypeEnum, required: false }) },
      resolve: (query, node, args, ctx) =>
        ctx.market.db.prisma.priceChange.findMany({
          ...query,
          where: { minerId: node.minerId, ...(args.jobType ? { jobType: args.jobType } : {}) },
          orderBy: { id: 'desc' },
        }),
    },
    {},
  ),
);

const unitsArg = z
  .string()
  .regex(/^\d{1,13}$/, 'must be a whole number of units')
  .refine((v) => BigInt(v) >= 1n, 'must be at least 1');

const PriceCheckRef = builder
  .objectRef<Awaited<ReturnType<import('../pricing/service.js').PricingService['checkPrice']>>>('PriceCheck')
  .implement({
    description: 'Whether a proposed price lies far outside the band of accepted quotes around the fair rate.',
    fields: (t) => ({
      manipulated: t.exposeBoolean('manipulated'),
      reason: t.exposeString('reason', { description: 'above_band, below_band, within_band or insufficient_data.' }),
      proposedUrtc: t.field({ type: 'Urtc', resolve: (c) => c.proposedUrtc }),
      fairUrtc: t.field({ type: 'Urtc', nullable: true, resolve: (c) => c.fairUrtc }),
      bandLowUrtc: t.field({ type: 'Urtc', nullable: true, resolve: (c) => c.bandLowUrtc }),
      bandHighUrtc: t.field({ type: 'Urtc', nullable: true, resolve: (c) => c.bandHighUrtc }),
    }),
  });

builder.queryFields((t) => ({
  priceCheck: t.field({
    type: PriceCheckRef,
    description: "The seed's manipulation check of a proposed price (µRTC per the job type's unit).",
    args: {
      jobType: t.arg({ type: JobTypeEnum, required: true }),
      priceUrtc: t.arg.string({
        required: true,
        validate: z.string().regex(/^\d{1,19}$/, 'must be a string of digits (µRTC)'),
      }),
    },
    resolve: (_, args, ctx) => ctx.market.pricing.checkPrice(args.jobType, BigInt(args.priceUrtc)),
  }),
  marketRates: t.field({
    type: [FairRateRef],
    description: 'The fair and realised rates of every job type, now.',
    resolve: (_, __, ctx) => ctx.market.pricing.marketRates(),
  }),
  fairRate: t.field({
    type: FairRateRef,
    args: { jobType: t.arg({ type: JobTypeEnum, required: true }) },
    resolve: (_, { jobType }, ctx) => ctx.market.pricing.rate(jobType),
  }),
  quote: t.field({
    type: QuoteRef,
    description: `units: ${JOB_TYPES.map((j) => `${j} in ${PRICE_UNIT[j].jobUnit}`).join(', ')}.`,
    args: {
      jobType: t.arg({ type: JobTypeEnum, required: true }),
      units: t.arg.string({ required: true, validate: unitsArg }),
      minerId: t.arg.string({ required: true, validate: addressField }),
    },
    resolve: (_, args, ctx) => ctx.market.pricing.quote(args.jobType, BigInt(args.units), args.minerId),
  }),
  priceHistory: t.field({
    type: [PriceBucketRef],
    description:
      'Quotes and realised payments of a job type in [from, to), in UTC hour or day buckets, empty buckets included.',
    args: {
      jobType: t.arg({ type: JobTypeEnum, required: true }),
      from: t.arg({ type: 'DateTime', required: true }),
      to: t.arg({ type: 'DateTime', required: true }),
      bucket: t.arg({ type: BucketSizeEnum, required: true }),
    },
    resolve: (_, args, ctx) =>
      ctx.market.pricing.history(
        args.jobType,
        Math.floor(args.from.getTime() / 1000),
        Math.ceil(args.to.getTime() / 1000),
        args.bucket,
      ),
  }),
}));

export const PriceEventRef = builder.objectRef<PriceEventMessage>('PriceEvent').implement({
  description: 'A fair rate moved; numbered in the same sequence as escrow and node events.',
  fields: (t) => ({
    seq: t.int({ resolve: (e) => e.seq }),
    at: t.field({ type: 'DateTime', resolve: (e) => seconds(e.at) }),
    jobType: t.field({ type: JobTypeEnum, resolve: (e) => e.jobType }),
    rate: t.field({
      type: FairRateRef,
      description: 'The rate now.',
      resolve: (e, _, ctx) => ctx.market.pricing.rate(e.jobType),
    }),
  }),
});

builder.subscriptionField('priceUpdated', (t) =>
  t.field({
    type: PriceEventRef,
    description:
      'Each move of the fair rate of a job type (or of every job type). With afterSeq, missed moves come first.',
    args: {
      jobType: t.arg({ type: JobTypeEnum, required: false }),
      afterSeq: t.arg.int({ required: false, validate: afterSeqArg }),
    },
    subscribe: (_, { jobType, afterSeq }, ctx) => {
      const wanted = (e: PriceEventMessage) => !jobType || e.jobType === jobType;
      const live = pipe(ctx.market.pubsub.subscribe('priceUpdated'), filter(wanted));
      return catchUpThenLive(live, () =>
        afterSeq != null ? ctx.market.pricingEvents.priceCatchUp(afterSeq, jobType ?? undefined) : nothingMissed(),
      );
    },
    resolve: (e: PriceEventMessage) => e,
  }),
);
