/**
 * Published test vectors: a client in another language signs correctly when it reproduces these
 * bytes exactly. The key pair is RFC 8032's test 1 (Ed25519), so its public key can be checked there.
 */
import { describe, expect, it } from 'vitest';
import { addressFromPublicKey, canonicalJson, isValidSignature, verifyActionSignature, walletFromSeed } from '../src/domain/signatures.js';
import { MarketError } from '../src/domain/errors.js';

const VECTOR = {
  seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  address: 'RTC21fe31dfa154a261626bf854046fd2271b7bed4b',
  action: {
    to_wallet: 'RTC0000000000000000000000000000000000000001',
    nonce: 'n-0001',
    job_type: 'render',
    job_id: 'job-0001',
    from_wallet: 'RTC21fe31dfa154a261626bf854046fd2271b7bed4b',
    amount_urtc: '1500000',
    action: 'escrow.lock',
  },
  canonical:
    '{"action":"escrow.lock","amount_urtc":"1500000","from_wallet":"RTC21fe31dfa154a261626bf854046fd2271b7bed4b","job_id":"job-0001","job_type":"render","nonce":"n-0001","to_wallet":"RTC0000000000000000000000000000000000000001"}',
  signature: '9d6b25abc9954b779d1d43ab833d4407e761f25358c2123924b15b46283a44fa428510615dc22a8a46ca4beee0a1c06a794209c102ce595a708ca8e19f059b08',
};

describe('test vectors', () => {
  const wallet = walletFromSeed(VECTOR.seed);

  it('derives the public key and the RTC address', () => {
    expect(wallet.publicKey).toBe(VECTOR.publicKey);
    expect(addressFromPublicKey(VECTOR.publicKey)).toBe(VECTOR.address);
    expect(wallet.address).toBe(VECTOR.address);
  });

  it('canonicalises the action object (RFC 8785)', () => {
    expect(canonicalJson(VECTOR.action)).toBe(VECTOR.canonical);
  });

  it('signs deterministically and verifies', () => {
    expect(wallet.sign(VECTOR.action)).toBe(VECTOR.signature);
    expect(isValidSignature(VECTOR.action, VECTOR.publicKey, VECTOR.signature)).toBe(true);
  });
});

describe('canonical JSON (RFC 8785)', () => {
  it('sorts keys by UTF-16 code units, recursively, without whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ '€': 1, '\r': 2, a: 3, ö: 4 })).toBe('{"\\r":2,"a":3,"ö":4,"€":1}');
  });

  it('formats numbers the ECMAScript way and escapes strings minimally', () => {
    expect(canonicalJson([1.0, 1e21, 0.000001, 1e-7, -0, 4.5])).toBe('[1,1e+21,0.000001,1e-7,0,4.5]');
    expect(canonicalJson('a"b\\c\u0001\u2028')).toBe('"a\\"b\\\\c\\u0001\u2028"');
  });

  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow();
    expect(() => canonicalJson(Number.POSITIVE_INFINITY)).toThrow();
  });
});

describe('verification', () => {
  const wallet = walletFromSeed(VECTOR.seed);
  const other = walletFromSeed('11'.repeat(32));
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
      return 'ok';
    } catch (e) {
      return (e as MarketError).code;
    }
  };

  it('rejects a changed field, another key, a malformed key or signature, and a missing signature', () => {
    const sig = wallet.sign(VECTOR.action);
    expect(isValidSignature({ ...VECTOR.action, amount_urtc: '1500001' }, wallet.publicKey, sig)).toBe(false);
    expect(isValidSignature(VECTOR.action, other.publicKey, sig)).toBe(false);
    expect(isValidSignature(VECTOR.action, wallet.publicKey, other.sign(VECTOR.action))).toBe(false);
    expect(isValidSignature(VECTOR.action, 'zz'.repeat(32), sig)).toBe(false);
    expect(isValidSignature(VECTOR.action, wallet.publicKey, sig.slice(2))).toBe(false);
    expect(isValidSignature(VECTOR.action, wallet.publicKey, '00'.repeat(64))).toBe(false);
    expect(codeOf(() => verifyActionSignature(VECTOR.action, { publicKey: wallet.publicKey }))).toBe('INVALID_SIGNATURE');
    expect(codeOf(() => verifyActionSignature(VECTOR.action, { publicKey: wallet.publicKey, signature: other.sign(VECTOR.action) }))).toBe('INVALID_SIGNATURE');
  });

  it('returns the signer address, whatever the case of the hex', () => {
    const sig = wallet.sign(VECTOR.action);
    expect(verifyActionSignature(VECTOR.action, { publicKey: wallet.publicKey.toUpperCase(), signature: sig.toUpperCase() })).toBe(VECTOR.address);
  });
});
