/**
 * Node bonds: RTC a GPU node's wallet locks to make the node eligible for the fair rate
 * (src/pricing/eligibility.ts). The bond is money and moves only through the ledger, each movement a
 * journal row: `bond` (wallet → bond:<miner>), `unbond` (back to the wallet once BOND_UNBOND_DELAY_S has
 * passed since it was asked back, returned by the sweeper), `slash` (operator: to the treasury). While
 * unbonding the money no longer makes the node eligible but can still be slashed, so a node cannot
 * quote, misbehave and leave with its bond before the operator acts.
 *
 * Signed actions (docs/CONTRACT.md's rules, JCS over the action object, all values strings):
 * `{action:"node.bond", miner_id, amount_urtc, nonce}` and `{action:"node.unbond", miner_id, amount_urtc,
 * nonce}`, signed by `miner_id`. Errors follow the contract's order: shape, signature, authority, state.
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { AuthorizationError, InsufficientFundsError, InvalidInputError, StateError } from '../domain/errors.js';
import {
  addressField,
  amountRtcField,
  amountUrtcField,
  nonceField,
  optionalUrtc,
  publicKeyField,
  referenceField,
  requiredAmount,
  sentAddressField,
  signatureField,
  walletOfAddress,
} from '../domain/fields.js';
import { formatRtc } from '../domain/money.js';
import { verifyActionSignature, type ActionObject } from '../domain/signatures.js';
import type { BondRecord, Ledger } from '../ledger.js';
import type { OperatorGate } from '../operator.js';
import type { Work } from '../sql/statement.js';

export type { BondRecord };

const signedBond = {
  minerId: sentAddressField,
  amountRtc: amountRtcField,
  amountUrtc: amountUrtcField,
  nonce: nonceField,
  publicKey: publicKeyField,
  signature: signatureField,
};

/** A bond or unbond request, as both front doors hand it over: camelCase, the amount in µRTC. */
export const bondRequestSchema = z.object(signedBond).transform((r, ctx) => ({
  minerId: walletOfAddress(r.minerId),
  /** miner_id as the request wrote it: what the node signed. */
  minerIdAsSent: r.minerId,
  amountUrtc: requiredAmount(ctx, r.amountRtc, r.amountUrtc),
  nonce: r.nonce,
  publicKey: r.publicKey,
  signature: r.signature,
}));
export type BondRequest = z.output<typeof bondRequestSchema>;

export const slashRequestSchema = z
  .object({
    minerId: addressField,
    amountUrtc: amountUrtcField,
    reference: referenceField,
    reason: z.string().max(500).nullish(),
  })
  .transform((r, ctx) => ({
    minerId: r.minerId,
    amountUrtc: optionalUrtc(ctx, r.amountUrtc),
    reference: r.reference,
    reason: r.reason ?? null,
  }));
export type SlashRequest = z.output<typeof slashRequestSchema>;

export const bondAction = (kind: 'node.bond' | 'node.unbond', r: BondRequest): ActionObject => ({
  action: kind,
  miner_id: r.minerIdAsSent,
  amount_urtc: r.amountUrtc.toString(),
  nonce: r.nonce,
});

export interface BondResult {
  bond: BondRecord;
  /** False for a replayed slash reference: nothing moved. */
  changed: boolean;
}

export interface BondServiceDeps {
  ledger: Ledger;
  operator: OperatorGate;
  clock: Clock;
  log: Logger;
  /** The bond that makes a node eligible (BOND_MIN_URTC). */
  bondMinUrtc: bigint;
  /** How long asked-back bond money stays slashable before it returns (BOND_UNBOND_DELAY_S). */
  unbondDelayS: number;
  /** Called after a committed change that may move a node's eligibility. */
  onChange(minerId: string): void;
}

const SWEEP_BATCH = 500;

export function createBondService({
  ledger,
  operator,
  clock,
  log,
  bondMinUrtc,
  unbondDelayS,
  onChange,
}: BondServiceDeps) {
  /** Signature, then authority (only the node's own key), then the nonce: the contract's order. */
  function signer(kind: 'node.bond' | 'node.unbond', req: BondRequest): string {
    const address = verifyActionSignature(bondAction(kind, req), req);
    if (address !== req.minerId)
      throw new AuthorizationError('FORBIDDEN', `${kind} must be signed by the key of miner_id`);
    return address;
  }

  /** Records the signer's nonce for this action; NONCE_REUSED when it was used before. */
  function* claimNonce(address: string, nonce: string, action: string, now: number): Work<void> {
    if (!(yield* ledger.claimNonce(address, nonce, action, null, now)))
      throw new StateError('NONCE_REUSED', `nonce ${nonce} was already used by ${address}`);
  }

  return {
    bondMinUrtc,
    unbondDelayS,

    find(minerId: string): Promise<BondRecord | null> {
      return ledger.read(() => ledger.findBond(minerId));
    },

    async bond(req: BondRequest): Promise<BondRecord> {
      const address = signer('node.bond', req);
      const now = clock();
      const bond = await ledger.write(function* () {
        yield* claimNonce(address, req.nonce, 'node.bond', now);
        const after = yield* ledger.bond(req.minerId, req.amountUrtc, now);
        if (!after) {
          const wallet = yield* ledger.findWallet(req.minerId);
          throw new InsufficientFundsError(wallet?.availableUrtc ?? 0n, req.amountUrtc);
        }
        return after;
      });
      log.info(
        {
          event: 'bond.locked',
          miner_id: req.minerId,
          amount_urtc: req.amountUrtc.toString(),
          bonded_urtc: bond.bondedUrtc.toString(),
        },
        `node ${req.minerId} bonded ${formatRtc(req.amountUrtc)} RTC (bond now ${formatRtc(bond.bondedUrtc)} RTC)`,
      );
      onChange(req.minerId);
      return bond;
    },

    /** Asks bonded money back: it stops counting at once and returns to the wallet after the delay. */
    async unbond(req: BondRequest): Promise<BondRecord> {
      const address = signer('node.unbond', req);
      const now = clock();
      const bond = await ledger.write(function* () {
        yield* claimNonce(address, req.nonce, 'node.unbond', now);
        const after = yield* ledger.startUnbond(req.minerId, req.amountUrtc, now + unbondDelayS, now);
        if (!after) {
          const held = yield* ledger.findBond(req.minerId);
          throw new InsufficientFundsError(held?.bondedUrtc ?? 0n, req.amountUrtc);
        }
        return after;
      });
      log.info(
        {
          event: 'bond.unbonding',
          miner_id: req.minerId,
          amount_urtc: req.amountUrtc.toString(),
          unbond_at: bond.unbondAt,
        },
        `node ${req.minerId} asked ${formatRtc(req.amountUrtc)} RTC of its bond back (returns at ${bond.unbondAt})`,
      );
      onChange(req.minerId);
      return bond;
    },

    /**
     * Operator: moves `amountUrtc` (default: everything held, bonded then unbonding) of the node's bond
     * to the treasury. Idempotent on `reference`: a replay moves nothing.
     */
    async slash(req: SlashRequest, adminKey: string | null | undefined): Promise<BondResult> {
      operator.require(adminKey);
      const now = clock();
      const result = await ledger.write(function* (): Work<BondResult> {
        const bond = yield* ledger.findBond(req.minerId);
        if (!bond) throw new StateError('NOT_FOUND', `node ${req.minerId} has no bond`);
        if (yield* ledger.isSlashReferenceUsed(req.minerId, req.reference)) return { bond, changed: false };
        const held = bond.bondedUrtc + bond.unbondingUrtc;
        const amount = req.amountUrtc ?? held;
        if (held === 0n) throw new StateError('INVALID_STATE', `the bond of ${req.minerId} holds nothing to slash`);
        if (amount > held)
          throw new InvalidInputError(
            `amount_urtc ${amount} exceeds the ${held} µRTC the bond of ${req.minerId} holds`,
          );
        return { bond: yield* ledger.slashBond(bond, amount, req.reference, now), changed: true };
      });
      if (result.changed) {
        log.warn(
          {
            event: 'bond.slashed',
            miner_id: req.minerId,
            reference: req.reference,
            reason: req.reason,
            slashed_urtc: result.bond.slashedUrtc.toString(),
          },
          `operator slashed the bond of ${req.minerId} (reference ${req.reference}${req.reason ? `: ${req.reason}` : ''}); ${formatRtc(result.bond.bondedUrtc)} RTC still bonded`,
        );
        onChange(req.minerId);
      }
      return result;
    },

    /** The sweeper's part: returns every matured unbonding amount to its wallet, each as its own operation. */
    async returnMatured(): Promise<number> {
      const now = clock();
      let returned = 0;
      for (;;) {
        const due = await ledger.read(() => ledger.maturedBondIds(now, SWEEP_BATCH));
        const results = await Promise.all(
          due.map((minerId) =>
            ledger.write(function* () {
              const bond = yield* ledger.findBond(minerId); // re-read: a slash or another sweep may have come first
              return bond && (yield* ledger.finishUnbond(bond, now)) ? bond.unbondingUrtc : null;
            }),
          ),
        );
        for (const [i, amount] of results.entries()) {
          if (amount === null) continue;
          returned += 1;
          log.info(
            { event: 'bond.returned', miner_id: due[i], amount_urtc: amount.toString() },
            `returned ${formatRtc(amount)} RTC of ${due[i]}'s bond to its wallet (unbonding delay over)`,
          );
        }
        if (due.length < SWEEP_BATCH || results.every((r) => r === null)) return returned;
      }
    },
  };
}

export type BondService = ReturnType<typeof createBondService>;
