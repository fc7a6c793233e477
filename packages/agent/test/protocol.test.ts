/**
 * The contract's pure pieces the agent signs with. The key pair is RFC 8032's test 1 (Ed25519), and the
 * address, canonical text and signature are the market's published test vector: a signer that reproduces
 * these bytes is accepted by the server. (The server's own tests add its verifier and random comparisons
 * with the `canonicalize` package on this same code.)
 */
import { describe, expect, it } from 'vitest';
import {
  addressFromPublicKey,
  canonicalJson,
  hasPythonForm,
  JOB_TYPES,
  MAX_AMOUNT_URTC,
  MODEL_LIST_FIELD,
  PRICE_FIELD,
  walletFromSeed,
} from '../src/protocol/index.js';
import { verifies } from './support/signature.js';

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
  signature:
    '9d6b25abc9954b779d1d43ab833d4407e761f25358c2123924b15b46283a44fa428510615dc22a8a46ca4beee0a1c06a794209c102ce595a708ca8e19f059b08',
};

describe('wallet', () => {
  const wallet = walletFromSeed(VECTOR.seed);

  it('derives the public key and the RTC address of the test vector', () => {
    expect(wallet.publicKey).toBe(VECTOR.publicKey);
    expect(addressFromPublicKey(VECTOR.publicKey)).toBe(VECTOR.address);
    expect(wallet.address).toBe(VECTOR.address);
  });

  it('signs the canonical text deterministically, and only that object verifies', () => {
    expect(wallet.sign(VECTOR.action)).toBe(VECTOR.signature);
    expect(verifies(VECTOR.action, VECTOR.publicKey, VECTOR.signature)).toBe(true);
    expect(verifies({ ...VECTOR.action, amount_urtc: '1500001' }, VECTOR.publicKey, VECTOR.signature)).toBe(false);
    expect(verifies(VECTOR.action, walletFromSeed('11'.repeat(32)).publicKey, VECTOR.signature)).toBe(false);
  });
});

describe('canonical JSON', () => {
  it('is RFC 8785: keys sorted by UTF-16 code units, recursively, no whitespace', () => {
    expect(canonicalJson(VECTOR.action)).toBe(VECTOR.canonical);
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ '€': 1, '\r': 2, a: 3, ö: 4 })).toBe('{"\\r":2,"a":3,"ö":4,"€":1}');
  });

  it('formats numbers the ECMAScript way, leaves out undefined members, refuses NaN', () => {
    expect(canonicalJson([1.0, 1e21, 0.000001, 1e-7, -0, 4.5])).toBe('[1,1e+21,0.000001,1e-7,0,4.5]');
    expect(canonicalJson({ a: undefined, b: [undefined] })).toBe('{"b":[null]}');
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
  });

  it('writes the Python wallets’ form: non-ASCII as lowercase \\uXXXX, surrogate pairs', () => {
    const action = { action: 'escrow.refund', reason: 'Grüße 🎬' };
    expect(canonicalJson(action, 'python')).toBe(
      '{"action":"escrow.refund","reason":"Gr\\u00fc\\u00dfe \\ud83c\\udfac"}',
    );
    expect(hasPythonForm(canonicalJson(action))).toBe(true);
    expect(hasPythonForm(VECTOR.canonical)).toBe(false);
  });

  it('writes a value the caller marks as verbatim exactly as given (a number read losslessly)', () => {
    const asRead = { raw: '80.0' };
    const verbatim = (value: object) => (value === asRead ? asRead.raw : undefined);
    expect(canonicalJson({ benchmark_score: asRead, gpus: [asRead] }, 'jcs', verbatim)).toBe(
      '{"benchmark_score":80.0,"gpus":[80.0]}',
    );
    expect(canonicalJson({ benchmark_score: 80.0 })).toBe('{"benchmark_score":80}');
  });
});

describe('contract names', () => {
  it('names a price for every job type and a model list for every job type but render', () => {
    expect(Object.keys(PRICE_FIELD)).toEqual([...JOB_TYPES]);
    expect(Object.keys(MODEL_LIST_FIELD)).toEqual(JOB_TYPES.filter((t) => t !== 'render'));
    expect(MAX_AMOUNT_URTC).toBe(8_388_608_000_000n);
  });
});
