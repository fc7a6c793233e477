/**
 * A stand-in RustChain node for tests: NOT the real node, a small node:http server on 127.0.0.1 (port 0) that
 * follows docs/NODE-API.md byte for byte as far as this project uses the node. It checks signed transfers as the
 * node does (preflight errors in the node's order, the address derived from `public_key`, Ed25519 over the node's
 * Python-written message bytes, legacy form without `fee`, chain id, nonces once per sender and strictly increasing,
 * available balance net of pending debits), keeps the pending ledger (pending → confirmed or voided), answers
 * balances, transfer status, the pending list (at most 500 rows, `/pending/*` limited to 12 requests a minute per
 * client) and history, and writes every answer as Flask's jsonify does (sorted compact JSON, Python floats).
 *
 * Tests drive it directly (`credit`, `confirm`, `void`, `transferFrom`) or through the node's admin paths, and
 * inject faults: an answer lost after the transfer was committed, a connection reset, a delay, a status such as
 * 500, or the whole node offline (connections refused).
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isLosslessNumber, parse as parseLosslessJson, type LosslessNumber } from 'lossless-json';
import { pythonFloatRepr, pythonJsonDumps, type PythonJson } from '../../src/custody/python-json.js';

export const STAND_IN_ADMIN_KEY = 'stand-in-admin-key-0123456789abcdef';
const GENESIS_TIMESTAMP_S = 1764706927;
const BLOCK_TIME_S = 600;
const MAX_I64 = 2n ** 63n - 1n;
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const RTC_ADDRESS = /^RTC[0-9A-Fa-f]{40}$/;
const WALLET_QUERY_ID = /^[A-Za-z0-9._:-]{1,80}$/;

export interface StandInTransfer {
  id: number;
  txHash: string;
  from: string;
  to: string;
  amountUrtc: bigint;
  reason: string;
  status: 'pending' | 'confirmed' | 'voided';
  /** The signed nonce, as the node keeps it (text); null for transfers not made through /wallet/transfer/signed. */
  nonce: string | null;
  /** The signed message bytes (ASCII) and signature; null for transfers not made through /wallet/transfer/signed. */
  message: string | null;
  signature: string | null;
  ts: number;
  epoch: number;
  confirmsAt: number;
  confirmedAt: number | null;
  voidedBy: string | null;
  voidedReason: string | null;
}

interface LedgerRow {
  id: number;
  ts: number;
  epoch: number;
  minerId: string;
  deltaI64: bigint;
  reason: string;
}

export type StandInFault = {
  /** Only requests with this method (default: any). */
  method?: 'GET' | 'POST';
  /** Only requests whose path starts with this (default: any). */
  path?: string;
  /** How many matching requests it hits (default 1). */
  times?: number;
} & (
  | { kind: 'lose-answer' } // do the work (commit), then drop the connection without answering
  | { kind: 'reset' } // drop the connection before doing anything
  | { kind: 'delay'; ms: number } // do the work and answer only after `ms`
  | { kind: 'status'; status: number; body?: PythonJson } // answer this without doing anything
);

export interface StandInRequest {
  method: string;
  path: string;
  /** The HTTP status answered, or 'dropped' when the connection was closed instead. */
  outcome: number | 'dropped';
}

export interface RustChainStandInOptions {
  /** Confirmed balances in µRTC by exact address string. */
  balances?: Record<string, bigint>;
  chainId?: string;
  adminKey?: string;
  /** RC_CONFIRMATION_DELAY_SECONDS; a test node uses 0. */
  confirmationDelayS?: number;
  /** RC_ADMIN_RATE_LIMIT_MAX and ..._WINDOW_SECONDS for /pending/*: 12 and 60 as on the node. */
  pendingRateLimitMax?: number;
  pendingRateLimitWindowS?: number;
}

export interface RustChainStandIn {
  url: string;
  chainId: string;
  adminKey: string;
  /** Every pending-ledger row, in id order (live). */
  transfers: readonly StandInTransfer[];
  /** Every request received, in order (live). */
  requests: readonly StandInRequest[];
  balance(address: string): bigint;
  /** Adds µRTC to a confirmed balance (as mining rewards or the node's operator would). */
  credit(address: string, urtc: bigint): void;
  /** Confirms one pending transfer now, whatever its confirms_at: re-checks the sender's balance (voids when
   * short, as the node's confirm job does), moves the balances and writes the two ledger rows. */
  confirm(txHash: string): 'confirmed' | 'voided';
  /** Voids one pending transfer, as an operator's POST /pending/void does. */
  void(txHash: string, reason?: string): void;
  /** A transfer the node made by other means (an operator's /wallet/transfer): any sender string, no signature. */
  transferFrom(input: { from: string; to: string; amountUrtc: bigint; reason?: string }): StandInTransfer;
  transfer(txHash: string): StandInTransfer | undefined;
  injectFault(fault: StandInFault): void;
  /** Stops listening and drops open connections: clients get connection refused. State is kept. */
  goOffline(): Promise<void>;
  /** Listens again on the same port. */
  goOnline(): Promise<void>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Python semantics of request values

type Parsed = unknown;

const isInteger = (value: LosslessNumber) => /^-?\d+$/.test(value.value);

/** Python's `str(value)` for a value from `json.loads`. */
function pyStr(value: Parsed): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (isLosslessNumber(value))
    return isInteger(value) ? BigInt(value.value).toString() : pythonFloatRepr(Number(value.value));
  return JSON.stringify(value); // a list or dict: never a valid field value, any text will be refused
}

interface PyDecimal {
  /** value = units × 10^exponent */
  units: bigint;
  exponent: number;
  text: string;
}

/** `Decimal(str(value))`, or null when Python raises. */
function pyDecimal(value: Parsed): PyDecimal | null | 'not_finite' {
  const text = pyStr(value);
  if (/^\s*[+-]?(inf|infinity|nan|snan)\s*$/i.test(text)) return 'not_finite';
  const match = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return null;
  const digits = BigInt(`${match[2]}${match[3] ?? ''}` || '0');
  return {
    units: match[1] === '-' ? -digits : digits,
    exponent: Number(match[4] ?? 0) - (match[3]?.length ?? 0),
    text,
  };
}

/** `int((amount * 10^6).to_integral_value(rounding=ROUND_DOWN))`. */
function microUnits(amount: PyDecimal): bigint {
  const exponent = amount.exponent + 6;
  if (exponent >= 0) return amount.units * 10n ** BigInt(exponent);
  return amount.units / 10n ** BigInt(-exponent); // BigInt division truncates toward zero, as ROUND_DOWN
}

/** `int(str(value))`, or null when Python raises. */
function pyInt(value: Parsed): bigint | null {
  const match = /^\s*([+-]?\d+)\s*$/.exec(pyStr(value));
  return match ? BigInt(match[1]!) : null;
}

function fromHex(text: string): Buffer | null {
  return /^(?:[0-9a-fA-F]{2})*$/.test(text) ? Buffer.from(text, 'hex') : null;
}

function addressFromPublicKey(publicKey: Buffer): string {
  return `RTC${createHash('sha256').update(publicKey).digest('hex').slice(0, 40)}`;
}

function verifyEd25519(publicKey: Buffer, message: Buffer, signatureHex: string): boolean {
  const signature = fromHex(signatureHex);
  if (publicKey.length !== 32 || !signature || signature.length !== 64) return false;
  try {
    const key: KeyObject = createPublicKey({
      key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]),
      format: 'der',
      type: 'spki',
    });
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}

const rtc = (urtc: bigint) => Number(urtc) / 1e6;

// ---------------------------------------------------------------------------------------------------------------

interface Answer {
  status: number;
  body: PythonJson;
  headers?: Record<string, string>;
}

const answer = (status: number, body: PythonJson, headers?: Record<string, string>): Answer => ({
  status,
  body,
  headers,
});

export async function startRustChainStandIn(options: RustChainStandInOptions = {}): Promise<RustChainStandIn> {
  const chainId = options.chainId ?? 'rustchain-mainnet-v2';
  const adminKey = options.adminKey ?? STAND_IN_ADMIN_KEY;
  const delayS = options.confirmationDelayS ?? 0;
  const rateMax = options.pendingRateLimitMax ?? 12;
  const rateWindowS = options.pendingRateLimitWindowS ?? 60;

  const balances = new Map<string, bigint>(Object.entries(options.balances ?? {}));
  const transfers: StandInTransfer[] = [];
  const ledger: LedgerRow[] = [];
  const nonces = new Map<string, Set<string>>();
  const rateBuckets = new Map<string, number[]>();
  const faults: Array<StandInFault & { left: number }> = [];
  const requests: StandInRequest[] = [];

  const nowS = () => Math.floor(Date.now() / 1000);
  const currentSlot = () => Math.floor((nowS() - GENESIS_TIMESTAMP_S) / BLOCK_TIME_S);
  const balanceOf = (address: string) => balances.get(address) ?? 0n;
  const pendingDebits = (address: string) =>
    transfers.filter((t) => t.from === address && t.status === 'pending').reduce((sum, t) => sum + t.amountUrtc, 0n);

  function applyConfirm(t: StandInTransfer): 'confirmed' | 'voided' {
    const now = nowS();
    if (balanceOf(t.from) < t.amountUrtc) {
      Object.assign(t, { status: 'voided', voidedBy: 'system', voidedReason: 'insufficient_balance_at_confirm' });
      return 'voided';
    }
    balances.set(t.from, balanceOf(t.from) - t.amountUrtc);
    balances.set(t.to, balanceOf(t.to) + t.amountUrtc);
    const base = { ts: now, epoch: t.epoch };
    ledger.push({
      ...base,
      id: ledger.length + 1,
      minerId: t.from,
      deltaI64: -t.amountUrtc,
      reason: `transfer_out:${t.to}:${t.txHash}`,
    });
    ledger.push({
      ...base,
      id: ledger.length + 1,
      minerId: t.to,
      deltaI64: t.amountUrtc,
      reason: `transfer_in:${t.from}:${t.txHash}`,
    });
    Object.assign(t, { status: 'confirmed', confirmedAt: now });
    return 'confirmed';
  }

  function addTransfer(
    fields: Pick<
      StandInTransfer,
      'txHash' | 'from' | 'to' | 'amountUrtc' | 'reason' | 'nonce' | 'message' | 'signature'
    >,
  ) {
    const now = nowS();
    const row: StandInTransfer = {
      ...fields,
      id: transfers.length + 1,
      status: 'pending',
      ts: now,
      epoch: currentSlot(),
      confirmsAt: now + delayS,
      confirmedAt: null,
      voidedBy: null,
      voidedReason: null,
    };
    transfers.push(row);
    return row;
  }

  // --- POST /wallet/transfer/signed, in the node's order of checks --------------------------------------------

  function preflight(data: Record<string, Parsed>):
    | Answer
    | {
        from: string;
        to: string;
        amount: PyDecimal;
        amountI64: bigint;
        fee: number;
        nonce: bigint;
        chainId: string | null;
      } {
    const refuse = (error: string, details: PythonJson = {}) => answer(400, { error, details });
    const missing = ['from_address', 'to_address', 'amount_rtc', 'nonce', 'signature'].filter(
      (k) => !(k in data) || data[k] === null || data[k] === '',
    );
    if (missing.length > 0) return refuse('missing_required_fields', { missing });
    const from = pyStr(data.from_address).trim();
    const to = pyStr(data.to_address).trim();
    const amount = pyDecimal(data.amount_rtc);
    if (amount === null) return refuse('amount_not_number');
    if (amount === 'not_finite') return refuse('amount_not_finite');
    if (amount.units <= 0n) return refuse('amount_must_be_positive');
    const amountI64 = microUnits(amount);
    if (amountI64 <= 0n)
      return refuse('amount_too_small_after_quantization', { amount_rtc: Number(amount.text), min_rtc: 0.000001 });
    if (amountI64 > MAX_I64) return refuse('amount_exceeds_i64');
    const fee = 'fee_rtc' in data ? pyDecimal(data.fee_rtc) : { units: 0n, exponent: 0, text: '0' };
    if (fee === null) return refuse('amount_not_number', { field: 'fee_rtc' });
    if (fee === 'not_finite') return refuse('amount_not_finite', { field: 'fee_rtc' });
    if (fee.units < 0n) return refuse('fee_must_be_non_negative');
    const isAddress = (a: string) => RTC_ADDRESS.test(a) || (a.startsWith('bcn_') && a.length >= 8);
    if (!isAddress(from)) return refuse('invalid_from_address_format');
    if (!isAddress(to)) return refuse('invalid_to_address_format');
    if (from === to) return refuse('from_to_must_differ');
    const publicKey = data.public_key;
    if (
      RTC_ADDRESS.test(from) &&
      (publicKey === null || publicKey === undefined || publicKey === '' || publicKey === false)
    ) {
      return refuse('missing_required_fields', { missing: ['public_key'] });
    }
    const nonce = pyInt(data.nonce);
    if (nonce === null) return refuse('nonce_not_int');
    if (nonce <= 0n) return refuse('nonce_must_be_gt_zero');
    const chain = ('chain_id' in data ? pyStr(data.chain_id) : '').trim();
    if (chain && !/^[A-Za-z0-9._-]{1,64}$/.test(chain)) return refuse('invalid_chain_id_format');
    return { from, to, amount, amountI64, fee: Number(fee.text), nonce, chainId: chain || null };
  }

  function signedTransfer(data: Parsed): Answer {
    if (!data || typeof data !== 'object' || Array.isArray(data) || isLosslessNumber(data)) {
      return answer(400, { error: 'invalid_json_body', details: {} });
    }
    const fields = data as Record<string, Parsed>;
    const pre = preflight(fields);
    if ('status' in pre) return pre;
    const { from, to, amountI64, fee, nonce: nonceInt, chainId: sentChainId } = pre;
    for (const [field, code] of [
      ['signature', 'INVALID_SIGNATURE_TYPE'],
      ['public_key', 'INVALID_PUBLIC_KEY_TYPE'],
    ] as const) {
      const raw = fields[field];
      if (raw !== null && raw !== undefined && typeof raw !== 'string') {
        return answer(400, { error: code, message: `Field '${field}' must be a string` });
      }
    }
    const signature = ((fields.signature as string | null) || '').trim();
    const publicKeyHex = ((fields.public_key as string | null) || '').trim();
    const memo = 'memo' in fields ? pyStr(fields.memo) : '';
    const amount = Number(pre.amount.text); // float(Decimal): correctly rounded, as Number() is

    if (sentChainId && sentChainId !== chainId) {
      return answer(400, {
        error: 'chain_id does not match active network',
        expected_chain_id: chainId,
        got_chain_id: sentChainId,
      });
    }
    if (from.startsWith('bcn_')) {
      return answer(404, {
        error: 'Beacon ID not registered in Atlas: not_found',
        hint: 'Register your agent first: beacon atlas register',
      });
    }
    const publicKey = fromHex(publicKeyHex);
    if (!publicKey) return answer(400, { error: 'invalid_public_key', message: 'Public key is not valid hexadecimal' });
    if (from !== addressFromPublicKey(publicKey)) {
      return answer(400, { error: 'Public key does not match from_address', from_address: from });
    }

    const nonce = nonceInt.toString();
    const tx: Record<string, PythonJson> = { from, to, amount, fee, memo, nonce };
    const legacy: Record<string, PythonJson> = { from, to, amount, memo, nonce };
    if (sentChainId) tx.chain_id = legacy.chain_id = sentChainId;
    let message = Buffer.from(pythonJsonDumps(tx), 'utf8');
    const legacyMessage = Buffer.from(pythonJsonDumps(legacy), 'utf8');
    if (!verifyEd25519(publicKey, message, signature)) {
      if (!verifyEd25519(publicKey, legacyMessage, signature)) return answer(401, { error: 'Invalid signature' });
      if (fee !== 0) {
        return answer(401, {
          error: 'Legacy signature format cannot authorize nonzero fee',
          code: 'LEGACY_SIGNATURE_FEE_UNBOUND',
        });
      }
      message = legacyMessage;
    }
    if (fee !== 0) {
      return answer(400, {
        error: 'Nonzero signed transfer fees are not supported until fee settlement is implemented',
        code: 'SIGNED_TRANSFER_FEE_UNSETTLED',
        fee_rtc: fee,
      });
    }

    const txHash = createHash('sha256').update(message).update(fromHex(signature)!).digest('hex').slice(0, 32);
    const used = nonces.get(from) ?? new Set<string>();
    if (used.has(nonce))
      return answer(400, { error: 'Nonce already used (replay attack detected)', code: 'REPLAY_DETECTED', nonce });
    const latest = [...used].reduce<bigint | null>(
      (max, n) => (max === null || BigInt(n) > max ? BigInt(n) : max),
      null,
    );
    if (latest !== null && latest >= nonceInt) {
      return answer(400, {
        error: 'Signed transfer nonce must increase for this wallet',
        code: 'OUT_OF_ORDER_NONCE',
        nonce,
        latest_nonce: latest,
      });
    }
    const balance = balanceOf(from);
    const debits = pendingDebits(from);
    if (balance - debits < amountI64) {
      return answer(400, {
        error: 'Insufficient available balance',
        balance_rtc: rtc(balance),
        pending_debits_rtc: rtc(debits),
        available_rtc: rtc(balance - debits),
        requested_rtc: amount,
      });
    }
    used.add(nonce);
    nonces.set(from, used);
    const row = addTransfer({
      txHash,
      from,
      to,
      amountUrtc: amountI64,
      reason: `signed_transfer:${[...memo].slice(0, 80).join('')}`,
      nonce,
      message: message.toString('utf8'),
      signature,
    });
    return answer(200, {
      ok: true,
      verified: true,
      signature_type: 'Ed25519',
      replay_protected: true,
      phase: 'pending',
      pending_id: BigInt(row.id),
      tx_hash: txHash,
      from_address: from,
      to_address: to,
      amount_rtc: amount,
      chain_id: sentChainId || chainId,
      confirms_at: BigInt(row.confirmsAt),
      confirms_in_hours: delayS / 3600,
      message: `Transfer pending. Will confirm in ${Math.floor(delayS / 3600)} hours unless voided.`,
    });
  }

  // --- reads ---------------------------------------------------------------------------------------------------

  function walletBalance(query: URLSearchParams): Answer {
    const valid = (raw: string | null) => (raw !== null && raw === raw.trim() && WALLET_QUERY_ID.test(raw) ? raw : '');
    const rawMiner = query.get('miner_id');
    const rawAddress = query.get('address');
    let minerId = valid(rawMiner);
    const address = valid(rawAddress);
    if ((rawMiner && !minerId) || (rawAddress && !address))
      return answer(400, { ok: false, error: 'invalid miner_id' });
    if (minerId && address && minerId !== address) {
      return answer(400, { ok: false, error: 'miner_id and address must match when both are provided' });
    }
    minerId ||= address;
    if (!minerId) return answer(400, { ok: false, error: 'miner_id or address required' });
    const amount = balanceOf(minerId);
    return answer(200, { miner_id: minerId, amount_i64: amount, amount_rtc: rtc(amount) });
  }

  function txStatus(rawHash: string): Answer {
    const txHash = rawHash.trim().toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(txHash))
      return answer(400, { ok: false, error: 'tx_hash must be exactly 32 hexadecimal characters' });
    const rows = transfers.filter((t) => t.txHash === txHash);
    if (rows.length > 1) return answer(409, { ok: false, error: 'ambiguous_transaction' });
    const row = rows[0];
    if (!row) return answer(404, { ok: false, tx_hash: txHash, status: 'not_found', error: 'transaction_not_found' });
    const status = row.status === 'confirmed' ? 'confirmed' : row.status === 'voided' ? 'failed' : 'pending';
    return answer(200, {
      ok: true,
      tx_hash: txHash,
      status,
      confirmations: BigInt(status === 'confirmed' ? 1 : 0),
      block_height: status === 'confirmed' ? BigInt(row.epoch) : null,
    });
  }

  function overdueStats(): Record<string, PythonJson> {
    const now = nowS();
    const due = transfers.filter((t) => t.status === 'pending' && t.confirmsAt <= now);
    return {
      stale_pending_count: BigInt(due.length),
      max_confirm_overdue_seconds: BigInt(Math.max(0, ...due.map((t) => now - t.confirmsAt))),
      overdue_stats_measured: true,
      overdue_stats_error: null,
    };
  }

  const isAdmin = (req: IncomingMessage, alsoApiKey = false) => {
    const key = req.headers['x-admin-key'] || (alsoApiKey ? req.headers['x-api-key'] : undefined);
    return key === adminKey;
  };

  function pendingList(req: IncomingMessage, query: URLSearchParams): Answer {
    const minerId = (query.get('miner_id') ?? '').trim();
    const admin = isAdmin(req, true);
    if (!admin && !minerId) {
      return answer(401, { error: 'Unauthorized. Provide miner_id for public check or Admin Key for full list.' });
    }
    const status = query.get('status') ?? 'pending';
    const limitValue = pyInt(query.get('limit') ?? '100');
    if (limitValue === null) return answer(400, { ok: false, error: 'limit must be an integer' });
    const limit = Math.max(1, Math.min(Number(limitValue), 500));
    const rows = transfers
      .filter((t) => status === 'all' || t.status === status)
      .filter((t) => (admin && !minerId) || t.from === minerId || t.to === minerId)
      .sort((a, b) => b.id - a.id)
      .slice(0, limit);
    const items = rows.map((t) => ({
      id: BigInt(t.id),
      ts: BigInt(t.ts),
      from_miner: t.from,
      to_miner: t.to,
      amount_rtc: rtc(t.amountUrtc),
      reason: t.reason,
      status: t.status,
      confirms_at: BigInt(t.confirmsAt),
      voided_by: t.voidedBy,
      voided_reason: t.voidedReason,
      tx_hash: t.txHash,
    }));
    return answer(200, { ok: true, count: BigInt(items.length), pending: items, ...overdueStats() });
  }

  function walletHistory(query: URLSearchParams): Answer {
    const minerParam = (query.get('miner_id') ?? '').trim();
    const address = (query.get('address') ?? '').trim();
    if (minerParam && address && minerParam !== address) {
      return answer(400, { ok: false, error: 'miner_id and address must match when both are provided' });
    }
    const minerId = minerParam || address;
    if (!minerId) return answer(400, { ok: false, error: 'miner_id or address required' });
    const limitValue = pyInt(query.get('limit') ?? '50');
    if (limitValue === null) return answer(400, { ok: false, error: 'limit must be an integer' });
    const offsetValue = pyInt(query.get('offset') ?? '0');
    if (offsetValue === null) return answer(400, { ok: false, error: 'offset must be an integer' });
    const limit = Math.max(1, Math.min(Number(limitValue), 200));
    const offset = Math.max(0, Math.min(Number(offsetValue), 9800));
    const cap = offset + limit;
    const entries: Array<Record<string, PythonJson> & { timestamp: bigint }> = [];
    for (const row of ledger
      .filter((r) => r.minerId === minerId)
      .sort((a, b) => b.ts - a.ts || a.id - b.id) // ties in insertion order, as SQLite gave them
      .slice(0, cap)) {
      const parts = row.reason.split(':');
      const type = row.reason.startsWith('transfer_in:')
        ? 'transfer_in'
        : row.reason.startsWith('transfer_out:')
          ? 'transfer_out'
          : 'ledger';
      const entry: Record<string, PythonJson> & { timestamp: bigint } = {
        type,
        amount: rtc(row.deltaI64 < 0n ? -row.deltaI64 : row.deltaI64),
        epoch: row.epoch ? BigInt(row.epoch) : null,
        timestamp: BigInt(row.ts),
        tx_hash: type === 'ledger' ? null : (parts[2] ?? null),
        reason: row.reason || null,
      };
      if (type === 'transfer_in') entry.from = parts[1] ?? null;
      if (type === 'transfer_out') entry.to = parts[1] ?? null;
      entries.push(entry);
    }
    const pendingRows = transfers
      .filter((t) => t.from === minerId || t.to === minerId)
      .sort((a, b) => b.ts - a.ts || a.id - b.id) // ties in insertion order, as SQLite gave them
      .slice(0, cap);
    for (const t of pendingRows) {
      if (t.status === 'confirmed') continue; // the ledger rows stand for it
      const type = t.from === minerId ? 'transfer_out' : 'transfer_in';
      const entry: Record<string, PythonJson> & { timestamp: bigint } = {
        type,
        amount: rtc(t.amountUrtc),
        epoch: null,
        timestamp: BigInt(t.ts),
        tx_hash: t.txHash,
        status: t.status,
      };
      if (type === 'transfer_in') entry.from = t.from;
      else entry.to = t.to;
      entries.push(entry);
    }
    // Python's sort is stable, as Array.prototype.sort is.
    entries.sort((a, b) => (a.timestamp > b.timestamp ? -1 : a.timestamp < b.timestamp ? 1 : 0));
    return answer(200, {
      ok: true,
      miner_id: minerId,
      transactions: entries.slice(offset, offset + limit),
      total: BigInt(entries.length),
    });
  }

  // --- admin paths -----------------------------------------------------------------------------------------------

  function pendingConfirm(req: IncomingMessage, data: Parsed): Answer {
    if (!isAdmin(req)) return answer(401, { error: 'Unauthorized' });
    const rawLimit = data && typeof data === 'object' && 'limit' in data ? (data as { limit: Parsed }).limit : '100';
    const limitValue = pyInt(rawLimit ?? '100');
    if (limitValue === null) return answer(400, { ok: false, error: 'limit must be an integer' });
    const limit = Math.max(1, Math.min(Number(limitValue), 500));
    const now = nowS();
    const before = overdueStats();
    const ready = transfers.filter((t) => t.status === 'pending' && t.confirmsAt <= now).slice(0, limit);
    const confirmed: bigint[] = [];
    const errors: PythonJson[] = [];
    for (const t of ready) {
      if (applyConfirm(t) === 'confirmed') confirmed.push(BigInt(t.id));
      else errors.push({ id: BigInt(t.id), error: 'insufficient_balance' });
    }
    return answer(200, {
      ok: true,
      limit: BigInt(limit),
      selected_count: BigInt(ready.length),
      confirmed_count: BigInt(confirmed.length),
      confirmed_ids: confirmed,
      errors: errors.length > 0 ? errors : null,
      stale_pending_count_before: before.stale_pending_count!,
      max_confirm_overdue_seconds_before: before.max_confirm_overdue_seconds!,
      overdue_stats_measured_before: before.overdue_stats_measured!,
      ...overdueStats(),
    });
  }

  function pendingVoid(req: IncomingMessage, data: Parsed): Answer {
    if (!isAdmin(req)) return answer(401, { error: 'Unauthorized' });
    if (!data || typeof data !== 'object' || Array.isArray(data)) return answer(400, { error: 'Invalid JSON body' });
    const body = data as Record<string, Parsed>;
    const pendingId = body.pending_id;
    const txHash = body.tx_hash;
    if (!pendingId && !txHash) return answer(400, { error: 'Provide pending_id or tx_hash' });
    const row = pendingId
      ? transfers.find((t) => String(t.id) === pyStr(pendingId))
      : transfers.find((t) => t.txHash === txHash);
    if (!row) return answer(404, { error: 'Pending transfer not found' });
    if (row.status !== 'pending') {
      return answer(400, {
        error: `Cannot void - status is '${row.status}'`,
        hint: 'Only pending transfers can be voided',
      });
    }
    const reason = typeof body.reason === 'string' ? body.reason : 'admin_void';
    const voidedBy = typeof body.voided_by === 'string' ? body.voided_by : 'admin';
    Object.assign(row, { status: 'voided', voidedBy, voidedReason: reason });
    return answer(200, {
      ok: true,
      voided_id: BigInt(row.id),
      from_miner: row.from,
      to_miner: row.to,
      amount_rtc: rtc(row.amountUrtc),
      voided_by: voidedBy,
      reason,
    });
  }

  // --- HTTP ------------------------------------------------------------------------------------------------------

  /** The node's before_request limiter on /pending/*, keyed by client address (X-Real-IP from loopback). */
  function rateLimited(req: IncomingMessage): Answer | null {
    const remote = req.socket.remoteAddress ?? 'unknown';
    const realIp = req.headers['x-real-ip'];
    const client = /^(127\.|::1$|::ffff:127\.)/.test(remote) && typeof realIp === 'string' ? realIp : remote;
    const now = nowS();
    const attempts = (rateBuckets.get(client) ?? []).filter((ts) => ts > now - rateWindowS);
    if (attempts.length >= rateMax) {
      rateBuckets.set(client, attempts);
      const retryAfter = Math.max(1, rateWindowS - (now - attempts[0]!));
      return answer(
        429,
        {
          ok: false,
          error: 'rate_limited',
          code: 'ADMIN_RATE_LIMIT',
          limit: BigInt(rateMax),
          window_seconds: BigInt(rateWindowS),
        },
        { 'retry-after': String(retryAfter) },
      );
    }
    attempts.push(now);
    rateBuckets.set(client, attempts);
    return null;
  }

  function route(req: IncomingMessage, path: string, query: URLSearchParams, body: Parsed): Answer {
    if (path.startsWith('/pending/')) {
      const limited = rateLimited(req);
      if (limited) return limited;
    }
    const method = req.method ?? 'GET';
    if (method === 'POST' && path === '/wallet/transfer/signed') return signedTransfer(body);
    if (method === 'GET' && path === '/wallet/balance') return walletBalance(query);
    if (method === 'GET' && /^\/wallet\/tx\/[^/]+$/.test(path)) return txStatus(path.slice('/wallet/tx/'.length));
    if (method === 'GET' && path === '/wallet/history') return walletHistory(query);
    if (method === 'GET' && path === '/pending/list') return pendingList(req, query);
    if (method === 'POST' && path === '/pending/confirm') return pendingConfirm(req, body);
    if (method === 'POST' && path === '/pending/void') return pendingVoid(req, body);
    return answer(404, { error: 'not_found' });
  }

  function takeFault(method: string, path: string) {
    const fault = faults.find(
      (f) => f.left > 0 && (!f.method || f.method === method) && (!f.path || path.startsWith(f.path)),
    );
    if (fault) fault.left -= 1;
    return fault;
  }

  async function readBody(req: IncomingMessage): Promise<Parsed> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    // Flask's get_json(silent=True): JSON only with a JSON content type, and None when it does not parse.
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return null;
    try {
      return parseLosslessJson(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return null;
    }
  }

  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => void handle(req, res));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    const log: StandInRequest = { method, path: `${url.pathname}${url.search}`, outcome: 'dropped' };
    requests.push(log);
    const fault = takeFault(method, url.pathname);
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    const body = await readBody(req);
    if (fault?.kind === 'status') {
      send(res, log, answer(fault.status, fault.body ?? { error: 'internal_error' }));
      return;
    }
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    const result = route(req, url.pathname, url.searchParams, body);
    if (fault?.kind === 'lose-answer') {
      req.socket.destroy();
      return;
    }
    send(res, log, result);
  }

  function send(res: ServerResponse, log: StandInRequest, result: Answer) {
    log.outcome = result.status;
    const text = `${pythonJsonDumps(result.body)}\n`;
    res.writeHead(result.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...result.headers,
    });
    res.end(text);
  }

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });

  await listen(0);
  const port = (server.address() as AddressInfo).port;

  const find = (txHash: string) => {
    const row = transfers.find((t) => t.txHash === txHash);
    if (!row) throw new Error(`stand-in node holds no transfer ${txHash}`);
    return row;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    chainId,
    adminKey,
    transfers,
    requests,
    balance: balanceOf,
    credit(address, urtc) {
      balances.set(address, balanceOf(address) + urtc);
    },
    confirm(txHash) {
      const row = find(txHash);
      if (row.status !== 'pending') throw new Error(`transfer ${txHash} is ${row.status}, not pending`);
      return applyConfirm(row);
    },
    void(txHash, reason = 'admin_void') {
      const row = find(txHash);
      if (row.status !== 'pending') throw new Error(`transfer ${txHash} is ${row.status}, not pending`);
      Object.assign(row, { status: 'voided', voidedBy: 'admin', voidedReason: reason });
    },
    transferFrom({ from, to, amountUrtc, reason = 'admin_transfer' }) {
      const txHash = createHash('sha256')
        .update(`${from}:${to}:${amountUrtc}:${reason}:${transfers.length}`)
        .digest('hex')
        .slice(0, 32);
      return addTransfer({ txHash, from, to, amountUrtc, reason, nonce: null, message: null, signature: null });
    },
    transfer: (txHash) => transfers.find((t) => t.txHash === txHash),
    injectFault(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    goOffline: stopListening,
    goOnline: () => listen(port),
    close: stopListening,
  };
}
