/** A small REST client for tests: signs bodies exactly as docs/CONTRACT.md describes. */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { canonicalJson, type Wallet } from '../../src/domain/signatures.js';
import { ADMIN_KEY, newNonce } from './market.js';

export interface Reply {
  status: number;
  body: any;
}

export async function call(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

export const asOperator = { 'x-admin-key': ADMIN_KEY };

/** A wallet's balance, as GET /wallet/balance answers it. */
export async function balanceOf(baseUrl: string, wallet: string): Promise<any> {
  return (await call(baseUrl, 'GET', `/wallet/balance?wallet=${wallet}`)).body;
}

/** An escrow's status and body, as GET /render/escrow/:job_id answers them. */
export function escrowOf(baseUrl: string, jobId: string): Promise<Reply> {
  return call(baseUrl, 'GET', `/render/escrow/${jobId}`);
}

export function deposit(baseUrl: string, wallet: string, amountRtc: string | number, reference = `dep-${newNonce()}`) {
  return call(baseUrl, 'POST', '/wallet/deposit', { wallet, amount_rtc: amountRtc, reference }, asOperator);
}

export interface LockFields {
  job_id: string;
  job_type?: string;
  to_wallet: string;
  amount_urtc: string;
  ttl_s?: string;
  nonce?: string;
}

/** A lock body signed by `payer` over the contract's action object. */
export function signedLockBody(payer: Wallet, f: LockFields, extra: Record<string, unknown> = {}): Record<string, any> {
  const nonce = f.nonce ?? newNonce();
  const action: Record<string, string> & { action: string } = {
    action: 'escrow.lock',
    job_id: f.job_id,
    job_type: f.job_type ?? 'render',
    from_wallet: payer.address,
    to_wallet: f.to_wallet,
    amount_urtc: f.amount_urtc,
    nonce,
  };
  if (f.ttl_s !== undefined) action.ttl_s = f.ttl_s;
  // What the payer attaches is bound by its hash in the signed object.
  // (a test may pass the hash it wants signed as `metadata_sha256`; it is signed, never sent)
  const { metadata_sha256: givenHash, ...sent } = extra;
  if (extra.metadata !== undefined) {
    action.metadata_sha256 =
      (givenHash as string | undefined) ?? createHash('sha256').update(canonicalJson(extra.metadata)).digest('hex');
  }
  const { action: _a, metadata_sha256: _h, ...fields } = action;
  return { ...fields, public_key: payer.publicKey, signature: payer.sign(action), ...sent };
}

export function signedReleaseBody(
  signer: Wallet,
  f: { job_id: string; job_type?: string; amount_urtc?: string; nonce?: string },
): Record<string, string> {
  const action: Record<string, string> & { action: string } = {
    action: 'escrow.release',
    job_id: f.job_id,
    job_type: f.job_type ?? 'render',
    nonce: f.nonce ?? newNonce(),
  };
  if (f.amount_urtc !== undefined) action.amount_urtc = f.amount_urtc;
  const { action: _a, ...fields } = action;
  return { ...fields, public_key: signer.publicKey, signature: signer.sign(action) };
}

export function signedRefundBody(
  signer: Wallet,
  f: { job_id: string; job_type?: string; reason?: string; nonce?: string },
): Record<string, string> {
  const action: Record<string, string> & { action: string } = {
    action: 'escrow.refund',
    job_id: f.job_id,
    job_type: f.job_type ?? 'render',
    nonce: f.nonce ?? newNonce(),
  };
  if (f.reason !== undefined) action.reason = f.reason;
  const { action: _a, ...fields } = action;
  return { ...fields, public_key: signer.publicKey, signature: signer.sign(action) };
}

/** A request that failed inside the server (a worker or writer thread, say): 500 INTERNAL with a request_id. */
export function expectInternal(reply: Reply) {
  expect(reply.status).toBe(500);
  expect(reply.body.ok).toBe(false);
  expect(reply.body.error.code).toBe('INTERNAL');
  expect(reply.body.error.request_id).toMatch(/^[0-9a-f-]{36}$/);
}
