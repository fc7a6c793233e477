/**
 * A client of one RustChain node's wallet API (docs/NODE-API.md): balances, the transfers of an address, the status
 * of a transfer, and Ed25519-signed transfers. No business rules live here; custody decides what to credit and send.
 *
 * Sending is split in two so that a transfer is exactly-once across crashes: `signTransfer` is pure and yields the
 * request body and the `tx_hash` the node will give it (the caller stores both first), and `sendTransfer` posts it
 * once, never retrying. Re-posting the same signed body is safe: the node holds each (sender, nonce) once and answers
 * `REPLAY_DETECTED` when it already has it. Errors say which of these happened, because they call for different
 * actions: the node never saw the request (`UNREACHABLE`), it refused it (`REFUSED`, `RATE_LIMITED`), it already holds
 * that nonce (`REPLAY_DETECTED`: follow the `tx_hash`), or nobody knows (`TIMEOUT`, `NO_ANSWER`, `NODE_ERROR`,
 * `BAD_RESPONSE`: look the `tx_hash` up before doing anything else). Reads are idempotent and retried with backoff.
 *
 * The signed bytes are the node's own: Python's `json.dumps(tx, sort_keys=True, separators=(",", ":"))` where
 * `amount` is a Python float (so µRTC / 10^6 written as Python's repr), `fee` is `0.0` and `nonce` a string:
 * canonical JSON's `python` form with the floats handed over as Python writes them (src/custody/python-json.ts).
 */
import { createHash, createPrivateKey, createPublicKey, sign as ed25519Sign, type KeyObject } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { isLosslessNumber, parse as parseLosslessJson } from 'lossless-json';
import { RTC_ADDRESS } from '@gpu-render-protocol/agent/protocol';
import { InvalidInputError } from '../domain/errors.js';
import { formatRtc, MAX_AMOUNT_URTC } from '../domain/money.js';
import { canonicalJson } from '../domain/canonical-json.js';
import { addressFromPublicKey } from '../domain/signatures.js';
import { pythonFloat } from './python-json.js';

export const RUSTCHAIN_MAINNET_CHAIN_ID = 'rustchain-mainnet-v2';

/** Ed25519 seeds become Node KeyObjects through this PKCS#8 prefix (as in src/domain/signatures.ts). */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SEED_HEX = /^[0-9a-fA-F]{64}$/;
const TX_HASH = /^[0-9a-fA-F]{32}$/;
const CHAIN_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** The node keeps `memo[:80]` in its listings; a longer memo would come back cut. */
export const MEMO_CODE_POINTS_MAX = 80;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// ---------------------------------------------------------------------------------------------------------------
// Keys

/** A signing key for RustChain transfers. The private half stays inside `sign` and is never printed. */
export interface RustChainKey {
  readonly address: string;
  readonly publicKey: string;
  sign(message: Uint8Array): Buffer;
}

export function rustChainKeyFromSeed(seedHex: string): RustChainKey {
  if (!SEED_HEX.test(seedHex)) throw new InvalidInputError('a key seed must be 64 hexadecimal characters');
  const privateKey: KeyObject = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(seedHex, 'hex')]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
  return Object.freeze({
    address: addressFromPublicKey(publicKey),
    publicKey,
    sign: (message: Uint8Array) => ed25519Sign(null, message, privateKey),
  });
}

/** A key file is unusable: unreadable, shared with other users, or not a seed. The message never holds the key. */
export class KeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileError';
  }
}

/**
 * Loads a key file as `npm run wallet -- new FILE` writes it (64 hex characters of Ed25519 seed and a newline, mode
 * 0600). A file that its group or other users may read or write is refused: custody keys hold real money.
 */
export function loadRustChainKeyFile(path: string): RustChainKey {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new KeyFileError(`cannot open key file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    // fstat on the open descriptor: the mode checked is the mode of the file read.
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new KeyFileError(`key file ${path} is not a regular file`);
    if ((stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new KeyFileError(`key file ${path} is accessible to group or others (mode ${mode}); run chmod 600 on it`);
    }
    const text = readFileSync(fd, 'utf8').trim();
    if (!SEED_HEX.test(text)) throw new KeyFileError(`key file ${path} does not hold a 64-hex-character Ed25519 seed`);
    return rustChainKeyFromSeed(text);
  } finally {
    closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Signed transfers

export interface TransferInput {
  /** `RTC` + 40 hex characters; sent with lowercase hex (the node keys balances by the exact string). */
  to: string;
  amountUrtc: bigint;
  /** Strictly greater than every earlier nonce of the sender. */
  nonce: bigint | number;
  memo?: string;
  /** Signed and sent when given; `null` leaves it out (the node then assumes its own). */
  chainId: string | null;
}

/** The node's request body for POST /wallet/transfer/signed. */
export interface SignedTransferBody {
  from_address: string;
  to_address: string;
  amount_rtc: string;
  memo: string;
  nonce: number | string;
  public_key: string;
  signature: string;
  chain_id?: string;
}

export interface SignedTransfer {
  from: string;
  to: string;
  amountUrtc: bigint;
  nonce: bigint;
  memo: string;
  chainId: string | null;
  /** The exact bytes signed (ASCII), as the node rebuilds them. */
  message: string;
  signature: string;
  /** What the node will call this transfer: first 32 hex of SHA-256(message ‖ signature). */
  txHash: string;
  body: SignedTransferBody;
}

/** Lowercases the hex of an `RTC…` address; anything else is refused. */
export function normalizeRtcAddress(address: string, field = 'address'): string {
  if (!RTC_ADDRESS.test(address)) throw new InvalidInputError(`${field} must be "RTC" followed by 40 hex characters`);
  return `RTC${address.slice(3).toLowerCase()}`;
}

/** The RTC amount the node signs: `float(amount_rtc)`, the double nearest to µRTC / 10^6 (exact below 2^53 µRTC). */
export function rtcFloat(amountUrtc: bigint): number {
  return Number(amountUrtc) / 1e6;
}

/** The bytes the node verifies for a signed transfer (its current format, with `fee` 0.0). */
export function transferMessage(t: {
  from: string;
  to: string;
  amountUrtc: bigint;
  nonce: bigint;
  memo: string;
  chainId: string | null;
}): string {
  const tx: Record<string, unknown> = {
    from: t.from,
    to: t.to,
    amount: pythonFloat(rtcFloat(t.amountUrtc)),
    fee: pythonFloat(0),
    memo: t.memo,
    nonce: t.nonce.toString(),
  };
  if (t.chainId) tx.chain_id = t.chainId;
  return canonicalJson(tx, 'python');
}

export function transferTxHash(message: string, signatureHex: string): string {
  return createHash('sha256')
    .update(Buffer.from(message, 'utf8'))
    .update(Buffer.from(signatureHex, 'hex'))
    .digest('hex')
    .slice(0, 32);
}

function checkedNonce(nonce: bigint | number): bigint {
  if (typeof nonce === 'number' && !Number.isSafeInteger(nonce))
    throw new InvalidInputError('nonce must be an integer');
  const value = BigInt(nonce);
  if (value <= 0n) throw new InvalidInputError('nonce must be greater than zero');
  return value;
}

function checkedMemo(memo: string): string {
  if (LONE_SURROGATE.test(memo)) throw new InvalidInputError('memo must be well-formed Unicode');
  if ([...memo].length > MEMO_CODE_POINTS_MAX) {
    throw new InvalidInputError(`memo must be at most ${MEMO_CODE_POINTS_MAX} characters (the node cuts longer ones)`);
  }
  return memo;
}

/** Signs a transfer from `key`'s address. Pure: nothing is sent, and the result says what the node will call it. */
export function signTransfer(key: RustChainKey, input: TransferInput): SignedTransfer {
  const to = normalizeRtcAddress(input.to, 'to');
  if (to === key.address) throw new InvalidInputError('a transfer must go to another address');
  if (input.amountUrtc <= 0n || input.amountUrtc > MAX_AMOUNT_URTC) {
    throw new InvalidInputError('amountUrtc must be greater than zero and within the supply cap');
  }
  if (input.chainId !== null && !CHAIN_ID.test(input.chainId)) throw new InvalidInputError('chainId has a bad format');
  const nonce = checkedNonce(input.nonce);
  const memo = checkedMemo(input.memo ?? '');
  const fields = { from: key.address, to, amountUrtc: input.amountUrtc, nonce, memo, chainId: input.chainId };
  const message = transferMessage(fields);
  const signature = key.sign(Buffer.from(message, 'utf8')).toString('hex');
  const body: SignedTransferBody = {
    from_address: key.address,
    to_address: to,
    // A decimal string: the node reads it with Decimal, so the debit is exactly amountUrtc.
    amount_rtc: formatRtc(input.amountUrtc),
    memo,
    nonce: nonce <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(nonce) : nonce.toString(),
    public_key: key.publicKey,
    signature,
  };
  if (input.chainId) body.chain_id = input.chainId;
  return { ...fields, message, signature, txHash: transferTxHash(message, signature), body };
}

// ---------------------------------------------------------------------------------------------------------------
// Errors

export type RustChainErrorKind =
  /** No connection was made: the node never saw the request. */
  | 'UNREACHABLE'
  /** No answer in time: a POST may or may not have been applied. */
  | 'TIMEOUT'
  /** The connection dropped before a whole answer came: a POST may or may not have been applied. */
  | 'NO_ANSWER'
  /** The node answered 5xx: a POST may or may not have been applied. */
  | 'NODE_ERROR'
  /** A 2xx answer that is not what the API promises. */
  | 'BAD_RESPONSE'
  /** The node answered 4xx: it did not apply the request; `code` says why. */
  | 'REFUSED'
  /** The sender's nonce is already held by the node: it has that transfer (look its tx_hash up). */
  | 'REPLAY_DETECTED'
  /** The node's limit (429) or this client's own limit on /pending/* (`status` undefined): nothing was sent. */
  | 'RATE_LIMITED';

const OUTCOME_UNKNOWN: ReadonlySet<RustChainErrorKind> = new Set([
  'TIMEOUT',
  'NO_ANSWER',
  'NODE_ERROR',
  'BAD_RESPONSE',
]);

export class RustChainError extends Error {
  constructor(
    readonly kind: RustChainErrorKind,
    message: string,
    readonly details: {
      method: string;
      path: string;
      status?: number;
      /** The node's error code (`code`, else an identifier-like `error`), e.g. REPLAY_DETECTED, OUT_OF_ORDER_NONCE. */
      code?: string;
      /** The node's answer, parsed, when there was one. */
      body?: unknown;
      retryAfterMs?: number;
      cause?: unknown;
    },
  ) {
    super(message, { cause: details.cause });
    this.name = 'RustChainError';
  }

  get status(): number | undefined {
    return this.details.status;
  }

  get code(): string | undefined {
    return this.details.code;
  }

  /** True when a POST may have been applied although no acceptance came back. */
  get outcomeUnknown(): boolean {
    return OUTCOME_UNKNOWN.has(this.kind);
  }
}

/** Connection errors that happen before anything is written to the node. */
const NOT_CONNECTED_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function errorCodes(cause: unknown): string[] {
  if (!cause || typeof cause !== 'object') return [];
  const own = (cause as { code?: unknown }).code;
  const nested = cause instanceof AggregateError ? cause.errors.flatMap(errorCodes) : [];
  return [...(typeof own === 'string' ? [own] : []), ...nested];
}

function transportError(error: unknown, method: string, path: string, timeoutMs: number): RustChainError {
  const name = (error as { name?: string } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new RustChainError('TIMEOUT', `RustChain node gave no answer to ${method} ${path} within ${timeoutMs} ms`, {
      method,
      path,
      cause: error,
    });
  }
  const cause = (error as { cause?: unknown } | null)?.cause ?? error;
  // fetch refuses ports browsers block (1, 9, 6000...) before connecting, with no code: a configuration mistake.
  const codes = (cause as Error | null)?.message === 'bad port' ? ['bad port'] : errorCodes(cause);
  if (codes.length > 0 && codes.every((code) => code === 'bad port' || NOT_CONNECTED_CODES.has(code))) {
    return new RustChainError('UNREACHABLE', `RustChain node unreachable for ${method} ${path} (${codes[0]})`, {
      method,
      path,
      cause: error,
    });
  }
  const reason = codes[0] ?? (error instanceof Error ? error.message : String(error));
  return new RustChainError('NO_ANSWER', `RustChain node dropped ${method} ${path} without an answer (${reason})`, {
    method,
    path,
    cause: error,
  });
}

/** Sentences the node answers with and no code: named here so callers can tell them apart. */
const NODE_SENTENCE_CODES: Record<string, string> = {
  'Invalid signature': 'INVALID_SIGNATURE',
  'Insufficient available balance': 'INSUFFICIENT_BALANCE',
  'Public key does not match from_address': 'PUBLIC_KEY_MISMATCH',
  'chain_id does not match active network': 'CHAIN_ID_MISMATCH',
};

function nodeErrorCode(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const { code, error } = body as { code?: unknown; error?: unknown };
  if (typeof code === 'string') return code;
  if (typeof error !== 'string') return undefined;
  return NODE_SENTENCE_CODES[error] ?? (/^[A-Za-z_]+$/.test(error) ? error : undefined);
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the node's JSON

type Json = unknown;

function parseNodeJson(text: string): Json {
  // Lossless: integers such as amount_i64 stay exact, and float amounts keep the text Python wrote.
  return parseLosslessJson(text);
}

class ShapeError extends Error {}

function objectOf(value: Json, what: string): Record<string, Json> {
  if (!value || typeof value !== 'object' || Array.isArray(value) || isLosslessNumber(value)) {
    throw new ShapeError(`${what} is not an object`);
  }
  return value as Record<string, Json>;
}

function stringOf(value: Json, what: string): string {
  if (typeof value !== 'string') throw new ShapeError(`${what} is not a string`);
  return value;
}

function optionalString(value: Json, what: string): string | null {
  return value === null || value === undefined ? null : stringOf(value, what);
}

function integerOf(value: Json, what: string): bigint {
  if (!isLosslessNumber(value) || !/^-?\d+$/.test(value.value)) throw new ShapeError(`${what} is not an integer`);
  return BigInt(value.value);
}

function optionalInteger(value: Json, what: string): number | null {
  return value === null || value === undefined ? null : Number(integerOf(value, what));
}

/**
 * µRTC from an RTC amount the node wrote as a float (`1e-06`, `12.345678`). Amounts there are integer µRTC / 10^6,
 * whose shortest repr is that decimal itself, so the text converts exactly.
 */
export function urtcFromRtcText(text: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) throw new ShapeError(`amount ${JSON.stringify(text)} is not a number`);
  const digits = BigInt(match[2]! + (match[3] ?? ''));
  const scale = 6 - (match[3]?.length ?? 0) + Number(match[4] ?? 0);
  let urtc: bigint;
  if (scale >= 0) urtc = digits * 10n ** BigInt(scale);
  else {
    const divisor = 10n ** BigInt(-scale);
    if (digits % divisor !== 0n) throw new ShapeError(`amount ${text} has more than 6 decimals`);
    urtc = digits / divisor;
  }
  return match[1] ? -urtc : urtc;
}

function urtcOfFloat(value: Json, what: string): bigint {
  if (!isLosslessNumber(value)) throw new ShapeError(`${what} is not a number`);
  return urtcFromRtcText(value.value);
}

// ---------------------------------------------------------------------------------------------------------------
// Client

export type TransferStatus = 'pending' | 'confirmed' | 'failed' | 'not_found';

export interface TransferStatusAnswer {
  txHash: string;
  /** `confirmed` is final; `failed` means voided (never applied). */
  status: TransferStatus;
  confirmations: number;
  blockHeight: number | null;
}

export type LedgerStatus = 'pending' | 'confirmed' | 'voided';

/** One row of the node's pending ledger (GET /pending/list): every transfer of an address, newest first. */
export interface NodeTransfer {
  pendingId: number;
  txHash: string;
  from: string;
  to: string;
  amountUrtc: bigint;
  /** The signed transfer's memo (cut to 80 characters), or null for transfers the node made otherwise. */
  memo: string | null;
  reason: string;
  /** `pending`, `confirmed` or `voided`; kept as the node wrote it. */
  status: string;
  ts: number;
  confirmsAt: number | null;
  voidedBy: string | null;
  voidedReason: string | null;
}

/** One row of GET /wallet/history: confirmed legs carry no status, unconfirmed rows do. */
export interface HistoryEntry {
  type: 'transfer_in' | 'transfer_out' | 'ledger' | 'reward' | string;
  txHash: string | null;
  amountUrtc: bigint;
  /** The other party (sender of a transfer_in, receiver of a transfer_out). */
  counterparty: string | null;
  /** `confirmed` for ledger rows; `pending` or `voided` for rows still in the pending ledger. */
  status: string;
  timestamp: number;
}

export interface TransferAccepted {
  txHash: string;
  pendingId: number;
  phase: string;
  confirmsAt: number;
  chainId: string | null;
}

export interface RustChainClientOptions {
  /** Base URL of the node, e.g. http://127.0.0.1:8099. */
  url: string;
  /** Signed and sent with every transfer from `signTransfer`; default rustchain-mainnet-v2. */
  chainId?: string;
  /** Per attempt; default 10,000 ms. */
  timeoutMs?: number;
  /** Further attempts of a failed read (never of a transfer); default 3. */
  readRetries?: number;
  /** First backoff delay, doubled per attempt up to `retryDelayMaxMs`; defaults 250 and 4,000 ms. */
  retryDelayMs?: number;
  retryDelayMaxMs?: number;
  /** Requests to /pending/* per window (the node allows 12 a minute per client address); default 10 a minute. */
  pendingRequestsMax?: number;
  pendingWindowMs?: number;
  /** For tests of the limiter: the clock it reads. */
  now?: () => number;
}

/** At most `max` requests in any `windowMs`; a request over the limit is refused here, not sent. */
export class SlidingWindowLimiter {
  private readonly times: number[] = [];

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a slot and returns 0, or returns how many ms until one frees up (taking nothing). */
  take(): number {
    const now = this.now();
    while (this.times.length > 0 && this.times[0]! <= now - this.windowMs) this.times.shift();
    if (this.times.length >= this.max) return this.times[0]! + this.windowMs - now;
    this.times.push(now);
    return 0;
  }
}

interface NodeAnswer {
  status: number;
  body: Json;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RustChainClient {
  readonly url: string;
  readonly chainId: string;
  /** Confirmed balance in µRTC (pending outgoing transfers are not subtracted). */
  getBalance(address: string): Promise<bigint>;
  getTransferStatus(txHash: string): Promise<TransferStatusAnswer>;
  /** GET /pending/list for one address (both directions), newest first, at most 500 rows; rate limited. */
  listTransfers(address: string, options?: { status?: LedgerStatus | 'all'; limit?: number }): Promise<NodeTransfer[]>;
  /** The rows of `listTransfers` that pay `address`. */
  listIncomingTransfers(
    address: string,
    options?: { status?: LedgerStatus | 'all'; limit?: number },
  ): Promise<NodeTransfer[]>;
  /** GET /wallet/history: not rate limited, no memo. */
  getHistory(address: string, options?: { limit?: number; offset?: number }): Promise<HistoryEntry[]>;
  signTransfer(key: RustChainKey, input: Omit<TransferInput, 'chainId'>): SignedTransfer;
  /** Posts a signed transfer once. Never retried: on an error, `error.kind` says what is known. */
  sendTransfer(transfer: SignedTransfer): Promise<TransferAccepted>;
}

export function createRustChainClient(options: RustChainClientOptions): RustChainClient {
  const base = new URL(options.url);
  const url = base.toString().replace(/\/$/, '');
  const chainId = options.chainId ?? RUSTCHAIN_MAINNET_CHAIN_ID;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const readRetries = options.readRetries ?? 3;
  const retryDelayMs = options.retryDelayMs ?? 250;
  const retryDelayMaxMs = options.retryDelayMaxMs ?? 4_000;
  const pendingLimiter = new SlidingWindowLimiter(
    options.pendingRequestsMax ?? 10,
    options.pendingWindowMs ?? 60_000,
    options.now,
  );

  /** One HTTP exchange: an answer with any status, or a transport error. */
  async function exchange(method: 'GET' | 'POST', path: string, body?: unknown): Promise<NodeAnswer> {
    if (path.startsWith('/pending/')) {
      const waitMs = pendingLimiter.take();
      if (waitMs > 0) {
        throw new RustChainError('RATE_LIMITED', `client-side limit on /pending/* reached; retry in ${waitMs} ms`, {
          method,
          path,
          retryAfterMs: waitMs,
        });
      }
    }
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const response = await fetch(`${url}${path}`, {
        method,
        headers:
          body === undefined
            ? { accept: 'application/json' }
            : { accept: 'application/json', 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      text = await response.text();
    } catch (error) {
      throw transportError(error, method, path, timeoutMs);
    }
    let parsed: Json;
    try {
      parsed = text === '' ? null : parseNodeJson(text);
    } catch (error) {
      const kind = status >= 500 ? 'NODE_ERROR' : status >= 400 ? 'REFUSED' : 'BAD_RESPONSE';
      throw new RustChainError(kind, `RustChain node answered ${method} ${path} with ${status} and no JSON`, {
        method,
        path,
        status,
        cause: error,
      });
    }
    if (status === 429) {
      const seconds = Number(retryAfter);
      throw new RustChainError('RATE_LIMITED', `RustChain node rate-limited ${method} ${path}`, {
        method,
        path,
        status,
        code: nodeErrorCode(parsed),
        body: parsed,
        retryAfterMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined,
      });
    }
    if (status >= 500) {
      throw new RustChainError('NODE_ERROR', `RustChain node failed ${method} ${path} with ${status}`, {
        method,
        path,
        status,
        code: nodeErrorCode(parsed),
        body: parsed,
      });
    }
    return { status, body: parsed };
  }

  /** A read: retried with exponential backoff while the node is unreachable, slow or failing. */
  async function read(path: string): Promise<NodeAnswer> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await exchange('GET', path);
      } catch (error) {
        const retryable =
          error instanceof RustChainError &&
          ['UNREACHABLE', 'TIMEOUT', 'NO_ANSWER', 'NODE_ERROR', 'BAD_RESPONSE'].includes(error.kind);
        if (!retryable || attempt >= readRetries) throw error;
        const delay = Math.min(retryDelayMaxMs, retryDelayMs * 2 ** attempt);
        await sleep(delay / 2 + Math.random() * (delay / 2));
      }
    }
  }

  function refused(method: string, path: string, answer: NodeAnswer): RustChainError {
    const code = nodeErrorCode(answer.body);
    const kind = code === 'REPLAY_DETECTED' ? 'REPLAY_DETECTED' : 'REFUSED';
    const said = (answer.body as { error?: unknown } | null)?.error;
    return new RustChainError(
      kind,
      `RustChain node refused ${method} ${path} with ${answer.status}${code ? ` ${code}` : ''}${typeof said === 'string' && said !== code ? `: ${said}` : ''}`,
      { method, path, status: answer.status, code, body: answer.body },
    );
  }

  /** Reads a 2xx answer's fields; a missing or mistyped field is BAD_RESPONSE, not a crash. */
  function shaped<T>(method: string, path: string, answer: NodeAnswer, read: (body: Json) => T): T {
    try {
      return read(answer.body);
    } catch (error) {
      if (!(error instanceof ShapeError)) throw error;
      throw new RustChainError('BAD_RESPONSE', `RustChain node's answer to ${method} ${path}: ${error.message}`, {
        method,
        path,
        status: answer.status,
        body: answer.body,
      });
    }
  }

  async function listTransfers(address: string, opts: { status?: LedgerStatus | 'all'; limit?: number } = {}) {
    const query = new URLSearchParams({
      miner_id: address,
      status: opts.status ?? 'all',
      limit: String(opts.limit ?? 500),
    });
    const path = `/pending/list?${query}`;
    const answer = await read(path);
    if (answer.status !== 200) throw refused('GET', path, answer);
    return shaped('GET', path, answer, (body) => {
      const rows = objectOf(body, 'answer').pending;
      if (!Array.isArray(rows)) throw new ShapeError('pending is not a list');
      return rows.map((value, i): NodeTransfer => {
        const row = objectOf(value, `pending[${i}]`);
        const reason = stringOf(row.reason, 'reason');
        return {
          pendingId: Number(integerOf(row.id, 'id')),
          txHash: stringOf(row.tx_hash, 'tx_hash'),
          from: stringOf(row.from_miner, 'from_miner'),
          to: stringOf(row.to_miner, 'to_miner'),
          amountUrtc: urtcOfFloat(row.amount_rtc, 'amount_rtc'),
          memo: reason.startsWith('signed_transfer:') ? reason.slice('signed_transfer:'.length) : null,
          reason,
          status: stringOf(row.status, 'status'),
          ts: Number(integerOf(row.ts, 'ts')),
          confirmsAt: optionalInteger(row.confirms_at, 'confirms_at'),
          voidedBy: optionalString(row.voided_by, 'voided_by'),
          voidedReason: optionalString(row.voided_reason, 'voided_reason'),
        };
      });
    });
  }

  return {
    url,
    chainId,

    async getBalance(address) {
      const path = `/wallet/balance?${new URLSearchParams({ address })}`;
      const answer = await read(path);
      if (answer.status !== 200) throw refused('GET', path, answer);
      return shaped('GET', path, answer, (body) => integerOf(objectOf(body, 'answer').amount_i64, 'amount_i64'));
    },

    async getTransferStatus(txHash) {
      if (!TX_HASH.test(txHash)) throw new InvalidInputError('txHash must be 32 hexadecimal characters');
      const path = `/wallet/tx/${txHash.toLowerCase()}`;
      const answer = await read(path);
      const notFound = answer.status === 404 && (answer.body as { status?: unknown } | null)?.status === 'not_found';
      if (answer.status !== 200 && !notFound) throw refused('GET', path, answer);
      return shaped('GET', path, answer, (value) => {
        const body = objectOf(value, 'answer');
        const status = stringOf(body.status, 'status');
        if (!['pending', 'confirmed', 'failed', 'not_found'].includes(status)) {
          throw new ShapeError(`status ${JSON.stringify(status)} is not one the API names`);
        }
        return {
          txHash: txHash.toLowerCase(),
          status: status as TransferStatus,
          confirmations: notFound ? 0 : Number(integerOf(body.confirmations, 'confirmations')),
          blockHeight: notFound ? null : optionalInteger(body.block_height, 'block_height'),
        };
      });
    },

    listTransfers,

    async listIncomingTransfers(address, opts) {
      return (await listTransfers(address, opts)).filter((row) => row.to === address);
    },

    async getHistory(address, opts = {}) {
      const query = new URLSearchParams({
        address,
        limit: String(opts.limit ?? 200),
        offset: String(opts.offset ?? 0),
      });
      const path = `/wallet/history?${query}`;
      const answer = await read(path);
      if (answer.status !== 200) throw refused('GET', path, answer);
      return shaped('GET', path, answer, (body) => {
        const rows = objectOf(body, 'answer').transactions;
        if (!Array.isArray(rows)) throw new ShapeError('transactions is not a list');
        return rows.map((value, i): HistoryEntry => {
          const row = objectOf(value, `transactions[${i}]`);
          const type = stringOf(row.type, 'type');
          const counterparty = type === 'transfer_in' ? row.from : type === 'transfer_out' ? row.to : null;
          return {
            type,
            txHash: optionalString(row.tx_hash, 'tx_hash'),
            amountUrtc: urtcOfFloat(row.amount, 'amount'),
            counterparty: optionalString(counterparty, 'counterparty'),
            status: row.status === undefined ? 'confirmed' : stringOf(row.status, 'status'),
            timestamp: Number(integerOf(row.timestamp, 'timestamp')),
          };
        });
      });
    },

    signTransfer(key, input) {
      return signTransfer(key, { ...input, chainId });
    },

    async sendTransfer(transfer) {
      const path = '/wallet/transfer/signed';
      const answer = await exchange('POST', path, transfer.body);
      if (answer.status !== 200) throw refused('POST', path, answer);
      const accepted = shaped('POST', path, answer, (value): TransferAccepted => {
        const body = objectOf(value, 'answer');
        if (body.ok !== true) throw new ShapeError('ok is not true');
        return {
          txHash: stringOf(body.tx_hash, 'tx_hash'),
          pendingId: Number(integerOf(body.pending_id, 'pending_id')),
          phase: stringOf(body.phase, 'phase'),
          confirmsAt: Number(integerOf(body.confirms_at, 'confirms_at')),
          chainId: optionalString(body.chain_id, 'chain_id'),
        };
      });
      if (accepted.txHash !== transfer.txHash) {
        // The node holds the transfer under a hash this client did not predict: the caller must not lose it.
        throw new RustChainError(
          'BAD_RESPONSE',
          `RustChain node accepted the transfer as ${accepted.txHash}, expected ${transfer.txHash}`,
          {
            method: 'POST',
            path,
            status: answer.status,
            body: answer.body,
          },
        );
      }
      return accepted;
    },
  };
}
