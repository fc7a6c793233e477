/** nodeStatusChanged: attested, suspended, reinstated and (once) offline, numbered and caught up after a reconnect. */
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ADMIN_KEY, newWallet, startTestServer } from './support/market.js';
import { verifyNode } from './support/eligibility.js';
import { attest } from './support/gpu.js';

let now = 2_200_000_000;
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer({ clock: () => now });
});
afterAll(() => server.close());

const NODE_EVENTS =
  'subscription($m: String, $after: Int) { nodeStatusChanged(minerId: $m, afterSeq: $after) { seq change status trust minerId } }';
type NodeEvent = { seq: number; change: string; status: string; trust: string; minerId: string };

async function collect(
  variables: Record<string, unknown>,
  count: number,
  act: () => Promise<unknown> = async () => {},
): Promise<NodeEvent[]> {
  const client = createClient({
    url: `${server.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
  });
  try {
    const events = client.iterate<{ nodeStatusChanged: NodeEvent }>({ query: NODE_EVENTS, variables });
    const first = events.next();
    await new Promise((r) => setTimeout(r, 150));
    await act();
    const got: NodeEvent[] = [];
    for (let next = await first; !next.done; next = await events.next()) {
      got.push(next.value.data!.nodeStatusChanged);
      if (got.length === count) break;
    }
    return got;
  } finally {
    await client.dispose();
  }
}

describe('nodeStatusChanged', () => {
  it('reports attested, suspended, reinstated and offline once, in order', async () => {
    const node = newWallet();
    const got = await collect({ m: node.address }, 4, async () => {
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
    const client = createClient({
      url: `${server.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    try {
      const events = client.iterate<{
        priceUpdated: { seq: number; jobType: string; rate: { fairUrtc: string | null; providers: number } };
      }>({
        query: 'subscription { priceUpdated(jobType: LLM) { seq jobType rate { fairUrtc providers } } }',
      });
      const first = events.next();
      await new Promise((r) => setTimeout(r, 150));
      for (const price of ['1000', '1100', '1200']) {
        const node = newWallet();
        expect(
          (await attest(server.url, node, { prices: { render_minute_urtc: '50000', llm_1k_tokens_urtc: price } }))
            .status,
        ).toBe(200);
        await verifyNode(server.url, node.address); // only eligible providers move the fair rate
      }
      let last: { seq: number; jobType: string; rate: { fairUrtc: string | null; providers: number } } | undefined;
      for (let next = await first; !next.done; next = await events.next()) {
        last = next.value.data!.priceUpdated;
        if (last.rate.providers >= 3) break;
      }
      expect(last).toMatchObject({ jobType: 'LLM', rate: { fairUrtc: '1100', providers: 3 } });
      expect(last!.seq).toBeGreaterThan(0);
    } finally {
      await client.dispose();
    }
  });
});
