/** WebSocket limits and bad input: clear refusals with graphql-ws's codes, never a crash. */
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { newWallet, startTestServer } from './support/market.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let wsUrl: string;
beforeAll(async () => {
  server = await startTestServer({ maxSubscriptionsPerConnection: 2, maxConnectionsPerIp: 3 });
  wsUrl = `${server.url.replace('http', 'ws')}/graphql`;
});
afterAll(() => server.close());

const WALLET_EVENTS = 'subscription($w: String!) { escrowEvents(wallet: $w) { seq } }';

/** Opens a raw graphql-transport-ws socket and waits until it is open (or refused). */
function rawSocket(): Promise<{ socket: WebSocket; refusedWith?: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    socket.once('open', () => resolve({ socket }));
    socket.once('unexpected-response', (_req, res) => resolve({ socket, refusedWith: res.statusCode }));
    socket.once('error', reject);
  });
}

const closed = (socket: WebSocket) => new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));

describe('limits', () => {
  it('caps subscriptions per connection with a clear error, and frees a slot when one completes', async () => {
    const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const subscribe = (w: string) => {
        let fail: (e: unknown) => void = () => {};
        const failed = new Promise<unknown>((resolve) => (fail = resolve));
        const dispose = client.subscribe(
          { query: WALLET_EVENTS, variables: { w } },
          { next: () => {}, error: (e) => fail(e), complete: () => {} },
        );
        return { dispose, failed };
      };
      const first = subscribe(newWallet().address);
      subscribe(newWallet().address);
      const third = subscribe(newWallet().address);
      const error = (await third.failed) as { message: string; extensions: { code: string } }[];
      expect(error[0]!.message).toContain('at most 2 subscriptions');
      expect(error[0]!.extensions.code).toBe('RATE_LIMITED');
      first.dispose();
      await new Promise((r) => setTimeout(r, 100));
      const fourth = subscribe(newWallet().address);
      const outcome = await Promise.race([fourth.failed, new Promise((r) => setTimeout(() => r('still open'), 300))]);
      expect(outcome).toBe('still open');
    } finally {
      await client.dispose();
    }
  });

  it('caps connections per address with an HTTP 429 at the upgrade', async () => {
    const open = await Promise.all([rawSocket(), rawSocket(), rawSocket()]);
    expect(open.every((o) => o.refusedWith === undefined)).toBe(true);
    const fourth = await rawSocket();
    expect(fourth.refusedWith).toBe(429);
    for (const o of open) o.socket.close();
    await Promise.all(open.map((o) => closed(o.socket)));
    await new Promise((r) => setTimeout(r, 50));
    const again = await rawSocket();
    expect(again.refusedWith).toBeUndefined();
    again.socket.close();
  });
});

describe('bad input', () => {
  it('closes a connection that sends garbage with 4400, and the server keeps serving', async () => {
    const { socket } = await rawSocket();
    const code = closed(socket);
    socket.send('this is not a graphql-ws message');
    expect(await code).toBe(4400);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
  });

  it('answers an unknown operation with an error message, not a crash', async () => {
    const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const error = await new Promise<unknown>((resolve) => {
        client.subscribe(
          { query: 'subscription { noSuchThing }' },
          { next: () => {}, error: resolve, complete: () => resolve('completed') },
        );
      });
      expect(JSON.stringify(error)).toContain('noSuchThing');
    } finally {
      await client.dispose();
    }
  });
});
