/**
 * Ed25519 verification with node:crypto alone, over the canonical JSON the contract signs: an independent
 * check of what the agent signs (the market server's own verifier is exercised by its integration test).
 */
import { createPublicKey, verify } from 'node:crypto';
import { canonicalJson, type ActionObject } from '../../src/protocol/index.js';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function verifies(action: ActionObject, publicKeyHex: string, signatureHex: string): boolean {
  const key = createPublicKey({
    key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(publicKeyHex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
  return verify(null, Buffer.from(canonicalJson(action), 'utf8'), key, Buffer.from(signatureHex, 'hex'));
}
