/**
 * The withdrawal request, as both front doors hand it to the custody service (camelCase, validated,
 * µRTC), and the action object its wallet signed (docs/CONTRACT.md, "Identities and signatures").
 */
import { z } from 'zod';
import {
  addressField,
  amountRtcField,
  amountUrtcField,
  nonceField,
  publicKeyField,
  requiredAmount,
  signatureField,
} from '../domain/fields.js';
import type { ActionObject } from '../domain/signatures.js';

/** A RustChain address in either case, as the chain's validator accepts it; it is signed as sent and sent in lowercase. */
export const chainAddressField = z
  .string()
  .regex(/^RTC[0-9a-fA-F]{40}$/, 'must be an RTC address: "RTC" and 40 hex characters');

export const withdrawRequestSchema = z
  .object({
    wallet: addressField,
    toAddress: chainAddressField,
    amountRtc: amountRtcField,
    amountUrtc: amountUrtcField,
    nonce: nonceField,
    publicKey: publicKeyField,
    signature: signatureField,
  })
  .transform((r, ctx) => ({
    wallet: r.wallet,
    toAddress: r.toAddress,
    amountUrtc: requiredAmount(ctx, r.amountRtc, r.amountUrtc),
    nonce: r.nonce,
    publicKey: r.publicKey,
    signature: r.signature,
  }));
export type WithdrawRequest = z.output<typeof withdrawRequestSchema>;

export function withdrawAction(r: WithdrawRequest): ActionObject {
  return {
    action: 'wallet.withdraw',
    wallet: r.wallet,
    to_address: r.toAddress,
    amount_urtc: r.amountUrtc.toString(),
    nonce: r.nonce,
  };
}

/** The memo that credits a deposit to another wallet than its sender: `gpr:<RTC address>` (prefix in any case). */
const MEMO_ATTRIBUTION = /^gpr:(RTC[0-9a-fA-F]{40})$/i;
const SENDER_ADDRESS = /^RTC[0-9a-fA-F]{40}$/;

/** Who a deposit credits: the memo's address, else the sender when it is an RTC address, else nobody (yet). */
export function depositBeneficiary(fromAddress: string, memo: string | null): string | null {
  const byMemo = memo ? MEMO_ATTRIBUTION.exec(memo.trim()) : null;
  if (byMemo) return `RTC${byMemo[1]!.slice(3).toLowerCase()}`;
  return SENDER_ADDRESS.test(fromAddress) ? `RTC${fromAddress.slice(3).toLowerCase()}` : null;
}
