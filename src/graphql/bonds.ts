/**
 * Node bonds over GraphQL: a node's bond and eligibility for the fair rate, the signed bond and unbond
 * mutations, and the operator's slash. The rules live in src/attestation/bonds.ts and
 * src/pricing/eligibility.ts; this module only translates.
 */
import {
  bondRequestSchema,
  slashRequestSchema,
  type BondRecord,
  type BondRequest,
  type SlashRequest,
} from '../attestation/bonds.js';
import { addressField } from '../domain/fields.js';
import { formatRtc } from '../domain/money.js';
import { isEligibleProvider } from '../pricing/eligibility.js';
import { builder, MONEY_ERRORS } from './builder.js';
import { GpuNodeRef } from './gpu-nodes.js';
import { inputOf, optionalSeconds } from './shared.js';

const GpuBondRef = builder.objectRef<BondRecord>('GpuBond').implement({
  description: 'RTC a node’s wallet keeps locked to be eligible for the fair rate; the operator can slash it.',
  fields: (t) => ({
    minerId: t.exposeString('minerId'),
    bondedUrtc: t.field({ type: 'Urtc', description: 'Counts towards eligibility.', resolve: (b) => b.bondedUrtc }),
    bondedRtc: t.string({ resolve: (b) => formatRtc(b.bondedUrtc) }),
    unbondingUrtc: t.field({
      type: 'Urtc',
      description: 'Asked back: returns to the wallet at unbondAt, slashable until then.',
      resolve: (b) => b.unbondingUrtc,
    }),
    unbondAt: t.field({ type: 'DateTime', nullable: true, resolve: (b) => optionalSeconds(b.unbondAt) }),
    slashedUrtc: t.field({
      type: 'Urtc',
      description: 'Moved to the treasury by the operator, all time.',
      resolve: (b) => b.slashedUrtc,
    }),
    eligible: t.boolean({
      description: 'Whether the bond alone (bondedUrtc at least bondMinUrtc) makes the node eligible.',
      resolve: (b, _, ctx) => b.bondedUrtc >= ctx.market.bonds.bondMinUrtc,
    }),
    bondMinUrtc: t.field({
      type: 'Urtc',
      description: 'BOND_MIN_URTC of this market.',
      resolve: (_, __, ctx) => ctx.market.bonds.bondMinUrtc,
    }),
  }),
});

builder.objectFields(GpuNodeRef, (t) => ({
  bond: t.field({ type: GpuBondRef, nullable: true, resolve: (n, _, ctx) => ctx.market.bonds.find(n.minerId) }),
  eligible: t.boolean({
    description:
      'Whether its quotes count towards the fair rate while it is online: verified, or bonded with at least BOND_MIN_URTC, and no contested GPU.',
    resolve: async (n, _, ctx) =>
      isEligibleProvider(
        {
          verified: n.verified,
          bondedUrtc: (await ctx.market.bonds.find(n.minerId))?.bondedUrtc ?? 0n,
          flags: JSON.parse(n.flags) as string[],
        },
        ctx.market.bonds.bondMinUrtc,
      ),
  }),
}));

builder.queryField('gpuBond', (t) =>
  t.field({
    type: GpuBondRef,
    nullable: true,
    description: 'A node’s bond; null when its wallet never bonded.',
    args: { minerId: t.arg.string({ required: true, validate: addressField }) },
    resolve: (_, { minerId }, ctx) => ctx.market.bonds.find(minerId),
  }),
);

const BondGpuNodeInput = builder.inputType('BondGpuNodeInput', {
  description: 'Signed by minerId over {action:"node.bond" or "node.unbond", miner_id, amount_urtc, nonce}.',
  fields: (t) => ({
    minerId: t.string({ required: true }),
    amountRtc: t.string({ required: false, description: 'Decimal RTC, at most 6 decimals. Give this or amountUrtc.' }),
    amountUrtc: t.string({ required: false, description: 'µRTC as digits. Give this or amountRtc.' }),
    nonce: t.string({ required: true, description: 'Never reused by the same signer.' }),
    publicKey: t.string({ required: true }),
    signature: t.string({ required: true }),
  }),
});

const SlashBondInput = builder.inputType('SlashBondInput', {
  fields: (t) => ({
    minerId: t.string({ required: true }),
    amountUrtc: t.string({
      required: false,
      description: 'Default: everything the bond holds (bonded, then unbonding).',
    }),
    reference: t.string({ required: true, description: 'Names the decision; a replay of it moves nothing.' }),
    reason: t.string({ required: false }),
  }),
});

const GpuBondResultRef = builder.objectRef<{ bond: BondRecord; changed: boolean }>('GpuBondSuccess').implement({
  fields: (t) => ({
    bond: t.field({ type: GpuBondRef, resolve: (r) => r.bond }),
    changed: t.boolean({
      description: 'False for a replayed slash reference (nothing moved).',
      resolve: (r) => r.changed,
    }),
  }),
});

const bondErrors = (name: string) => ({ types: MONEY_ERRORS, directResult: true as const, union: { name } });

builder.mutationFields((t) => ({
  bondGpuNode: t.field({
    type: GpuBondResultRef,
    description: 'Locks RTC from the node’s available balance into its bond.',
    errors: bondErrors('BondGpuNodeResult'),
    args: t.validate({ input: t.arg({ type: BondGpuNodeInput, required: true }) }, inputOf(bondRequestSchema)),
    resolve: async (_, req, ctx) => ({ bond: await ctx.market.bonds.bond(req as BondRequest), changed: true }),
  }),
  unbondGpuNode: t.field({
    type: GpuBondResultRef,
    description: 'Asks bonded RTC back: it stops counting now and returns to the wallet after BOND_UNBOND_DELAY_S.',
    errors: bondErrors('UnbondGpuNodeResult'),
    args: t.validate({ input: t.arg({ type: BondGpuNodeInput, required: true }) }, inputOf(bondRequestSchema)),
    resolve: async (_, req, ctx) => ({ bond: await ctx.market.bonds.unbond(req as BondRequest), changed: true }),
  }),
  slashBond: t.field({
    type: GpuBondResultRef,
    description: 'Operator only (X-Admin-Key): moves bond money to the treasury.',
    errors: bondErrors('SlashBondResult'),
    args: t.validate({ input: t.arg({ type: SlashBondInput, required: true }) }, inputOf(slashRequestSchema)),
    resolve: (_, req, ctx) => ctx.market.bonds.slash(req as SlashRequest, ctx.adminKey),
  }),
}));
