/**
 * Pricing, the price events, the receipt key record and the ledger audit on PostgreSQL: two engines on separate
 * pools (two instances) over one database, against SQLite holding the same rows. The fair rate, the quote and the
 * price history come out as SQLite computes them; a price event one instance appends, the other catches up, in seq
 * order, also when both append at once; two instances starting with one receipt key both start, with two keys one
 * refuses; the audit finds nothing in a ledger the ledger wrote and names the rules that plain SQL breaks.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadOrCreateReceiptKey, ReceiptKeyError, registerReceiptKey } from '../src/escrow/receipts.js';
import { createGroupCommit } from '../src/group-commit.js';
import { marketEventLog } from '../src/graphql/market-events.js';
import { createLedger } from '../src/ledger.js';
import { assertLedgerSound, auditLedger, auditLedgerOn, LedgerUnsoundError } from '../src/ledger-invariants.js';
import { createPricingService, type PricingService } from '../src/pricing/service.js';
import { createPricingStore, type PriceEventMessage, type PricingStore } from '../src/pricing/store.js';
import { createSqliteEngine } from '../src/sql/sqlite.js';
import type { SqlEngine } from '../src/sql/statement.js';
import { silentLog } from './support/market.js';
import { openTestPostgresEngines, type TestPostgresEngines } from './support/postgres-engine.js';
import { testPostgresServer } from './support/postgres.js';

const server = testPostgresServer();

const T = 1_800_000_000;
const NOW = T + 100;
const TTL_S = 3600;
const node = (n: number) => `RTC${n.toString(16).padStart(40, '0')}`;
const PAYER = 'RTC' + 'a'.repeat(40);

/** A GPU node as plain SQL both engines accept (TRUE/FALSE are SQLite's 1/0). */
function gpuNode(
  n: number,
  o: { llm: number | null; render?: number; fingerprint?: string; verified?: boolean; suspended?: boolean },
  extra: { flags?: string[]; lastAttestation?: number } = {},
): string {
  const render = o.render ?? null;
  return `INSERT INTO gpu_attestations (miner_id, device_arch, gpu_model, gpu_count, max_vram_mb, total_vram_mb,
      benchmark_score, price_render_minute_urtc, price_llm_1k_tokens_urtc, supports_render, supports_llm, trust, verified,
      suspended, fingerprint, flags, first_attestation, last_attestation)
    VALUES ('${node(n)}', 'nvidia_gpu', 'RTX 4090', 1, 24576, 24576, 82.6, ${render ?? 'NULL'}, ${o.llm ?? 'NULL'},
      ${render !== null ? 'TRUE' : 'FALSE'}, ${o.llm !== null ? 'TRUE' : 'FALSE'}, 'self_reported', ${(o.verified ?? true) ? 'TRUE' : 'FALSE'},
      ${o.suspended ? 'TRUE' : 'FALSE'}, '${o.fingerprint ?? `fp-${n}`}', '${JSON.stringify(extra.flags ?? [])}', ${T - 86_400},
      ${extra.lastAttestation ?? T})`;
}

const NODES = [
  gpuNode(1, { llm: 2000, render: 30_000 }),
  gpuNode(2, { llm: 2100, render: 31_000 }),
  gpuNode(3, { llm: 1900, render: 29_000 }),
  gpuNode(4, { llm: 2050 }),
  gpuNode(5, { llm: 50_000 }, { flags: ['price_outlier:llm'] }), // quoted, but left out of the rate
  gpuNode(6, { llm: 1950, fingerprint: 'fp-1', verified: false }), // bonded below: eligible; the hardware of node 1
  gpuNode(7, { llm: 100, suspended: true }),
  gpuNode(8, { llm: 100 }, { lastAttestation: T - 2 * TTL_S }), // offline
  gpuNode(9, { llm: 2500, verified: false }), // neither verified nor bonded: quoted, not eligible
  `INSERT INTO price_history (miner_id, job_type, old_price_urtc, new_price_urtc, changed_at, outlier)
   VALUES ('${node(1)}', 'llm', NULL, 2000, ${T - 7200}, FALSE), ('${node(1)}', 'llm', 2000, 2200, ${T - 3600}, FALSE),
          ('${node(2)}', 'llm', NULL, 2100, ${T - 3000}, TRUE)`,
];

/** The ledger's own writes: deposits, a bond, escrows locked with a quote and settled (the realised rate's input). */
async function writeLedger(engine: SqlEngine): Promise<void> {
  const ledger = createLedger(engine);
  await ledger.write(() => ledger.deposit(PAYER, 1_000_000n, 'ref-payer', T));
  await ledger.write(() => ledger.deposit(node(6), 200_000_000n, 'ref-node-6', T));
  await ledger.write(() => ledger.bond(node(6), 150_000_000n, T));
  const terms = (jobId: string, amountUrtc: bigint, units: bigint) => ({
    jobId,
    jobType: 'llm',
    fromWallet: PAYER,
    toWallet: node(1),
    amountUrtc,
    expiresAt: T + 3600,
    metadata: null,
    units,
    unitPriceUrtc: 2000n,
    reviewWindowS: 3600,
  });
  const settle = (status: 'released' | 'refunded', paidUrtc: bigint, refundedUrtc: bigint) => ({
    status,
    paidUrtc,
    refundedUrtc,
    reason: refundedUrtc > 0n ? 'partial' : null,
    settledBy: 'payer' as const,
  });
  const full = (await ledger.write(() => ledger.lock(terms('job-full', 11_000n, 5500n), T)))!;
  await ledger.write(() => ledger.settle(full, settle('released', 11_000n, 0n), T + 10));
  const part = (await ledger.write(() => ledger.lock(terms('job-part', 3_000n, 1500n), T)))!;
  await ledger.write(() => ledger.settle(part, settle('released', 1_000n, 2_000n), T + 20));
  await ledger.write(() => ledger.lock(terms('job-open', 4_000n, 2000n), T));
}

/** Plain JSON of anything with BigInts, for comparing what the two engines computed. */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)));
const rulesOf = (violations: { rule: string }[]) => [...new Set(violations.map((v) => v.rule))];

interface Instance {
  sql: SqlEngine;
  store: PricingStore;
  pricing: PricingService;
  events: PriceEventMessage[];
}

function instance(sql: SqlEngine): Instance {
  const store = createPricingStore(sql);
  const events: PriceEventMessage[] = [];
  const pricing = createPricingService({
    store,
    sql,
    clock: () => NOW,
    attestationTtlS: TTL_S,
    onRateChange: (e) => events.push(e),
  });
  return { sql, store, pricing, events };
}

describe.skipIf(!server.url)(
  server.url
    ? 'pricing, price events, receipt key and ledger audit on PostgreSQL'
    : `pricing, price events, receipt key and ledger audit on PostgreSQL (skipped: ${server.unavailable})`,
  () => {
    let postgres: TestPostgresEngines;
    let client: pg.Client;
    let a: Instance;
    let b: Instance;
    let lite: Instance & { db: Database.Database };
    let dir: string;

    beforeAll(async () => {
      postgres = await openTestPostgresEngines(2);
      client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      for (const statement of NODES) await client.query(statement);
      dir = mkdtempSync(join(tmpdir(), 'grp-pg-pricing-'));
      const file = join(dir, 'market.db');
      copyFileSync(inject('templateDatabase'), file);
      const db = new Database(file);
      db.pragma('foreign_keys = ON');
      db.defaultSafeIntegers(true);
      for (const statement of NODES) db.exec(statement);
      const sqlite = createSqliteEngine(db, createGroupCommit(db));
      await writeLedger(sqlite);
      await writeLedger(postgres.engines[0]!);
      [a, b] = postgres.engines.map(instance) as [Instance, Instance];
      lite = { ...instance(sqlite), db };
    });

    afterAll(async () => {
      a?.pricing.close();
      b?.pricing.close();
      lite?.pricing.close();
      await client?.end();
      await postgres?.close();
      lite?.db.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    describe('pricing', () => {
      it('computes the fair rates SQLite computes for the same rows, on either instance', async () => {
        const expected = await lite.pricing.marketRates();
        const llm = expected.find((r) => r.jobType === 'llm')!;
        // Nodes 1 (with 6 on its hardware), 2, 3, 4: four votes; 5 flagged, 7 suspended, 8 offline, 9 not eligible.
        expect(llm).toMatchObject({ providers: 4, quotedProviders: 7, updatedAt: T - 3000 });
        expect(llm.fairUrtc).toBe(2012n); // the votes 1900, 1975 (nodes 1 and 6), 2050, 2100: between the middles, rounded down
        expect(llm.realised.volumeUrtc).toBe(12_000n);
        expect(plain(await a.pricing.marketRates())).toEqual(plain(expected));
        expect(plain(await b.pricing.marketRates())).toEqual(plain(expected));
        expect(plain(await b.pricing.rate('render'))).toEqual(plain(await lite.pricing.rate('render')));
      });

      it('gives the quote, the price check and the history SQLite gives', async () => {
        const quote = await a.pricing.quote('llm', 5500n, node(2));
        expect(quote).toMatchObject({ unitPriceUrtc: 2100n, totalUrtc: 11_550n, fairTotalUrtc: 11_066n });
        expect(plain(quote)).toEqual(plain(await lite.pricing.quote('llm', 5500n, node(2))));
        await expect(b.pricing.quote('llm', 1n, node(7))).rejects.toMatchObject({ code: 'INVALID_STATE' });
        expect(plain(await b.pricing.checkPrice('llm', 9000n))).toEqual(
          plain(await lite.pricing.checkPrice('llm', 9000n)),
        );
        expect(await a.pricing.currentRate('llm')).toMatchObject({ fairUrtc: 2012n, providers: 4 });
        const history = await a.pricing.history('llm', T - 3 * 3600, T + 3600, 'hour');
        expect(history.map((h) => h.count)).toEqual([0, 1, 2, 0]);
        expect(plain(history)).toEqual(plain(await lite.pricing.history('llm', T - 3 * 3600, T + 3600, 'hour')));
      });

      it('computes the statistics once for callers arriving together, and again after an invalidation', async () => {
        const fresh = instance(postgres.engines[1]!);
        const [first, second] = await Promise.all([fresh.pricing.currentRate('llm'), fresh.pricing.currentRate('llm')]);
        expect(second).toBe(first); // the one computation's result
        await client.query(`UPDATE gpu_attestations SET suspended = TRUE WHERE miner_id = '${node(4)}'`);
        expect(await fresh.pricing.currentRate('llm')).toBe(first); // cached until invalidated
        fresh.pricing.invalidate();
        expect(await fresh.pricing.currentRate('llm')).toMatchObject({ providers: 3, fairUrtc: 1975n });
        fresh.pricing.close();
        await client.query(`UPDATE gpu_attestations SET suspended = FALSE WHERE miner_id = '${node(4)}'`);
      });
    });

    describe('price history', () => {
      it('records a price change inside a write, read back by the other instance', async () => {
        const change = {
          minerId: node(3),
          jobType: 'llm' as const,
          oldPriceUrtc: 1900n,
          newPriceUrtc: 1800n,
          changedAt: T + 50,
          outlier: true,
        };
        await a.sql.write(() => a.store.recordChange(change));
        expect(await b.sql.read(() => b.store.lastChangeAt(node(3), 'llm'))).toBe(T + 50);
        expect(await b.sql.read(() => b.store.lastChangeOfType('llm'))).toBe(T + 50);
        const rows = await client.query(`SELECT outlier FROM price_history WHERE miner_id = '${node(3)}'`);
        expect(rows.rows).toEqual([{ outlier: true }]);
      });
    });

    describe('price events', () => {
      it('appended by one instance are caught up by the other, in order', async () => {
        const before = Number(
          (await client.query('SELECT COALESCE(MAX(seq), 0) AS seq FROM market_events')).rows[0].seq,
        );
        const moved = await a.pricing.refresh(); // the first refresh reports every rate
        expect(moved.map((r) => r.jobType)).toEqual(['render', 'tts', 'stt', 'llm']);
        await expect.poll(() => a.events.length).toBe(4);
        const caughtUp = b.store.priceCatchUp(before);
        expect(await caughtUp.purgedAfter(before)).toBe(false);
        expect(await caughtUp.page(before, 500)).toEqual(a.events);
        expect(await b.store.priceCatchUp(before, 'llm').page(before, 500)).toEqual(
          a.events.filter((e) => e.jobType === 'llm'),
        );
      });

      it('appended by both instances at once are read back by either, each once, in seq order', async () => {
        const before = Number(
          (await client.query('SELECT COALESCE(MAX(seq), 0) AS seq FROM market_events')).rows[0].seq,
        );
        const appended = await Promise.all(
          Array.from({ length: 12 }, (_, i) => {
            const { sql, store } = i % 2 ? a : b;
            return sql.write(() => store.recordPriceEvent('llm', BigInt(1000 + i), T + i));
          }),
        );
        const seqs = appended.map((e) => e.seq).sort((x, y) => x - y);
        expect(new Set(seqs).size).toBe(12);
        const read = await a.store.priceEventsAfter(before);
        expect(read.map((e) => e.seq)).toEqual(seqs);
        expect(await b.store.priceEventsAfter(before, 'render')).toEqual([]);
      });
    });

    describe('market-wide log', () => {
      it('starts a feed after the last committed event: an append in flight is waited for, then read', async () => {
        const log = marketEventLog(postgres.engines[1]!);
        const last = await log.lastIssued();
        expect(last).toBe(Number((await client.query('SELECT MAX(seq) AS seq FROM market_events')).rows[0].seq));
        // Another instance appending: its number is taken, its COMMIT not yet made.
        const appender = new pg.Client({ connectionString: postgres.url });
        await appender.connect();
        await appender.query('BEGIN');
        await appender.query("SELECT pg_advisory_xact_lock(hashtext('market_events'))");
        const pending = await appender.query(
          `INSERT INTO market_events (topic, change, payload, at) VALUES ('price', 'llm', '{}', ${T}) RETURNING seq`,
        );
        let committed = false;
        const commit = new Promise<void>((resolve) =>
          setTimeout(() => {
            committed = true;
            void appender.query('COMMIT').then(() => resolve());
          }, 50),
        );
        const issued = await log.lastIssued();
        expect(committed).toBe(true); // lastIssued waited for the append in flight
        expect(issued).toBe(Number(pending.rows[0].seq)); // int8: a string from a plain pg client
        expect((await log.after(last)).map((e) => e.seq)).toEqual([issued]);
        await commit;
        await appender.end();
      });
    });

    describe('receipt key', () => {
      const keyDir = () => mkdtempSync(join(tmpdir(), 'grp-pg-key-'));

      it('one key: two instances starting at once both start; another key is refused', async () => {
        await client.query('DELETE FROM service_keys');
        const key = loadOrCreateReceiptKey(join(keyDir(), 'receipt.key'));
        await Promise.all(postgres.engines.map((engine) => registerReceiptKey(engine, key, T)));
        await registerReceiptKey(postgres.engines[1]!, key, T + 1); // a restart
        const other = loadOrCreateReceiptKey(join(keyDir(), 'receipt.key'));
        await expect(registerReceiptKey(postgres.engines[0]!, other, T)).rejects.toThrow(ReceiptKeyError);
        const rows = await client.query("SELECT public_key FROM service_keys WHERE name = 'receipt'");
        expect(rows.rows).toEqual([{ public_key: key.publicKey }]);
      });

      it('two keys at once: one instance starts, the other refuses', async () => {
        await client.query('DELETE FROM service_keys');
        const keys = [0, 1].map(() => loadOrCreateReceiptKey(join(keyDir(), 'receipt.key')));
        const outcomes = await Promise.allSettled(
          postgres.engines.map((engine, i) => registerReceiptKey(engine, keys[i]!, T)),
        );
        const started = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [keys[i]!.publicKey] : []));
        const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
        expect(started).toHaveLength(1);
        expect(refused).toHaveLength(1);
        expect(refused[0]).toBeInstanceOf(ReceiptKeyError);
        const rows = await client.query("SELECT public_key FROM service_keys WHERE name = 'receipt'");
        expect(rows.rows).toEqual([{ public_key: started[0] }]);
      });
    });

    describe('ledger audit', () => {
      it('finds nothing wrong with a ledger written by the ledger, as on SQLite', async () => {
        expect(auditLedger(lite.db)).toEqual([]);
        expect(await auditLedgerOn(postgres.engines[0]!)).toEqual([]);
        expect(await auditLedgerOn(postgres.engines[1]!)).toEqual([]);
        await expect(assertLedgerSound(postgres.engines[1]!, silentLog)).resolves.toBe(undefined);
      });

      it('names the rules a balance changed behind the journal breaks, and the startup check refuses', async () => {
        await client.query(`UPDATE wallets SET available_urtc = available_urtc + 1 WHERE address = '${PAYER}'`);
        const violations = await auditLedgerOn(postgres.engines[1]!);
        expect(rulesOf(violations)).toEqual(['I2', 'I5']);
        expect(violations[0]!.detail).toBe(`wallet ${PAYER} has 984001 µRTC available, its journal says 984000 µRTC`);
        lite.db.exec(`UPDATE wallets SET available_urtc = available_urtc + 1 WHERE address = '${PAYER}'`);
        expect(violations).toEqual(auditLedger(lite.db)); // word for word what SQLite's audit says
        const lines: string[] = [];
        const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
        await expect(assertLedgerSound(postgres.engines[0]!, log)).rejects.toThrow(LedgerUnsoundError);
        expect(lines.map((line) => JSON.parse(line) as { event: string; rule: string })).toMatchObject([
          { event: 'ledger.violation', rule: 'I2' },
          { event: 'ledger.violation', rule: 'I5' },
        ]);
        await client.query(`UPDATE wallets SET available_urtc = available_urtc - 1 WHERE address = '${PAYER}'`);
        expect(await auditLedgerOn(postgres.engines[0]!)).toEqual([]);
      });

      it('names the rules a journal row deleted around its trigger breaks', async () => {
        await client.query('ALTER TABLE journal DISABLE TRIGGER journal_no_delete');
        await client.query("DELETE FROM journal WHERE kind = 'release'");
        const violations = await auditLedgerOn(postgres.engines[0]!);
        expect(rulesOf(violations)).toEqual(['I2', 'I4', 'I6']);
        expect(violations).toContainEqual({ rule: 'I6', detail: 'no trigger forbids DELETE on journal' });
      });

      it('names a journal row written around its sequence', async () => {
        await client.query(
          `INSERT INTO journal (id, from_account, to_account, amount_urtc, kind, job_id, created_at)
           VALUES (1000, 'escrow:job-full', '${node(1)}', 1, 'release', 'job-full', ${T})`,
        );
        const violations = await auditLedgerOn(postgres.engines[1]!);
        expect(violations).toContainEqual({
          rule: 'I6',
          detail: expect.stringMatching(
            /^the journal's last id is 1000, but its sequence has handed out ids up to \d+ only$/,
          ),
        });
      });
    });
  },
);
