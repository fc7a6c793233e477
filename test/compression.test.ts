/**
 * Compression of answers: the GraphiQL page, GraphQL answers and REST answers of 1 KB and more come as br or
 * gzip to a client that accepts it (with Vary: Accept-Encoding) and decode to exactly the uncompressed
 * answer; small answers and event streams are sent as they are.
 */
import { request, type IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpSettingsFromEnv } from '../src/config.js';
import { acceptedCoding } from '../src/rest/http.js';
import { startMarketServer, type MarketServer } from '../src/server.js';
import { openTestMarket, newJobId, newWallet } from './support/market.js';
import { call, deposit, signedLockBody } from './support/rest.js';

const ORIGIN = 'https://app.example';
let server: MarketServer;
beforeAll(async () => {
  server = await startMarketServer(await openTestMarket(), {
    host: '127.0.0.1',
    port: 0,
    sweepIntervalMs: 60_000,
    http: httpSettingsFromEnv({ GRAPHIQL: 'true', CORS_ORIGINS: ORIGIN }),
  });
});
afterAll(() => server.close());

interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  /** The bytes as sent. */
  raw: Buffer;
  /** The bytes after undoing the Content-Encoding. */
  decoded: Buffer;
}

/** A request whose answer is read as bytes, without the automatic decompression of fetch. */
function fetchRaw(
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawReply> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const coding = res.headers['content-encoding'];
        const decoded = coding === 'br' ? brotliDecompressSync(raw) : coding === 'gzip' ? gunzipSync(raw) : raw;
        resolve({ status: res.statusCode!, headers: res.headers, raw, decoded });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const graphiqlPage = (acceptEncoding?: string) =>
  fetchRaw('GET', '/graphql', {
    accept: 'text/html',
    ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}),
  });

const graphqlPost = (query: string, acceptEncoding?: string) =>
  fetchRaw(
    'POST',
    '/graphql',
    {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}),
    },
    JSON.stringify({ query }),
  );

/** Every answer of `replies` decodes to the same bytes as `plain`, and each says how long it is as sent. */
function expectSameContent(plain: RawReply, ...replies: RawReply[]) {
  for (const reply of [plain, ...replies]) {
    expect(reply.status).toBe(plain.status);
    expect(Number(reply.headers['content-length'])).toBe(reply.raw.length);
    expect(reply.headers.vary).toMatch(/\bAccept-Encoding\b/i);
    expect(reply.decoded.equals(plain.raw)).toBe(true);
  }
}

describe('compressed answers', () => {
  it('serves the GraphiQL page as br or gzip, a fraction of its size, decoding to the same page', async () => {
    const plain = await graphiqlPage();
    const gzip = await graphiqlPage('gzip');
    const br = await graphiqlPage('gzip, deflate, br');
    expect(plain.headers['content-type']).toContain('text/html');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.raw.length).toBeGreaterThan(1_000_000);
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(br.headers['content-encoding']).toBe('br');
    expectSameContent(plain, gzip, br);
    expect(gzip.raw.length).toBeLessThan(plain.raw.length / 3);
    expect(br.raw.length).toBeLessThan(gzip.raw.length);
    // Compressed once, served again as the same bytes.
    expect((await graphiqlPage('br')).raw.equals(br.raw)).toBe(true);
  });

  it('compresses a large GraphQL answer in the coding the client weighs most', async () => {
    const query = '{ __schema { types { name description fields { name description } } } }';
    const plain = await graphqlPost(query);
    expect(plain.raw.length).toBeGreaterThan(1024);
    expect(JSON.parse(plain.raw.toString()).data.__schema.types.length).toBeGreaterThan(10);
    const br = await graphqlPost(query, 'gzip, deflate, br');
    const gzip = await graphqlPost(query, 'br;q=0.5, gzip');
    const refused = await graphqlPost(query, 'br;q=0, gzip;q=0, deflate');
    expect(br.headers['content-encoding']).toBe('br');
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(refused.headers['content-encoding']).toBeUndefined();
    expectSameContent(plain, br, gzip, refused);
    expect(br.raw.length).toBeLessThan(plain.raw.length / 2);
  });

  it('sends a small GraphQL answer as it is', async () => {
    const reply = await graphqlPost('{ __typename }', 'gzip, br');
    expect(reply.headers['content-encoding']).toBeUndefined();
    expect(reply.headers.vary ?? '').not.toMatch(/Accept-Encoding/i);
    expect(JSON.parse(reply.raw.toString())).toEqual({ data: { __typename: 'Query' } });
  });

  it('compresses a large REST answer, keeping Vary: Origin, and sends a small one as it is', async () => {
    const payer = newWallet();
    await deposit(server.url, payer.address, '5');
    const job_id = newJobId();
    const metadata = { scene: 'a castle on a hill at dusk, volumetric fog, '.repeat(60) };
    const lock = signedLockBody(
      payer,
      { job_id, to_wallet: newWallet().address, amount_urtc: '1000000' },
      { metadata },
    );
    expect((await call(server.url, 'POST', '/render/escrow', lock)).status).toBe(201);

    const path = `/render/escrow/${job_id}`;
    const plain = await fetchRaw('GET', path, { origin: ORIGIN });
    const gzip = await fetchRaw('GET', path, { origin: ORIGIN, 'accept-encoding': 'gzip' });
    const br = await fetchRaw('GET', path, { origin: ORIGIN, 'accept-encoding': 'br, gzip' });
    expect(plain.raw.length).toBeGreaterThan(1024);
    expect(JSON.parse(plain.raw.toString())).toMatchObject({ ok: true, job_id, metadata });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(br.headers['content-encoding']).toBe('br');
    expectSameContent(plain, gzip, br);
    expect(br.raw.length).toBeLessThan(plain.raw.length / 4);
    for (const reply of [plain, gzip, br]) expect(reply.headers.vary).toMatch(/\bOrigin\b/);

    const health = await fetchRaw('GET', '/health', { 'accept-encoding': 'gzip, br' });
    expect(health.headers['content-encoding']).toBeUndefined();
    expect(health.headers.vary).not.toMatch(/Accept-Encoding/i);
    expect(JSON.parse(health.raw.toString())).toEqual({ ok: true });
  });

  it('never compresses an event stream: its first event arrives as text while the stream stays open', async () => {
    const { hostname, port } = new URL(server.url);
    const wallet = newWallet().address;
    await deposit(server.url, wallet, '1');
    const payer = newWallet();
    await deposit(server.url, payer.address, '2');
    const lock = signedLockBody(payer, { job_id: newJobId(), to_wallet: wallet, amount_urtc: '1000000' });
    expect((await call(server.url, 'POST', '/render/escrow', lock)).status).toBe(201);

    const body = JSON.stringify({
      query: `subscription { escrowEvents(wallet: "${wallet}", afterSeq: 0) { change } }`,
    });
    const { headers, firstEvent } = await new Promise<{ headers: IncomingHttpHeaders; firstEvent: string }>(
      (resolve, reject) => {
        const req = request(
          {
            hostname,
            port,
            method: 'POST',
            path: '/graphql',
            agent: false,
            headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'accept-encoding': 'gzip, br' },
          },
          (res) => {
            let text = '';
            res.setEncoding('latin1');
            res.on('data', (chunk: string) => {
              text += chunk;
              const event = /event: next\ndata: (.+)\n\n/.exec(text);
              if (!event) return;
              resolve({ headers: res.headers, firstEvent: event[1]! });
              req.destroy(); // the stream is still open: the event came before any end
            });
            res.on('error', () => {});
          },
        );
        req.on('error', reject);
        req.end(body);
      },
    );
    expect(headers['content-type']).toContain('text/event-stream');
    expect(headers['content-encoding'] ?? 'none').toBe('none');
    expect(JSON.parse(firstEvent)).toEqual({ data: { escrowEvents: { change: 'LOCKED' } } });
  });
});

describe('acceptedCoding', () => {
  it('reads Accept-Encoding as clients write it', () => {
    expect(acceptedCoding(undefined)).toBeNull();
    expect(acceptedCoding('')).toBeNull();
    expect(acceptedCoding('identity')).toBeNull();
    expect(acceptedCoding('deflate')).toBeNull();
    expect(acceptedCoding('gzip')).toBe('gzip');
    expect(acceptedCoding('gzip, deflate, br, zstd')).toBe('br');
    expect(acceptedCoding('GZIP;Q=0.9, BR;Q=0.8')).toBe('gzip');
    expect(acceptedCoding('br;q=0, gzip')).toBe('gzip');
    expect(acceptedCoding('*')).toBe('br');
    expect(acceptedCoding('*;q=0.5, gzip;q=1')).toBe('gzip');
    expect(acceptedCoding('*, br;q=0, gzip;q=0')).toBeNull();
    expect(acceptedCoding('gzip;q=nonsense')).toBeNull();
  });
});
