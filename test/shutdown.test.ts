/**
 * SIGTERM to the real entry point with subscribers connected: an SSE subscriber gets `event: complete` and
 * the end of its stream, a graphql-ws subscriber gets close code 1001 (and no `complete`, so its client
 * reconnects and resubscribes), a request already in flight still gets its real answer, and only then does
 * the process exit 0. The tests assert the order of what each client saw, never how long it took.
 */
import { request, type IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freshTestDatabaseUrl, newJobId, newWallet } from './support/market.js';
import { spawnServer, type ServerProcess } from './support/process.js';
import { call, deposit, signedLockBody } from './support/rest.js';

const running: ServerProcess[] = [];
async function start(databaseUrl?: string) {
  const server = await spawnServer(databaseUrl ?? (await freshTestDatabaseUrl()));
  running.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => (s.child.exitCode === null ? s.stop() : null)));
});

const ESCROW_EVENTS = 'subscription ($wallet: String!) { escrowEvents(wallet: $wallet, afterSeq: 0) { seq change } }';

/** Resolves once the server has logged a line matching `pattern` (already logged, or later). */
function logged(server: ServerProcess, pattern: RegExp): Promise<void> {
  if (server.logs.some((line) => pattern.test(line))) return Promise.resolve();
  return new Promise((resolve) => {
    const lines = createInterface({ input: server.child.stdout! });
    lines.on('line', (line) => {
      if (!pattern.test(line)) return;
      lines.close();
      resolve();
    });
  });
}

/** The process's exit code, recorded in `timeline` as `exit <code>`. */
function exitOf(server: ServerProcess, timeline: string[]): Promise<number | null> {
  return new Promise((resolve) =>
    server.child.once('exit', (code) => {
      timeline.push(`exit ${code}`);
      resolve(code);
    }),
  );
}

/**
 * A subscription over SSE (graphql-sse's distinct connections mode) on its own connection. Each event is
 * recorded in `timeline` (`sse next`, `sse complete`), then `sse end` when the response ends (or `sse cut`
 * when the connection breaks first); `first` resolves with the first `next` payload, `ended` after either.
 */
function sseSubscriber(url: string, query: string, variables: Record<string, unknown>, timeline: string[]) {
  const { hostname, port } = new URL(url);
  let firstNext!: (payload: any) => void;
  const first = new Promise<any>((resolve) => (firstNext = resolve));
  const ended = new Promise<void>((resolve, reject) => {
    const req = request(
      {
        hostname,
        port,
        path: '/graphql',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      },
      (res: IncomingMessage) => {
        expect(res.headers['content-type']).toContain('text/event-stream');
        let buffered = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          let end: number;
          while ((end = buffered.indexOf('\n\n')) >= 0) {
            const block = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            const event = /^event: (\w+)$/m.exec(block)?.[1];
            if (!event) continue; // a keep-alive comment
            timeline.push(`sse ${event}`);
            const data = /^data: (.+)$/m.exec(block)?.[1];
            if (event === 'next' && data) firstNext(JSON.parse(data));
          }
        });
        res.on('end', () => {
          timeline.push('sse end');
          resolve();
        });
        res.on('error', () => {
          timeline.push('sse cut');
          resolve();
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ query, variables }));
  });
  return { first, ended };
}

/**
 * A subscription over graphql-ws (graphql-transport-ws), spoken directly so that every message and the close
 * code are seen: `ws next`, `ws complete`, then `ws close <code> <reason>`.
 */
function wsSubscriber(url: string, query: string, variables: Record<string, unknown>, timeline: string[]) {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
  let firstNext!: (payload: any) => void;
  const first = new Promise<any>((resolve) => (firstNext = resolve));
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init' })));
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { type: string; payload?: unknown };
    if (message.type === 'connection_ack') {
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }));
    } else if (message.type === 'next') {
      timeline.push('ws next');
      firstNext(message.payload);
    } else if (message.type !== 'ping' && message.type !== 'pong') {
      timeline.push(`ws ${message.type}`);
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => {
      timeline.push(`ws close ${code} ${String(reason)}`);
      resolve({ code, reason: String(reason) });
    }),
  );
  return { first, closed };
}

/** A wallet with one escrow locked: subscribing to its escrow events with afterSeq 0 yields LOCKED at once. */
async function walletWithEscrow(url: string) {
  const payer = newWallet();
  await deposit(url, payer.address, '5');
  const job_id = newJobId();
  const lock = signedLockBody(payer, { job_id, to_wallet: newWallet().address, amount_urtc: '1000000' });
  expect((await call(url, 'POST', '/render/escrow', lock)).status).toBe(201);
  return payer;
}

describe('shutting down with subscribers connected', () => {
  it('completes the SSE stream, closes the WebSocket with 1001, then exits 0', async () => {
    const server = await start();
    const payer = await walletWithEscrow(server.url);
    const timeline: string[] = [];
    const sse = sseSubscriber(server.url, ESCROW_EVENTS, { wallet: payer.address }, timeline);
    const ws = wsSubscriber(server.url, ESCROW_EVENTS, { wallet: payer.address }, timeline);
    // Both subscriptions are live: each has caught up with the lock.
    expect((await sse.first).data.escrowEvents.change).toBe('LOCKED');
    expect((await ws.first).data.escrowEvents.change).toBe('LOCKED');

    timeline.push('SIGTERM');
    const exited = exitOf(server, timeline);
    server.child.kill('SIGTERM');

    await sse.ended;
    expect(await ws.closed).toEqual({ code: 1001, reason: 'Going away' });
    expect(await exited).toBe(0);

    const after = timeline.slice(timeline.indexOf('SIGTERM'));
    // The SSE stream ends with its complete event; the WebSocket gets its close code and no complete.
    expect(after.filter((e) => e.startsWith('sse'))).toEqual(['sse complete', 'sse end']);
    expect(after.filter((e) => e.startsWith('ws'))).toEqual(['ws close 1001 Going away']);
    expect(after.at(-1)).toBe('exit 0');
    expect(server.logs.some((line) => line.includes('"event":"server.stopped"'))).toBe(true);
    expect(server.logs.some((line) => line.includes('server.drain_timeout'))).toBe(false);
  });

  it('completes subscriptions at once while a money request in flight still gets its real answer', async () => {
    const databaseUrl = await freshTestDatabaseUrl();
    const server = await start(databaseUrl);
    const payer = await walletWithEscrow(server.url);
    const timeline: string[] = [];
    const sse = sseSubscriber(server.url, ESCROW_EVENTS, { wallet: payer.address }, timeline);
    await sse.first;

    // A lock whose body the server is waiting for: `Expect: 100-continue` makes the server say when it has
    // the request (its handler is reading the body), so the request is in flight before the signal.
    const job_id = newJobId();
    const body = JSON.stringify(
      signedLockBody(payer, { job_id, to_wallet: newWallet().address, amount_urtc: '2000000' }),
    );
    const { hostname, port } = new URL(server.url);
    const lock = request({
      hostname,
      port,
      method: 'POST',
      path: '/render/escrow',
      agent: false,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        expect: '100-continue',
      },
    });
    const reply = new Promise<{ status: number; body: any }>((resolve) => {
      lock.on('response', (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          timeline.push(`reply ${res.statusCode}`);
          resolve({ status: res.statusCode!, body: JSON.parse(text) });
        });
      });
      lock.on('error', (err) => {
        timeline.push(`reply ${String(err)}`);
        resolve({ status: 0, body: null });
      });
    });
    await new Promise<void>((resolve) => lock.once('continue', resolve));

    const exited = exitOf(server, timeline);
    server.child.kill('SIGTERM');
    await logged(server, /"event":"server.stopping"/);
    // The subscription ends while the lock is still waiting for its body ...
    await sse.ended;
    lock.end(body);
    // ... and the lock still commits and answers, before the process exits.
    const answer = await reply;
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ ok: true, changed: true, job_id, status: 'locked', amount_urtc: '2000000' });
    expect(await exited).toBe(0);
    expect(timeline).toEqual(['sse next', 'sse complete', 'sse end', 'reply 201', 'exit 0']);

    // What it answered is what the database holds.
    const again = await start(databaseUrl);
    expect((await call(again.url, 'GET', `/render/escrow/${job_id}`)).body).toMatchObject({
      status: 'locked',
      amount_urtc: '2000000',
    });
    expect((await call(again.url, 'GET', `/wallet/balance?wallet=${payer.address}`)).body).toMatchObject({
      available_urtc: '2000000',
      locked_urtc: '3000000',
    });
  });
});
