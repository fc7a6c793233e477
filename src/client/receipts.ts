/**
 * Offline verification of the market's signed receipts, for clients (bots, providers, auditors): no server, no
 * project code, only node:crypto. Fetch the service's receipt key once (`GET /receipt-key`, or GraphQL
 * `receiptKey`), pin it, and check any receipt against it later:
 *
 *   const { public_key } = await (await fetch(`${server}/receipt-key`)).json();
 *   const body = await (await fetch(`${server}/render/escrow/${jobId}/receipt`)).json();
 *   const check = verifyReceipt(body, public_key);       // REST: {receipt, signature}
 *   const same = verifyReceiptText(json, signature, public_key); // GraphQL: Escrow.receipt { json signature }
 *
 * A receipt verifies when it has exactly the contract's fields (docs/CONTRACT.md, "Delivery, disputes and
 * receipts"), names the pinned key (`key_id`), and carries an Ed25519 signature by that key over the RFC 8785
 * (JCS) bytes of the receipt. The public key a response carries is never trusted on its own.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';

export const RECEIPT_FIELDS = [
  'type',
  'key_id',
  'job_id',
  'job_type',
  'status',
  'from_wallet',
  'to_wallet',
  'amount_urtc',
  'released_urtc',
  'refunded_urtc',
  'claimed_urtc',
  'result_hash',
  'result_uri',
  'refund_reason',
  'created_at',
  'delivered_at',
  'settled_at',
  'settled_by',
] as const;

export type MarketReceipt = Record<(typeof RECEIPT_FIELDS)[number], string | number | null>;

export type ReceiptCheck = { ok: true; receipt: MarketReceipt } | { ok: false; reason: string };

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const HEX_KEY = /^[0-9a-f]{64}$/;
const HEX_SIGNATURE = /^[0-9a-f]{128}$/;

/** The first 16 hex characters of SHA-256 over the raw 32-byte public key: what a receipt's `key_id` must say. */
export const receiptKeyId = (publicKeyHex: string) =>
  createHash('sha256').update(Buffer.from(publicKeyHex, 'hex')).digest('hex').slice(0, 16);

/**
 * RFC 8785 (JCS) text of a receipt: a flat object of strings, safe integers and nulls, keys sorted by UTF-16
 * code units, no whitespace. Null for anything else (a receipt has nothing else).
 */
export function canonicalReceiptJson(receipt: Record<string, unknown>): string | null {
  const parts: string[] = [];
  for (const key of Object.keys(receipt).sort()) {
    const value = receipt[key];
    const ok =
      value === null || typeof value === 'string' || (typeof value === 'number' && Number.isSafeInteger(value));
    if (!ok) return null;
    parts.push(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  }
  return `{${parts.join(',')}}`;
}

/** Checks a REST receipt (`{receipt, signature}`) against the pinned receipt key. */
export function verifyReceipt(signed: { receipt: unknown; signature: unknown }, publishedKey: string): ReceiptCheck {
  const { receipt, signature } = signed;
  if (typeof receipt !== 'object' || receipt === null || Array.isArray(receipt))
    return { ok: false, reason: 'receipt is not an object' };
  const keys = Object.keys(receipt).sort();
  const expected = [...RECEIPT_FIELDS].sort();
  if (keys.length !== expected.length || keys.some((k, i) => k !== expected[i]))
    return { ok: false, reason: `receipt fields are not exactly ${RECEIPT_FIELDS.join(', ')}` };
  const json = canonicalReceiptJson(receipt as Record<string, unknown>);
  if (json === null) return { ok: false, reason: 'receipt values must be strings, integers or null' };
  return verifyReceiptText(json, signature, publishedKey);
}

/** Checks the exact signed text (GraphQL `Escrow.receipt.json`) and its signature against the pinned receipt key. */
export function verifyReceiptText(json: string, signature: unknown, publishedKey: string): ReceiptCheck {
  const key = publishedKey.toLowerCase();
  if (!HEX_KEY.test(key)) return { ok: false, reason: 'the pinned key is not 64 hex characters' };
  if (typeof signature !== 'string' || !HEX_SIGNATURE.test(signature.toLowerCase()))
    return { ok: false, reason: 'signature is not 128 hex characters' };
  let receipt: Record<string, unknown>;
  try {
    receipt = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: 'receipt text is not JSON' };
  }
  if (typeof receipt !== 'object' || receipt === null || canonicalReceiptJson(receipt) !== json)
    return { ok: false, reason: 'receipt text is not canonical (JCS)' };
  const keys = Object.keys(receipt).sort();
  if (keys.join() !== [...RECEIPT_FIELDS].sort().join())
    return { ok: false, reason: `receipt fields are not exactly ${RECEIPT_FIELDS.join(', ')}` };
  if (receipt.type !== 'gpr.receipt.v1')
    return { ok: false, reason: `unknown receipt type ${JSON.stringify(receipt.type)}` };
  if (receipt.key_id !== receiptKeyId(key))
    return {
      ok: false,
      reason: `receipt names key ${String(receipt.key_id)}, not the pinned key ${receiptKeyId(key)}`,
    };
  const publicKey = createPublicKey({
    key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(key, 'hex')]),
    format: 'der',
    type: 'spki',
  });
  if (!verify(null, Buffer.from(json, 'utf8'), publicKey, Buffer.from(signature, 'hex')))
    return { ok: false, reason: 'signature does not verify' };
  return { ok: true, receipt: receipt as MarketReceipt };
}
