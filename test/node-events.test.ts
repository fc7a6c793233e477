/** nodeStatusChanged: attested, suspended, reinstated and (once) offline, numbered and caught up after a reconnect. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, newWallet, startTestServer } from './support/market.js';
import { verifyNode } from './support/eligibility.js';
import { attest } from './support/gpu.js';
import { collectWs, lastSeq } from './support/subscriptions.js';

let now = 2_200_000_000;
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer({ clock: () => now });
});
afterAll(() => server.close());

const NODE_EVENTS =
  'subscription($m: String, $after: Int) { nodeStatusChanged(minerId: $m, afterSeq: $after) { seq change status trust minerId } }';
type NodeEvent = { seq: number; change: string; status: string; trust: string; minerId: string };

/** `count` node events over graphql-ws, `act` run as the subscription starts (afterSeq catches up what it missed). */
async function collect(
  variables: Record<string, unknown>,
  count: number,
  act?: () => Promise<unknown>,
): Promise<NodeEvent[]> {
  const got = await collectWs<{ nodeStatusChanged: NodeEvent }>(server.url, NODE_EVENTS, variables, { count, act });
  return got.map((p) => p.data!.nodeStatusChanged);
}

describe('nodeStatusChanged', () => {
  it('reports attested, suspended, reinstated and offline once, in order', async () => {
    const node = newWallet();
    const got = await collect({ m: node.address, after: 0 }, 4, async () => {
      expect((await attest(server.url, node)).status).toBe(200);
      await server.market.attestations.setSuspended(node.address, true, ADMIN_KEY);
      await server.market.attestations.setSuspended(node.address, false, ADMIN_KEY);
      now += 3601;
      expect(await server.market.attestations.announceOffline()).toBeGreaterThanOrEqual(1);
      expect(await server.market.attestations.announceOffline()).toBe(0); // once per lapse
    });
    expect(got.map((e) => [e.change, e.status])).toEqual([
      ['ATTESTED', 'ONLINE'],
      ['SUSPENDED', 'SUSPENDED'],
      ['REINSTATED', 'ONLINE'],
      ['OFFLINE', 'OFFLINE'],
    ]);
    expect(got.every((e, i) => i === 0 || e.seq > got[i - 1]!.seq)).toBe(true);

    // A reconnecting inventory view catches up from the first event it saw.
    const missed = await collect({ m: node.address, after: got[0]!.seq }, 3);
    expect(missed.map((e) => e.change)).toEqual(['SUSPENDED', 'REINSTATED', 'OFFLINE']);
  });
});

describe('priceUpdated', () => {
  it('fires over graphql-ws when attestations move the fair rate, numbered, with the rate after the move', async () => {
    type PriceEvent = { seq: number; jobType: string; rate: { fairUrtc: string | null; providers: number } };
    const got = await collectWs<{ priceUpdated: PriceEvent }>(
      server.url,
      'subscription($after: Int) { priceUpdated(jobType: LLM, afterSeq: $after) { seq jobType rate { fairUrtc providers } } }',
      { after: await lastSeq(server.market) }, // exactly the moves that follow
      {
        until: (p) => (p.data?.priceUpdated.rate.providers ?? 0) >= 3,
        act: async () => {
          for (const price of ['1000', '1100', '1200']) {
            const node = newWallet();
            const prices = { render_minute_urtc: '50000', llm_1k_tokens_urtc: price };
            expect((await attest(server.url, node, { prices })).status).toBe(200);
            await verifyNode(server.url, node.address); // only eligible providers move the fair rate
          }
        },
      },
    );
    const last = got.at(-1)!.data!.priceUpdated;
    expect(last).toMatchObject({ jobType: 'LLM', rate: { fairUrtc: '1100', providers: 3 } });
    expect(last.seq).toBeGreaterThan(0);
  });
});
