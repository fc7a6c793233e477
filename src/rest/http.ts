/** JSON in and out for the REST shim: body parsing, the one error shape, snake_case views of records. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { z } from 'zod';
import { InvalidInputError, MarketError } from '../domain/errors.js';
import { rtcNumber } from '../domain/money.js';
import type { EscrowRecord } from '../ledger.js';

const MAX_BODY_BYTES = 64 * 1024;
/** JSON.parse forgets how a number was written; the contract refuses exponent notation for amounts. */
const EXPONENT_AMOUNT = /"amount_rtc"\s*:\s*-?\d+(?:\.\d+)?[eE]/;

export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new InvalidInputError(`body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new InvalidInputError('body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidInputError('body must be a JSON object');
  if (EXPONENT_AMOUNT.test(text)) throw new InvalidInputError('amount_rtc must not use exponent notation');
  return body as Record<string, unknown>;
}

const toCamel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const toSnake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Parses a snake_case body with one of the shared camelCase request schemas. */
export function parseBody<S extends z.ZodType>(schema: S, body: Record<string, unknown>): z.output<S> {
  const camel: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) camel[toCamel(k)] = v;
  const parsed = schema.safeParse(camel);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.map((p) => toSnake(String(p))).join('.') || 'body'}: ${i.message}`);
    throw new InvalidInputError(issues.join('; '));
  }
  return parsed.data;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** `{ok:false, error:{code, message}}` with the contract's status; anything unexpected is logged and a 500. */
export function sendError(res: ServerResponse, error: unknown, log: Logger): void {
  if (error instanceof MarketError) {
    sendJson(res, error.httpStatus, { ok: false, error: { code: error.code, message: error.message } });
    return;
  }
  log.error({ err: error }, 'unexpected error in REST handler');
  sendJson(res, 500, { ok: false, error: { code: 'INTERNAL', message: 'internal error' } });
}

export function escrowJson(e: EscrowRecord) {
  return {
    job_id: e.jobId,
    job_type: e.jobType,
    from_wallet: e.fromWallet,
    to_wallet: e.toWallet,
    amount_rtc: rtcNumber(e.amountUrtc),
    amount_urtc: e.amountUrtc.toString(),
    status: e.status,
    created_at: e.createdAt,
    expires_at: e.expiresAt,
    released_at: e.releasedAt,
    refunded_at: e.refundedAt,
    released_urtc: e.releasedUrtc.toString(),
    refunded_urtc: e.refundedUrtc.toString(),
    refund_reason: e.refundReason,
    settled_by: e.settledBy,
    metadata: e.metadata ? (JSON.parse(e.metadata) as unknown) : null,
  };
}

/** The `X-Admin-Key` header's value, if the request carried one. */
export const adminKey = (header: string | string[] | undefined): string | null => (Array.isArray(header) ? header[0] : header) ?? null;
