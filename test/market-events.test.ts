/**
 * marketEvents, the market-wide feed, over graphql-ws and Server-Sent Events against a listening server: every
 * event of the log (escrows, nodes, prices, custody) in seq order, each exactly once, caught up after a
 * reconnect, and EVENTS_PURGED rather than a silent gap.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../src/client/gql/gql.js';
import { createRustChainAdapter } from '../src/custody/rustchain-adapter.js';
import { createRustChainClient, rustChainKeyFromSeed } from '../src/custody/rustchain.js';
import type { Wallet } from '../src/domain/signatures.js';
import { startMarketServer } from '../src/server.js';
import { newJobId, newWallet, openTestMarket, startTestServer } from './support/market.js';
import { attest } from './support/gpu.js';
import { call, deposit, signedLockBody, signedReleaseBody } from './support/rest.js';
import { startRustChainStandIn } from './support/rustchain-stand-in.js';
import { collectSse, collectWs, lastSeq, type Payload } from './support/subscriptions.js';
import { expectLedgerSound, queryRows } from './support/database.js';

const MarketEvents = graphql(`
  subscription MarketEvents($afterSeq: Int) {
    marketEvents(afterSeq: $afterSeq) {
      __typename
      ... on EscrowEvent {
        seq
        escrowChange: change
        escrow {
          jobId
          status
        }
      }
      ... on NodeEvent {
        seq
        nodeChange: change
        minerId
        status
      }
      ... on PriceEvent {
        seq
        jobType
      }
      ... on WalletEvent {
        seq
        walletChange: change
        wallet
        deposit {
          txHash
          status
        }
      }
    }
  }
`);

type MarketEvent = {
  __typename: string;
  seq: number;
  escrowChange?: string;
  escrow?: { jobId: string; status: string };
  nodeChange?: string;
  minerId?: string;
  walletChange?: string;
  wallet?: string;
  deposit?: { txHash: string; status: string } | null;
};
type Data = { marketEvents: MarketEvent };
const QUERY = MarketEvents.toString();
const TYPENAME: Record<string, string> = {
  escrow: 'EscrowEvent',
  node: 'NodeEvent',
  price: 'PriceEvent',
  wallet: 'WalletEvent',
};

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await expectLedgerSound(server.market);
  await server.close();
});

/** The log's events after `after` up to `through`, as (seq, typename): what the feed must have delivered. */
async function logBetween(after: number, through: number): Promise<[number, string][]> {
  const rows = await queryRows<{ seq: bigint; topic: string }>(
    server.market,
    'SELECT seq, topic FROM market_events WHERE seq > ? AND seq <= ? ORDER BY seq',
    [after, through],
  );
  return rows.map((r) => [Number(r.seq), TYPENAME[r.topic]!]);
}

async function lock(payer: Wallet, provider: Wallet, job_id = newJobId('feed')): Promise<string> {
  const body = signedLockBody(payer, { job_id, to_wallet: provider.address, amount_urtc: '1000000' });
  const r = await call(server.url, 'POST', '/render/escrow', body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return job_id;
}

async function release(payer: Wallet, job_id: string) {
  expect((await call(server.url, 'POST', '/render/release', signedReleaseBody(payer, { job_id }))).status).toBe(200);
}

async function fundedPayer(): Promise<Wallet> {
  const payer = newWallet();
  expect((await deposit(server.url, payer.address, '10')).status).toBe(201);
  return payer;
}

const events = (payloads: Payload<Data>[]) => payloads.map((p) => p.data!.marketEvents);
const isRelease = (job_id: string) => (p: Payload<Data>) =>
  p.data?.marketEvents.escrow?.jobId === job_id && p.data.marketEvents.escrowChange === 'RELEASED';

describe('marketEvents', () => {
  it('marketEventsSeq is the last seq committed: a feed started from it misses nothing made meanwhile', async () => {
    const payer = await fundedPayer();
    const r = await call(server.url, 'POST', '/graphql', { query: '{ marketEventsSeq }' });
    const start = r.body.data.marketEventsSeq as number;
    expect(start).toBe(await lastSeq(server.market));
    // Made before the subscription starts, yet delivered: the feed catches up from the seq it was given.
    const job_id = await lock(payer, newWallet());
    const got = events(
      await collectWs<Data>(
        server.url,
        QUERY,
        { afterSeq: start },
        { until: (p) => p.data?.marketEvents.escrow?.jobId === job_id },
      ),
    );
    expect(got.map((e) => [e.seq, e.__typename])).toEqual(await logBetween(start, got.at(-1)!.seq));
  });

  it('delivers node, price and escrow events as committed, in seq order, each once, over graphql-ws', async () => {
    const payer = await fundedPayer();
    const node = newWallet();
    const start = await lastSeq(server.market);
    let job_id = '';
    const got = events(
      await collectWs<Data>(
        server.url,
        QUERY,
        { afterSeq: start },
        {
          until: (p) => isRelease(job_id)(p),
          act: async () => {
            expect((await attest(server.url, node)).status).toBe(200);
            job_id = await lock(payer, node);
            await release(payer, job_id);
          },
        },
      ),
    );
    // Exactly the log, nothing skipped, nothing twice, whatever kinds of event were interleaved.
    expect(got.map((e) => [e.seq, e.__typename])).toEqual(await logBetween(start, got.at(-1)!.seq));
    expect(got.find((e) => e.__typename === 'NodeEvent')).toMatchObject({
      nodeChange: 'ATTESTED',
      minerId: node.address,
      status: 'ONLINE',
    });
    const ofJob = got.filter((e) => e.escrow?.jobId === job_id);
    expect(ofJob.map((e) => [e.escrowChange, e.escrow!.status])).toEqual([
      ['LOCKED', 'LOCKED'],
      ['RELEASED', 'RELEASED'],
    ]);
  });

  it('delivers the same feed over Server-Sent Events', async () => {
    const payer = await fundedPayer();
    const provider = newWallet();
    const start = await lastSeq(server.market);
    let job_id = '';
    const got = events(
      await collectSse<Data>(
        server.url,
        QUERY,
        { afterSeq: start },
        {
          until: (p) => isRelease(job_id)(p),
          act: async () => {
            job_id = await lock(payer, provider);
            await release(payer, job_id);
          },
        },
      ),
    );
    expect(got.map((e) => [e.seq, e.__typename])).toEqual(await logBetween(start, got.at(-1)!.seq));
    expect(got.filter((e) => e.escrow?.jobId === job_id).map((e) => e.escrowChange)).toEqual(['LOCKED', 'RELEASED']);
  });

  it('after a reconnect, replays what was missed first, then follows live events', async () => {
    const payer = await fundedPayer();
    const provider = newWallet();
    const before = await lastSeq(server.market);
    const missed = [await lock(payer, provider), await lock(payer, provider)];
    let live = '';
    const got = events(
      await collectWs<Data>(
        server.url,
        QUERY,
        { afterSeq: before },
        {
          // Not by `live`: its event may arrive before the lock's own answer has told us its job id.
          until: (p) => {
            const jobId = p.data?.marketEvents.escrow?.jobId;
            return jobId !== undefined && !missed.includes(jobId);
          },
          act: async () => {
            live = await lock(payer, provider);
          },
        },
      ),
    );
    expect(got.filter((e) => e.__typename === 'EscrowEvent').map((e) => e.escrow!.jobId)).toEqual([...missed, live]);
    expect(got.map((e) => [e.seq, e.__typename])).toEqual(await logBetween(before, got.at(-1)!.seq));
  });

  it('without afterSeq, starts from now: nothing already committed is replayed', async () => {
    const payer = await fundedPayer();
    const provider = newWallet();
    const earlier = await lock(payer, provider);
    const earlierSeq = await lastSeq(server.market);
    // The subscription's start is not observable from here, so lock until one arrives.
    let arrived = false;
    const got = events(
      await collectWs<Data>(
        server.url,
        QUERY,
        {},
        {
          until: (p) => (arrived = p.data?.marketEvents.__typename === 'EscrowEvent'),
          act: async () => {
            while (!arrived) {
              await lock(payer, provider);
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
          },
        },
      ),
    );
    expect(got.map((e) => e.escrow?.jobId)).not.toContain(earlier);
    expect(got.every((e) => e.seq > earlierSeq)).toBe(true);
  });

  it('refuses a validation-failing afterSeq', async () => {
    const got = await collectWs<Data>(server.url, QUERY, { afterSeq: -1 }, { count: 1 });
    expect(got[0]!.errors?.length).toBeGreaterThan(0);
    expect(got[0]!.data ?? null).toBeNull();
  });
});

describe('marketEvents after a purge', () => {
  let own: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    own = await startTestServer();
  });
  afterAll(() => own.close());

  it('says EVENTS_PURGED over graphql-ws and SSE when missed events are gone, and follows from a seq still retained', async () => {
    const payer = newWallet();
    const provider = newWallet();
    await deposit(own.url, payer.address, '5');
    const lockOwn = async () => {
      const job_id = newJobId('purged');
      const body = signedLockBody(payer, { job_id, to_wallet: provider.address, amount_urtc: '1000000' });
      expect((await call(own.url, 'POST', '/render/escrow', body)).status).toBe(201);
      return job_id;
    };
    await lockOwn();
    await own.market.sql.write(() => own.market.escrowEvents.purge(own.market.clock() + 1)); // everything so far leaves the retention window
    const expectPurged = (got: Payload<Data>[]) => {
      expect(got).toHaveLength(1);
      expect(got[0]!.errors?.[0]?.extensions?.code).toBe('EVENTS_PURGED');
      expect(got[0]!.data ?? null).toBeNull();
    };
    expectPurged(await collectWs<Data>(own.url, QUERY, { afterSeq: 0 }, { count: 1, act: lockOwn }));
    expectPurged(await collectSse<Data>(own.url, QUERY, { afterSeq: 0 }, { count: 1, act: lockOwn }));

    const after = await lastSeq(own.market);
    let live = '';
    const got = await collectWs<Data>(
      own.url,
      QUERY,
      { afterSeq: after },
      {
        count: 1,
        act: async () => {
          live = await lockOwn();
        },
      },
    );
    expect(got[0]!.data!.marketEvents).toMatchObject({ escrowChange: 'LOCKED', escrow: { jobId: live } });
  });
});

describe('marketEvents with custody', () => {
  it('carries deposits seen and credited on RustChain', async () => {
    const node = await startRustChainStandIn({ pendingRateLimitMax: 10_000 });
    let now = 1_800_000_000;
    const custody = rustChainKeyFromSeed(randomBytes(32).toString('hex'));
    const client = createRustChainClient({ url: node.url, chainId: node.chainId, pendingRequestsMax: 10_000 });
    const market = await openTestMarket({ clock: () => now, chain: createRustChainAdapter(client, custody) });
    const own = await startMarketServer(market, {
      host: '127.0.0.1',
      port: 0,
      sweepIntervalMs: 60_000,
      custodyPollIntervalMs: 3_600_000,
    });
    try {
      const sender = rustChainKeyFromSeed(randomBytes(32).toString('hex'));
      node.credit(sender.address, 5_000_000n);
      const signed = client.signTransfer(sender, {
        to: custody.address,
        amountUrtc: 2_000_000n,
        nonce: BigInt(Date.now()),
        memo: '',
      });
      const got = events(
        await collectWs<Data>(
          own.url,
          QUERY,
          { afterSeq: await lastSeq(market) },
          {
            until: (p) => p.data?.marketEvents.walletChange === 'DEPOSIT_CREDITED',
            act: async () => {
              await client.sendTransfer(signed);
              now += 60;
              await market.custody.tick();
              node.confirm(signed.txHash);
              now += 60;
              await market.custody.tick();
            },
          },
        ),
      );
      const ofWallet = got.filter((e) => e.__typename === 'WalletEvent'); // moving the clock moves rates too
      expect(ofWallet.map((e) => [e.__typename, e.walletChange, e.wallet, e.deposit])).toEqual([
        ['WalletEvent', 'DEPOSIT_PENDING', sender.address, { txHash: signed.txHash, status: 'PENDING' }],
        ['WalletEvent', 'DEPOSIT_CREDITED', sender.address, { txHash: signed.txHash, status: 'CREDITED' }],
      ]);
    } finally {
      await own.close();
      await node.close();
    }
  });
});
