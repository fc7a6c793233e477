/**
 * Wallet identities and signed actions, as the wire contract (CONTRACT.md) specifies them:
 * - address = "RTC" + first 40 lowercase hex chars of SHA-256(raw 32-byte Ed25519 public key); an address sent
 *   with uppercase hex names the same wallet (RustChain's validators accept either case of the hex);
 * - the signed message is the UTF-8 of the RFC 8785 (JCS) canonical JSON of an action object, i.e. the
 *   request's own fields plus `action`. Ed25519 is deterministic: one seed and one object give one signature.
 * Verification (with the contract's strictness checks) belongs to the market server.
 */
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

export type ActionObject = Record<string, unknown> & { action: string };

/** The DER prefix that wraps a raw 32-byte Ed25519 seed into PKCS#8 for Node's KeyObject. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** "RTC" (in that case only, as on RustChain) and 40 hex characters of either case. */
export const RTC_ADDRESS = /^RTC[0-9a-fA-F]{40}$/;

/** The one spelling of the wallet an address names: its hex in lowercase, as `addressFromPublicKey` writes it. */
export const walletOfAddress = (address: string): string => `RTC${address.slice(3).toLowerCase()}`;

export function addressFromPublicKey(publicKeyHex: string): string {
  const digest = createHash('sha256').update(Buffer.from(publicKeyHex, 'hex')).digest('hex');
  return `RTC${digest.slice(0, 40)}`;
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
