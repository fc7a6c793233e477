/**
 * REST bodies without a JSON number are parsed with JSON.parse instead of lossless-json (src/rest/http.ts,
 * parseJsonBody). The two paths must give the same answer for every text: the same body and as-sent values
 * (key order, own `__proto__` keys and the numbers as written included), or the same error. These tests
 * run both on tricky texts and on generated ones, then send a few of them through a real server.
 */
import fc from 'fast-check';
import { isLosslessNumber } from 'lossless-json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MarketError } from '../src/domain/errors.js';
import { parseJsonBody } from '../src/rest/http.js';
import { newJobId, newWallet, startTestServer } from './support/market.js';
import { call, deposit, signedLockBody } from './support/rest.js';
import { expectLedgerSound } from './support/database.js';

/** A value spelled out so that equal descriptions mean equal values: prototypes, key order and number text. */
function described(value: unknown): unknown {
  if (isLosslessNumber(value)) return { losslessNumber: value.value };
  if (Array.isArray(value)) return { array: value.map(described) };
  if (typeof value === 'object' && value !== null) {
    return {
      prototype: Object.getPrototypeOf(value) === Object.prototype ? 'Object' : String(Object.getPrototypeOf(value)),
      entries: Object.entries(value).map(([k, v]) => [k, described(v)]),
      ownKeys: Reflect.ownKeys(value).map(String),
    };
  }
  return { [typeof value]: Object.is(value, -0) ? '-0' : value };
}

/** What parsing the text gives on one path: the described values, or the error's class, code, message and issues. */
function outcome(text: string, lossless: boolean): unknown {
  try {
    const { body, asSent } = parseJsonBody(text, { lossless });
    return { body: described(body), asSent: described(asSent) };
  } catch (error) {
    if (!(error instanceof MarketError)) throw error;
    return {
      error: error.name,
      code: error.code,
      message: error.message,
      issues: (error as { issues?: unknown }).issues,
    };
  }
}

function expectSameOnBothPaths(text: string): void {
  expect(outcome(text, false)).toEqual(outcome(text, true));
}

const nested = (levels: number) => `${'{"a":'.repeat(levels - 1)}{"b":"x"}${'}'.repeat(levels - 1)}`;

const TRICKY_BODIES = [
  '{"job_id":"j-1","job_type":"render","amount_urtc":"1000","nonce":"n1"}',
  // numbers (the lossless path on both sides, but compared all the same)
  '{"amount_rtc":9007199254740993}',
  '{"units":9007199254740993}',
  '{"amount_rtc":1e2,"units":1e2}',
  '{"amount_rtc":-0,"units":-0}',
  '{"gpu":{"tflops":80.0,"list":[80.0,1.50e2,0.1]}}',
  '{"units":1.00000000000000001}',
  '{"units":1e400}',
  '{"amount_rtc":"1.5","amountRtc":"1.5"}',
  // digits, minus signs, colons, braces and quotes inside strings and keys
  '{"a-1":"-1","2":"3:4","x":"{[\\"]}","y\\"z":"\\\\"}',
  '{"k:1":"v:2","k:2":"v:3"}',
  '{"10":"ten","2":"two","b":"bee","a":"ay"}',
  // unicode and escapes
  '{"name":"caf\\u00e9 \\u2603 \\ud83d\\ude00","lone":"\\ud800","nul":"\\u0000","esc":"\\b\\f\\n\\r\\t\\/"}',
  '{"\\u006a\\u006f\\u0062_id":"j"}',
  '{"emoji":"😀","accents":"éè"}',
  // duplicate keys: different values (refused), equal values (kept once), through escapes, nested, __proto__
  '{"job_id":"a","job_id":"b"}',
  '{"job_id":"a","job_id":"a"}',
  '{"amount_rtc":"1","amount\\u005frtc":"2"}',
  '{"m":{"k":"1","k":"2"}}',
  '{"m":{"k":{"x":"1"},"k":{"x":"1"}}}',
  '{"m":[{"k":"1","k":"2"}]}',
  '{"__proto__":"x"}',
  '{"__proto__":{"polluted":"yes"},"a":"b"}',
  '{"__proto__":"x","__proto__":"y"}',
  '{"constructor":{"prototype":{"x":"1"}}}',
  // keywords, empty containers, whitespace
  '{"a":true,"b":false,"c":null,"d":[],"e":{},"f":[[],[{}]]}',
  ' \t\r\n{ "a" : [ true , null ] } \n',
  // deep nesting: at the limit and past it
  nested(64),
  nested(65),
  `{"a":${'['.repeat(63)}${']'.repeat(63)}}`,
  // not an object
  '[]',
  '["a"]',
  '"text"',
  'null',
  'true',
  '12',
  // not JSON
  '',
  ' ',
  '{',
  '}',
  '{"a":"b",}',
  '{"a":"b"',
  '{"a" "b"}',
  "{'a':'b'}",
  '{"a":undefined}',
  '{"a":"b"}x',
  '{"a":"b"}{}',
  '\ufeff{"a":"b"}',
  '{"a":"tab\there"}',
  '{"a":"line\nbreak"}',
  '{"a":"\\x41"}',
  '{"a":"\\u12"}',
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":-}',
  '{"a":01}',
  '{"a":1.}',
  '{"a":.5}',
  '{"a":+1}',
  '{"a":"b"\u00a0}',
  '{"a":tru}',
  '{a:"b"}',
  '{"a":"b",,"c":"d"}',
  '["a",]',
];

describe('the JSON.parse path and the lossless path', () => {
  it.each(TRICKY_BODIES.map((text) => [text]))('agree on %j', (text) => expectSameOnBothPaths(text));

  it('agree on generated JSON objects', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 })), (value) => {
        expectSameOnBothPaths(JSON.stringify(value));
      }),
      { numRuns: 500 },
    );
  });

  it('agree on objects with repeated keys spliced in', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom('a', 'b', 'a\\u0062', '__proto__', 'job_id'), fc.jsonValue({ maxDepth: 2 })),
          {
            maxLength: 6,
          },
        ),
        (pairs) => expectSameOnBothPaths(`{${pairs.map(([k, v]) => `"${k}":${JSON.stringify(v)}`).join(',')}}`),
      ),
      { numRuns: 300 },
    );
  });

  it('agree on text made of JSON punctuation, keywords and escapes', () => {
    const piece = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      '"',
      ':',
      ',',
      ' ',
      '\\',
      'u',
      '0',
      '-',
      'e',
      'true',
      'null',
      'a',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 24 }), (pieces) => {
        expectSameOnBothPaths(pieces.join(''));
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a body without numbers apart from what it was parsed into', () => {
    const { body, asSent } = parseJsonBody('{"metadata":{"tags":["a","b"]},"job_id":"j"}');
    expect(body).toEqual(asSent);
    expect(body.metadata).not.toBe(asSent.metadata); // as the lossless path gives them: two separate values
  });
});

describe('a real server on both paths', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await expectLedgerSound(server.market);
    await server.close();
  });

  it('answers a lock body with a key repeated through an escape as the lossless path does', async () => {
    const payer = newWallet();
    const provider = newWallet();
    await deposit(server.url, payer.address, '5');
    const body = signedLockBody(payer, { job_id: newJobId(), to_wallet: provider.address, amount_urtc: '1000' });
    const text = JSON.stringify(body);
    const twice = `${text.slice(0, -1)},"job\\u005fid":"another"}`;
    const reply = await call(server.url, 'POST', '/render/escrow', twice);
    expect(reply).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT' } } });
    expect(reply.body.error.message).toBe((outcome(twice, true) as { message: string }).message);
    // The same body once: locked, with the signature checked over the fields as sent.
    expect(await call(server.url, 'POST', '/render/escrow', text)).toMatchObject({ status: 201, body: { ok: true } });
    // Sent again with escaped spellings of its keys and values: the same request, so the same escrow, unchanged.
    const escaped = text.replace('"job_id"', '"\\u006a\\u006f\\u0062_id"');
    expect(await call(server.url, 'POST', '/render/escrow', escaped)).toMatchObject({
      status: 200,
      body: { ok: true, changed: false },
    });
  });
});
