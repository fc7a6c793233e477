/**
 * MAX_CONNECTIONS_PER_IP over Server-Sent Events: each stream holds a slot of its client address, shared
 * with WebSocket connections, until the client goes away; the client address honours X-Forwarded-For
 * only from proxies in TRUST_PROXY.
 */
import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { httpSettingsFromEnv } from '../src/config.js';
import { createClientAddress } from '../src/connection-limits.js';
import { startMarketServer, type MarketServer } from '../src/server.js';
import { openTestMarket, newWallet } from './support/market.js';

const servers: MarketServer[] = [];
const streams: ClientRequest[] = [];
afterEach(async () => {
  for (const s of streams.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function startServer(maxConnectionsPerIp?: number, env: Record<string, string> = {}) {
  const server = await startMarketServer(await openTestMarket(), {
    host: '127.0.0.1',
    port: 0,
    sweepIntervalMs: 60_000,
    maxConnectionsPerIp,
    http: httpSettingsFromEnv(env),
  });
  servers.push(server);
  return server;
}

/** Opens a subscription over SSE on its own connection; resolves with the response's status once its headers arrive. */
function openStream(
  server: MarketServer,
  headers: Record<string, string> = {},
): Promise<{ status: number; stream: ClientRequest }> {
  const url = new URL(server.url);
  const body = JSON.stringify({ query: `subscription { escrowEvents(wallet: "${newWallet().address}") { seq } }` });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: '/graphql',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      },
      (res: IncomingMessage) => {
        res.resume();
        resolve({ status: res.statusCode!, stream: req });
      },
    );
    req.on('error', reject);
    streams.push(req);
    req.end(body);
  });
}

function openSocket(
  server: MarketServer,
  headers: Record<string, string> = {},
): Promise<{ status: number; socket: WebSocket }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { headers });
    socket.once('open', () => resolve({ status: 101, socket }));
    socket.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode!, socket }));
    socket.once('error', reject);
  });
}

describe('SSE streams per address', () => {
  it('refuses the 101st stream from one address with 429, as a WebSocket upgrade would be', async () => {
    const server = await startServer(); // the default limit: 100
    const open = await Promise.all(Array.from({ length: 100 }, () => openStream(server)));
    expect(open.every((o) => o.status === 200)).toBe(true);
    const refused = await openStream(server);
    expect(refused.status).toBe(429);
    const ws = await openSocket(server);
    expect(ws.status).toBe(429);
  });

  it('shares the count with WebSocket connections', async () => {
    const server = await startServer(3);
    const sockets = [await openSocket(server), await openSocket(server)];
    expect(sockets.map((s) => s.status)).toEqual([101, 101]);
    expect((await openStream(server)).status).toBe(200);
    expect((await openStream(server)).status).toBe(429);
    expect((await openSocket(server)).status).toBe(429);
    for (const { socket } of sockets) socket.close();
  });

  it('frees a slot when the client disconnects', async () => {
    const server = await startServer(2);
    const [first] = await Promise.all([openStream(server), openStream(server)]);
    expect((await openStream(server)).status).toBe(429);
    first!.stream.destroy(); // the client goes away
    let status = 429;
    for (let attempt = 0; attempt < 50 && status === 429; attempt++) {
      await new Promise((r) => setTimeout(r, 20));
      status = (await openStream(server)).status;
    }
    expect(status).toBe(200);
  });
});

describe('client address', () => {
  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    const server = await startServer(1);
    expect((await openStream(server, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(200);
    expect((await openStream(server, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(429);
  });

  it('counts the address a trusted proxy forwarded, never an entry the client wrote before it', async () => {
    const server = await startServer(1, { TRUST_PROXY: '127.0.0.0/8' });
    expect((await openStream(server, { 'x-forwarded-for': '203.0.113.1' })).status).toBe(200);
    expect((await openStream(server, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(200);
    expect((await openSocket(server, { 'x-forwarded-for': '203.0.113.3' })).status).toBe(101);
    expect((await openStream(server, { 'x-forwarded-for': '198.51.100.7, 203.0.113.1' })).status).toBe(429);
    expect((await openSocket(server, { 'x-forwarded-for': '203.0.113.2' })).status).toBe(429);
  });

  it('takes addresses and CIDRs in TRUST_PROXY, and nothing else', () => {
    expect(httpSettingsFromEnv({ TRUST_PROXY: '10.0.0.1, 10.1.0.0/16,::1,2001:db8::/32' }).trustProxy).toEqual([
      '10.0.0.1',
      '10.1.0.0/16',
      '::1',
      '2001:db8::/32',
    ]);
    for (const bad of ['proxy.internal', '10.0.0.0/33', '10.0.0.1/8/1', '::1/129'])
      expect(() => httpSettingsFromEnv({ TRUST_PROXY: bad })).toThrow(/TRUST_PROXY/);
  });

  it('walks back through trusted proxies only, and reads mapped and ported addresses', () => {
    const clientAddress = createClientAddress(['10.0.0.0/8', '2001:db8::/32']);
    const from = (peer: string, forwarded?: string) =>
      clientAddress({
        socket: { remoteAddress: peer },
        headers: forwarded ? { 'x-forwarded-for': forwarded } : {},
      } as never);
    expect(from('10.1.2.3', '198.51.100.7, 203.0.113.5, 10.9.9.9')).toBe('203.0.113.5');
    expect(from('::ffff:10.1.2.3', '203.0.113.5:4431')).toBe('203.0.113.5');
    expect(from('2001:db8::1', '[2001:db9::5]:443')).toBe('2001:db9::5');
    expect(from('10.1.2.3', 'not-an-address')).toBe('10.1.2.3');
    expect(from('192.0.2.1', '203.0.113.5')).toBe('192.0.2.1');
    expect(from('::ffff:192.0.2.1')).toBe('192.0.2.1');
  });
});
