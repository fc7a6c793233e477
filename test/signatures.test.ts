/**
 * Published test vectors: a client in another language signs correctly when it reproduces these
 * bytes exactly. The key pair is RFC 8032's test 1 (Ed25519), so its public key can be checked there.
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addressFromPublicKey,
  canonicalJson,
  ed25519Implementations,
  isStrictPublicKey,
  isValidSignature,
  verifiesAnyWith,
  verifyActionSignature,
  walletFromSeed,
} from '../src/domain/signatures.js';
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
  signature:
    '9d6b25abc9954b779d1d43ab833d4407e761f25358c2123924b15b46283a44fa428510615dc22a8a46ca4beee0a1c06a794209c102ce595a708ca8e19f059b08',
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
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
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
    expect(codeOf(() => verifyActionSignature(VECTOR.action, { publicKey: wallet.publicKey }))).toBe(
      'INVALID_SIGNATURE',
    );
    expect(
      codeOf(() =>
        verifyActionSignature(VECTOR.action, { publicKey: wallet.publicKey, signature: other.sign(VECTOR.action) }),
      ),
    ).toBe('INVALID_SIGNATURE');
  });

  it('returns the signer address, whatever the case of the hex', () => {
    const sig = wallet.sign(VECTOR.action);
    expect(
      verifyActionSignature(VECTOR.action, { publicKey: wallet.publicKey.toUpperCase(), signature: sig.toUpperCase() }),
    ).toBe(VECTOR.address);
  });
});

/**
 * RFC 8032-strict verification. The small-order encodings are libsodium's published blacklist
 * (crypto_sign/ed25519/ref10/open.c), each with x's sign bit clear and set; Node's OpenSSL verify alone
 * accepts the identity key with R = identity, S = 0 for any message.
 */
describe('strict verification', () => {
  const FF30 = 'ff'.repeat(30);
  const SMALL_ORDER = [
    '00'.repeat(32), // y = 0, order 4
    `01${'00'.repeat(31)}`, // the identity, order 1
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
    `ec${FF30}7f`, // y = p − 1, order 2
    `ed${FF30}7f`, // y = p: a non-canonical 0
    `ee${FF30}7f`, // y = p + 1: a non-canonical 1
  ];
  const withSignBit = (hex: string) =>
    hex.slice(0, 62) + (parseInt(hex.slice(62), 16) | 0x80).toString(16).padStart(2, '0');
  const ALL_SMALL_ORDER = [...SMALL_ORDER, ...SMALL_ORDER.map(withSignBit)];
  const IDENTITY = SMALL_ORDER[1]!;
  const wallet = walletFromSeed(VECTOR.seed);

  it('refuses the identity key whose zero signature verifies any message (accepted by OpenSSL alone)', () => {
    const forged = IDENTITY + '00'.repeat(32);
    const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(IDENTITY, 'hex')]);
    const openssl = verify(
      null,
      Buffer.from(canonicalJson(VECTOR.action)),
      createPublicKey({ key: spki, format: 'der', type: 'spki' }),
      Buffer.from(forged, 'hex'),
    );
    // Node 20 and 22 accept it through OpenSSL (why the extra checks exist); Node 24 refuses it too.
    expect(openssl).toBe(Number(process.versions.node.split('.')[0]) < 24);
    expect(isValidSignature(VECTOR.action, IDENTITY, forged)).toBe(false);
    expect(() => verifyActionSignature(VECTOR.action, { publicKey: IDENTITY, signature: forged })).toThrow(MarketError);
  });

  it.each(ALL_SMALL_ORDER)('refuses the small-order point %s as a public key and as R', (point) => {
    expect(isStrictPublicKey(point)).toBe(false);
    for (const s of ['00'.repeat(32), wallet.sign(VECTOR.action).slice(64)]) {
      expect(isValidSignature(VECTOR.action, point, point + s)).toBe(false);
    }
    const sig = wallet.sign(VECTOR.action);
    expect(isValidSignature(VECTOR.action, wallet.publicKey, point + sig.slice(64))).toBe(false);
  });

  it('refuses a non-canonical public key encoding (y ≥ p) and a non-canonical S (S + L)', () => {
    expect(isStrictPublicKey(`ef${FF30}7f`)).toBe(false); // y = p + 2
    expect(isStrictPublicKey(wallet.publicKey)).toBe(true);
    const sig = wallet.sign(VECTOR.action);
    const le = (hex: string) => BigInt(`0x${Buffer.from(hex, 'hex').reverse().toString('hex')}`);
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    const sPlusL = Buffer.from((le(sig.slice(64)) + L).toString(16).padStart(64, '0'), 'hex')
      .reverse()
      .toString('hex');
    expect(isValidSignature(VECTOR.action, wallet.publicKey, sig)).toBe(true);
    expect(isValidSignature(VECTOR.action, wallet.publicKey, sig.slice(0, 64) + sPlusL)).toBe(false);
  });
});

describe('libsodium and OpenSSL', () => {
  const { libsodium, openssl } = ed25519Implementations;

  it('verifies with libsodium here (sodium-native has a binding for this platform)', () => {
    expect(libsodium).not.toBeNull();
  });

  it('give the same verdict on valid, altered and forged signatures, strict checks included', () => {
    const hex = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
    fc.assert(
      fc.property(
        hex,
        fc.string(),
        fc.nat(511),
        fc.constantFrom('valid', 'bit flipped', 'other key', 'random key', 'random signature'),
        (seed, text, bit, kind) => {
          const wallet = walletFromSeed(seed);
          const action = { ...VECTOR.action, nonce: text };
          let publicKey = wallet.publicKey;
          let signature = wallet.sign(action);
          if (kind === 'bit flipped') {
            const bytes = Buffer.from(signature, 'hex');
            bytes[bit >> 3]! ^= 1 << (bit & 7);
            signature = bytes.toString('hex');
          } else if (kind === 'other key') publicKey = walletFromSeed(seed.split('').reverse().join('')).publicKey;
          else if (kind === 'random key') publicKey = createHash('sha256').update(seed).digest('hex');
          else if (kind === 'random signature') signature = createHash('sha512').update(seed).digest('hex');
          const check = { publicKey, signature, forms: [canonicalJson(action)] };
          const verdict = verifiesAnyWith(openssl, check);
          expect(verifiesAnyWith(libsodium!, check)).toBe(verdict);
          if (kind === 'valid') expect(verdict).toBe(true);
          if (kind === 'bit flipped' || kind === 'other key') expect(verdict).toBe(false);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('libsodium refuses the identity key and its zero signature by itself, before the strict checks', () => {
    const message = Buffer.from(canonicalJson(VECTOR.action));
    const identity = Buffer.from(`01${'00'.repeat(31)}`, 'hex');
    const forged = Buffer.concat([identity, Buffer.alloc(32)]);
    expect(libsodium!(message, forged, identity)).toBe(false); // libsodium makes these checks itself
  });
});

describe('byte forms of RustChain Python wallets', () => {
  const wallet = walletFromSeed(VECTOR.seed);
  const action = { action: 'escrow.refund', job_id: 'job-1', job_type: 'render', nonce: 'n1', reason: 'Grüße 🎬' };

  it('writes json.dumps(sort_keys=True, separators=(",",":")) bytes: \\uXXXX lowercase, surrogate pairs', () => {
    expect(canonicalJson(action, 'python')).toBe(
      '{"action":"escrow.refund","job_id":"job-1","job_type":"render","nonce":"n1","reason":"Gr\\u00fc\\u00dfe \\ud83c\\udfac"}',
    );
  });

  it('accepts a signature over either form of the same object, and nothing else', () => {
    const pythonSig = sign(null, Buffer.from(canonicalJson(action, 'python')), walletKey(VECTOR.seed)).toString('hex');
    expect(isValidSignature(action, wallet.publicKey, pythonSig)).toBe(true);
    expect(isValidSignature(action, wallet.publicKey, wallet.sign(action))).toBe(true);
    expect(isValidSignature({ ...action, reason: 'Grüsse 🎬' }, wallet.publicKey, pythonSig)).toBe(false);
  });

  it('matches the canonicalize package (RFC 8785) on random JSON values', () => {
    const canonicalize = createRequire(import.meta.url)('canonicalize') as (v: unknown) => string;
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 500 },
    );
  });
});

function walletKey(seedHex: string) {
  return createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seedHex, 'hex')]),
    format: 'der',
    type: 'pkcs8',
  });
}

describe('the refusal', () => {
  it('names the SHA-256 of the bytes the signature should cover', () => {
    const wallet = walletFromSeed(VECTOR.seed);
    const other = walletFromSeed('11'.repeat(32));
    const expected = createHash('sha256').update(VECTOR.canonical).digest('hex');
    expect(() =>
      verifyActionSignature(VECTOR.action, { publicKey: wallet.publicKey, signature: other.sign(VECTOR.action) }),
    ).toThrow(expected);
  });
});
