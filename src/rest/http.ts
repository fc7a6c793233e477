/**
 * JSON in and out for the REST shim: body reading and parsing, the one error shape, snake_case views
 * of records. Everything here faces hostile input: a body is read up to a size limit (and the rest
 * thrown away, so the keep-alive connection stays usable), numbers are read from their text, and no
 * error message repeats more than a few dozen characters of what the client sent. Answers of 1 KB and
 * more are compressed (brotli or gzip) for a client that accepts it; GraphQL's share the same rules.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, constants as zlibConstants, gzip, gzipSync } from 'node:zlib';
import { isLosslessNumber, parse as parseLossless } from 'lossless-json';
import type { Logger } from 'pino';
import { z } from 'zod';
import { InvalidInputError, MarketError, PayloadTooLargeError } from '../domain/errors.js';
import { rtcNumber } from '../domain/money.js';
import { fieldPath, invalidField, invalidInput, quote } from '../domain/validation.js';
import { remainingOf, type EscrowRecord } from '../ledger.js';

/** The contract's limit for a REST body. */
export const BODY_BYTES_MAX = 64 * 1024;
/**
 * A body over the limit is still read and discarded, so that the client's next request on the same
 * connection is understood; past this much it is not worth reading, and the connection is closed.
 */
export const DRAIN_BYTES_MAX = 8 * 1024 * 1024;
/** Deeper JSON is refused before parsing (the parser recurses; nothing we accept nests this deep). */
const JSON_DEPTH_MAX = 64;
/** The longest error message sent; anything longer is cut. */
const MESSAGE_CHARS_MAX = 300;

/** Requests whose body was left unread on purpose: their response closes the connection. */
const unreadBodies = new WeakSet<IncomingMessage>();

/** The client went away before its request body ended: there is nobody to answer, and nothing failed. */
export class ClientClosedError extends Error {
  constructor(cause?: Error) {
    super('the client closed the connection before the body ended', { cause });
    this.name = 'ClientClosedError';
  }
}

export { quote };

function declaredLength(req: IncomingMessage): number | null {
  const header = req.headers['content-length'];
  return header === undefined ? null : Number(header); // Node's parser has already refused a malformed value
}

/** Leaves the request body unread and makes the response close the connection. */
export function abandonBody(req: IncomingMessage): void {
  unreadBodies.add(req);
  req.pause();
}

/**
 * The raw body as UTF-8 text, at most BODY_BYTES_MAX. A longer body is PAYLOAD_TOO_LARGE, answered
 * once the body has been read to its end (or, above DRAIN_BYTES_MAX, at once, closing the connection).
 */
export function readBodyText(req: IncomingMessage): Promise<string> {
  const declared = declaredLength(req);
  if (declared !== null && declared > DRAIN_BYTES_MAX) {
    abandonBody(req);
    return Promise.reject(new PayloadTooLargeError(BODY_BYTES_MAX));
  }
  if (req.destroyed) return Promise.reject(new ClientClosedError());
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (settle: () => void) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      settle();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_BYTES_MAX) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0; // stop keeping it; keep reading to find where it ends
      if (size > DRAIN_BYTES_MAX) {
        abandonBody(req);
        finish(() => reject(new PayloadTooLargeError(BODY_BYTES_MAX)));
      }
    };
    const onEnd = () =>
      finish(() =>
        size > BODY_BYTES_MAX
          ? reject(new PayloadTooLargeError(BODY_BYTES_MAX))
          : resolve(Buffer.concat(chunks).toString('utf8')),
      );
    // A client that hangs up mid-body (an 'error' with ECONNRESET, or just 'close'): nobody is left to answer.
    const onError = (err: Error) => finish(() => reject(new ClientClosedError(err)));
    const onClose = () => finish(() => reject(new ClientClosedError()));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** What one pass over JSON text finds outside its strings (valid or not: the parsers judge that). */
interface JsonShape {
  /** The deepest nesting of arrays and objects. */
  depth: number;
  /** Colons: in valid JSON, one per key of every object. */
  keys: number;
  /** Whether any digit or minus sign appears, i.e. whether valid JSON holds a number. */
  hasNumber: boolean;
}

function jsonShape(text: string): JsonShape {
  let depth = 0;
  let max = 0;
  let keys = 0;
  let hasNumber = false;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) max = Math.max(max, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
    else if (c === 0x3a) keys++;
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) hasNumber = true;
  }
  return { depth: max, keys, hasNumber };
}

/** How many keys the objects of a parsed JSON value hold in all. */
function keyCount(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value) count += keyCount(item);
    return count;
  }
  for (const key in value) count += 1 + keyCount((value as Record<string, unknown>)[key]);
  return count;
}

/** A JSON number's decimal value in one spelling, digits and exponent: "-1.50e2" → "-15e1", "0.0" → "0". */
function decimalValue(text: string): string | null {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return null;
  const fraction = m[3] ?? '';
  const digits = `${m[2]}${fraction}`;
  // Index scans, not /0+$/: a regex would take quadratic time on a long run of inner zeros.
  let first = 0;
  while (first < digits.length && digits.charCodeAt(first) === 0x30) first++;
  if (first === digits.length) return '0';
  let last = digits.length;
  while (digits.charCodeAt(last - 1) === 0x30) last--;
  const exponent = Number(m[4] ?? '0') - fraction.length + (digits.length - last);
  return `${m[1]}${digits.slice(first, last)}e${exponent}`;
}

/**
 * The JS number a JSON number's text stands for, when it stands for exactly that: a safe integer, or
 * a fraction whose double prints back as the same decimal value (`0.1`, `80.0`, `2.5e-3`). Anything
 * a double would round (`1.00000000000000001`, `9007199254740993`, `1e400`) is null.
 */
export function exactNumber(text: string): number | null {
  const n = Number(text);
  if (!Number.isFinite(n)) return null;
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) return null;
  const written = decimalValue(text);
  if (written === null || written !== decimalValue(String(n))) return null;
  return n === 0 ? 0 : n; // -0 is 0
}

/**
 * Keys whose value is an RTC amount, however the body spells them: the two keys toCamel maps to `amountRtc`
 * (compared directly; this runs for every top-level key of every body).
 */
const isRtcAmountKey = (key: string) => key === 'amount_rtc' || key === 'amountRtc';

/** Replaces every lossless number by a JS number, refusing one that a double would not hold exactly. */
function exactNumbers(value: unknown, path: string): unknown {
  if (isLosslessNumber(value)) {
    const n = exactNumber(value.toString());
    if (n === null) throw invalidField(path || 'body', 'the number is too long or too precise to be read exactly');
    return n;
  }
  if (Array.isArray(value)) return value.map((item, i) => exactNumbers(item, fieldPath(path, i)));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      Object.defineProperty(out, k, {
        value: exactNumbers(v, fieldPath(path, k)),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

/**
 * The body as a JSON object, read losslessly: an RTC amount written as a JSON number becomes its text
 * (so that the money rules judge what was written, never a rounded double); any other number becomes
 * a JS number only when that is exact. Duplicate keys are refused.
 */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  return (await readJsonBody(req)).body;
}

/**
 * The body as `readJsonObject` gives it, and also `asSent`: the same object with every number kept as the
 * text the client wrote (lossless-json's LosslessNumber), for a signed object whose numbers are signed as
 * written (an attestation's `80.0` stays `80.0`).
 */
export async function readJsonBody(
  req: IncomingMessage,
): Promise<{ body: Record<string, unknown>; asSent: Record<string, unknown> }> {
  return parseJsonBody(await readBodyText(req));
}

/**
 * The body text as `readJsonBody` reads it. `lossless: true` skips the fast path below (for tests that
 * compare the two).
 *
 * Most bodies hold no JSON number (an escrow request's amounts, times and signatures are strings).
 * For those the built-in JSON.parse, several times faster than lossless-json, builds the same value, since
 * lossless-json differs only in how it reads numbers and in refusing a key given twice (with two different
 * values). So JSON.parse is used when the text has no digit or minus sign outside its strings and the parsed
 * objects hold as many keys as the text has colons (a repeated key would leave fewer). Anything else, and
 * any text JSON.parse refuses, goes to lossless-json, whose errors are the ones answered.
 */
export function parseJsonBody(
  text: string,
  { lossless = false }: { lossless?: boolean } = {},
): { body: Record<string, unknown>; asSent: Record<string, unknown> } {
  const shape = jsonShape(text);
  if (shape.depth > JSON_DEPTH_MAX) throw new InvalidInputError(`body nests deeper than ${JSON_DEPTH_MAX} levels`);
  let body: unknown;
  if (!lossless && !shape.hasNumber) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (keyCount(parsed) === shape.keys) body = parsed;
    } catch {
      // lossless-json below gives the answer
    }
  }
  if (body === undefined) body = parseLosslessText(text);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new InvalidInputError('body must be a JSON object');
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const read =
      isRtcAmountKey(key) && isLosslessNumber(value) ? value.toString() : exactNumbers(value, fieldPath('', key));
    Object.defineProperty(out, key, { value: read, enumerable: true, writable: true, configurable: true });
  }
  return { body: out, asSent: body as Record<string, unknown> };
}

function refuseDuplicateKey({ key }: { key: string }): never {
  throw new InvalidInputError(`body has the key ${quote(key)} twice`);
}

function parseLosslessText(text: string): unknown {
  try {
    return parseLossless(text, undefined, { onDuplicateKey: refuseDuplicateKey });
  } catch (error) {
    if (error instanceof MarketError) throw error;
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    throw new InvalidInputError(`body is not valid JSON${position ? ` (at character ${position})` : ''}`);
  }
}

const camelOf = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
/** Keys already mapped (every body repeats the same dozen); bounded, since a client may send any key it likes. */
const camelKeys = new Map<string, string>();
const CAMEL_KEYS_MAX = 512;
function toCamel(key: string): string {
  let camel = camelKeys.get(key);
  if (camel === undefined) {
    camel = camelOf(key);
    if (camelKeys.size < CAMEL_KEYS_MAX && key.length <= 64) camelKeys.set(key, camel);
  }
  return camel;
}
const toSnake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Parses a snake_case body with one of the shared camelCase request schemas. */
export function parseBody<S extends z.ZodType>(schema: S, body: Record<string, unknown>): z.output<S> {
  const camel: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    const key = toCamel(k);
    // `amount_rtc` and `amountRtc` in one body would leave it to key order which of them counts.
    if (Object.hasOwn(camel, key)) throw new InvalidInputError(`body names the field ${quote(toSnake(key))} twice`);
    Object.defineProperty(camel, key, { value: v, enumerable: true, writable: true, configurable: true });
  }
  const parsed = schema.safeParse(camel);
  if (!parsed.success) throw invalidInput(parsed.error.issues, { name: 'body', nameOf: toSnake });
  return parsed.data;
}

/** Shorter answers are sent as they are: compressing them saves less than the work and the header cost. */
export const COMPRESS_BYTES_MIN = 1024;

export type ContentCoding = 'br' | 'gzip';

/**
 * The coding to answer in for an Accept-Encoding header: br or gzip, whichever the client weighs more (br
 * on a tie), or null for neither. A coding at q=0 is refused; `*` stands for every coding not named.
 */
export function acceptedCoding(header: string | null | undefined): ContentCoding | null {
  if (!header) return null;
  const weights = new Map<string, number>();
  for (const entry of header.split(',')) {
    const [coding = '', ...params] = entry.split(';').map((part) => part.trim().toLowerCase());
    if (coding === '') continue;
    const q = params.find((param) => param.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    weights.set(coding, Number.isFinite(weight) ? weight : 0);
  }
  const weightOf = (coding: ContentCoding) => weights.get(coding) ?? weights.get('*') ?? 0;
  const br = weightOf('br');
  const gzipWeight = weightOf('gzip');
  if (br <= 0 && gzipWeight <= 0) return null;
  return br >= gzipWeight ? 'br' : 'gzip';
}

/** Brotli at quality 4: as fast as gzip's default level here and smaller; 11, its default, is for static files. */
const brotliOptions = (size: number) => ({
  params: {
    [zlibConstants.BROTLI_PARAM_QUALITY]: 4,
    [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT,
    [zlibConstants.BROTLI_PARAM_SIZE_HINT]: size,
  },
});

export function compressSync(body: Buffer, coding: ContentCoding): Buffer {
  return coding === 'br' ? brotliCompressSync(body, brotliOptions(body.length)) : gzipSync(body);
}

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** As compressSync, on libuv's thread pool: for large bodies (GraphiQL's page is about 9 MB). */
export function compressAsync(body: Buffer, coding: ContentCoding): Promise<Buffer> {
  return coding === 'br' ? brotliAsync(body, brotliOptions(body.length)) : gzipAsync(body);
}

/** A Vary header's value with `field` added (kept once). */
export function withVary(vary: string | number | string[] | null | undefined, field: string): string {
  const fields = (Array.isArray(vary) ? vary.join(',') : String(vary ?? ''))
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if (fields.some((f) => f === '*' || f.toLowerCase() === field.toLowerCase())) return fields.join(', ');
  return [...fields, field].join(', ');
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  let payload: string | Buffer = JSON.stringify(body);
  const headers: Record<string, string | number> = { 'content-type': 'application/json; charset=utf-8' };
  if (Buffer.byteLength(payload) >= COMPRESS_BYTES_MIN) {
    headers.vary = withVary(res.getHeader('vary'), 'Accept-Encoding'); // CORS may have set Vary: Origin
    const coding = acceptedCoding(res.req.headers['accept-encoding']);
    if (coding) {
      payload = compressSync(Buffer.from(payload), coding);
      headers['content-encoding'] = coding;
    }
  }
  headers['content-length'] = Buffer.byteLength(payload);
  if (unreadBodies.has(res.req)) headers.connection = 'close'; // the rest of its body would be read as the next request
  res.writeHead(status, headers);
  res.end(payload);
}

/**
 * `{ok:false, error:{code, message}}` with the contract's status; INVALID_INPUT adds `issues`, the fields
 * at fault as `[{path, message}]`. Anything unexpected is a 500 with code INTERNAL and a fresh
 * `request_id`, which the log line carries too.
 */
export function sendError(res: ServerResponse, error: unknown, log: Logger): void {
  if (error instanceof MarketError) {
    const message =
      error.message.length > MESSAGE_CHARS_MAX ? `${error.message.slice(0, MESSAGE_CHARS_MAX)}…` : error.message;
    const issues = error instanceof InvalidInputError ? { issues: error.issues } : {};
    sendJson(res, error.httpStatus, { ok: false, error: { code: error.code, message, ...issues } });
    return;
  }
  const requestId = randomUUID();
  log.error(
    { err: error, request_id: requestId, method: res.req.method, target: res.req.url?.slice(0, 200) },
    'unexpected error in REST handler',
  );
  sendJson(res, 500, { ok: false, error: { code: 'INTERNAL', message: 'internal error', request_id: requestId } });
}

/**
 * An answer, in the error shape, to bytes that Node's HTTP parser could not read as a request (a target
 * with no path, a malformed Content-Length or chunk, both Content-Length and Transfer-Encoding, ...),
 * for the server's 'clientError' event. Without it Node answers a bare `400 Bad Request`.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (!socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  let status = 400;
  let body: string | null = JSON.stringify({
    ok: false,
    error: { code: 'INVALID_INPUT', message: 'malformed HTTP request', issues: [] },
  });
  if (error.code === 'HPE_HEADER_OVERFLOW' || error.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW') {
    status = 413;
    body = JSON.stringify({
      ok: false,
      error: { code: 'PAYLOAD_TOO_LARGE', message: 'request headers are too large' },
    });
  } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408; // the client was too slow; there is no request to judge
    body = null;
  }
  const reason = { 400: 'Bad Request', 408: 'Request Timeout', 413: 'Payload Too Large' }[status];
  const head = [
    `HTTP/1.1 ${status} ${reason}`,
    'Connection: close',
    `Content-Length: ${body === null ? 0 : Buffer.byteLength(body)}`,
  ];
  if (body !== null) head.push('Content-Type: application/json; charset=utf-8');
  socket.end(`${head.join('\r\n')}\r\n\r\n${body ?? ''}`, () => socket.destroy());
  setTimeout(() => socket.destroy(), 5_000).unref(); // a peer that never reads does not hold the socket
}

export function escrowJson(e: EscrowRecord) {
  return {
    job_id: e.jobId,
    job_type: e.jobType,
    from_wallet: e.fromWallet,
    to_wallet: e.toWallet,
    amount_rtc: rtcNumber(e.amountUrtc),
    amount_urtc: e.amountUrtc.toString(),
    remaining_urtc: remainingOf(e).toString(),
    status: e.status,
    created_at: e.createdAt,
    expires_at: e.expiresAt,
    review_window_s: e.reviewWindowS,
    delivered_at: e.deliveredAt,
    review_until: e.reviewUntil,
    claimed_urtc: e.claimedUrtc?.toString() ?? null,
    result_hash: e.resultHash,
    result_uri: e.resultUri,
    disputed_at: e.disputedAt,
    dispute_reason: e.disputeReason,
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
export const adminKey = (header: string | string[] | undefined): string | null =>
  (Array.isArray(header) ? header[0] : header) ?? null;
