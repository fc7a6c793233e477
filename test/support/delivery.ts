/** Signed delivery and dispute bodies, exactly as docs/CONTRACT.md describes them, and a locked-escrow fixture. */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { Wallet } from '../../src/domain/signatures.js';
import { newJobId, newNonce } from './market.js';
import { call, deposit, signedLockBody } from './rest.js';

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

export interface DeliverFields {
  job_id: string;
  job_type?: string;
  result_hash?: string;
  result_uri?: string;
  claimed_urtc?: string;
  nonce?: string;
}

/** A delivery signed by `provider` over {action:"escrow.deliver", job_id, job_type, result_hash, nonce, claimed_urtc?, result_uri?}. */
export function signedDeliverBody(provider: Wallet, f: DeliverFields): Record<string, string> {
  const action: Record<string, string> & { action: string } = {
    action: 'escrow.deliver',
    job_id: f.job_id,
    job_type: f.job_type ?? 'render',
    result_hash: f.result_hash ?? sha256Hex(`result of ${f.job_id}`),
    nonce: f.nonce ?? newNonce(),
  };
  if (f.claimed_urtc !== undefined) action.claimed_urtc = f.claimed_urtc;
  if (f.result_uri !== undefined) action.result_uri = f.result_uri;
  const { action: _a, ...fields } = action;
  return { ...fields, public_key: provider.publicKey, signature: provider.sign(action) };
}

/** A dispute signed by `payer` over {action:"escrow.dispute", job_id, job_type, reason, nonce}. */
export function signedDisputeBody(
  payer: Wallet,
  f: { job_id: string; job_type?: string; reason?: string; nonce?: string },
): Record<string, string> {
  const action = {
    action: 'escrow.dispute',
    job_id: f.job_id,
    job_type: f.job_type ?? 'render',
    reason: f.reason ?? 'the frames are black',
    nonce: f.nonce ?? newNonce(),
  };
  const { action: _a, ...fields } = action;
  return { ...fields, public_key: payer.publicKey, signature: payer.sign(action) };
}

/** Funds `payer` with `fundRtc` and locks `amount_urtc` of it for a new job; returns the job id. */
export async function fundedLock(
  url: string,
  payer: Wallet,
  provider: Wallet,
  o: { amount_urtc: string; fundRtc?: string; job_type?: string; ttl_s?: string; review_window_s?: string },
): Promise<string> {
  if (o.fundRtc !== '0') expect((await deposit(url, payer.address, o.fundRtc ?? '10')).status).toBe(201);
  const job_id = newJobId();
  const extra = o.review_window_s === undefined ? {} : { review_window_s: o.review_window_s };
  const lock = signedLockBodyWithWindow(
    payer,
    { job_id, job_type: o.job_type, to_wallet: provider.address, amount_urtc: o.amount_urtc, ttl_s: o.ttl_s },
    extra.review_window_s,
  );
  const r = await call(url, 'POST', `/${pathOf(o.job_type)}/escrow`, lock);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return job_id;
}

/** A lock body with `review_window_s` in the signed object when given. */
export function signedLockBodyWithWindow(
  payer: Wallet,
  f: { job_id: string; job_type?: string; to_wallet: string; amount_urtc: string; ttl_s?: string; nonce?: string },
  reviewWindowS?: string,
): Record<string, unknown> {
  if (reviewWindowS === undefined) return signedLockBody(payer, f);
  const nonce = f.nonce ?? newNonce();
  const action: Record<string, string> & { action: string } = {
    action: 'escrow.lock',
    job_id: f.job_id,
    job_type: f.job_type ?? 'render',
    from_wallet: payer.address,
    to_wallet: f.to_wallet,
    amount_urtc: f.amount_urtc,
    nonce,
    review_window_s: reviewWindowS,
  };
  if (f.ttl_s !== undefined) action.ttl_s = f.ttl_s;
  const { action: _a, ...fields } = action;
  return { ...fields, public_key: payer.publicKey, signature: payer.sign(action) };
}

/** The REST path family that serves a job type. */
export const pathOf = (jobType = 'render') => (jobType === 'render' ? 'render' : jobType === 'llm' ? 'llm' : 'voice');
