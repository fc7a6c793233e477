/**
 * Signed receipts of settled escrows: the service's own word, in a form anyone can check offline, of who paid
 * whom how much for which result (docs/CONTRACT.md, "Delivery, disputes and receipts").
 *
 * The receipt key is an Ed25519 key of its own (never a wallet's), kept in RECEIPT_KEY_FILE: created with mode
 * 0600 on the first start, its public key recorded in the database on first use. An instance started with another
 * key file refuses to start, so every instance of one deployment signs with the one key clients have pinned.
 *
 * A receipt is built from the final escrow row alone, which never changes again, and Ed25519 signatures are
 * deterministic: the same escrow always gets byte-for-byte the same receipt, so nothing is stored.
 */
import { createHash, createPrivateKey, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { closeSync, fstatSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { canonicalJson } from '../domain/canonical-json.js';
import { StateError } from '../domain/errors.js';
import { createGroupCommit } from '../group-commit.js';
import { isFinal, type EscrowRecord } from '../ledger.js';
import { createSqliteEngine } from '../sql/sqlite.js';
import { sql, type SqlEngine, type Work } from '../sql/statement.js';

export const RECEIPT_TYPE = 'gpr.receipt.v1';
const SEED_HEX = /^[0-9a-f]{64}$/;
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** Exactly the contract's fields: absent values null, amounts as digit strings, times whole Unix seconds. */
export interface Receipt {
  type: typeof RECEIPT_TYPE;
  key_id: string;
  job_id: string;
  job_type: string;
  status: 'released' | 'refunded';
  from_wallet: string;
  to_wallet: string;
  amount_urtc: string;
  released_urtc: string;
  refunded_urtc: string;
  claimed_urtc: string | null;
  result_hash: string | null;
  result_uri: string | null;
  refund_reason: string | null;
  created_at: number;
  delivered_at: number | null;
  settled_at: number;
  settled_by: string;
}

export interface SignedReceipt {
  receipt: Receipt;
  /** The exact signed text: the JCS bytes of `receipt`. */
  json: string;
  /** Ed25519 over `json`, 128 hex characters. */
  signature: string;
  publicKey: string;
}

export interface ReceiptKey {
  /** 64 hex characters (the raw 32-byte key). */
  publicKey: string;
  /** The first 16 hex characters of SHA-256 over the raw public key. */
  keyId: string;
  privateKey: KeyObject;
}

export class ReceiptKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReceiptKeyError';
  }
}

export const receiptKeyId = (publicKeyHex: string) =>
  createHash('sha256').update(Buffer.from(publicKeyHex, 'hex')).digest('hex').slice(0, 16);

function keyFromSeed(seedHex: string): ReceiptKey {
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(seedHex, 'hex')]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
  return { publicKey, keyId: receiptKeyId(publicKey), privateKey };
}

/**
 * The receipt key in `file`, created (mode 0600, 64 hex characters of Ed25519 seed, as wallet key files) when there
 * is none. The new file is written aside and linked into place, so an instance starting at the same moment reads
 * either no file or the whole key, and only one key is ever created. A key file others may read is refused.
 */
export function loadOrCreateReceiptKey(file: string): ReceiptKey {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new ReceiptKeyError(`cannot open receipt key file ${file}: ${(error as NodeJS.ErrnoException).code}`);
    createKeyFile(file);
    fd = openSync(file, 'r');
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new ReceiptKeyError(`receipt key file ${file} is not a regular file`);
    if ((stat.mode & 0o077) !== 0) {
      throw new ReceiptKeyError(
        `receipt key file ${file} is accessible to group or others (mode ${(stat.mode & 0o777).toString(8)}); run chmod 600 on it`,
      );
    }
    const seed = readFileSync(fd, 'utf8').trim().toLowerCase();
    if (!SEED_HEX.test(seed))
      throw new ReceiptKeyError(`receipt key file ${file} does not hold a 64-hex-character Ed25519 seed`);
    return keyFromSeed(seed);
  } finally {
    closeSync(fd);
  }
}

function createKeyFile(file: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.new`;
  writeFileSync(aside, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(aside, file); // atomic, and fails if another instance created the key first: then that key counts
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(aside);
  }
}

const keys = {
  // First use records the key; a key recorded already (by an earlier start, or by another instance starting at
  // the same moment: PostgreSQL's INSERT waits for that one's COMMIT) is left as it is and read back.
  record: sql(
    "INSERT INTO service_keys (name, public_key, key_id, created_at) VALUES ('receipt', ?, ?, ?) ON CONFLICT (name) DO NOTHING",
  ),
  recorded: sql("SELECT public_key FROM service_keys WHERE name = 'receipt'"),
};

/** The unit of work: records the key on first use; throws ReceiptKeyError when the database names another key. */
export function* recordReceiptKey(key: ReceiptKey, now: number): Work<void> {
  yield* keys.record.run([key.publicKey, key.keyId, now]);
  const recorded = (yield* keys.recorded.value<string>())!;
  if (recorded !== key.publicKey) {
    throw new ReceiptKeyError(
      `the receipt key file holds key ${key.keyId}, but this database's receipts are signed by key ${receiptKeyId(recorded)}: ` +
        'start every instance with the same RECEIPT_KEY_FILE',
    );
  }
}

/**
 * Records the key's public key on first use; throws (rejects with) ReceiptKeyError when the database already names
 * another key. Runs once at startup, before the market serves anything: on an engine, or synchronously on a SQLite
 * connection (like the migrations, outside the group commit) for a market that starts synchronously.
 */
export function registerReceiptKey(sqlite: Database.Database, key: ReceiptKey, now: number): void;
export function registerReceiptKey(engine: SqlEngine, key: ReceiptKey, now: number): Promise<void>;
export function registerReceiptKey(
  target: Database.Database | SqlEngine,
  key: ReceiptKey,
  now: number,
): void | Promise<void> {
  if (isEngine(target)) return target.write(() => recordReceiptKey(key, now));
  const engine = createSqliteEngine(target, createGroupCommit(target)); // driven here and now, never through its group commit
  target.transaction(() => engine.now(recordReceiptKey(key, now))).immediate();
}

const isEngine = (target: Database.Database | SqlEngine): target is SqlEngine => 'dialect' in target;

/** The receipt of a final escrow, exactly the contract's fields. */
export function receiptOf(e: EscrowRecord, keyId: string): Receipt {
  return {
    type: RECEIPT_TYPE,
    key_id: keyId,
    job_id: e.jobId,
    job_type: e.jobType,
    status: e.status as 'released' | 'refunded',
    from_wallet: e.fromWallet,
    to_wallet: e.toWallet,
    amount_urtc: e.amountUrtc.toString(),
    released_urtc: e.releasedUrtc.toString(),
    refunded_urtc: e.refundedUrtc.toString(),
    claimed_urtc: e.claimedUrtc?.toString() ?? null,
    result_hash: e.resultHash ?? null,
    result_uri: e.resultUri ?? null,
    refund_reason: e.refundReason,
    created_at: e.createdAt,
    delivered_at: e.deliveredAt ?? null,
    settled_at: (e.releasedAt ?? e.refundedAt)!,
    settled_by: e.settledBy!,
  };
}

export type ReceiptSigner = ReturnType<typeof createReceiptSigner>;

export function createReceiptSigner(key: ReceiptKey) {
  return {
    publicKey: key.publicKey,
    keyId: key.keyId,

    /** The signed receipt of a final escrow; INVALID_STATE while it is open. */
    sign(escrow: EscrowRecord): SignedReceipt {
      if (!isFinal(escrow.status))
        throw new StateError(
          'INVALID_STATE',
          `escrow ${escrow.jobId} is ${escrow.status}: a receipt exists once it is released or refunded`,
        );
      const receipt = receiptOf(escrow, key.keyId);
      const json = canonicalJson(receipt);
      return {
        receipt,
        json,
        signature: sign(null, Buffer.from(json, 'utf8'), key.privateKey).toString('hex'),
        publicKey: key.publicKey,
      };
    },
  };
}
