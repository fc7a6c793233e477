/**
 * The REST front door under hostile traffic: request targets that are not paths, paths that look like
 * others, bodies that are too large, framed oddly or lie about their length, and unexpected failures.
 * Every answer is a response with the error shape and never a 5xx (except a genuine INTERNAL), no
 * request ends the process, and a keep-alive connection stays usable after a refused body.
 */
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerClientError, exactNumber } from '../src/rest/http.js';
import { startMarketServer } from '../src/server.js';
import { executeOn } from './support/database.js';
import {
  ADMIN_KEY,
  freshTestDatabaseUrl,
  newJobId,
  newNonce,
  newWallet,
  openTestMarket,
  startTestServer,
} from './support/market.js';
import { spawnServer } from './support/process.js';
import { RawConnection, rawRequest, requestText } from './support/raw-http.js';
import { asOperator, call, deposit, signedLockBody } from './support/rest.js';

/** Targets that once ended the process (`new URL` threw outside the handler's try), or look like another path. */
export const HOSTILE_TARGETS = [
  '//',
  '//[/',
  'http://a:99999/',
  '//:99999',
  '//a:b@c:99999/',
  'http://[::1/',
  '//[::1]:99999/',
  'http://localhost/health',
  'https://x',
  '*',
  ':',
  'x',
  '',
  ' ',
  '/a b',
  '/\u0001',
  '///',
  '//@',
  '//x/wallet/deposit',
  '//health',
  '/health/',
  '/health/../health',
  '/./health',
  '/HEALTH',
  '/health;x',
  '/%',
  '/%zz',
  '/render/escrow/%',
  '/render/escrow/%E0%A4%A',
  '/render/escrow/%ff',
  '/render/escrow/a%2Fb',
  '/wallet/balance?%',
  '/render/quote?%%%&job_type=%',
  '/wallet/balance?wallet=%zz',
  '/?&=%&&==',
  '/wallet%2Fbalance',
];

let server: Awaited<ReturnType<typeof startTestServer>>;
let url: string;
beforeAll(async () => {
  server = await startTestServer();
  server.server.on('clientError', answerClientError); // as src/main.ts wires it
  url = server.url;
});
afterAll(() => server.close());

const balance = async (address: string) =>
  (await call(url, 'GET', `/wallet/balance?wallet=${address}`)).body.available_urtc as string;

function expectErrorShape(reply: { status: number; json: any } | null, statuses: number[], codes: string[]) {
  expect(reply, 'a response').not.toBeNull();
  expect(statuses).toContain(reply!.status);
  expect(reply!.json).toMatchObject({ ok: false, error: { code: expect.any(String), message: expect.any(String) } });
  expect(codes).toContain(reply!.json.error.code);
}

describe('request targets', () => {
  it.each(HOSTILE_TARGETS.map((t) => [t]))(
    '%s is answered 400 or 404 with the error shape, and the server serves on',
    async (target) => {
      for (const method of ['GET', 'POST']) {
        const reply = await rawRequest(
          url,
          requestText(method, target, method === 'POST' ? '{}' : '', { Connection: 'close' }),
        );
        expectErrorShape(reply, [400, 404], ['INVALID_INPUT', 'NOT_FOUND']);
      }
      expect(await call(url, 'GET', '/health')).toEqual({ status: 200, body: { ok: true } });
    },
  );

  it('never normalises a path into another: //x/wallet/deposit and its cousins move no money', async () => {
    const w = newWallet();
    for (const target of [
      '//x/wallet/deposit',
      '//wallet/deposit',
      '/wallet//deposit',
      '/wallet/deposit/',
      '/wallet/./deposit',
      '/x/../wallet/deposit',
      '/wallet%2Fdeposit',
      '/Wallet/deposit',
    ]) {
      const body = JSON.stringify({ wallet: w.address, amount_rtc: 1, reference: newNonce() });
      const reply = await rawRequest(
        url,
        requestText('POST', target, body, {
          'X-Admin-Key': ADMIN_KEY,
          'Content-Type': 'application/json',
          Connection: 'close',
        }),
      );
      expect(reply?.status, target).toBe(404);
      expect(reply?.json.error.code).toBe('NOT_FOUND');
    }
    expect(await balance(w.address)).toBe('0');
    // The real path still works.
    expect((await deposit(url, w.address, '1')).status).toBe(201);
  });

  it('a 404 message quotes no more than a few dozen characters of the path', async () => {
    const marker = `/${'m'.repeat(5000)}`;
    const reply = await rawRequest(url, requestText('GET', marker, '', { Connection: 'close' }));
    expect(reply?.status).toBe(404);
    expect(reply!.json.error.message.length).toBeLessThan(120);
  });

  it('the server process survives every hostile target (the real entry point, as npm start runs it)', async () => {
    const proc = await spawnServer(await freshTestDatabaseUrl());
    try {
      for (const target of HOSTILE_TARGETS) {
        const reply = await rawRequest(proc.url, requestText('GET', target, '', { Connection: 'close' }));
        expectErrorShape(reply, [400, 404], ['INVALID_INPUT', 'NOT_FOUND']);
      }
      expect(proc.child.exitCode).toBeNull();
      expect(await call(proc.url, 'GET', '/health')).toEqual({ status: 200, body: { ok: true } });
    } finally {
      await proc.stop();
    }
  });
});

/** node:http with one keep-alive socket: a second request reuses the first one's connection. */
function keepAliveClient() {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const send = (method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; json: any; reusedSocket: boolean }>(
      (resolve, reject) => {
        const req = request(
          `${url}${path}`,
          { method, agent, headers: { 'content-type': 'application/json', ...headers } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              resolve({
                status: res.statusCode!,
                headers: res.headers,
                json: text ? JSON.parse(text) : null,
                reusedSocket: req.reusedSocket,
              });
            });
          },
        );
        req.on('error', reject);
        req.end(body);
      },
    );
  return { send, agent };
}

describe('body size', () => {
  it('answers 413 PAYLOAD_TOO_LARGE above 64 KB, and the same keep-alive connection answers the next request', async () => {
    const { send, agent } = keepAliveClient();
    try {
      const w = newWallet();
      const big = JSON.stringify({
        wallet: w.address,
        amount_rtc: 1,
        reference: newNonce(),
        pad: 'x'.repeat(70 * 1024),
      });
      const refused = await send('POST', '/wallet/deposit', big, asOperator);
      expect(refused).toMatchObject({ status: 413, json: { ok: false, error: { code: 'PAYLOAD_TOO_LARGE' } } });
      const next = await send('GET', '/health');
      expect(next).toMatchObject({ status: 200, json: { ok: true }, reusedSocket: true });
      const afterwards = await send(
        'POST',
        '/wallet/deposit',
        JSON.stringify({ wallet: w.address, amount_rtc: 1, reference: newNonce() }),
        asOperator,
      );
      expect(afterwards).toMatchObject({ status: 201, reusedSocket: true });
      expect(await balance(w.address)).toBe('1000000');
    } finally {
      agent.destroy();
    }
  });

  it('a body of exactly 64 KB is read; one byte more is refused', async () => {
    const w = newWallet();
    const body = (padTo: number) => {
      const base = JSON.stringify({ wallet: w.address, amount_rtc: 1, reference: newNonce(), pad: '' });
      return base.replace('"pad":""', `"pad":"${'x'.repeat(padTo - base.length)}"`);
    };
    const atLimit = body(64 * 1024);
    expect(Buffer.byteLength(atLimit)).toBe(64 * 1024);
    expect((await call(url, 'POST', '/wallet/deposit', atLimit, asOperator)).status).toBe(201);
    const over = body(64 * 1024 + 1);
    expect(await call(url, 'POST', '/wallet/deposit', over, asOperator)).toMatchObject({
      status: 413,
      body: { error: { code: 'PAYLOAD_TOO_LARGE' } },
    });
    expect(await balance(w.address)).toBe('1000000');
  });

  it('refuses an oversized chunked body and keeps the connection', async () => {
    const conn = await RawConnection.open(url);
    try {
      const chunk = 'x'.repeat(16 * 1024);
      const chunks = Array.from({ length: 6 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join('');
      await conn.write(
        `${requestText('POST', '/render/escrow', '', { 'Transfer-Encoding': 'chunked' })}${chunks}0\r\n\r\n`,
      );
      expectErrorShape(await conn.next(), [413], ['PAYLOAD_TOO_LARGE']);
      await conn.write(requestText('GET', '/health'));
      expect(await conn.next()).toMatchObject({ status: 200, json: { ok: true } });
    } finally {
      conn.close();
    }
  });

  it('answers a declared body far above the limit at once and closes that connection', async () => {
    const conn = await RawConnection.open(url);
    try {
      await conn.write(requestText('POST', '/wallet/deposit', '', { 'Content-Length': String(500 * 1024 * 1024) }));
      await conn.write('{"wallet":'); // and never the rest
      const reply = await conn.next();
      expectErrorShape(reply, [413], ['PAYLOAD_TOO_LARGE']);
      expect(reply!.headers.connection).toBe('close');
    } finally {
      conn.close();
    }
    expect((await call(url, 'GET', '/health')).status).toBe(200);
  });

  it('a streamed body past the drain limit is refused and the server serves on', async () => {
    const conn = await RawConnection.open(url);
    const chunk = 'y'.repeat(256 * 1024);
    try {
      await conn.write(requestText('POST', '/wallet/deposit', '', { 'Transfer-Encoding': 'chunked' }));
      for (let i = 0; i < 40 && !conn.closed; i++) await conn.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      const reply = await conn.next({ timeoutMs: 5_000 });
      if (reply) expectErrorShape(reply, [413], ['PAYLOAD_TOO_LARGE']); // or the connection was closed under the client
    } finally {
      conn.close();
    }
    expect((await call(url, 'GET', '/health')).status).toBe(200);
  });
});

describe('framing', () => {
  it('a chunked JSON body is read like any other', async () => {
    const w = newWallet();
    const json = JSON.stringify({ wallet: w.address, amount_rtc: '2.5', reference: newNonce() });
    const chunked = `${(10).toString(16)}\r\n${json.slice(0, 10)}\r\n${(json.length - 10).toString(16)}\r\n${json.slice(10)}\r\n0\r\n\r\n`;
    const reply = await rawRequest(
      url,
      requestText('POST', '/wallet/deposit', chunked, { 'Transfer-Encoding': 'chunked', 'X-Admin-Key': ADMIN_KEY }),
    );
    expect(reply).toMatchObject({ status: 201 });
    expect(await balance(w.address)).toBe('2500000');
  });

  it('a Content-Length shorter than the body: the declared part is the body, the rest a malformed next request', async () => {
    const conn = await RawConnection.open(url);
    try {
      await conn.write(requestText('POST', '/render/escrow', '{"job', { 'Content-Length': '5' }));
      expectErrorShape(await conn.next(), [400], ['INVALID_INPUT']);
      await conn.write('_id":"a"}\r\n\r\n');
      expectErrorShape(await conn.next(), [400], ['INVALID_INPUT']);
      expect(await conn.next({ timeoutMs: 2_000 })).toBeNull(); // and the connection is closed
      expect(conn.closed).toBe(true);
    } finally {
      conn.close();
    }
    // All at once: the unparsable rest may be answered before the first request is.
    for (const reply of [
      await rawRequest(
        url,
        requestText('POST', '/render/escrow', '{"job_id":"a"}GARBAGE\r\n\r\n', { 'Content-Length': '5' }),
      ),
    ]) {
      expectErrorShape(reply, [400], ['INVALID_INPUT']);
    }
    expect((await call(url, 'GET', '/health')).status).toBe(200);
  });

  it('a Content-Length longer than the body, then the client hangs up: nothing breaks', async () => {
    for (const path of ['/render/escrow', '/wallet/deposit', '/nope']) {
      const conn = await RawConnection.open(url);
      await conn.write(requestText('POST', path, '{"job_id":', { 'Content-Length': '1000' }));
      conn.socket.end(); // half-close: the body will never be complete
      const reply = await conn.next({ timeoutMs: 3_000 });
      if (reply) expect(reply.status).toBeLessThan(500);
      conn.close();
    }
    expect((await call(url, 'GET', '/health')).status).toBe(200);
  });

  it.each([
    [
      'both Content-Length and Transfer-Encoding',
      { 'Content-Length': '2', 'Transfer-Encoding': 'chunked' },
      '2\r\n{}\r\n0\r\n\r\n',
    ],
    ['a non-numeric Content-Length', { 'Content-Length': 'abc' }, '{}'],
    ['a negative Content-Length', { 'Content-Length': '-1' }, '{}'],
    ['a malformed chunk size', { 'Transfer-Encoding': 'chunked' }, 'zz\r\n{}\r\n0\r\n\r\n'],
    ['a Content-Length above 2^53', { 'Content-Length': '99999999999999999999' }, '{}'],
    ['a header block above 16 KB', { 'X-Filler': 'f'.repeat(20 * 1024) }, '{}'],
  ])('%s is a 400 or 413 with the error shape', async (_name, headers, body) => {
    const reply = await rawRequest(url, requestText('POST', '/render/escrow', body, headers));
    expectErrorShape(reply, [400, 413], ['INVALID_INPUT', 'PAYLOAD_TOO_LARGE']);
    expect((await call(url, 'GET', '/health')).status).toBe(200);
  });

  it('a body on a GET is ignored, and the keep-alive connection answers the next request', async () => {
    const conn = await RawConnection.open(url);
    try {
      for (const body of ['{"x":1}', 'z'.repeat(100 * 1024)]) {
        await conn.write(requestText('GET', '/health', body));
        expect(await conn.next()).toMatchObject({ status: 200, json: { ok: true } });
      }
      await conn.write(requestText('GET', '/health', '', { 'Transfer-Encoding': 'chunked' }) + '3\r\nabc\r\n0\r\n\r\n');
      expect(await conn.next()).toMatchObject({ status: 200, json: { ok: true } });
      await conn.write(requestText('GET', '/health'));
      expect(await conn.next()).toMatchObject({ status: 200, json: { ok: true } });
    } finally {
      conn.close();
    }
  });
});

describe('error messages', () => {
  const marker = `MARKER${'q'.repeat(60)}`;
  it.each([
    ['invalid JSON', `{"job_id": "${marker}" oops`],
    ['a long unknown key', `{"${marker}": 1}`],
    ['a long key with an inexact number', `{"${marker}": 1.00000000000000000001}`],
    ['a long bad job_id', `{"job_id": "${marker} ${marker}"}`],
    ['a long bad amount', `{"amount_rtc": "${marker}"}`],
    ['a duplicated long key', `{"${marker}": 1, "${marker}": 2}`],
    ['deep nesting', `${'['.repeat(5000)}"${marker}"${']'.repeat(5000)}`],
    ['deep nesting inside an object', `{"metadata": ${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`],
    ['a NUL and control characters', `{"job_id": "\u0000\u0001${marker}"}`],
  ])('%s: a 400 whose message quotes at most a few dozen characters of it', async (_name, raw) => {
    for (const path of ['/render/escrow', '/wallet/deposit']) {
      const r = await call(url, 'POST', path, raw, path === '/wallet/deposit' ? asOperator : {});
      expect(r).toMatchObject({ status: 400, body: { ok: false, error: { code: 'INVALID_INPUT' } } });
      expect(r.body.error.message).not.toContain(marker);
      expect(r.body.error.message.length).toBeLessThanOrEqual(301);
    }
  });
});

describe('amounts are judged from their JSON text', () => {
  const depositRaw = (wallet: string, amountJson: string, key = 'amount_rtc') =>
    `{"wallet":"${wallet}","${key}":${amountJson},"reference":"${newNonce()}"}`;

  it.each([
    ['more precision than a double holds', '1.00000000000000001'],
    ['seven decimals', '1.0000001'],
    ['an exponent', '1e2'],
    ['an upper-case exponent with a sign', '1E+2'],
    ['an exponent that keeps the value whole', '1.5e1'],
    ['too many digits to be exact', '123456789012345678901234567890'],
    ['a negative zero', '-0'],
    ['an integer past 2^53', '9007199254740993'],
  ])('amount_rtc with %s is INVALID_INPUT, moving nothing', async (_name, amount) => {
    const w = newWallet();
    const r = await call(url, 'POST', '/wallet/deposit', depositRaw(w.address, amount), asOperator);
    expect(r).toMatchObject({ status: 400, body: { ok: false, error: { code: 'INVALID_INPUT' } } });
    expect(await balance(w.address)).toBe('0');
  });

  it.each([
    ['a \\u-escaped underscore', 'amount\\u005frtc'],
    ['an escaped letter', '\\u0061mount_rtc'],
    ['the camelCase spelling', 'amountRtc'],
  ])('an exponent or inexact amount is refused whatever way its key is spelled: %s', async (_name, key) => {
    for (const amount of ['1e2', '1.00000000000000001']) {
      const w = newWallet();
      const r = await call(url, 'POST', '/wallet/deposit', depositRaw(w.address, amount, key), asOperator);
      expect(r, `${key}: ${amount}`).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT' } } });
      expect(await balance(w.address)).toBe('0');
    }
  });

  it('refuses a body that gives the amount twice, under one spelling or two', async () => {
    const w = newWallet();
    for (const raw of [
      `{"wallet":"${w.address}","amount_rtc":1,"amount\\u005frtc":2,"reference":"${newNonce()}"}`,
      `{"wallet":"${w.address}","amount_rtc":"1","amountRtc":"2","reference":"${newNonce()}"}`,
    ]) {
      expect(await call(url, 'POST', '/wallet/deposit', raw, asOperator)).toMatchObject({
        status: 400,
        body: { error: { code: 'INVALID_INPUT' } },
      });
    }
    expect(await balance(w.address)).toBe('0');
  });

  it.each([
    ['1.5', '1500000'],
    ['2', '2000000'],
    ['1.500000', '1500000'],
    ['0.000001', '1'],
    ['8388608', '8388608000000'],
  ])('amount_rtc %s as a JSON number is read exactly', async (amount, urtc) => {
    const w = newWallet();
    const r = await call(url, 'POST', '/wallet/deposit', depositRaw(w.address, amount), asOperator);
    expect(r).toMatchObject({ status: 201, body: { amount_urtc: urtc } });
  });

  it('a lock with an amount_rtc a double would round is refused, moving nothing', async () => {
    const payer = newWallet();
    expect((await deposit(url, payer.address, '10')).status).toBe(201);
    const body = signedLockBody(payer, { job_id: newJobId(), to_wallet: newWallet().address, amount_urtc: '1000000' });
    const { amount_urtc: _u, ...rest } = body;
    const raw = JSON.stringify({ ...rest, amount_rtc: 0 }).replace(
      '"amount_rtc":0',
      '"amount_rtc":1.00000000000000001',
    );
    expect(await call(url, 'POST', '/render/escrow', raw)).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_INPUT' } },
    });
    expect(await balance(payer.address)).toBe('10000000');
  });

  it('other numbers become JS numbers only when exact, and the refusal names the field', async () => {
    const payer = newWallet();
    expect((await deposit(url, payer.address, '10')).status).toBe(201);
    const body = signedLockBody(payer, {
      job_id: newJobId(),
      to_wallet: newWallet().address,
      amount_urtc: '1000',
      ttl_s: '3600',
    });
    const inexact = JSON.stringify({ ...body, ttl_s: 0 }).replace('"ttl_s":0', '"ttl_s":3600.0000000000000001');
    const r = await call(url, 'POST', '/render/escrow', inexact);
    expect(r).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT' } } });
    expect(r.body.error.message).toContain('ttl_s');
    const nested = JSON.stringify({ ...body, metadata: { n: 0 } }).replace('"n":0', '"n":1e400');
    const n = await call(url, 'POST', '/render/escrow', nested);
    expect(n).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT' } } });
    expect(n.body.error.message).toContain('metadata.n');
    // 3600.0 is exactly 3600: the lock goes through (ttl_s is signed as the string "3600").
    const exact = JSON.stringify({ ...body, ttl_s: 0 }).replace('"ttl_s":0', '"ttl_s":3600.0');
    expect((await call(url, 'POST', '/render/escrow', exact)).status).toBe(201);
  });
});

describe('exactNumber', () => {
  it.each([
    ['0', 0],
    ['-0', 0],
    ['1', 1],
    ['80.0', 80],
    ['0.1', 0.1],
    ['2.5e-3', 0.0025],
    ['-12.75', -12.75],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    ['1E2', 100],
    ['123.456', 123.456],
  ])('%s is exactly %s', (text, value) => {
    expect(exactNumber(text)).toBe(value);
  });

  it.each([
    '1.00000000000000001',
    '9007199254740993',
    '9007199254740992',
    '1e21',
    '1e400',
    '-1e400',
    '1e-400',
    '0.30000000000000004441',
    `0.${'0'.repeat(60_000)}1`,
    `1${'0'.repeat(60_000)}1`,
  ])('%s is refused', (text) => {
    expect(exactNumber(text)).toBeNull();
  });
});

describe('unexpected failures', () => {
  it('are a 500 INTERNAL with a request_id that the log line carries too', async () => {
    const lines: any[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const databaseUrl = await freshTestDatabaseUrl();
    const market = await openTestMarket({ databaseUrl, log: pino({ level: 'info' }, sink) });
    const broken = await startMarketServer(market, { host: '127.0.0.1', port: 0, sweepIntervalMs: 60_000 });
    try {
      // Bad input first: it never reaches INTERNAL.
      expect((await call(broken.url, 'GET', '/wallet/balance?wallet=nope')).status).toBe(400);
      // A database that lost a table is a failure nobody expected.
      // (PostgreSQL: with the foreign keys that refer to it.)
      await executeOn(databaseUrl, { sqlite: 'DROP TABLE wallets', postgres: 'DROP TABLE wallets CASCADE' });
      const r = await call(broken.url, 'GET', `/wallet/balance?wallet=${newWallet().address}`);
      expect(r.status).toBe(500);
      expect(r.body).toEqual({
        ok: false,
        error: { code: 'INTERNAL', message: 'internal error', request_id: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      });
      const logged = lines.filter((l) => l.request_id === r.body.error.request_id);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ level: 50, err: expect.anything() });
      expect(lines.filter((l) => l.level >= 50)).toHaveLength(1);
      // And the server serves on.
      expect((await call(broken.url, 'GET', '/health')).status).toBe(200);
    } finally {
      await broken.close();
    }
  });
});
