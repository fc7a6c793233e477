/**
 * The lean indexes of the payment path (prisma/migrations/20261212000000_lean_hot_path_indexes): market_events'
 * indexes by subject are partial and render_escrow's realised-rate index holds released, quoted escrows only, so
 * a lock and a settlement write fewer index entries. Every statement the services prepare on those two tables
 * while locking, releasing, reading the feeds, summing realised rates and purging is checked with EXPLAIN QUERY
 * PLAN: none reads a whole table but the purge, which reads oldest first and stops at the cutoff. SQLite's plans
 * (PostgreSQL plans by its statistics; its migration builds the same indexes, test/postgres-foundation.test.ts).
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Market } from '../src/market.js';
import { startMarketServer, type MarketServer } from '../src/server.js';
import { newJobId, newWallet, onPostgres, openTestMarket } from './support/market.js';
import { call, deposit, signedLockBody, signedReleaseBody } from './support/rest.js';
import { observed, sql } from '../src/sql/statement.js';
import { auditLedgerWork } from '../src/ledger-invariants.js';

describe.skipIf(onPostgres)('the payment path indexes (SQLite query plans)', () => {
  let market: Market;
  let server: MarketServer;
  const prepared = new Set<string>();
  let restore = () => {};

  beforeAll(async () => {
    // Every statement prepared from the market's opening on (some are prepared as it opens).
    const prepare = Database.prototype.prepare;
    Database.prototype.prepare = function (this: Database.Database, source: string) {
      prepared.add(source);
      return prepare.call(this, source);
    } as typeof prepare;
    restore = () => (Database.prototype.prepare = prepare);
    market = await openTestMarket({ settings: { SQLITE_WRITER: 'loop' } }); // the statements prepared on this connection
    server = await startMarketServer(market, { host: '127.0.0.1', port: 0, sweepIntervalMs: 60_000 });
  });
  afterAll(async () => {
    restore();
    await server?.close();
    await market?.close();
  });

  const plan = (text: string, params: unknown[] = []) =>
    market.db.sqlite
      .prepare(`EXPLAIN QUERY PLAN ${text}`)
      .all(...params)
      .map((row) => (row as { detail: string }).detail);

  it('a lock, a release, the feeds, the realised rates and the purge read through indexes', async () => {
    const payer = newWallet();
    const provider = newWallet();
    expect((await deposit(server.url, payer.address, '5')).status).toBe(201);
    const jobId = newJobId();
    const lock = signedLockBody(payer, { job_id: jobId, to_wallet: provider.address, amount_urtc: '1000000' });
    expect((await call(server.url, 'POST', '/render/escrow', lock)).status).toBe(201);
    expect(
      (await call(server.url, 'POST', '/render/release', signedReleaseBody(payer, { job_id: jobId }))).status,
    ).toBe(200);

    const events = market.escrowEvents;
    expect((await events.jobCatchUp(jobId, 0).page(0, 10)).map((e) => e.change)).toEqual(['locked', 'released']);
    const ofWallet = events.walletCatchUp(provider.address, 0);
    expect(await ofWallet.page(0, 10)).toHaveLength(2);
    expect(await ofWallet.purgedAfter(0)).toBe(false);
    await market.nodeEvents.catchUp(0, 'no-such-miner').page(0, 10);
    await market.sql.read(() => market.pricingEvents.realisedBetween('render', 0, 2 ** 40));
    await market.sql.write(() => events.purge(0));

    // The ledger audit (run as a market opens) reads whole tables on purpose: its statements are set aside.
    const audit = new Set<string>();
    await market.sql.snapshot(() =>
      observed(auditLedgerWork('sqlite'), (step) => audit.add(step.statement.textFor('sqlite'))),
    );
    const onHotTables = [...prepared].filter((text) => /market_events|render_escrow/.test(text) && !audit.has(text));
    expect(onHotTables.length).toBeGreaterThanOrEqual(10);
    const scans = onHotTables
      .filter((text) => !/^\s*DELETE FROM market_events WHERE seq </.test(text)) // the purge, below
      .flatMap((text) => plan(text, placeholders(text)).map((detail) => ({ text, detail })))
      .filter(({ detail }) => /^SCAN (market_events|render_escrow)\b/.test(detail));
    expect(scans).toEqual([]);

    const planOf = (pattern: RegExp) => {
      const text = onHotTables.find((t) => pattern.test(t));
      expect(text, String(pattern)).toBeDefined();
      return plan(text!, placeholders(text!)).join('\n');
    };
    expect(planOf(/topic = 'node' AND miner_id = \?/)).toContain('market_events_miner_id_seq_idx');
    expect(planOf(/topic = 'escrow' AND job_id = \? AND seq > \?/)).toContain('market_events_job_id_seq_idx');
    expect(planOf(/SUM\(released_urtc\)/)).toContain('USING COVERING INDEX render_escrow_released_quoted_idx');
  });

  it('an escrow event enters no miner index, and an unquoted escrow never enters the realised-rate index', async () => {
    // dbstat counts the entries an index holds (cells of its leaf pages).
    const entries = (index: string) =>
      market.sql.read(() =>
        sql("SELECT COALESCE(SUM(ncell), 0) FROM dbstat WHERE name = ? AND pagetype = 'leaf'").value<bigint>([index]),
      );
    const count = (text: string) => market.sql.read(() => sql(text).value<bigint>());
    expect(await count("SELECT COUNT(*) FROM market_events WHERE topic = 'escrow'")).toBeGreaterThan(0n);
    expect(await entries('market_events_miner_id_seq_idx')).toBe(0n);
    const withJob = await count('SELECT COUNT(*) FROM market_events WHERE job_id IS NOT NULL');
    expect(await entries('market_events_job_id_seq_idx')).toBe(withJob);
    expect(withJob).toBeLessThan((await count('SELECT COUNT(*) FROM market_events'))!); // a deposit's event has no job
    expect(await count("SELECT COUNT(*) FROM render_escrow WHERE status = 'released'")).toBeGreaterThan(0n);
    expect(await entries('render_escrow_released_quoted_idx')).toBe(0n);
  });

  it('the purge deletes oldest first by seq, up to the first event at or after the cutoff, whatever the clocks said', async () => {
    const insert = sql("INSERT INTO market_events (topic, change, payload, at) VALUES ('price', 'render', '{}', ?)", {
      returningKey: 'seq',
    });
    await market.sql.write(() => market.escrowEvents.purge(2 ** 40)); // the earlier tests' events
    // An instance whose clock ran behind recorded 50 after 200: it stays, as everything after the cutoff's first event.
    const seqs = await market.sql.write(function* () {
      const out: bigint[] = [];
      for (const at of [100, 150, 200, 50, 300]) out.push(yield* insert.insert([at]));
      return out;
    });
    await market.sql.write(() => market.escrowEvents.purge(200));
    const left = await market.sql.read(() => sql('SELECT seq FROM market_events ORDER BY seq').values<bigint>());
    expect(left).toEqual(seqs.slice(2));
    await market.sql.write(() => market.escrowEvents.purge(10_000));
    expect(await market.sql.read(() => sql('SELECT COUNT(*) FROM market_events').value<bigint>())).toBe(0n);
  });
});

/** Values for a statement's placeholders, for EXPLAIN (SQLite plans without them mattering). */
function placeholders(text: string): unknown[] | [Record<string, unknown>] {
  const named = [...text.matchAll(/@(\w+)/g)].map((m) => m[1]!);
  if (named.length > 0) return [Object.fromEntries(named.map((name) => [name, 0]))];
  return Array.from(text.matchAll(/\?/g), () => 0);
}
