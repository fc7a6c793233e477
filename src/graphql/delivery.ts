/**
 * Delivery, disputes and receipts over GraphQL: the provider's deliverEscrow, the payer's disputeEscrow, the
 * operator's resolveDispute, `Escrow.receipt`, and the operator's reports (open disputes by age, deliveries
 * awaiting review by deadline). The rules are the escrow service's (src/escrow/rules.ts).
 */
import { z } from 'zod';
import {
  deliverRequestSchema,
  disputeRequestSchema,
  resolveRequestSchema,
  type DeliverRequest,
  type DisputeRequest,
  type ResolveRequest,
} from '../escrow/requests.js';
import { ESCROW_REPORTS } from '../escrow/reports.js';
import type { GraphQLContext } from './builder.js';
import { builder } from './builder.js';
import { EscrowRef, EscrowResultRef, moneyMutation } from './escrow.js';
import { JobTypeEnum, withJobType } from './shared.js';

const DeliverEscrowInput = builder.inputType('DeliverEscrowInput', {
  description:
    'Signed by the provider (toWallet) over {action:"escrow.deliver", job_id, job_type, result_hash, nonce, claimed_urtc?, result_uri?}, while the escrow is locked and unexpired.',
  fields: (t) => ({
    jobId: t.string({ required: true }),
    resultHash: t.string({ required: true, description: 'SHA-256 of the result, 64 lowercase hex characters.' }),
    resultUri: t.string({
      required: false,
      description: 'Where the result is: https://, ipfs:// or ar://, at most 512 characters.',
    }),
    claimedUrtc: t.string({
      required: false,
      description: 'µRTC claimed for the delivery, at least 1; default all the escrow still holds.',
    }),
    nonce: t.string({ required: true, description: 'Never reused by the same signer.' }),
    publicKey: t.string({ required: true, description: "The provider's Ed25519 public key, 64 hex characters." }),
    signature: t.string({
      required: true,
      description: 'Ed25519 signature (128 hex) over the canonical action object.',
    }),
  }),
});

const DisputeEscrowInput = builder.inputType('DisputeEscrowInput', {
  description:
    'Signed by the payer (fromWallet) over {action:"escrow.dispute", job_id, job_type, reason, nonce}, before reviewUntil.',
  fields: (t) => ({
    jobId: t.string({ required: true }),
    reason: t.string({ required: true, description: '1 to 500 characters, for the operator.' }),
    nonce: t.string({ required: true, description: 'Never reused by the same signer.' }),
    publicKey: t.string({ required: true, description: "The payer's Ed25519 public key, 64 hex characters." }),
    signature: t.string({
      required: true,
      description: 'Ed25519 signature (128 hex) over the canonical action object.',
    }),
  }),
});

const ResolveDisputeInput = builder.inputType('ResolveDisputeInput', {
  description:
    'The operator (X-Admin-Key) settles a disputed escrow: releaseUrtc to the provider, the rest to the payer.',
  fields: (t) => ({
    jobId: t.string({ required: true }),
    releaseUrtc: t.string({
      required: true,
      description: 'µRTC as digits, from 0 (all back to the payer) to what the escrow holds.',
    }),
  }),
});

builder.mutationFields((t) => ({
  deliverEscrow: t.field({
    type: EscrowResultRef,
    description: "The provider's delivery: records the result and its claim, and opens the payer's review window.",
    errors: { ...moneyMutation, union: { name: 'DeliverEscrowResult' } },
    args: t.validate(
      {
        jobType: t.arg({ type: JobTypeEnum, required: true }),
        input: t.arg({ type: DeliverEscrowInput, required: true }),
      },
      withJobType(deliverRequestSchema),
    ),
    resolve: (_, req, ctx) => ctx.market.escrows.deliver(req as DeliverRequest),
  }),
  disputeEscrow: t.field({
    type: EscrowResultRef,
    description: "The payer's dispute of a delivery under review: the money stays held until the operator resolves it.",
    errors: { ...moneyMutation, union: { name: 'DisputeEscrowResult' } },
    args: t.validate(
      {
        jobType: t.arg({ type: JobTypeEnum, required: true }),
        input: t.arg({ type: DisputeEscrowInput, required: true }),
      },
      withJobType(disputeRequestSchema),
    ),
    resolve: (_, req, ctx) => ctx.market.escrows.dispute(req as DisputeRequest),
  }),
  resolveDispute: t.field({
    type: EscrowResultRef,
    description: 'Operator only: settles a disputed escrow with a split.',
    errors: { ...moneyMutation, union: { name: 'ResolveDisputeResult' } },
    args: t.validate(
      { input: t.arg({ type: ResolveDisputeInput, required: true }) },
      z
        .object({ input: z.unknown() })
        .transform((a) => a.input)
        .pipe(resolveRequestSchema),
    ),
    resolve: (_, req, ctx) => ctx.market.escrows.resolve(req as ResolveRequest, ctx.adminKey),
  }),
}));

const EscrowReceiptRef = builder
  .objectRef<{ json: string; signature: string; publicKey: string }>('EscrowReceipt')
  .implement({
    description:
      'The service\'s signed receipt of a settled escrow: `json` is the exact signed text (JCS of {type:"gpr.receipt.v1", ...}), `signature` Ed25519 over its UTF-8 bytes by `publicKey` (see receiptKey).',
    fields: (t) => ({
      json: t.exposeString('json'),
      signature: t.exposeString('signature'),
      publicKey: t.exposeString('publicKey'),
    }),
  });

builder.objectField(EscrowRef, 'receipt', (t) =>
  t.field({
    type: EscrowReceiptRef,
    nullable: true,
    description: 'The signed receipt, once the escrow is released or refunded; null before.',
    resolve: (e, _, ctx) => (e.status === 'released' || e.status === 'refunded' ? ctx.market.receipts.sign(e) : null),
  }),
);

const ReceiptKeyRef = builder.objectRef<{ publicKey: string; keyId: string }>('ReceiptKey').implement({
  description: 'The key the service signs receipts with: pin it, and verify receipts offline.',
  fields: (t) => ({ publicKey: t.exposeString('publicKey'), keyId: t.exposeString('keyId') }),
});

/** Operator-only reads answer UNAUTHORIZED (or OPERATOR_DISABLED) as an error carrying that code. */
const requireOperator = (ctx: GraphQLContext) => ctx.market.operator.require(ctx.adminKey);

builder.queryFields((t) => ({
  receiptKey: t.field({
    type: ReceiptKeyRef,
    resolve: (_, _args, ctx) => ({ publicKey: ctx.market.receipts.publicKey, keyId: ctx.market.receipts.keyId }),
  }),
  openDisputes: t.prismaConnection(
    {
      type: 'Escrow',
      cursor: 'id',
      description: 'Operator only (X-Admin-Key): disputed escrows waiting for a resolution, oldest dispute first.',
      resolve: (query, _, _args, ctx) => {
        requireOperator(ctx);
        return ctx.market.db.prisma.escrow.findMany({ ...query, ...ESCROW_REPORTS.disputes });
      },
      totalCount: (_, _args, ctx) => {
        requireOperator(ctx);
        return ctx.market.db.prisma.escrow.count({ where: ESCROW_REPORTS.disputes.where });
      },
    },
    { description: 'A page of disputed escrows.' },
  ),
  escrowsAwaitingReview: t.prismaConnection(
    {
      type: 'Escrow',
      cursor: 'id',
      description:
        'Operator only (X-Admin-Key): delivered escrows in review, nearest reviewUntil (auto-release) first.',
      resolve: (query, _, _args, ctx) => {
        requireOperator(ctx);
        return ctx.market.db.prisma.escrow.findMany({ ...query, ...ESCROW_REPORTS.reviews });
      },
      totalCount: (_, _args, ctx) => {
        requireOperator(ctx);
        return ctx.market.db.prisma.escrow.count({ where: ESCROW_REPORTS.reviews.where });
      },
    },
    { description: 'A page of delivered escrows in review.' },
  ),
}));
