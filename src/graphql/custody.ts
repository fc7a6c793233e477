/**
 * Custody over GraphQL: withdrawals, a wallet's chain deposits and withdrawals, proof of reserves, and the
 * wallet's deposit and withdrawal events (docs/CONTRACT.md, "Custody on RustChain").
 */
import { z } from 'zod';
import type { WalletChange, WalletEventMessage } from '../custody/events.js';
import { withdrawRequestSchema, type WithdrawRequest } from '../custody/requests.js';
import type { ChainDepositRecord, WithdrawalRecord } from '../custody/store.js';
import { addressField } from '../domain/fields.js';
import { formatRtc } from '../domain/money.js';
import { nothingMissed } from '../event-log.js';
import { catchUpThenLive } from '../subscriptions.js';
import { builder, MONEY_ERRORS } from './builder.js';
import { afterSeqArg, inputOf, optionalSeconds, seconds } from './shared.js';

const ChainDepositStatusEnum = builder.enumType('ChainDepositStatus', {
  description:
    'pending: seen, not final, not spendable; credited: final and credited once; voided: never credited; unattributed: final, waiting for the operator.',
  values: {
    PENDING: { value: 'pending' },
    CREDITED: { value: 'credited' },
    VOIDED: { value: 'voided' },
    UNATTRIBUTED: { value: 'unattributed' },
  } as const,
});

const WithdrawalStatusEnum = builder.enumType('WithdrawalStatus', {
  description:
    'pending: debited, not yet taken by the chain; sent: the chain holds the transfer; confirmed: final; failed: the money is back in the wallet.',
  values: {
    PENDING: { value: 'pending' },
    SENT: { value: 'sent' },
    CONFIRMED: { value: 'confirmed' },
    FAILED: { value: 'failed' },
  } as const,
});

const ChainDepositRef = builder.prismaObject('ChainDeposit', {
  description: 'A RustChain transfer to the custody address, credited once when the chain confirms it.',
  fields: (t) => ({
    txHash: t.exposeString('txHash'),
    chain: t.exposeString('chain'),
    fromAddress: t.exposeString('fromAddress'),
    wallet: t.exposeString('wallet', {
      nullable: true,
      description: 'The wallet it credits: the sender, or the address of a gpr:<address> memo.',
    }),
    amountUrtc: t.expose('amountUrtc', { type: 'Urtc' }),
    amountRtc: t.string({ resolve: (d) => formatRtc(d.amountUrtc) }),
    memo: t.exposeString('memo', { nullable: true }),
    status: t.field({ type: ChainDepositStatusEnum, resolve: (d) => d.status as 'pending' }),
    seenAt: t.field({ type: 'DateTime', resolve: (d) => seconds(d.seenAt) }),
    creditedAt: t.field({ type: 'DateTime', nullable: true, resolve: (d) => optionalSeconds(d.creditedAt) }),
    voidedAt: t.field({ type: 'DateTime', nullable: true, resolve: (d) => optionalSeconds(d.voidedAt) }),
  }),
});

const WithdrawalRef = builder.prismaObject('Withdrawal', {
  description: 'RTC leaving the market: debited at once, then sent as exactly one RustChain transfer.',
  fields: (t) => ({
    withdrawalId: t.string({ resolve: (w) => String(w.id) }),
    wallet: t.exposeString('wallet'),
    toAddress: t.exposeString('toAddress'),
    amountUrtc: t.expose('amountUrtc', { type: 'Urtc' }),
    amountRtc: t.string({ resolve: (w) => formatRtc(w.amountUrtc) }),
    status: t.field({ type: WithdrawalStatusEnum, resolve: (w) => w.status as 'pending' }),
    txHash: t.exposeString('txHash', { nullable: true, description: 'Known before the transfer is posted.' }),
    failureReason: t.exposeString('failureReason', { nullable: true }),
    createdAt: t.field({ type: 'DateTime', resolve: (w) => seconds(w.createdAt) }),
    sentAt: t.field({ type: 'DateTime', nullable: true, resolve: (w) => optionalSeconds(w.sentAt) }),
    confirmedAt: t.field({ type: 'DateTime', nullable: true, resolve: (w) => optionalSeconds(w.confirmedAt) }),
    failedAt: t.field({ type: 'DateTime', nullable: true, resolve: (w) => optionalSeconds(w.failedAt) }),
  }),
});

builder.prismaObjectFields('Wallet', (t) => ({
  deposits: t.prismaConnection({
    type: 'ChainDeposit',
    cursor: 'txHash',
    description: 'RustChain deposits that credit this wallet, newest first.',
    resolve: (query, w, _args, ctx) =>
      ctx.market.db.prisma.chainDeposit.findMany({
        ...query,
        where: { wallet: w.address },
        orderBy: [{ seenAt: 'desc' }, { txHash: 'desc' }],
      }),
  }),
  withdrawals: t.prismaConnection({
    type: 'Withdrawal',
    cursor: 'id',
    description: "This wallet's withdrawals, newest first.",
    resolve: (query, w, _args, ctx) =>
      ctx.market.db.prisma.withdrawal.findMany({ ...query, where: { wallet: w.address }, orderBy: { id: 'desc' } }),
  }),
}));

const CustodyRef = builder
  .objectRef<import('../custody/service.js').CustodyReport & { enabled: boolean }>('Custody')
  .implement({
    description: 'Proof of reserves: what the chain holds for the market beside what the market owes.',
    fields: (t) => ({
      enabled: t.exposeBoolean('enabled'),
      chain: t.exposeString('chain'),
      chainId: t.exposeString('chainId', { nullable: true }),
      custodyAddress: t.exposeString('custodyAddress', { nullable: true }),
      onchainUrtc: t.field({
        type: 'Urtc',
        nullable: true,
        description: "The chain's confirmed balance of the custody address.",
        resolve: (r) => r.onchainUrtc,
      }),
      liabilitiesUrtc: t.field({
        type: 'Urtc',
        description: 'Available + held in escrows + withdrawals pending or sent.',
        resolve: (r) => r.liabilitiesUrtc,
      }),
      incomingUrtc: t.field({
        type: 'Urtc',
        description: 'Deposits seen but not yet final.',
        resolve: (r) => r.incomingUrtc,
      }),
      pendingWithdrawalsUrtc: t.field({ type: 'Urtc', resolve: (r) => r.pendingWithdrawalsUrtc }),
      surplusUrtc: t.string({
        nullable: true,
        description: 'onchain − liabilities, µRTC; negative is a shortfall.',
        resolve: (r) => r.surplusUrtc?.toString() ?? null,
      }),
      checkedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => optionalSeconds(r.checkedAt) }),
    }),
  });

builder.queryField('custody', (t) =>
  t.field({
    type: CustodyRef,
    resolve: async (_, _args, ctx) => ({ ...(await ctx.market.custody.report()), enabled: ctx.market.custody.enabled }),
  }),
);

const WithdrawInput = builder.inputType('WithdrawInput', {
  description: 'Signed by wallet over {action:"wallet.withdraw", wallet, to_address, amount_urtc, nonce}.',
  fields: (t) => ({
    wallet: t.string({ required: true }),
    toAddress: t.string({ required: true, description: 'A RustChain address; sent in lowercase.' }),
    amountRtc: t.string({ required: false, description: 'Decimal RTC, at most 6 decimals. Give this or amountUrtc.' }),
    amountUrtc: t.string({ required: false }),
    nonce: t.string({ required: true }),
    publicKey: t.string({ required: true }),
    signature: t.string({ required: true }),
  }),
});

const WithdrawSuccess = builder.objectRef<{ withdrawal: WithdrawalRecord }>('WithdrawSuccess').implement({
  fields: (t) => ({ withdrawal: t.prismaField({ type: 'Withdrawal', resolve: (_q, r) => r.withdrawal }) }),
});

builder.mutationField('withdraw', (t) =>
  t.field({
    type: WithdrawSuccess,
    description:
      'Moves the amount from available into a pending withdrawal, sent to RustChain as exactly one transfer.',
    errors: { types: MONEY_ERRORS, directResult: true, union: { name: 'WithdrawResult' } },
    args: t.validate({ input: t.arg({ type: WithdrawInput, required: true }) }, inputOf(withdrawRequestSchema)),
    resolve: async (_, req, ctx) => ({ withdrawal: await ctx.market.custody.withdraw(req as WithdrawRequest) }),
  }),
);

const WalletChangeEnum = builder.enumType('WalletChange', {
  values: Object.fromEntries(
    (
      [
        'deposit_pending',
        'deposit_credited',
        'deposit_voided',
        'withdrawal_pending',
        'withdrawal_sent',
        'withdrawal_confirmed',
        'withdrawal_failed',
      ] as const
    ).map((c) => [c.toUpperCase(), { value: c }]),
  ) as Record<Uppercase<WalletChange>, { value: WalletChange }>,
});

const fromSnapshot = <T>(s: Record<string, string | number | null>, amounts: string[]): T => {
  const out: Record<string, unknown> = { ...s };
  for (const k of amounts) if (typeof out[k] === 'string') out[k] = BigInt(out[k] as string);
  return out as T;
};

export const WalletEventRef = builder.objectRef<WalletEventMessage>('WalletEvent').implement({
  description: 'A deposit or withdrawal of the wallet changed, numbered in the market-wide sequence.',
  fields: (t) => ({
    seq: t.int({ resolve: (m) => m.seq }),
    change: t.field({ type: WalletChangeEnum, resolve: (m) => m.change }),
    at: t.field({ type: 'DateTime', resolve: (m) => seconds(m.at) }),
    wallet: t.string({ resolve: (m) => m.wallet }),
    deposit: t.field({
      type: ChainDepositRef,
      nullable: true,
      resolve: (m) => (m.deposit ? fromSnapshot<ChainDepositRecord>(m.deposit, ['amountUrtc']) : null),
    }),
    withdrawal: t.field({
      type: WithdrawalRef,
      nullable: true,
      resolve: (m) =>
        m.withdrawal ? fromSnapshot<WithdrawalRecord>(m.withdrawal, ['amountUrtc', 'custodyNonce']) : null,
    }),
  }),
});

builder.subscriptionField('walletEvents', (t) =>
  t.field({
    type: WalletEventRef,
    description:
      "The wallet's deposits seen, credited or voided and withdrawals pending, sent, confirmed or failed. With afterSeq, missed events first.",
    args: {
      wallet: t.arg.string({ required: true, validate: addressField }),
      afterSeq: t.arg.int({ required: false, validate: afterSeqArg }),
    },
    subscribe: (_, { wallet, afterSeq }, ctx) =>
      catchUpThenLive(ctx.market.pubsub.subscribe('walletEvent', wallet), () =>
        afterSeq != null ? ctx.market.custody.catchUp(wallet, afterSeq) : nothingMissed(),
      ),
    resolve: (m: WalletEventMessage) => m,
  }),
);
