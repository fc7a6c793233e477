/**
 * Wallet identities and signed actions, as the wire contract (docs/CONTRACT.md) specifies them:
 * - address = "RTC" + first 40 lowercase hex chars of SHA-256(raw 32-byte Ed25519 public key);
 * - the signed message is the UTF-8 of the RFC 8785 (JCS) canonical JSON of an action object that the
 *   server rebuilds from the request's own fields (a client-sent message string is never trusted).
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { AuthorizationError } from './errors.js';

// canonicalize is CommonJS whose typings claim an ES default export; require it as what it is.
const canonicalize = createRequire(import.meta.url)('canonicalize') as (value: unknown) => string | undefined;

export type ActionObject = Record<string, unknown> & { action: string };

/** DER prefixes that wrap a raw Ed25519 key into SPKI / PKCS#8 for Node's KeyObject. */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function addressFromPublicKey(publicKeyHex: string): string {
  const digest = createHash('sha256').update(Buffer.from(publicKeyHex, 'hex')).digest('hex');
  return `RTC${digest.slice(0, 40)}`;
}

/** RFC 8785 canonical JSON: sorted keys, no whitespace, ECMAScript number and string formatting. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}

// Building a KeyObject costs more than the verification itself; bots sign many actions with one key.
const KEY_CACHE_LIMIT = 10_000;
const publicKeyCache = new Map<string, KeyObject>();

function publicKeyObject(publicKeyHex: string): KeyObject {
  let key = publicKeyCache.get(publicKeyHex);
  if (!key) {
    key = createPublicKey({
      key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(publicKeyHex, 'hex')]),
      format: 'der',
      type: 'spki',
    });
    if (publicKeyCache.size >= KEY_CACHE_LIMIT) publicKeyCache.delete(publicKeyCache.keys().next().value!);
    publicKeyCache.set(publicKeyHex, key);
  }
  return key;
}

const HEX_PUBLIC_KEY = /^[0-9a-fA-F]{64}$/;
const HEX_SIGNATURE = /^[0-9a-fA-F]{128}$/;

export function isValidSignature(action: ActionObject, publicKeyHex: string, signatureHex: string): boolean {
  if (!HEX_PUBLIC_KEY.test(publicKeyHex) || !HEX_SIGNATURE.test(signatureHex)) return false;
  try {
    const message = Buffer.from(canonicalJson(action), 'utf8');
    return verify(null, message, publicKeyObject(publicKeyHex.toLowerCase()), Buffer.from(signatureHex, 'hex'));
  } catch {
    return false; // a public key that is not a curve point, for instance
  }
}

export interface SignedBy {
  publicKey?: string | null;
  signature?: string | null;
}

/**
 * Verifies the signature over `action` and returns the signer's address; throws INVALID_SIGNATURE when
 * either part is missing or the signature does not verify under the given public key.
 */
export function verifyActionSignature(action: ActionObject, signed: SignedBy): string {
  const { publicKey, signature } = signed;
  if (!publicKey || !signature) throw new AuthorizationError('INVALID_SIGNATURE', 'public_key and signature are required');
  if (!isValidSignature(action, publicKey, signature)) {
    throw new AuthorizationError('INVALID_SIGNATURE', `signature does not verify for ${action.action}`);
  }
  return addressFromPublicKey(publicKey.toLowerCase());
}

/** A wallet key pair from a 32-byte seed: what clients, tests and examples sign with. */
export interface Wallet {
  address: string;
  publicKey: string;
  sign(action: ActionObject): string;
}

export function walletFromSeed(seedHex: string): Wallet {
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(seedHex, 'hex')]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
  return {
    address: addressFromPublicKey(publicKey),
    publicKey,
    sign: (action) => sign(null, Buffer.from(canonicalJson(action), 'utf8'), privateKey).toString('hex'),
  };
}
