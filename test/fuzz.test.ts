/**
 * Seeded fuzzing of the front door against a real listening server: a few thousand requests that must
 * all fail (garbage targets, methods, headers and bodies; signed bodies mutated, or signed by wallets
 * without money or authority; random GraphQL documents without the operator key). Checked: no answer
 * is a 5xx, no POST to the REST shim succeeds, REST refusals carry the error shape and never echo a
 * long piece of what was sent, the server still answers /health, and the database is byte for byte
 * what it was before. A failure prints the seed and the request, so it can be replayed.
 */
import { createHash } from 'node:crypto';
import {
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLScalarType,
  getNamedType,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/domain/errors.js';
import { schema } from '../src/graphql/schema.js';
import { escrowLookupRoute, escrowRoutes } from '../src/rest/escrow.js';
import { gpuRoutes } from '../src/rest/gpu.js';
import { answerClientError } from '../src/rest/http.js';
import { pricingRoutes } from '../src/rest/pricing.js';
import { walletRoutes } from '../src/rest/wallet.js';
import type { Wallet } from '../src/domain/signatures.js';
import { attestationFields, signAttestation } from './support/gpu.js';
import { queryRows, type OnEngine } from './support/database.js';
import { newJobId, newWallet, startTestServer } from './support/market.js';
import { RawConnection, rawRequest, type RawResponse } from './support/raw-http.js';
import { call, deposit, signedLockBody, signedRefundBody, signedReleaseBody } from './support/rest.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20240611);
const REST_REQUESTS = 1900;
const GRAPHQL_REQUESTS = 500;
const KEEP_ALIVE_PAIRS = 60;
const CONCURRENCY = 6;
/** A long, recognisable piece of client input: no error message may repeat it whole. */
const MARKER = `FUZZMARK${'w'.repeat(52)}`;

/** mulberry32: small, fast and the same on every machine. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const chance = (p: number) => next() < p;
  return { next, int, pick, chance };
}
type Rng = ReturnType<typeof prng>;

const CRASH_TARGETS = [
  '//',
  '//[/',
  'http://a:99999/',
  '//:99999',
  '//a:b@c:99999/',
  'http://[::1/',
  '//[::1]:99999/',
  '*',
  '',
  ':',
  'x',
  '///',
  '//@',
  'http://localhost/health',
];
const METHODS = ['GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
const NUMBER_TEXTS = [
  '1e2',
  '1E+2',
  '1.00000000000000001',
  '-0',
  '0',
  '-1',
  '1e400',
  '-1e400',
  '1e-400',
  '9007199254740993',
  '123456789012345678901234567890',
  '0.0000001',
  '1.5',
  '8388608.000001',
  `0.${'0'.repeat(2000)}1`,
];
const STRANGE_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\ud800',
  '../../etc/passwd',
  '<script>',
  'RTC',
  'RTC' + 'G'.repeat(40),
  'rtc' + 'a'.repeat(40), // not an address: RustChain's "RTC" is written in uppercase (its hex may be either case)
  '💸',
  '%00',
  'null',
  '1e2',
  MARKER,
  'x'.repeat(300),
];

interface FuzzRequest {
  label: string;
  bytes: Buffer;
  head: boolean;
  /** Where the request went: REST answers must carry the error shape. */
  rest: boolean;
  method: string;
}

function randomString(rng: Rng, max = 24): string {
  const alphabets = [
    'abcdefghijklmnopqrstuvwxyz_',
    '0123456789.-+eE',
    '{}[]":,\\ \t',
    '\u00e9\u00fc\u4e2d\ud83d\ude00',
  ];
  let s = '';
  const n = rng.int(max + 1);
  for (let i = 0; i < n; i++) s += rng.pick(Array.from(rng.pick(alphabets)));
  return s;
}

function randomJsonValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(depth > 2 ? 5 : 7)) {
    case 0:
      return rng.pick(STRANGE_STRINGS);
    case 1:
      return randomString(rng);
    case 2:
      return rng.pick([0, -1, 1.5, 2 ** 53, 1e21, -0.1, 80]);
    case 3:
      return rng.pick([true, false, null]);
    case 4:
      return `__RAW_NUMBER_${rng.pick(NUMBER_TEXTS)}__`; // replaced by the bare number text after serialising
    case 5:
      return Array.from({ length: rng.int(4) }, () => randomJsonValue(rng, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: rng.int(4) }, () => [randomString(rng, 10), randomJsonValue(rng, depth + 1)]),
      );
  }
}

const rawNumbers = (text: string) => text.replace(/"__RAW_NUMBER_([^_]*(?:_[^_]+)*)__"/g, (_, n: string) => n);

/** A signed (or otherwise well-formed) body, changed in a few random ways. */
function mutateBody(rng: Rng, base: Record<string, unknown>): string {
  const body: Record<string, unknown> = { ...base };
  const keys = () => Object.keys(body);
  for (let i = rng.int(4); i > 0; i--) {
    const key = keys().length ? rng.pick(keys()) : 'job_id';
    switch (rng.int(7)) {
      case 0:
        delete body[key];
        break;
      case 1:
        body[key] = randomJsonValue(rng);
        break;
      case 2:
        body[rng.chance(0.5) ? randomString(rng, 12) : MARKER] = randomJsonValue(rng);
        break;
      case 3: {
        // The same field under its camelCase spelling.
        const value = body[key];
        delete body[key];
        body[key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = value;
        break;
      }
      case 4:
        body[rng.pick(['amount_rtc', 'amount_urtc', 'ttl_s', 'units', 'release_urtc', 'vram_mb'])] =
          `__RAW_NUMBER_${rng.pick(NUMBER_TEXTS)}__`;
        break;
      case 5:
        if (typeof body.signature === 'string') {
          const sig = body.signature;
          const at = rng.int(sig.length);
          body.signature = `${sig.slice(0, at)}${sig[at] === '0' ? '1' : '0'}${sig.slice(at + 1)}`;
        }
        break;
      default:
        body.job_type = rng.pick(['render', 'tts', 'stt', 'llm', 'RENDER', 'mining', '', MARKER]);
    }
  }
  let text = rawNumbers(JSON.stringify(body));
  // Text-level changes that no object can express.
  switch (rng.int(8)) {
    case 0:
      text = text.replace(/"([a-z]+)_([a-z]+)":/, '"$1\\u005f$2":'); // an escaped key
      break;
    case 1: {
      const key = rng.pick(['amount_rtc', 'amount\\u005frtc', 'job_id', 'nonce']);
      text = text.replace(/}$/, `,"${key}":${rng.pick(NUMBER_TEXTS)},"${key}":"dup"}`); // a duplicate key
      break;
    }
    case 2:
      text = text.slice(0, rng.int(text.length)); // truncated
      break;
    case 3:
      text += rng.pick(['garbage', '}', ',', '\u0000', ' ']);
      break;
    default:
  }
  return text;
}

function garbageBody(rng: Rng): string | Buffer {
  switch (rng.int(9)) {
    case 0:
      return '';
    case 1:
      return randomString(rng, 200);
    case 2:
      return Buffer.from(Array.from({ length: rng.int(300) }, () => rng.int(256)));
    case 3: {
      const n = 30 + rng.int(20_000);
      return rng.chance(0.5) ? `${'['.repeat(n)}${']'.repeat(n)}` : `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
    }
    case 4: {
      const size = 64 * 1024 + 1 + rng.int(200 * 1024);
      return JSON.stringify({ job_id: 'j', pad: 'p'.repeat(size) });
    }
    case 5:
      return rawNumbers(JSON.stringify(randomJsonValue(rng)));
    case 6:
      return `{"amount_rtc":${rng.pick(NUMBER_TEXTS)},"wallet":"${rng.pick(STRANGE_STRINGS)}"}`;
    case 7:
      return rng.pick([
        'null',
        '[]',
        '"s"',
        '1',
        'true',
        '{}',
        '{"__proto__":{"x":1}}',
        '{"constructor":{"prototype":{"x":1}}}',
      ]);
    default:
      return JSON.stringify({ [MARKER]: MARKER, job_id: MARKER });
  }
}

function randomTarget(rng: Rng, paths: string[]): string {
  const path = rng.pick(paths);
  switch (rng.int(12)) {
    case 0:
      return rng.pick(CRASH_TARGETS);
    case 1:
      return `/${path}`;
    case 2:
      return `${path}/`;
    case 3:
      return path.toUpperCase();
    case 4:
      return path.replace(/\/([^/]*)$/, '%2F$1');
    case 5:
      return `/x/..${path}`;
    case 6:
      return `/${encodeURIComponent(randomString(rng, 30))}`;
    case 7:
      return `/${MARKER}${path}`;
    case 8: {
      const pairs = Array.from({ length: 1 + rng.int(4) }, () => {
        const key = rng.pick([
          'wallet',
          'job_type',
          'units',
          'miner_id',
          'limit',
          'cursor',
          'include_offline',
          'min_vram_gb',
          randomString(rng, 8),
        ]);
        const value = rng.pick([
          ...STRANGE_STRINGS.slice(0, 12).filter((v) => v !== '\ud800'),
          '%',
          '%zz',
          '%E0%A4%A',
          'render',
          '-1',
          '1e3',
        ]);
        return `${encodeURIComponent(key)}=${rng.chance(0.7) ? encodeURIComponent(value) : value.replace(/[\s\u0000-\u001f\u007f-\uffff]/g, '')}`;
      });
      return `${path}?${pairs.join('&')}`;
    }
    default:
      return path;
  }
}

function randomHeaders(rng: Rng): string[] {
  const headers: string[] = [];
  if (rng.chance(0.7))
    headers.push(
      `Content-Type: ${rng.pick(['application/json', 'text/plain', 'application/x-www-form-urlencoded', '', 'application/json; charset=latin1', 'multipart/form-data; boundary=x'])}`,
    );
  if (rng.chance(0.2))
    headers.push(`X-Admin-Key: ${rng.pick(['', 'wrong', 'k'.repeat(40), 'test-operator-key-0123456789abcdeX'])}`);
  if (rng.chance(0.1))
    headers.push(`Accept: ${rng.pick(['*/*', 'text/event-stream', 'application/graphql-response+json', 'garbage'])}`);
  if (rng.chance(0.1))
    headers.push(
      `X-${randomString(rng, 10).replace(/[^a-z0-9]/g, '') || 'a'}: ${rng.pick(['1', MARKER, 'v'.repeat(rng.int(4000))])}`,
    );
  if (rng.chance(0.05)) headers.push(`X-Forwarded-For: ${rng.pick(['1.2.3.4', 'garbage', '::1, 10.0.0.1'])}`);
  return headers;
}

/** The request's bytes, framed one of several ways (some of them wrong on purpose). */
function frame(rng: Rng, method: string, target: string, headers: string[], body: string | Buffer): Buffer {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...headers];
  let payload = bytes;
  const framing =
    bytes.length === 0 && method !== 'POST'
      ? 'none'
      : rng.pick(['length', 'length', 'length', 'chunked', 'short', 'both']);
  if (framing === 'length') lines.push(`Content-Length: ${bytes.length}`);
  else if (framing === 'short') lines.push(`Content-Length: ${rng.int(bytes.length + 1)}`);
  else if (framing === 'both') lines.push(`Content-Length: ${bytes.length}`, 'Transfer-Encoding: chunked');
  if (framing === 'chunked' || framing === 'both') {
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length;) {
      const size = Math.min(bytes.length - at, 1 + rng.int(40_000));
      chunks.push(Buffer.from(`${size.toString(16)}\r\n`), bytes.subarray(at, at + size), Buffer.from('\r\n'));
      at += size;
    }
    payload = Buffer.concat([...chunks, Buffer.from('0\r\n\r\n')]);
    if (framing === 'chunked') lines.push('Transfer-Encoding: chunked');
  }
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
}

/** A random small document over the real schema: root fields with junk arguments, or junk altogether. */
function randomDocument(rng: Rng): string {
  const junk = [
    '{',
    '}}}',
    'query { __typename',
    `{ ${'a { '.repeat(200)}b${' }'.repeat(200)} }`,
    'mutation',
    'subscription { priceUpdated { jobType } }',
    '{ __schema { types { name } } }',
    `{ ${Array.from({ length: 300 }, (_, i) => `a${i}: __typename`).join(' ')} }`,
    'fragment f on Query { ...f } { ...f }',
    MARKER,
  ];
  if (rng.chance(0.15)) return rng.pick(junk);
  const operation = rng.pick(['query', 'query', 'mutation']);
  const root = operation === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
  const fields = Object.values(root.getFields());
  const selections = Array.from({ length: 1 + rng.int(3) }, () => {
    const field = rng.pick(fields);
    return `${rng.chance(0.2) ? `x${rng.int(9)}: ` : ''}${field.name}${argumentsOf(rng, field)} ${selectionOf(rng, field)}`;
  });
  return `${operation} { ${selections.join(' ')} }`;
}

function argumentsOf(rng: Rng, field: GraphQLField<unknown, unknown>): string {
  const args = field.args
    .filter((a) => a.type instanceof GraphQLNonNull || rng.chance(0.4))
    .filter(() => rng.chance(0.92));
  if (rng.chance(0.05))
    args.push({ name: 'bogus', type: schema.getType('String') as GraphQLInputType } as (typeof field.args)[number]);
  return args.length ? `(${args.map((a) => `${a.name}: ${literalFor(rng, a.type, 0)}`).join(', ')})` : '';
}

function literalFor(rng: Rng, type: GraphQLInputType, depth: number): string {
  if (rng.chance(0.1))
    return rng.pick([
      'null',
      '"x"',
      '1',
      '1.5e400',
      'true',
      'RENDER',
      '[]',
      '{}',
      JSON.stringify(MARKER),
      '123456789012345678901234567890',
    ]);
  const t = type instanceof GraphQLNonNull ? type.ofType : type;
  if (t instanceof GraphQLList) return `[${literalFor(rng, t.ofType, depth + 1)}]`;
  if (t instanceof GraphQLEnumType) return rng.pick(t.getValues()).name;
  if (t instanceof GraphQLInputObjectType) {
    if (depth > 2) return '{}';
    const fields = Object.values(t.getFields()).filter((f) => f.type instanceof GraphQLNonNull || rng.chance(0.3));
    return `{ ${fields.map((f) => `${f.name}: ${literalFor(rng, f.type, depth + 1)}`).join(', ')} }`;
  }
  if (t instanceof GraphQLScalarType) {
    if (t.name === 'Int') return rng.pick(['0', '-1', '5', '1000', '2147483648']);
    if (t.name === 'Boolean') return rng.pick(['true', 'false']);
    if (t.name === 'Float') return rng.pick(['1.5', '-0', '1e308']);
    return JSON.stringify(rng.pick(STRANGE_STRINGS.filter((s) => s !== '\ud800')));
  }
  return 'null';
}

function selectionOf(rng: Rng, field: GraphQLField<unknown, unknown>): string {
  const type = getNamedType(field.type);
  if (!(type instanceof GraphQLObjectType))
    return type instanceof GraphQLScalarType || type instanceof GraphQLEnumType ? '' : '{ __typename }';
  const leaves = Object.values(type.getFields()).filter((f) => {
    const named = getNamedType(f.type);
    return (named instanceof GraphQLScalarType || named instanceof GraphQLEnumType) && f.args.length === 0;
  });
  const chosen = Array.from({ length: rng.int(4) }, () => rng.pick(leaves)?.name).filter(Boolean);
  return `{ __typename ${[...new Set(chosen)].join(' ')} }`;
}

/** SHA-256 over every row of every table, in a stable order. */
async function databaseDigest(market: OnEngine): Promise<string> {
  const hash = createHash('sha256');
  const tables = await queryRows<{ name: string }>(market, {
    sqlite: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    postgres: `SELECT table_name AS name FROM information_schema.tables
               WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`,
  });
  for (const { name } of tables) {
    const rows = await queryRows(market, `SELECT * FROM "${name}"`);
    const lines = rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))).sort();
    hash.update(`${name}\n${lines.join('\n')}\n`);
  }
  return hash.digest('hex');
}

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer();
  server.server.on('clientError', answerClientError); // as src/main.ts wires it
});
afterAll(() => server.close());

describe('fuzzing the front door', () => {
  it(`answers ${REST_REQUESTS + GRAPHQL_REQUESTS + 2 * KEEP_ALIVE_PAIRS} hostile requests without a 5xx or a change of state (seed ${SEED})`, async () => {
    const url = server.url;
    const rng = prng(SEED);

    // Some state worth protecting: a funded payer with money locked for a provider.
    const payer = newWallet();
    const provider = newWallet();
    expect((await deposit(url, payer.address, '100')).status).toBe(201);
    const lockedJob = newJobId('fuzz');
    expect(
      (
        await call(
          url,
          'POST',
          '/render/escrow',
          signedLockBody(payer, { job_id: lockedJob, to_wallet: provider.address, amount_urtc: '5000000' }),
        )
      ).status,
    ).toBe(201);

    // Bodies that are well formed but must fail: signed by a wallet without money, without authority, or for no escrow.
    const broke: Wallet = newWallet();
    const stranger: Wallet = newWallet();
    const bases: { path: string; body: Record<string, unknown> }[] = [];
    for (const [prefix, jobType] of [
      ['/render', 'render'],
      ['/voice', 'tts'],
      ['/voice', 'stt'],
      ['/llm', 'llm'],
    ] as const) {
      bases.push({
        path: `${prefix}/escrow`,
        body: signedLockBody(broke, {
          job_id: newJobId('fz'),
          job_type: jobType,
          to_wallet: provider.address,
          amount_urtc: '1000',
        }),
      });
      bases.push({
        path: `${prefix}/escrow`,
        body: signedLockBody(broke, {
          job_id: lockedJob,
          job_type: jobType,
          to_wallet: payer.address,
          amount_urtc: '5000000',
        }),
      });
      // The provider may not release, and nobody but the provider may refund before expiry.
      for (const signer of [stranger, provider]) {
        bases.push({
          path: `${prefix}/release`,
          body: signedReleaseBody(signer, { job_id: lockedJob, job_type: jobType }),
        });
        bases.push({
          path: `${prefix}/release`,
          body: signedReleaseBody(signer, { job_id: lockedJob, job_type: jobType, amount_urtc: '1' }),
        });
      }
      bases.push({
        path: `${prefix}/refund`,
        body: signedRefundBody(stranger, { job_id: lockedJob, job_type: jobType, reason: 'fuzz' }),
      });
      bases.push({ path: `${prefix}/refund`, body: signedRefundBody(payer, { job_id: lockedJob, job_type: jobType }) });
      bases.push({
        path: `${prefix}/release`,
        body: signedReleaseBody(payer, { job_id: newJobId('absent'), job_type: jobType }),
      });
    }
    bases.push({ path: '/wallet/deposit', body: { wallet: payer.address, amount_rtc: 1, reference: 'fuzz-ref' } });
    bases.push({ path: '/wallet/deposit', body: { wallet: payer.address, amount_urtc: '1', reference: 'fuzz-ref-2' } });
    bases.push({ path: '/gpu/challenge', body: { miner_id: `RTC${'Z'.repeat(40)}` } });
    bases.push({ path: '/gpu/attest', body: signAttestation(stranger, attestationFields(stranger, 'ab'.repeat(32))) });

    const routePaths = [...escrowRoutes(), escrowLookupRoute, ...walletRoutes, ...gpuRoutes, ...pricingRoutes].map(
      (r) => r.path.replace(':job_id', rng.chance(0.5) ? lockedJob : 'nope'),
    );
    const targets = [
      ...new Set([
        ...routePaths,
        `/render/escrow/${lockedJob}`,
        '/health',
        '/graphql',
        '/graphql?query=%7B__typename%7D',
        '/nope',
      ]),
    ];

    const before = await databaseDigest(server.market);

    const requests: FuzzRequest[] = [];
    for (let i = 0; i < REST_REQUESTS; i++) {
      const method = rng.pick(METHODS);
      const signed = rng.chance(0.45);
      const base = rng.pick(bases);
      const target = signed
        ? rng.chance(0.8)
          ? base.path
          : randomTarget(rng, [base.path])
        : randomTarget(rng, targets);
      const body = method === 'GET' && rng.chance(0.7) ? '' : signed ? mutateBody(rng, base.body) : garbageBody(rng);
      const bytes = frame(rng, method, target, randomHeaders(rng), body);
      requests.push({
        label: `rest #${i}`,
        bytes,
        head: method === 'HEAD',
        rest: !target.startsWith('/graphql'),
        method,
      });
    }
    for (let i = 0; i < GRAPHQL_REQUESTS; i++) {
      const document = randomDocument(rng);
      const payload = rng.chance(0.85)
        ? JSON.stringify({
            query: document,
            ...(rng.chance(0.2)
              ? { variables: randomJsonValue(rng), operationName: rng.pick([null, 'x', MARKER]) }
              : {}),
          })
        : rng.pick([
            document,
            '{"query":1}',
            '{"query":null}',
            '[]',
            rawNumbers(JSON.stringify({ query: '{ __typename }', variables: { a: '__RAW_NUMBER_1e400__' } })),
          ]);
      const headers = [
        `Content-Type: ${rng.pick(['application/json', 'application/json', 'application/graphql', 'text/plain'])}`,
        `Accept: ${rng.pick(['application/json', 'application/graphql-response+json', '*/*'])}`,
      ];
      requests.push({
        label: `graphql #${i}`,
        bytes: frame(rng, 'POST', '/graphql', headers, payload),
        head: false,
        rest: false,
        method: 'POST',
      });
    }

    const failures: string[] = [];
    const fail = (req: FuzzRequest, why: string) => {
      if (failures.length < 20)
        failures.push(
          `${req.label} (seed ${SEED}): ${why}\n  request: ${JSON.stringify(req.bytes.subarray(0, 400).toString('latin1'))}`,
        );
    };
    const check = (req: FuzzRequest, reply: RawResponse | null) => {
      if (!reply) return fail(req, 'no answer');
      if (!(reply.status >= 200 && reply.status < 500))
        return fail(req, `status ${reply.status}: ${reply.body.slice(0, 300)}`);
      if (!req.rest) return;
      if (req.method === 'POST' && reply.status < 300)
        return fail(req, `a must-fail request succeeded: ${reply.status} ${reply.body.slice(0, 200)}`);
      if (reply.status >= 400 && !req.head) {
        const error = reply.json?.error;
        if (
          reply.json?.ok !== false ||
          !(ERROR_CODES as string[]).includes(error?.code) ||
          typeof error?.message !== 'string'
        )
          return fail(req, `not the error shape: ${reply.body.slice(0, 200)}`);
        if (error.message.length > 301 || error.message.includes(MARKER))
          return fail(req, `message echoes the request: ${error.message.slice(0, 200)}`);
      }
    };

    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < requests.length) {
          const req = requests[next++]!;
          // GraphQL may answer a subscription with an event stream that never ends: its head is the answer.
          check(req, await rawRequest(url, req.bytes, { head: req.head, headersOnly: !req.rest, timeoutMs: 10_000 }));
        }
      }),
    );

    // Keep-alive: a refused body (too large, malformed, lying) and then an ordinary request on the same socket.
    for (let i = 0; i < KEEP_ALIVE_PAIRS; i++) {
      const conn = await RawConnection.open(url);
      try {
        const body =
          i % 3 === 0
            ? 'p'.repeat(64 * 1024 + 1 + rng.int(300_000))
            : i % 3 === 1
              ? mutateBody(rng, rng.pick(bases).body)
              : String(garbageBody(rng));
        const first = frame(rng, 'POST', rng.pick(bases).path, ['Content-Type: application/json'], body)
          .toString('latin1')
          .replace('Connection: close\r\n', '');
        const req: FuzzRequest = {
          label: `keep-alive #${i}`,
          bytes: Buffer.from(first, 'latin1'),
          head: false,
          rest: true,
          method: 'POST',
        };
        await conn.write(req.bytes);
        const reply = await conn.next();
        check(req, reply);
        if (reply && !conn.closed && reply.headers.connection !== 'close') {
          await conn.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
          const health = await conn.next();
          if (health?.status !== 200)
            fail(req, `the next request on the connection got ${health ? health.status : 'no answer'}`);
        }
      } finally {
        conn.close();
      }
    }

    expect(failures, failures.join('\n')).toEqual([]);
    expect(await call(url, 'GET', '/health')).toEqual({ status: 200, body: { ok: true } });
    expect(await databaseDigest(server.market)).toBe(before);
    expect((await call(url, 'GET', `/wallet/balance?wallet=${payer.address}`)).body).toMatchObject({
      available_urtc: '95000000',
      locked_urtc: '5000000',
    });
  });
});
