/**
 * The delivery migration rebuilds render_escrow (SQLite cannot change a CHECK): every row, id, index and the
 * AUTOINCREMENT sequence survive it, rows written before it read as never delivered with the default review window,
 * the ledger audit stays clean, and the new CHECKs refuse what the code must never write.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { auditLedger } from '../src/ledger-invariants.js';
import { onPostgres } from './support/market.js';

const MIGRATIONS = join(import.meta.dirname, '../prisma/migrations');
const DELIVERY = '20261205000000_delivery_disputes_receipts';

function migrated(upTo: (name: string) => boolean) {
  const db = new Database(':memory:');
  db.defaultSafeIntegers(true);
  db.pragma('foreign_keys = ON');
  for (const dir of readdirSync(MIGRATIONS, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()) {
    if (upTo(dir)) db.exec(readFileSync(join(MIGRATIONS, dir, 'migration.sql'), 'utf8'));
  }
  return db;
}

/** A ledger as the code before delivery wrote it: a locked escrow, a partly released one (the rest refunded), a refunded one. */
function seedBeforeDelivery(db: Database.Database) {
  const [payer, provider] = ['RTC' + 'a'.repeat(40), 'RTC' + 'b'.repeat(40)];
  const t = 1_800_000_000;
  db.prepare(
    'INSERT INTO wallets (address, available_urtc, locked_urtc, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
  ).run(payer, 700n, 100n, t, t);
  db.prepare(
    'INSERT INTO wallets (address, available_urtc, locked_urtc, created_at, updated_at) VALUES (?, ?, 0, ?, ?)',
  ).run(provider, 200n, t, t);
  db.prepare("INSERT INTO deposits (reference, wallet, amount_urtc, created_at) VALUES ('ref-1', ?, 1000, ?)").run(
    payer,
    t,
  );
  const journal = db.prepare(
    'INSERT INTO journal (from_account, to_account, amount_urtc, kind, job_id, reference, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  journal.run('external', payer, 1000n, 'deposit', null, 'ref-1', t);
  const escrow = db.prepare(
    `INSERT INTO render_escrow (id, job_id, job_type, from_wallet, to_wallet, amount_urtc, status, created_at, expires_at, released_at, refunded_at, released_urtc, refunded_urtc, refund_reason, settled_by)
     VALUES (?, ?, 'render', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  escrow.run(3, 'job-locked', payer, provider, 100n, 'locked', t, t + 60, null, null, 0n, 0n, null, null);
  escrow.run(7, 'job-partial', payer, provider, 300n, 'released', t, t + 60, t, t, 200n, 100n, null, 'payer');
  escrow.run(9, 'job-refunded', payer, provider, 50n, 'refunded', t, t + 60, null, t, 0n, 50n, 'expired', 'sweeper');
  for (const [job, amount] of [
    ['job-locked', 100n],
    ['job-partial', 300n],
    ['job-refunded', 50n],
  ] as const)
    journal.run(payer, `escrow:${job}`, amount, 'lock', job, null, t);
  journal.run('escrow:job-partial', provider, 200n, 'release', 'job-partial', null, t);
  journal.run('escrow:job-partial', payer, 100n, 'refund', 'job-partial', null, t);
  journal.run('escrow:job-refunded', payer, 50n, 'refund', 'job-refunded', null, t);
  // An escrow row written and then lost (never possible today, but the sequence must not go back): id 12 was used.
  db.prepare("UPDATE sqlite_sequence SET seq = 12 WHERE name = 'render_escrow'").run();
}

// SQLite's own migration (prisma/migrations): PostgreSQL's schema starts from a baseline with the delivery columns.
describe.skipIf(onPostgres)('the delivery migration (SQLite migrations)', () => {
  it('keeps every escrow row, id, index and the id sequence; old rows read as never delivered', () => {
    const db = migrated((name) => name < DELIVERY);
    seedBeforeDelivery(db);
    const indexesBefore = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'render_escrow' ORDER BY name")
      .pluck()
      .all() as string[];
    db.exec(readFileSync(join(MIGRATIONS, DELIVERY, 'migration.sql'), 'utf8'));

    const rows = db
      .prepare(
        'SELECT id, job_id, status, amount_urtc, released_urtc, refunded_urtc, settled_by, review_window_s, delivered_at, claimed_urtc FROM render_escrow ORDER BY id',
      )
      .all();
    expect(rows).toEqual([
      {
        id: 3n,
        job_id: 'job-locked',
        status: 'locked',
        amount_urtc: 100n,
        released_urtc: 0n,
        refunded_urtc: 0n,
        settled_by: null,
        review_window_s: 259200n,
        delivered_at: null,
        claimed_urtc: null,
      },
      {
        id: 7n,
        job_id: 'job-partial',
        status: 'released',
        amount_urtc: 300n,
        released_urtc: 200n,
        refunded_urtc: 100n,
        settled_by: 'payer',
        review_window_s: 259200n,
        delivered_at: null,
        claimed_urtc: null,
      },
      {
        id: 9n,
        job_id: 'job-refunded',
        status: 'refunded',
        amount_urtc: 50n,
        released_urtc: 0n,
        refunded_urtc: 50n,
        settled_by: 'sweeper',
        review_window_s: 259200n,
        delivered_at: null,
        claimed_urtc: null,
      },
    ]);
    const indexesAfter = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'render_escrow' ORDER BY name")
      .pluck()
      .all() as string[];
    expect(indexesAfter).toEqual([...indexesBefore, 'render_escrow_review_until_delivered_idx'].sort());
    expect(db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'render_escrow'").pluck().get()).toBe(12n);
    expect(db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE tbl_name = 'new_render_escrow'").pluck().get()).toBe(
      0n,
    );
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(auditLedger(db)).toEqual([]);
    db.close();
  });

  it.each([
    ['a status nobody knows', "UPDATE render_escrow SET status = 'paused' WHERE job_id = 'job-locked'"],
    [
      'an open escrow that refunded something',
      "UPDATE render_escrow SET refunded_urtc = 1 WHERE job_id = 'job-locked'",
    ],
    [
      'an open escrow that released all of it',
      "UPDATE render_escrow SET released_urtc = 100 WHERE job_id = 'job-locked'",
    ],
    ['a final escrow that does not add up', "UPDATE render_escrow SET refunded_urtc = 99 WHERE job_id = 'job-partial'"],
    ['a final escrow settled by nobody', "UPDATE render_escrow SET settled_by = NULL WHERE job_id = 'job-partial'"],
    [
      'a delivery without its hash',
      "UPDATE render_escrow SET status = 'delivered', delivered_at = 1, review_until = 259201, claimed_urtc = 1 WHERE job_id = 'job-locked'",
    ],
    [
      'a claim above what remains',
      "UPDATE render_escrow SET status = 'delivered', delivered_at = 1, review_until = 259201, claimed_urtc = 101, result_hash = 'h' WHERE job_id = 'job-locked'",
    ],
    [
      'a review_until that is not delivered_at + review_window_s',
      "UPDATE render_escrow SET status = 'delivered', delivered_at = 1, review_until = 5, claimed_urtc = 1, result_hash = 'h' WHERE job_id = 'job-locked'",
    ],
    [
      'a dispute without a delivery',
      "UPDATE render_escrow SET status = 'disputed', disputed_at = 1, dispute_reason = 'r' WHERE job_id = 'job-locked'",
    ],
    ['a review window of 59 s', "UPDATE render_escrow SET review_window_s = 59 WHERE job_id = 'job-locked'"],
  ])('CHECKs refuse %s', (_name, sql) => {
    const db = migrated((name) => name < DELIVERY);
    seedBeforeDelivery(db);
    db.exec(readFileSync(join(MIGRATIONS, DELIVERY, 'migration.sql'), 'utf8'));
    expect(() => db.exec(sql)).toThrow(/CHECK constraint failed/);
    db.close();
  });
});
