/**
 * Fan-out across instances: two server processes sharing one database and one Redis; a subscriber
 * connected to the first sees a release made through the second. Needs Debian's redis-server, which
 * .ci/run installs; on a machine without it the test is skipped (never under CI).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freshTestDatabaseUrl, newJobId, newWallet } from './support/market.js';
import { spawnServer, type ServerProcess } from './support/process.js';
import { call, deposit, signedLockBody, signedReleaseBody } from './support/rest.js';

const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedis && process.env.CI) throw new Error('redis-server is required under CI (.ci/run installs it)');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(!hasRedis)('two instances behind one Redis', () => {
  let redis: ChildProcess;
  let a: ServerProcess;
  let b: ServerProcess;

  beforeAll(async () => {
    const port = await freePort();
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    for (
      let i = 0;
      i < 50 &&
      spawnSync('redis-cli', ['-p', String(port), 'ping'])
        .stdout?.toString()
        .trim() !== 'PONG';
      i++
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const databaseUrl = await freshTestDatabaseUrl();
    const env = { REDIS_URL: `redis://127.0.0.1:${port}` };
    [a, b] = await Promise.all([spawnServer(databaseUrl, env), spawnServer(databaseUrl, env)]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    redis?.kill('SIGTERM');
  });

  it('delivers to a subscriber on one instance a release made through the other', async () => {
    const payer = newWallet();
    await deposit(b.url, payer.address, '5');
    const job_id = newJobId();
    expect(
      (
        await call(
          b.url,
          'POST',
          '/render/escrow',
          signedLockBody(payer, { job_id, to_wallet: newWallet().address, amount_urtc: '1000000' }),
        )
      ).status,
    ).toBe(201);

    const client = createClient({
      url: `${a.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: 0,
    });
    try {
      const events = client.iterate<{
        escrowStatusChanged: { change: string; seq: number; escrow: { status: string } };
      }>({
        query: 'subscription($jobId: String!) { escrowStatusChanged(jobId: $jobId) { seq change escrow { status } } }',
        variables: { jobId: job_id },
      });
      const next = events.next();
      await new Promise((r) => setTimeout(r, 300)); // subscribed on A before the release on B
      expect((await call(b.url, 'POST', '/render/release', signedReleaseBody(payer, { job_id }))).status).toBe(200);
      const { value } = await next;
      expect(value?.data?.escrowStatusChanged).toMatchObject({ change: 'RELEASED', escrow: { status: 'RELEASED' } });
    } finally {
      await client.dispose();
    }
  });
});
