/**
 * Escrow events over graphql-ws (WebSocket) and Server-Sent Events against a listening server:
 * numbered, in order, only after commit, and caught up exactly once after a reconnect.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { graphql } from '../src/client/gql/gql.js';
import type { Wallet } from '../src/domain/signatures.js';
import { newJobId, newWallet, startTestServer, testSqliteWriter } from './support/market.js';
import { signedDeliverBody, signedDisputeBody } from './support/delivery.js';
import { asOperator, call, deposit, signedLockBody, signedReleaseBody } from './support/rest.js';
import { collectSse, collectWs, wsClient as sharedWsClient, type Payload } from './support/subscriptions.js';

const EscrowStatus = graphql(`
  subscription EscrowStatus($jobId: String!, $afterSeq: Int) {
    escrowStatusChanged(jobId: $jobId, afterSeq: $afterSeq) {
      seq
      change
      at
      escrow {
        jobId
        status
        releasedUrtc
        refundedUrtc
      }
    }
  }
`);

const WalletEvents = graphql(`
  subscription WalletEvents($wallet: String!, $afterSeq: Int) {
    escrowEvents(wallet: $wallet, afterSeq: $afterSeq) {
      seq
      change
      escrow {
        jobId
        fromWallet
        toWallet
        status
      }
    }
  }
`);

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function fundedPayer(): Promise<Wallet> {
  const payer = newWallet();
  await deposit(server.url, payer.address, '5');
  return payer;
}

async function lock(payer: Wallet, provider = newWallet()) {
  const job_id = newJobId();
  expect(
    (
      await call(
        server.url,
        'POST',
        '/render/escrow',
        signedLockBody(payer, { job_id, to_wallet: provider.address, amount_urtc: '2000000' }),
      )
    ).status,
  ).toBe(201);
  return job_id;
}

const release = (payer: Wallet, job_id: string, amount_urtc?: string) =>
  call(
    server.url,
    'POST',
    '/render/release',
    signedReleaseBody(payer, { job_id, ...(amount_urtc ? { amount_urtc } : {}) }),
  );

const wsClient = () => sharedWsClient(server.url);

/** The data of `count` events of a subscription over graphql-ws, `act` run as it starts (no sleep: afterSeq catches up). */
async function collectData<T>(
  query: string,
  variables: Record<string, unknown>,
  count: number,
  act?: () => Promise<unknown>,
): Promise<T[]> {
  return (await collectWs<T>(server.url, query, variables, { count, act })).map((p) => p.data as T);
}

describe('escrowStatusChanged', () => {
  it('delivers locked, a milestone and the release, in order, with increasing sequence numbers (graphql-ws)', async () => {
    const payer = await fundedPayer();
    const job_id = newJobId();
    const provider = newWallet();
    type R = { escrowStatusChanged: { seq: number; change: string; escrow: { status: string; releasedUrtc: string } } };
    const got = await collectData<R>(EscrowStatus.toString(), { jobId: job_id, afterSeq: 0 }, 3, async () => {
      await call(
        server.url,
        'POST',
        '/render/escrow',
        signedLockBody(payer, { job_id, to_wallet: provider.address, amount_urtc: '2000000' }),
      );
      await release(payer, job_id, '500000');
      await release(payer, job_id);
    });
    // A milestone no longer ends the stream: it goes on to the settlement.
    expect(got.map((g) => g.escrowStatusChanged.change)).toEqual(['LOCKED', 'PARTIALLY_RELEASED', 'RELEASED']);
    expect(got[1]!.escrowStatusChanged.seq).toBeGreaterThan(got[0]!.escrowStatusChanged.seq);
    expect(got[2]!.escrowStatusChanged.seq).toBeGreaterThan(got[1]!.escrowStatusChanged.seq);
    expect(got[1]!.escrowStatusChanged.escrow).toMatchObject({ status: 'LOCKED', releasedUrtc: '500000' });
    expect(got[2]!.escrowStatusChanged.escrow).toMatchObject({ status: 'RELEASED', releasedUrtc: '2000000' });
  });

  it('delivers locked then released over Server-Sent Events', async () => {
    const payer = await fundedPayer();
    const provider = newWallet();
    const job_id = newJobId();
    type R = { escrowStatusChanged: { seq: number; change: string } };
    const got = await collectSse<R>(
      server.url,
      EscrowStatus.toString(),
      { jobId: job_id, afterSeq: 0 },
      {
        count: 2,
        act: async () => {
          await call(
            server.url,
            'POST',
            '/render/escrow',
            signedLockBody(payer, { job_id, to_wallet: provider.address, amount_urtc: '2000000' }),
          );
          await release(payer, job_id);
        },
      },
    );
    const events = got.map((p) => p.data!.escrowStatusChanged);
    expect(events.map((e) => e.change)).toEqual(['LOCKED', 'RELEASED']);
    expect(events[1]!.seq).toBeGreaterThan(events[0]!.seq);
  });

  it('yields the settlement at once for an escrow already settled, then ends', async () => {
    const payer = await fundedPayer();
    const job_id = await lock(payer);
    await release(payer, job_id);
    type R = { escrowStatusChanged: { change: string; escrow: { status: string; releasedUrtc: string } } };
    const got = await collectData<R>(EscrowStatus.toString(), { jobId: job_id }, 1);
    expect(got[0]!.escrowStatusChanged).toMatchObject({
      change: 'RELEASED',
      escrow: { status: 'RELEASED', releasedUrtc: '2000000' },
    });
  });

  it('catches up a reconnecting subscriber with the missed event exactly once', async () => {
    const payer = await fundedPayer();
    const job_id = newJobId();
    const provider = newWallet();
    type R = { escrowStatusChanged: { seq: number; change: string } };
    const [locked] = await collectData<R>(EscrowStatus.toString(), { jobId: job_id, afterSeq: 0 }, 1, () =>
      call(
        server.url,
        'POST',
        '/render/escrow',
        signedLockBody(payer, { job_id, to_wallet: provider.address, amount_urtc: '2000000' }),
      ),
    );
    // Disconnected: the escrow changes meanwhile.
    await release(payer, job_id);
    const client = wsClient();
    try {
      const seen: R[] = [];
      for await (const r of client.iterate<R>({
        query: EscrowStatus.toString(),
        variables: { jobId: job_id, afterSeq: locked!.escrowStatusChanged.seq },
      })) {
        seen.push(r.data as R);
      }
      expect(seen.map((s) => s.escrowStatusChanged.change)).toEqual(['RELEASED']); // then the stream ends: settled
    } finally {
      await client.dispose();
    }
  });
});

describe('escrowEvents', () => {
  it('delivers the events of both sides of a payment', async () => {
    const payer = await fundedPayer();
    const provider = newWallet();
    type R = { escrowEvents: { change: string; escrow: { jobId: string; fromWallet: string; toWallet: string } } };
    let job_id = '';
    const act = async () => {
      job_id = await lock(payer, provider);
      await release(payer, job_id);
    };
    const [asPayer, asProvider] = await Promise.all([
      collectData<R>(WalletEvents.toString(), { wallet: payer.address, afterSeq: 0 }, 2, act),
      collectData<R>(WalletEvents.toString(), { wallet: provider.address, afterSeq: 0 }, 2),
    ]);
    for (const side of [asPayer, asProvider]) {
      expect(side.map((e) => e.escrowEvents.change)).toEqual(['LOCKED', 'RELEASED']);
      expect(side[0]!.escrowEvents.escrow).toMatchObject({
        jobId: job_id,
        fromWallet: payer.address,
        toWallet: provider.address,
      });
    }
  });

  it('replays a wallet’s missed events after afterSeq', async () => {
    const payer = await fundedPayer();
    const first = await lock(payer);
    const seqOfFirst = (await server.market.escrowEvents.ofJobAfter(first, 0))[0]!.seq;
    const second = await lock(payer);
    await release(payer, second);
    type R = { escrowEvents: { change: string; escrow: { jobId: string } } };
    const got = await collectData<R>(WalletEvents.toString(), { wallet: payer.address, afterSeq: seqOfFirst }, 2);
    expect(got.map((g) => [g.escrowEvents.escrow.jobId, g.escrowEvents.change])).toEqual([
      [second, 'LOCKED'],
      [second, 'RELEASED'],
    ]);
  });
});

describe('events after commit', () => {
  // The failure is injected into this process's ledger; on the writer thread, a unit that throws there is
  // test/sqlite-writer-thread.test.ts's.
  it.skipIf(testSqliteWriter === 'thread')(
    'a change rolled back inside its transaction publishes nothing and leaves no event',
    async () => {
      const payer = await fundedPayer();
      const job_id = await lock(payer);
      const published = vi.fn();
      const listening = (async () => {
        for await (const e of server.market.pubsub.subscribe('escrowOfJob', job_id)) published(e);
      })();
      const settle = vi.spyOn(server.market.ledger, 'settle').mockImplementationOnce(() => {
        throw new Error('disk full, say');
      });
      const failed = await release(payer, job_id);
      expect(failed.status).toBe(500);
      settle.mockRestore();
      await new Promise((r) => setTimeout(r, 50));
      expect(published).not.toHaveBeenCalled();
      expect((await server.market.escrowEvents.ofJobAfter(job_id, 0)).map((e) => e.change)).toEqual(['locked']);
      expect((await call(server.url, 'GET', `/render/escrow/${job_id}`)).body.status).toBe('locked');
      void listening;
    },
  );
});

describe('catch-up', () => {
  let own: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    own = await startTestServer();
  });
  afterAll(() => own.close());

  /** The payloads of a subscription over graphql-ws up to the one `isLast` picks (or its end), `act` run as it starts. */
  const payloadsWs = (
    query: string,
    variables: Record<string, unknown>,
    isLast: (p: Payload) => boolean,
    act?: () => Promise<unknown>,
  ) => collectWs(own.url, query, variables, { until: isLast, act });

  /** The first payload of a subscription over Server-Sent Events, `act` run as it starts. */
  const firstPayloadSse = (query: string, variables: Record<string, unknown>, act: () => Promise<unknown>) =>
    collectSse(own.url, query, variables, { count: 1, act });

  async function lockFor(payer: Wallet, prefix: string) {
    const job_id = newJobId(prefix);
    expect(
      (
        await call(
          own.url,
          'POST',
          '/render/escrow',
          signedLockBody(payer, { job_id, to_wallet: newWallet().address, amount_urtc: '1000' }),
        )
      ).status,
    ).toBe(201);
    return job_id;
  }

  it('delivers all 1,100 missed events of a wallet, in order, then the live ones', async () => {
    const payer = newWallet();
    await deposit(own.url, payer.address, '5');
    const missed = 1100;
    for (let i = 0; i < missed; i += 50)
      await Promise.all(Array.from({ length: Math.min(50, missed - i) }, () => lockFor(payer, 'many')));
    let live = '';
    // By its prefix: the live event may arrive before the lock's own answer has told us its job id.
    const isLive = (p: Payload) => String(p.data?.escrowEvents.escrow.jobId).startsWith('live-');
    const got = await payloadsWs(WalletEvents.toString(), { wallet: payer.address, afterSeq: 0 }, isLive, async () => {
      live = await lockFor(payer, 'live');
    });
    expect(got.map((p) => p.data!.escrowEvents.escrow.jobId).indexOf(live)).toBe(missed); // every missed one came first
    const seqs = got.map((p) => p.data!.escrowEvents.seq as number);
    expect(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!)).toBe(true);
  });

  it('says EVENTS_PURGED when missed events were purged, over graphql-ws and SSE, instead of skipping them', async () => {
    const payer = newWallet();
    await deposit(own.url, payer.address, '5');
    const job_id = await lockFor(payer, 'purged');
    await own.market.sql.write(() => own.market.escrowEvents.purge(own.market.clock() + 1)); // everything so far leaves the retention window
    const another = () => lockFor(payer, 'later'); // a live event: skipping the gap would deliver it

    const first = () => true;
    const expectPurged = (got: Payload[]) => {
      expect(got).toHaveLength(1);
      expect(got[0]!.errors?.[0]?.extensions?.code).toBe('EVENTS_PURGED');
      expect(got[0]!.data ?? null).toBeNull();
    };
    expectPurged(await payloadsWs(WalletEvents.toString(), { wallet: payer.address, afterSeq: 0 }, first, another));
    expectPurged(await firstPayloadSse(WalletEvents.toString(), { wallet: payer.address, afterSeq: 0 }, another));
    expectPurged(
      await payloadsWs(EscrowStatus.toString(), { jobId: job_id, afterSeq: 0 }, first, () => release(payer, job_id)),
    );
  });

  it('still delivers every event of a wallet that began after the purge, from afterSeq 0', async () => {
    await own.market.sql.write(() => own.market.escrowEvents.purge(own.market.clock() + 1));
    const payer = newWallet();
    await deposit(own.url, payer.address, '5');
    const job_id = await lockFor(payer, 'after-purge');
    const got = await payloadsWs(WalletEvents.toString(), { wallet: payer.address, afterSeq: 0 }, () => true);
    expect(got.map((p) => [p.data?.escrowEvents.escrow.jobId, p.data?.escrowEvents.change])).toEqual([
      [job_id, 'LOCKED'],
    ]);
  });
});

describe('escrowStatusChanged through delivery and dispute', () => {
  it('delivers every transition (milestone, delivery, dispute, resolution) and ends only after the settlement', async () => {
    const payer = await fundedPayer();
    const provider = newWallet();
    const job_id = newJobId();
    const client = wsClient();
    try {
      // afterSeq 0 on a fresh job id: every event of the job, none missed, without waiting for the subscription to start.
      const stream = client.iterate<{
        escrowStatusChanged: { seq: number; change: string; escrow: { status: string; releasedUrtc: string } };
      }>({
        query: EscrowStatus.toString(),
        variables: { jobId: job_id, afterSeq: 0 },
      });
      expect(
        (
          await call(
            server.url,
            'POST',
            '/render/escrow',
            signedLockBody(payer, { job_id, to_wallet: provider.address, amount_urtc: '2000000' }),
          )
        ).status,
      ).toBe(201);
      await release(payer, job_id, '500000');
      await call(
        server.url,
        'POST',
        '/render/deliver',
        signedDeliverBody(provider, { job_id, claimed_urtc: '1000000' }),
      );
      await call(server.url, 'POST', '/render/dispute', signedDisputeBody(payer, { job_id }));
      expect(
        (await call(server.url, 'POST', '/escrow/resolve', { job_id, release_urtc: '700000' }, asOperator)).body.status,
      ).toBe('released');
      const seen: { change: string; status: string; seq: number }[] = [];
      for await (const r of stream)
        seen.push({
          change: r.data!.escrowStatusChanged.change,
          status: r.data!.escrowStatusChanged.escrow.status,
          seq: r.data!.escrowStatusChanged.seq,
        });
      // The loop ended: the stream completed after RELEASED, not after the milestone.
      expect(seen.map((e) => [e.change, e.status])).toEqual([
        ['LOCKED', 'LOCKED'],
        ['PARTIALLY_RELEASED', 'LOCKED'],
        ['DELIVERED', 'DELIVERED'],
        ['DISPUTED', 'DISPUTED'],
        ['RELEASED', 'RELEASED'],
      ]);
      expect(seen.map((e) => e.seq)).toEqual([...seen.map((e) => e.seq)].sort((a, b) => a - b));
    } finally {
      await client.dispose();
    }
  });
});
