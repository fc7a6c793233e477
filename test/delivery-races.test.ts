/**
 * Races on delivered escrows, against a listening server on a file database: the payer's release, the provider's
 * refund, the payer's dispute and the sweeper's auto-release, 50 at once on one escrow, while the clock crosses
 * review_until, end in exactly one outcome with the money conserved; and two market instances sweeping one database
 * file auto-release each escrow once.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Wallet } from '../src/domain/signatures.js';
import type { Market } from '../src/market.js';
import { fundedLock, signedDeliverBody, signedDisputeBody } from './support/delivery.js';
import { freshTestDatabase, newWallet, openTestMarket, startTestServer } from './support/market.js';
import { call, signedRefundBody, signedReleaseBody } from './support/rest.js';
import { expectLedgerSound, queryRows, queryValues } from './support/database.js';

/** The server's clock; with `flip`, it moves to `flip.to` after `flip.after` more readings (each request reads it once). */
const clock: { now: number; flip?: { after: number; to: number } } = { now: 1_900_000_000 };
function readClock() {
  if (clock.flip && clock.flip.after-- <= 0) {
    clock.now = clock.flip.to;
    clock.flip = undefined;
  }
  return clock.now;
}
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer({ clock: readClock });
});
afterAll(async () => {
  await expectLedgerSound(server.market);
  await server.close();
});

const balance = async (w: Wallet) => (await call(server.url, 'GET', `/wallet/balance?wallet=${w.address}`)).body;
const changesOf = (market: Market, jobId: string) =>
  queryValues<string>(market, "SELECT change FROM market_events WHERE topic = 'escrow' AND job_id = ? ORDER BY seq", [
    jobId,
  ]);
const journalOf = (market: Market, jobId: string) =>
  queryRows<{ kind: string; amount_urtc: bigint }>(
    market,
    "SELECT kind, amount_urtc FROM journal WHERE job_id = ? AND kind <> 'lock' ORDER BY kind",
    [jobId],
  );

/** When, during the race, the clock reaches review_until (the sweeper may then auto-release, a dispute is too late). */
type Crossing = 'before the race' | 'during the race' | 'never';

describe('one delivered escrow, 50 requests at once', () => {
  it.each<Crossing>(['during the race', 'during the race', 'during the race', 'before the race', 'never'])(
    'payer release, provider refund, dispute and auto-release end in exactly one outcome (review ends %s)',
    async (crossing) => {
      const payer = newWallet();
      const provider = newWallet();
      const job_id = await fundedLock(server.url, payer, provider, { amount_urtc: '2500000', review_window_s: '60' });
      expect(
        (
          await call(
            server.url,
            'POST',
            '/render/deliver',
            signedDeliverBody(provider, { job_id, claimed_urtc: '2000000' }),
          )
        ).status,
      ).toBe(200);
      const reviewUntil = clock.now + 60;
      clock.now = crossing === 'before the race' ? reviewUntil : reviewUntil - 1;
      // Mid-race, as the server handles the requests: some are judged before review_until, the rest at it.
      if (crossing === 'during the race') clock.flip = { after: 3 + Math.floor(Math.random() * 20), to: reviewUntil };

      const sweeps: Promise<{ autoReleased: number }>[] = [];
      // Twelve or thirteen of each kind, in a random order: any of them may arrive first.
      const kinds = Array.from({ length: 50 }, (_, i) => i % 4);
      for (let i = kinds.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
      }
      const replies = kinds.map((kind, i) => {
        switch (kind) {
          case 0:
            return call(server.url, 'POST', '/render/release', signedReleaseBody(payer, { job_id }));
          case 1:
            return call(server.url, 'POST', '/render/refund', signedRefundBody(provider, { job_id }));
          case 2:
            return call(server.url, 'POST', '/render/dispute', signedDisputeBody(payer, { job_id }));
          default:
            // The sweeper's turns are spread over the time the requests arrive, as a timer would run it.
            sweeps.push(
              new Promise((resolve, reject) =>
                setTimeout(() => server.market.escrows.sweepDue().then(resolve, reject), i / 4),
              ),
            );
            return null;
        }
      });
      const answered = (await Promise.all(replies)).filter((r) => r !== null);
      await Promise.all(sweeps);
      clock.flip = undefined;
      clock.now = Math.max(clock.now, reviewUntil);
      await server.market.escrows.sweepDue(); // whatever is still delivered at review_until is paid now

      const changes = await changesOf(server.market, job_id);
      const finals = changes.filter((c) => c === 'released' || c === 'refunded' || c === 'expired');
      expect(finals, changes.join(' ')).toHaveLength(1);
      expect(changes.filter((c) => c === 'disputed').length).toBeLessThanOrEqual(1);
      const settledByRequest = answered.filter(
        (r) =>
          r.status === 200 && r.body.changed === true && (r.body.status === 'released' || r.body.status === 'refunded'),
      );
      expect(settledByRequest.length).toBeLessThanOrEqual(1);
      for (const r of answered) {
        if (r.status !== 200)
          expect(r, JSON.stringify(r.body)).toMatchObject({ status: 409, body: { error: { code: 'INVALID_STATE' } } });
      }

      const final = (await call(server.url, 'GET', `/render/escrow/${job_id}`)).body;
      const payerAfter = await balance(payer);
      const providerAfter = await balance(provider);
      expect(payerAfter.locked_urtc).toBe('0');
      expect(BigInt(payerAfter.available_urtc) + BigInt(providerAfter.available_urtc)).toBe(10_000_000n); // conserved
      if (final.status === 'released') {
        // By the payer's acceptance (the claim, the rest back) or by the sweeper at review_until: the same split.
        expect(['payer', 'auto']).toContain(final.settled_by);
        expect(providerAfter.available_urtc).toBe('2000000');
        expect(await journalOf(server.market, job_id)).toEqual([
          { kind: 'refund', amount_urtc: 500_000n },
          { kind: 'release', amount_urtc: 2_000_000n },
        ]);
      } else {
        expect(final).toMatchObject({ status: 'refunded', settled_by: 'provider' });
        expect(providerAfter.available_urtc).toBe('0');
        expect(await journalOf(server.market, job_id)).toEqual([{ kind: 'refund', amount_urtc: 2_500_000n }]);
      }
      if (crossing === 'never') expect(final.settled_by).not.toBe('auto');
      if (process.env.RACE_LOG) console.log(crossing, changes.join(' '), final.settled_by);
      await expectLedgerSound(server.market);
    },
  );
});

describe('two instances sweeping one database file', () => {
  it('auto-release each escrow whose review ended exactly once', async () => {
    const sharedClock = { now: 1_950_000_000 };
    const database = await freshTestDatabase();
    onTestFinished(() => database.drop());
    const databaseUrl = database.url;
    const a = await openTestMarket({ databaseUrl, clock: () => sharedClock.now });
    const b = await openTestMarket({ databaseUrl, clock: () => sharedClock.now });
    const running = await startTestServer({ databaseUrl, clock: () => sharedClock.now });
    try {
      const jobs: string[] = [];
      const payer = newWallet();
      const provider = newWallet();
      for (let i = 0; i < 30; i++) {
        const job_id = await fundedLock(running.url, payer, provider, {
          amount_urtc: '100000',
          review_window_s: '60',
          fundRtc: i === 0 ? '10' : '0',
        });
        expect(
          (
            await call(
              running.url,
              'POST',
              '/render/deliver',
              signedDeliverBody(provider, { job_id, claimed_urtc: '60000' }),
            )
          ).status,
        ).toBe(200);
        jobs.push(job_id);
      }
      sharedClock.now += 60;
      // Three markets on one file (the server's and two more), each sweeping several times at once.
      const counts = await Promise.all([a, b, running.market, a, b, running.market].map((m) => m.escrows.sweepDue()));
      expect(counts.reduce((sum, c) => sum + c.autoReleased, 0)).toBe(30);
      for (const job_id of jobs) {
        expect(await changesOf(a, job_id)).toEqual(['locked', 'delivered', 'released']);
        expect(await journalOf(a, job_id)).toEqual([
          { kind: 'refund', amount_urtc: 40_000n },
          { kind: 'release', amount_urtc: 60_000n },
        ]);
      }
      expect(await call(running.url, 'GET', `/wallet/balance?wallet=${provider.address}`)).toMatchObject({
        body: { available_urtc: '1800000' },
      });
      await expectLedgerSound(a);
    } finally {
      await Promise.all([a.close(), b.close(), running.close()]);
    }
  });
});
