/**
 * Wallet identities and signed actions, as the wire contract (docs/CONTRACT.md) specifies them:
 * - address = "RTC" + first 40 lowercase hex chars of SHA-256(raw 32-byte Ed25519 public key);
 * - the signed message is the UTF-8 of the RFC 8785 (JCS) canonical JSON of an action object that the
 *   server rebuilds from the request's own fields (a client-sent message string is never trusted).
 * Addresses and signing come from @gpu-render-protocol/agent/protocol (one copy, shared with the node
 * agent); verification, with the contract's strictness, is the server's.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import {
  addressFromPublicKey,
  walletFromSeed,
  type ActionObject,
  type Wallet,
} from '@gpu-render-protocol/agent/protocol';
import { canonicalJson, hasPythonForm } from './canonical-json.js';
import { AuthorizationError } from './errors.js';

export { addressFromPublicKey, canonicalJson, walletFromSeed, type ActionObject, type Wallet };

/** Ed25519 over raw bytes, after the strict checks below: true when `signature` verifies `message` under `publicKey`. */
export type Ed25519Verify = (message: Buffer, signature: Buffer, publicKey: Buffer) => boolean;

/**
 * libsodium's `crypto_sign_verify_detached` through sodium-native (prebuilt in its npm package, nothing built or
 * downloaded at install): about 38 µs a verification on this project's 2-core test machine against OpenSSL's 88 µs
 * through node:crypto, and two verifications are a fifth of a lock→release pair's CPU. libsodium is also the
 * reference the strict checks follow (and what RustChain's Python wallets sign with, through PyNaCl).
 */
function libsodiumVerify(): Ed25519Verify | null {
  try {
    const sodium = createRequire(import.meta.url)('sodium-native') as typeof import('sodium-native');
    return (message, signature, publicKey) => sodium.crypto_sign_verify_detached(signature, message, publicKey);
  } catch {
    return null; // no prebuilt binding for this platform: node:crypto below gives the same verdicts
  }
}

/** The DER prefix that wraps a raw Ed25519 public key into SPKI for Node's KeyObject. */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

// Building a KeyObject costs more than the verification itself; bots sign many actions with one key.
const KEY_CACHE_LIMIT = 10_000;
const publicKeyCache = new Map<string, KeyObject>();

function publicKeyObject(publicKey: Buffer): KeyObject {
  const hex = publicKey.toString('hex');
  let key = publicKeyCache.get(hex);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
    if (publicKeyCache.size >= KEY_CACHE_LIMIT) publicKeyCache.delete(publicKeyCache.keys().next().value!);
    publicKeyCache.set(hex, key);
  }
  return key;
}

/** OpenSSL's Ed25519 through node:crypto: the fallback where sodium-native has no binding. */
const opensslVerify: Ed25519Verify = (message, signature, publicKey) =>
  verify(null, message, publicKeyObject(publicKey), signature);

/** Both implementations, for the test that they agree; the service uses `ed25519Verify`. */
export const ed25519Implementations: { readonly libsodium: Ed25519Verify | null; readonly openssl: Ed25519Verify } = {
  libsodium: libsodiumVerify(),
  openssl: opensslVerify,
};

const ed25519Verify: Ed25519Verify = ed25519Implementations.libsodium ?? opensslVerify;

const HEX_PUBLIC_KEY = /^[0-9a-fA-F]{64}$/;
const HEX_SIGNATURE = /^[0-9a-fA-F]{128}$/;

/**
 * RFC 8032-strict checks that OpenSSL's verify leaves out, as libsodium's `crypto_sign_verify_detached` makes
 * them: with the identity point as public key and `R = identity, S = 0`, the verification equation holds for any
 * message, so a wallet whose "key" has small order would be spendable by anyone.
 * - the public key's y coordinate is canonical (below p) and the point does not have small order;
 * - the signature's R does not have small order; S is canonical (below the group order L).
 * The eight points of small order (the torsion subgroup) have y ∈ {0, 1, p−1, ±Y8}; a 32-byte encoding is
 * y in little-endian with x's sign in the top bit, so checking y mod p catches every encoding of them,
 * including the non-canonical ones (y ≥ p).
 */
const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const Y8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022n;
const SMALL_ORDER_Y = new Set([0n, 1n, P - 1n, Y8, P - Y8]);

function littleEndian(hex: string): bigint {
  let reversed = '';
  for (let i = hex.length - 2; i >= 0; i -= 2) reversed += hex.slice(i, i + 2);
  return BigInt(`0x${reversed}`);
}

/** y of a point encoding (the sign bit of x cleared). */
function pointY(hex: string): bigint {
  return littleEndian(hex) & (2n ** 255n - 1n);
}

export function isStrictPublicKey(publicKeyHex: string): boolean {
  if (!HEX_PUBLIC_KEY.test(publicKeyHex)) return false;
  const y = pointY(publicKeyHex);
  return y < P && !SMALL_ORDER_Y.has(y);
}

function isStrictSignature(signatureHex: string): boolean {
  const r = pointY(signatureHex.slice(0, 64));
  return !SMALL_ORDER_Y.has(r % P) && littleEndian(signatureHex.slice(64)) < L;
}

export function isValidSignature(action: ActionObject, publicKeyHex: string, signatureHex: string): boolean {
  const forms = signedForms(action);
  return forms !== null && verifiesAny({ publicKey: publicKeyHex, signature: signatureHex, forms });
}

/**
 * The texts a signature over `action` may cover: its canonical JSON and, when it differs, the same object in
 * the byte form of RustChain's Python wallets (non-ASCII characters escaped). Null for a value JSON cannot carry.
 */
function signedForms(action: ActionObject): string[] | null {
  try {
    const jcs = canonicalJson(action);
    return hasPythonForm(jcs) ? [jcs, canonicalJson(action, 'python')] : [jcs];
  } catch {
    return null;
  }
}

/** One signature to verify: plain strings only, so that it can be handed to a worker thread as it is. */
export interface SignatureCheck {
  publicKey: string;
  signature: string;
  /** The texts it may cover (their UTF-8 bytes); it is valid when it verifies over any of them. */
  forms: string[];
}

/** The strict checks, then Ed25519 over each form in turn: the expensive part of a verification. */
export function verifiesAny(check: SignatureCheck): boolean {
  return verifiesAnyWith(ed25519Verify, check);
}

/** `verifiesAny` with a given Ed25519 implementation (the test that both implementations agree). */
export function verifiesAnyWith(ed25519: Ed25519Verify, { publicKey, signature, forms }: SignatureCheck): boolean {
  if (!HEX_SIGNATURE.test(signature) || !isStrictPublicKey(publicKey) || !isStrictSignature(signature)) return false;
  try {
    const key = Buffer.from(publicKey, 'hex');
    const bytes = Buffer.from(signature, 'hex');
    return forms.some((form) => ed25519(Buffer.from(form, 'utf8'), bytes, key));
  } catch {
    return false; // a public key that is not a curve point, for instance
  }
}

export interface SignedBy {
  publicKey?: string | null;
  signature?: string | null;
}

/** What the signature should cover, by its SHA-256 (the bytes are the action object's canonical JSON). */
function expectedBytes(action: ActionObject): string {
  try {
    return `: expected over the canonical JSON of the action object, whose SHA-256 is ${createHash('sha256').update(canonicalJson(action), 'utf8').digest('hex')}`;
  } catch {
    return ''; // a value JSON cannot carry: the shape check names it
  }
}

/** A verification in two halves: the check to run (anywhere), and the verdict turned into the signer or the error. */
export interface PendingVerification {
  check: SignatureCheck;
  /** The signer's address when `valid`; otherwise throws INVALID_SIGNATURE. */
  conclude(valid: boolean): string;
}

/**
 * The cheap half of `verifyActionSignature`: throws INVALID_SIGNATURE when either part is missing, and
 * otherwise names what to verify; `conclude` gives the answer `verifyActionSignature` would.
 */
export function prepareVerification(action: ActionObject | ActionObject[], signed: SignedBy): PendingVerification {
  const { publicKey, signature } = signed;
  if (!publicKey || !signature)
    throw new AuthorizationError('INVALID_SIGNATURE', 'public_key and signature are required');
  // Several objects when a field has more than one accepted spelling (metadata_sha256's two byte forms).
  const candidates = Array.isArray(action) ? action : [action];
  const forms = candidates.flatMap((a) => signedForms(a) ?? []);
  return {
    check: { publicKey, signature, forms },
    conclude(valid) {
      if (!valid) {
        // Name the bytes expected, so that a client author can compare them with what was signed.
        throw new AuthorizationError(
          'INVALID_SIGNATURE',
          `signature does not verify for ${candidates[0]!.action}${expectedBytes(candidates[0]!)}`,
        );
      }
      return addressFromPublicKey(publicKey.toLowerCase());
    },
  };
}

/**
 * Verifies the signature over `action` and returns the signer's address; throws INVALID_SIGNATURE when
 * either part is missing or the signature does not verify under the given public key.
 */
export function verifyActionSignature(action: ActionObject | ActionObject[], signed: SignedBy): string {
  const pending = prepareVerification(action, signed);
  return pending.conclude(verifiesAny(pending.check));
}
