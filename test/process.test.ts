/**
 * The server as it runs in production: a separate process on a file database. Durability across a
 * restart, graceful shutdown with a request in flight, and races between two processes on one file.
 */
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { freshTestDatabaseUrl, newJobId, newWallet } from './support/market.js';
import { spawnServer, type ServerProcess } from './support/process.js';
import { asOperator, call, deposit, signedLockBody, signedRefundBody, signedReleaseBody } from './support/rest.js';

const running: ServerProcess[] = [];
async function start(databaseUrl: string) {
  const server = await spawnServer(databaseUrl);
  running.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => (s.child.exitCode === null ? s.stop() : null)));
});

describe('a server process', () => {
  it('keeps balances and escrows across a stop and a restart on the same database', async () => {
    const databaseUrl = await freshTestDatabaseUrl();
    const payer = newWallet();
    const provider = newWallet();
    const lockedJob = newJobId();
    const releasedJob = newJobId();

    const first = await start(databaseUrl);
    await deposit(first.url, payer.address, '10', 'restart-ref');
    await call(
      first.url,
      'POST',
      '/llm/escrow',
      signedLockBody(payer, {
        job_id: lockedJob,
        job_type: 'llm',
        to_wallet: provider.address,
        amount_urtc: '3000000',
      }),
    );
    await call(
      first.url,
      'POST',
      '/render/escrow',
      signedLockBody(payer, { job_id: releasedJob, to_wallet: provider.address, amount_urtc: '2000000' }),
    );
    expect(
      (
        await call(
          first.url,
          'POST',
          '/render/release',
          signedReleaseBody(payer, { job_id: releasedJob, amount_urtc: '1500000' }),
        )
      ).status,
    ).toBe(200);
    expect(await first.stop()).toBe(0);
    expect(first.logs.some((l) => l.includes('"event":"server.stopped"'))).toBe(true);

    const second = await start(databaseUrl);
    // The 1.5 RTC release was a milestone: paid to the provider, the other 0.5 RTC still locked.
    expect((await call(second.url, 'GET', `/wallet/balance?wallet=${payer.address}`)).body).toMatchObject({
      available_urtc: '5000000',
      locked_urtc: '3500000',
    });
    expect((await call(second.url, 'GET', `/wallet/balance?wallet=${provider.address}`)).body.available_urtc).toBe(
      '1500000',
    );
    expect((await call(second.url, 'GET', `/render/escrow/${lockedJob}`)).body).toMatchObject({
      status: 'locked',
      job_type: 'llm',
    });
    expect((await call(second.url, 'GET', `/render/escrow/${releasedJob}`)).body).toMatchObject({
      status: 'locked',
      released_urtc: '1500000',
      remaining_urtc: '500000',
    });
    // Idempotency survives the restart too.
    expect((await deposit(second.url, payer.address, '10', 'restart-ref')).status).toBe(200);
  });

  it('finishes a request in flight when it receives SIGTERM, then exits cleanly', async () => {
    const server = await start(await freshTestDatabaseUrl());
    const payer = newWallet();
    await deposit(server.url, payer.address, '5');
    const body = JSON.stringify(
      signedLockBody(payer, { job_id: newJobId(), to_wallet: newWallet().address, amount_urtc: '1000000' }),
    );
    const { hostname, port } = new URL(server.url);

    const reply = new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = request(
        {
          hostname,
          port,
          method: 'POST',
          path: '/render/escrow',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 20)); // the request is in flight: headers and part of the body are sent
      setTimeout(() => {
        server.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(20)), 300);
      }, 200);
    });

    expect((await reply).status).toBe(201);
    expect(await new Promise((resolve) => server.child.once('exit', resolve))).toBe(0);
  });

  it('two processes on one database file still settle an escrow exactly once and never overdraw', async () => {
    const databaseUrl = await freshTestDatabaseUrl();
    const [a, b] = await Promise.all([start(databaseUrl), start(databaseUrl)]);
    const payer = newWallet();
    const provider = newWallet();
    await deposit(a.url, payer.address, '10');

    const job_id = newJobId();
    expect(
      (
        await call(
          a.url,
          'POST',
          '/render/escrow',
          signedLockBody(payer, { job_id, to_wallet: provider.address, amount_urtc: '4000000' }),
        )
      ).status,
    ).toBe(201);
    const settlements = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const url = i % 2 ? a.url : b.url;
        if (i % 3 === 0) return call(url, 'POST', '/render/release', signedReleaseBody(payer, { job_id }));
        if (i % 3 === 1) return call(url, 'POST', '/render/refund', signedRefundBody(provider, { job_id }));
        return call(url, 'POST', '/render/refund', { job_id }, asOperator);
      }),
    );
    expect(settlements.filter((r) => r.status === 200 && r.body.changed)).toHaveLength(1);
    expect(settlements.every((r) => r.status === 200 || r.body.error.code === 'INVALID_STATE')).toBe(true);

    const locks = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(
          i % 2 ? a.url : b.url,
          'POST',
          '/render/escrow',
          signedLockBody(payer, { job_id: newJobId(), to_wallet: provider.address, amount_urtc: '1000000' }),
        ),
      ),
    );
    const after = (await call(b.url, 'GET', `/wallet/balance?wallet=${payer.address}`)).body;
    const providerAfter = (await call(b.url, 'GET', `/wallet/balance?wallet=${provider.address}`)).body;
    const granted = locks.filter((r) => r.status === 201).length;
    expect(locks.every((r) => r.status === 201 || r.body.error.code === 'INSUFFICIENT_FUNDS')).toBe(true);
    expect(BigInt(after.available_urtc)).toBeGreaterThanOrEqual(0n);
    expect(BigInt(after.locked_urtc)).toBe(BigInt(granted) * 1_000_000n);
    // Whatever the outcome of the race, the 10 RTC deposited are all still there.
    expect(BigInt(after.available_urtc) + BigInt(after.locked_urtc) + BigInt(providerAfter.available_urtc)).toBe(
      10_000_000n,
    );
  });
});
