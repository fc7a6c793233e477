/**
 * Escrows over GraphQL: the type, lookups, the lock/release/refund mutations and status updates. Delivery,
 * disputes, receipts and the operator's reports are in ./delivery.ts.
 */
import { jobIdField, addressField, type JobType } from '../domain/fields.js';
import { formatRtc } from '../domain/money.js';
import type { EscrowRecord } from '../ledger.js';
import { eventFromMessage, FINAL_CHANGES, type EscrowEventMessage } from '../escrow/events.js';
import { remainingOf, type EscrowStatus } from '../ledger.js';
import { nothingMissed, replayOf, type CatchUp } from '../event-log.js';
import { catchUpThenLive } from '../subscriptions.js';
import {
  lockRequestSchema,
  refundRequestSchema,
  releaseRequestSchema,
  type LockRequest,
  type RefundRequest,
  type ReleaseRequest,
} from '../escrow/requests.js';
import { builder, MONEY_ERRORS } from './builder.js';
import { afterSeqArg, JobTypeEnum, optionalSeconds, seconds, withJobType } from './shared.js';

export const EscrowStatusEnum = builder.enumType('EscrowStatus', {
  description: 'LOCKED → (DELIVERED → (DISPUTED)) → RELEASED | REFUNDED; the first three hold money.',
  values: {
    LOCKED: { value: 'locked', description: 'Held; milestone payments may have paid part of it.' },
    DELIVERED: { value: 'delivered', description: 'The provider delivered; the payer reviews until reviewUntil.' },
    DISPUTED: { value: 'disputed', description: 'The payer disputed the delivery; the operator resolves it.' },
    RELEASED: { value: 'released' },
    REFUNDED: { value: 'refunded' },
  } as const,
});

const WalletRoleEnum = builder.enumType('WalletRole', {
  description: 'Which side of an escrow a wallet is on.',
  values: { PAYER: { value: 'payer' }, PROVIDER: { value: 'provider' }, EITHER: { value: 'either' } } as const,
});

export const EscrowRef = builder.prismaNode('Escrow', {
  id: { field: 'id' },
  description: 'RTC locked by a payer (a bot) for one job, released to the provider (a GPU node) or refunded.',
  fields: (t) => ({
    jobId: t.exposeString('jobId'),
    jobType: t.field({ type: JobTypeEnum, resolve: (e) => e.jobType as JobType }),
    fromWallet: t.exposeString('fromWallet', { description: 'The payer.' }),
    toWallet: t.exposeString('toWallet', { description: 'The provider, paid on release.' }),
    amountUrtc: t.expose('amountUrtc', { type: 'Urtc' }),
    amountRtc: t.string({
      description: 'The amount as an exact decimal RTC string.',
      resolve: (e) => formatRtc(e.amountUrtc),
    }),
    remainingUrtc: t.field({
      type: 'Urtc',
      description: 'What the escrow still holds: amount − released − refunded.',
      resolve: (e) => remainingOf(e),
    }),
    status: t.field({ type: EscrowStatusEnum, resolve: (e) => e.status as EscrowStatus }),
    createdAt: t.field({ type: 'DateTime', resolve: (e) => seconds(e.createdAt) }),
    expiresAt: t.field({
      type: 'DateTime',
      description: 'After this a never-delivered escrow is refunded automatically.',
      resolve: (e) => seconds(e.expiresAt),
    }),
    reviewWindowS: t.int({
      description: 'Seconds the payer has to review a delivery, set at lock time.',
      resolve: (e) => e.reviewWindowS,
    }),
    deliveredAt: t.field({ type: 'DateTime', nullable: true, resolve: (e) => optionalSeconds(e.deliveredAt) }),
    reviewUntil: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Until then the payer may dispute; at it the claim is paid.',
      resolve: (e) => optionalSeconds(e.reviewUntil),
    }),
    claimedUrtc: t.field({
      type: 'Urtc',
      nullable: true,
      description: 'What the provider claims for the delivery.',
      resolve: (e) => e.claimedUrtc ?? null,
    }),
    resultHash: t.string({
      nullable: true,
      description: 'SHA-256 of the delivered result, 64 lowercase hex.',
      resolve: (e) => e.resultHash ?? null,
    }),
    resultUri: t.string({ nullable: true, resolve: (e) => e.resultUri ?? null }),
    disputedAt: t.field({ type: 'DateTime', nullable: true, resolve: (e) => optionalSeconds(e.disputedAt) }),
    disputeReason: t.string({ nullable: true, resolve: (e) => e.disputeReason ?? null }),
    releasedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'The final settlement, when it paid the provider anything.',
      resolve: (e) => optionalSeconds(e.releasedAt),
    }),
    refundedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'The final settlement, when it returned anything.',
      resolve: (e) => optionalSeconds(e.refundedAt),
    }),
    releasedUrtc: t.expose('releasedUrtc', {
      type: 'Urtc',
      description: 'Paid to the provider so far, milestones included.',
    }),
    refundedUrtc: t.expose('refundedUrtc', { type: 'Urtc' }),
    refundReason: t.exposeString('refundReason', { nullable: true }),
    settledBy: t.exposeString('settledBy', {
      nullable: true,
      description: 'payer, provider, operator, sweeper (expiry) or auto (end of review).',
    }),
    metadata: t.field({
      type: 'JSONObject',
      nullable: true,
      resolve: (e) => (e.metadata ? (JSON.parse(e.metadata) as Record<string, unknown>) : null),
    }),
    payer: t.relation('payer'),
    provider: t.relation('provider'),
  }),
});

export const EscrowResultRef = builder
  .objectRef<{ escrow: EscrowRecord; changed: boolean }>('EscrowSuccess')
  .implement({
    description: 'The escrow after the mutation. `changed` is false for an idempotent replay that moved no money.',
    fields: (t) => ({
      escrow: t.field({ type: EscrowRef, resolve: (r) => r.escrow }),
      changed: t.exposeBoolean('changed'),
    }),
  });

const LockEscrowInput = builder.inputType('LockEscrowInput', {
  description:
    'Signed by fromWallet over {action:"escrow.lock", job_id, job_type, from_wallet, to_wallet, amount_urtc, nonce, ttl_s?, review_window_s?, units?, metadata_sha256?}.',
  fields: (t) => ({
    jobId: t.string({ required: true, description: 'Chosen by the client; the idempotency key.' }),
    fromWallet: t.string({ required: true }),
    toWallet: t.string({ required: true }),
    amountRtc: t.string({ required: false, description: 'Decimal RTC, at most 6 decimals. Give this or amountUrtc.' }),
    amountUrtc: t.string({ required: false, description: 'µRTC as digits. Give this or amountRtc.' }),
    ttlS: t.int({
      required: false,
      description: 'Seconds until automatic refund unless delivered (default 86400, at most 30 days).',
    }),
    reviewWindowS: t.int({
      required: false,
      description: 'Seconds the payer has to review a delivery (default 259200 = 72 h, 60 to 2592000).',
    }),
    units: t.string({
      required: false,
      description:
        "A quote's job size (minutes, characters or tokens): the amount must be its price at the node's rate.",
    }),
    metadata: t.field({
      type: 'JSONObject',
      required: false,
      description: 'Up to 4 KiB of JSON (no floats), bound by metadata_sha256 in the signed object.',
    }),
    nonce: t.string({ required: true, description: 'Never reused by the same signer.' }),
    publicKey: t.string({ required: true, description: "The payer's Ed25519 public key, 64 hex characters." }),
    signature: t.string({
      required: true,
      description: 'Ed25519 signature (128 hex) over the canonical action object.',
    }),
  }),
});

const ReleaseEscrowInput = builder.inputType('ReleaseEscrowInput', {
  description:
    'Signed by the payer over {action:"escrow.release", job_id, job_type, nonce, amount_urtc?}; or send X-Admin-Key.',
  fields: (t) => ({
    jobId: t.string({ required: true }),
    amountUrtc: t.string({
      required: false,
      description:
        'While locked, less than remains is a milestone payment (the rest stays locked); once delivered, at least the claim (the rest returns to the payer).',
    }),
    nonce: t.string({ required: false, description: 'Required when signed; never reused by the same signer.' }),
    publicKey: t.string({
      required: false,
      description: "The signer's Ed25519 public key; omit when the operator acts.",
    }),
    signature: t.string({
      required: false,
      description: 'Ed25519 signature (128 hex) over the canonical action object.',
    }),
  }),
});

const RefundEscrowInput = builder.inputType('RefundEscrowInput', {
  description:
    'Signed by the provider (while not final) or the payer (after a never-delivered escrow expired) over {action:"escrow.refund", job_id, job_type, nonce, reason?}; or send X-Admin-Key.',
  fields: (t) => ({
    jobId: t.string({ required: true }),
    reason: t.string({ required: false }),
    nonce: t.string({ required: false, description: 'Required when signed; never reused by the same signer.' }),
    publicKey: t.string({
      required: false,
      description: "The signer's Ed25519 public key; omit when the operator acts.",
    }),
    signature: t.string({
      required: false,
      description: 'Ed25519 signature (128 hex) over the canonical action object.',
    }),
  }),
});

export const moneyMutation = { types: MONEY_ERRORS, directResult: true as const };

builder.mutationFields((t) => ({
  lockEscrow: t.field({
    type: EscrowResultRef,
    description: "Locks RTC from the payer's available balance for a job.",
    errors: { ...moneyMutation, union: { name: 'LockEscrowResult' } },
    args: t.validate(
      {
        jobType: t.arg({ type: JobTypeEnum, required: true }),
        input: t.arg({ type: LockEscrowInput, required: true }),
      },
      withJobType(lockRequestSchema),
    ),
    resolve: (_, req, ctx) => ctx.market.escrows.lock(req as LockRequest),
  }),
  releaseEscrow: t.field({
    type: EscrowResultRef,
    description: 'Pays the provider: a milestone or the remainder while locked, the claim (or more) once delivered.',
    errors: { ...moneyMutation, union: { name: 'ReleaseEscrowResult' } },
    args: t.validate(
      {
        jobType: t.arg({ type: JobTypeEnum, required: true }),
        input: t.arg({ type: ReleaseEscrowInput, required: true }),
      },
      withJobType(releaseRequestSchema),
    ),
    resolve: (_, req, ctx) => ctx.market.escrows.release(req as ReleaseRequest, { adminKey: ctx.adminKey }),
  }),
  refundEscrow: t.field({
    type: EscrowResultRef,
    description: 'Returns what an open escrow holds to the payer.',
    errors: { ...moneyMutation, union: { name: 'RefundEscrowResult' } },
    args: t.validate(
      {
        jobType: t.arg({ type: JobTypeEnum, required: true }),
        input: t.arg({ type: RefundEscrowInput, required: true }),
      },
      withJobType(refundRequestSchema),
    ),
    resolve: (_, req, ctx) => ctx.market.escrows.refund(req as RefundRequest, { adminKey: ctx.adminKey }),
  }),
}));

builder.queryFields((t) => ({
  escrow: t.prismaField({
    type: 'Escrow',
    nullable: true,
    description: 'One escrow by its job id.',
    args: { jobId: t.arg.string({ required: true, validate: jobIdField }) },
    resolve: (query, _, { jobId }, ctx) => ctx.market.db.prisma.escrow.findUnique({ ...query, where: { jobId } }),
  }),
  escrows: t.prismaConnection(
    {
      type: 'Escrow',
      cursor: 'id',
      description: 'Escrows, newest first, filtered by wallet (and its side), status and job type.',
      args: {
        wallet: t.arg.string({ required: false, validate: addressField.nullish() }),
        role: t.arg({
          type: WalletRoleEnum,
          required: false,
          description: 'With wallet: PAYER, PROVIDER or EITHER (default).',
        }),
        status: t.arg({ type: EscrowStatusEnum, required: false }),
        jobType: t.arg({ type: JobTypeEnum, required: false }),
      },
      resolve: (query, _, args, ctx) =>
        ctx.market.db.prisma.escrow.findMany({ ...query, where: escrowFilter(args), orderBy: { id: 'desc' } }),
      totalCount: (_, args, ctx) => ctx.market.db.prisma.escrow.count({ where: escrowFilter(args) }),
    },
    { description: 'A page of escrows.' },
  ),
}));

function escrowFilter(args: {
  wallet?: string | null;
  role?: 'payer' | 'provider' | 'either' | null;
  status?: string | null;
  jobType?: string | null;
}) {
  const role = args.role ?? 'either';
  const wallet = args.wallet
    ? role === 'payer'
      ? { fromWallet: args.wallet }
      : role === 'provider'
        ? { toWallet: args.wallet }
        : { OR: [{ fromWallet: args.wallet }, { toWallet: args.wallet }] }
    : {};
  return {
    ...wallet,
    ...(args.status ? { status: args.status } : {}),
    ...(args.jobType ? { jobType: args.jobType } : {}),
  };
}

const EscrowChangeEnum = builder.enumType('EscrowChange', {
  values: {
    LOCKED: { value: 'locked' },
    PARTIALLY_RELEASED: { value: 'partially_released', description: 'A milestone payment; the rest stays locked.' },
    DELIVERED: { value: 'delivered', description: 'The provider delivered; the review window is open.' },
    DISPUTED: { value: 'disputed', description: 'The payer disputed the delivery.' },
    RELEASED: {
      value: 'released',
      description: 'Settled: the provider was paid (the rest, if any, went back to the payer).',
    },
    REFUNDED: { value: 'refunded' },
    EXPIRED: { value: 'expired', description: 'Refunded automatically at expires_at, never delivered.' },
  } as const,
});

export const EscrowEventRef = builder.objectRef<EscrowEventMessage>('EscrowEvent').implement({
  description:
    'One committed change of an escrow, numbered: pass the last `seq` seen as `afterSeq` to catch up after a reconnect.',
  fields: (t) => ({
    seq: t.int({ description: 'Increases with every event of the market.', resolve: (m) => m.seq }),
    change: t.field({ type: EscrowChangeEnum, resolve: (m) => m.change }),
    at: t.field({ type: 'DateTime', resolve: (m) => seconds(m.at) }),
    escrow: t.field({
      type: EscrowRef,
      description: 'The escrow as it was right after this change.',
      resolve: (m) => escrowOf(m),
    }),
  }),
});

// Subscribers of one escrow share the published message: convert its snapshot once, not once each.
const escrowSnapshots = new WeakMap<EscrowEventMessage, EscrowRecord>();
function escrowOf(m: EscrowEventMessage): EscrowRecord {
  let escrow = escrowSnapshots.get(m);
  if (!escrow) escrowSnapshots.set(m, (escrow = eventFromMessage(m).escrow));
  return escrow;
}

/** Events that leave the escrow final end its subscription (a milestone does not). */
const settles = (m: EscrowEventMessage) =>
  FINAL_CHANGES.includes(m.change) || m.escrow.status === 'released' || m.escrow.status === 'refunded';

builder.subscriptionFields((t) => ({
  escrowStatusChanged: t.field({
    type: EscrowEventRef,
    description:
      'Each change of one escrow (milestones, delivery and dispute included), in order. With afterSeq, the events missed since then come first (each exactly once). An escrow already settled yields its settlement at once; the stream ends after RELEASED, REFUNDED or EXPIRED.',
    args: {
      jobId: t.arg.string({ required: true, validate: jobIdField }),
      afterSeq: t.arg.int({ required: false, validate: afterSeqArg }),
    },
    subscribe: (_, { jobId, afterSeq }, ctx) => {
      const log = ctx.market.escrowEvents;
      const live = ctx.market.pubsub.subscribe('escrowOfJob', jobId);
      return catchUpThenLive(
        live,
        async (): Promise<CatchUp<EscrowEventMessage>> => {
          if (afterSeq != null) return log.jobCatchUp(jobId, afterSeq);
          const latest = await log.latestOfJob(jobId);
          return latest && settles(latest) ? replayOf([latest], latest.seq - 1) : nothingMissed(latest?.seq ?? 0);
        },
        {
          endAfter: settles,
          endedAlready: async () => {
            const l = await log.latestOfJob(jobId);
            return l !== null && settles(l) ? l.seq : null;
          },
        },
      );
    },
    resolve: (m: EscrowEventMessage) => m,
  }),
  escrowEvents: t.field({
    type: EscrowEventRef,
    description:
      'Every change of every escrow the wallet pays or is paid by: locked, milestones, delivered, disputed, released, refunded, expired.',
    args: {
      wallet: t.arg.string({ required: true, validate: addressField }),
      afterSeq: t.arg.int({ required: false, validate: afterSeqArg }),
    },
    subscribe: (_, { wallet, afterSeq }, ctx) => {
      const live = ctx.market.pubsub.subscribe('escrowOfWallet', wallet);
      return catchUpThenLive(live, () =>
        afterSeq != null ? ctx.market.escrowEvents.walletCatchUp(wallet, afterSeq) : nothingMissed(),
      );
    },
    resolve: (m: EscrowEventMessage) => m,
  }),
}));
