/** Wallets over GraphQL: balances, a wallet's escrows, and the operator's deposit mutation. */
import { addressField } from '../domain/fields.js';
import { formatRtc } from '../domain/money.js';
import { depositRequestSchema } from '../wallet/service.js';
import { builder, MONEY_ERRORS } from './builder.js';
import { inputOf, seconds } from './shared.js';

builder.prismaObject('Wallet', {
  description: "A wallet's balances. `locked` is its own money held in escrows it pays.",
  fields: (t) => ({
    address: t.exposeString('address'),
    availableUrtc: t.expose('availableUrtc', { type: 'Urtc' }),
    availableRtc: t.string({ resolve: (w) => formatRtc(w.availableUrtc) }),
    lockedUrtc: t.expose('lockedUrtc', { type: 'Urtc' }),
    lockedRtc: t.string({ resolve: (w) => formatRtc(w.lockedUrtc) }),
    // Plain connections rather than relatedConnection: a wallet never seen (no row) must still answer.
    escrowsPaid: t.prismaConnection({
      type: 'Escrow',
      cursor: 'id',
      description: 'Escrows this wallet pays, newest first.',
      resolve: (query, w, _args, ctx) =>
        ctx.market.db.prisma.escrow.findMany({ ...query, where: { fromWallet: w.address }, orderBy: { id: 'desc' } }),
      totalCount: (w, _args, ctx) => ctx.market.db.prisma.escrow.count({ where: { fromWallet: w.address } }),
    }),
    escrowsReceived: t.prismaConnection({
      type: 'Escrow',
      cursor: 'id',
      description: 'Escrows that pay this wallet, newest first.',
      resolve: (query, w, _args, ctx) =>
        ctx.market.db.prisma.escrow.findMany({ ...query, where: { toWallet: w.address }, orderBy: { id: 'desc' } }),
      totalCount: (w, _args, ctx) => ctx.market.db.prisma.escrow.count({ where: { toWallet: w.address } }),
    }),
  }),
});

builder.prismaObject('Deposit', {
  description: 'Money credited by the operator, once per external reference.',
  fields: (t) => ({
    reference: t.exposeString('reference'),
    wallet: t.exposeString('wallet'),
    amountUrtc: t.expose('amountUrtc', { type: 'Urtc' }),
    amountRtc: t.string({ resolve: (d) => formatRtc(d.amountUrtc) }),
    createdAt: t.field({ type: 'DateTime', resolve: (d) => seconds(d.createdAt) }),
  }),
});

builder.queryField('wallet', (t) =>
  t.prismaField({
    type: 'Wallet',
    description: 'A wallet by address; an address never seen has zero balances.',
    args: { address: t.arg.string({ required: true, validate: addressField }) },
    resolve: async (query, _, { address }, ctx) =>
      (await ctx.market.db.prisma.wallet.findUnique({ ...query, where: { address } })) ?? {
        address,
        availableUrtc: 0n,
        lockedUrtc: 0n,
        createdAt: 0,
        updatedAt: 0,
      },
  }),
);

const DepositInput = builder.inputType('DepositInput', {
  fields: (t) => ({
    wallet: t.string({ required: true }),
    amountRtc: t.string({ required: false, description: 'Decimal RTC, at most 6 decimals. Give this or amountUrtc.' }),
    amountUrtc: t.string({ required: false }),
    reference: t.string({
      required: true,
      description: 'External reference (for example a chain transaction id); replays are idempotent.',
    }),
  }),
});

const DepositResultRef = builder
  .objectRef<{
    deposit: { id: number; reference: string; wallet: string; amountUrtc: bigint; createdAt: number };
    created: boolean;
  }>('DepositSuccess')
  .implement({
    fields: (t) => ({
      deposit: t.prismaField({ type: 'Deposit', resolve: (_q, r) => r.deposit }),
      wallet: t.prismaField({
        type: 'Wallet',
        description: 'The credited wallet after the deposit.',
        resolve: (query, r, _args, ctx) =>
          ctx.market.db.prisma.wallet.findUniqueOrThrow({ ...query, where: { address: r.deposit.wallet } }),
      }),
      created: t.boolean({
        description: 'False when this reference was already deposited (nothing moved).',
        resolve: (r) => r.created,
      }),
    }),
  });

builder.mutationField('deposit', (t) =>
  t.field({
    type: DepositResultRef,
    description: 'Operator only (X-Admin-Key): credits a wallet, idempotent on the reference.',
    errors: { types: MONEY_ERRORS, directResult: true, union: { name: 'DepositResult' } },
    args: t.validate({ input: t.arg({ type: DepositInput, required: true }) }, inputOf(depositRequestSchema)),
    resolve: (_, req, ctx) => ctx.market.wallets.deposit(req, ctx.adminKey),
  }),
);
