/** Balances and operator deposits. Deposits are idempotent on their external reference. */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { StateError } from '../domain/errors.js';
import { addressField, amountRtcField, amountUrtcField, referenceField, requiredAmount } from '../domain/fields.js';
import { formatRtc } from '../domain/money.js';
import type { DepositRecord, Ledger } from '../ledger.js';
import type { OperatorGate } from '../operator.js';

export const depositRequestSchema = z
  .object({ wallet: addressField, amountRtc: amountRtcField, amountUrtc: amountUrtcField, reference: referenceField })
  .transform((r, ctx) => ({
    wallet: r.wallet,
    reference: r.reference,
    amountUrtc: requiredAmount(ctx, r.amountRtc, r.amountUrtc),
  }));
export type DepositRequest = z.output<typeof depositRequestSchema>;

export interface Balance {
  address: string;
  availableUrtc: bigint;
  lockedUrtc: bigint;
}

export interface DepositResult {
  deposit: DepositRecord;
  balance: Balance;
  /** False for a replay of an already recorded reference. */
  created: boolean;
}

export function createWalletService({
  ledger,
  operator,
  clock,
  log,
}: {
  ledger: Ledger;
  operator: OperatorGate;
  clock: Clock;
  log: Logger;
}) {
  async function balance(address: string): Promise<Balance> {
    const wallet = await ledger.read(() => ledger.findWallet(address));
    return { address, availableUrtc: wallet?.availableUrtc ?? 0n, lockedUrtc: wallet?.lockedUrtc ?? 0n };
  }

  return {
    balance,

    async deposit(req: DepositRequest, adminKey: string | null | undefined): Promise<DepositResult> {
      operator.require(adminKey);
      const now = clock();
      const result = await ledger.write(function* () {
        const existing = yield* ledger.findDeposit(req.reference);
        if (existing) {
          if (existing.wallet !== req.wallet || existing.amountUrtc !== req.amountUrtc) {
            const [field, had, asked] =
              existing.wallet !== req.wallet
                ? ['wallet', existing.wallet, req.wallet]
                : ['amount_urtc', existing.amountUrtc.toString(), req.amountUrtc.toString()];
            throw new StateError(
              'IDEMPOTENCY_CONFLICT',
              `deposit ${req.reference} was already recorded with ${field} ${had}, not ${asked}`,
            );
          }
          return { deposit: existing, created: false };
        }
        return { deposit: yield* ledger.deposit(req.wallet, req.amountUrtc, req.reference, now), created: true };
      });
      if (result.created) {
        log.info(
          {
            event: 'wallet.deposited',
            wallet: req.wallet,
            amount_urtc: req.amountUrtc.toString(),
            reference: req.reference,
          },
          `deposited ${formatRtc(req.amountUrtc)} RTC to ${req.wallet} (reference ${req.reference})`,
        );
      }
      return { ...result, balance: await balance(req.wallet) };
    },
  };
}

export type WalletService = ReturnType<typeof createWalletService>;
