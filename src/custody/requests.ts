/**
 * The withdrawal request, as both front doors hand it to the custody service (camelCase, validated,
 * µRTC), and the action object its wallet signed (docs/CONTRACT.md, "Identities and signatures").
 */
import { z } from 'zod';
import {
  amountRtcField,
  amountUrtcField,
  nonceField,
  publicKeyField,
  requiredAmount,
  RTC_ADDRESS,
  sentAddressField,
  signatureField,
  walletOfAddress,
} from '../domain/fields.js';
import type { ActionObject } from '../domain/signatures.js';

/** Both addresses may be written in either case, as RustChain accepts them: signed as sent, used in lowercase. */
export const withdrawRequestSchema = z
  .object({
    wallet: sentAddressField,
    toAddress: sentAddressField,
    amountRtc: amountRtcField,
    amountUrtc: amountUrtcField,
    nonce: nonceField,
    publicKey: publicKeyField,
    signature: signatureField,
  })
  .transform((r, ctx) => ({
    wallet: walletOfAddress(r.wallet),
    /** Sent to RustChain in lowercase. */
    toAddress: walletOfAddress(r.toAddress),
    /** The addresses as the request wrote them: what the wallet signed. */
    sent: { wallet: r.wallet, toAddress: r.toAddress },
    amountUrtc: requiredAmount(ctx, r.amountRtc, r.amountUrtc),
    nonce: r.nonce,
    publicKey: r.publicKey,
    signature: r.signature,
  }));
export type WithdrawRequest = z.output<typeof withdrawRequestSchema>;

export function withdrawAction(r: WithdrawRequest): ActionObject {
  return {
    action: 'wallet.withdraw',
    wallet: r.sent.wallet,
    to_address: r.sent.toAddress,
    amount_urtc: r.amountUrtc.toString(),
    nonce: r.nonce,
  };
}

/**
 * The memo that credits a deposit to another wallet than its sender: `gpr:<RTC address>`, the whole memo in any
 * case. A memo is typed by a person into a wallet's free-text field, not signed: crediting the sender instead of
 * the wallet a person plainly named (`gpr:rtc…`) would put the money where they did not mean it to go.
 */
const MEMO_ATTRIBUTION = /^gpr:(rtc[0-9a-f]{40})$/i;

/** Who a deposit credits: the memo's address, else the sender when it is an RTC address, else nobody (yet). */
export function depositBeneficiary(fromAddress: string, memo: string | null): string | null {
  const byMemo = memo ? MEMO_ATTRIBUTION.exec(memo.trim()) : null;
  if (byMemo) return walletOfAddress(byMemo[1]!);
  return RTC_ADDRESS.test(fromAddress) ? walletOfAddress(fromAddress) : null;
}
