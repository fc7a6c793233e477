/**
 * PostgreSQL foundation: prisma/postgresql/migrations deploy on a fresh database and equal the generated schema;
 * the tables, columns, indexes, CHECKs and triggers mirror what the SQLite migrations build (the template database),
 * and every CHECK and trigger refuses on PostgreSQL what it refuses on SQLite; the partial index of the auto-release
 * sweep exists and is used; the PostgreSQL Prisma client reads what plain pg wrote, BigInts exact above 2^53; a Unix
 * time after 2038 is stored and read back as a number, through the statements and through Prisma.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createPostgresPool, openPostgresPrisma, postgresPoolSettings } from '../src/db-postgres.js';
import { createLedger } from '../src/ledger.js';
import { createPostgresEngine } from '../src/sql/postgres.js';
import { sql } from '../src/sql/statement.js';
import { createTestPostgresDatabase, testPostgresServer, type TestPostgresDatabase } from './support/postgres.js';

const run = promisify(execFile);
const server = testPostgresServer();
const MIGRATIONS = join(import.meta.dirname, '../prisma/postgresql/migrations');

const A = 'RTC' + 'a'.repeat(40);
const B = 'RTC' + 'b'.repeat(40);
const NODE = 'RTC' + 'c'.repeat(40);
const T = 1_800_000_000;

/** 2100-01-01: past 2038-01-19, the last second a 32-bit integer holds. */
const AFTER_2038 = 4_102_444_800;
const insertLateWallet = sql(
  'INSERT INTO wallets (address, available_urtc, locked_urtc, created_at, updated_at) VALUES (?, 0, 5, ?, ?)',
);
const insertLateEscrow = sql(
  `INSERT INTO render_escrow (job_id, job_type, from_wallet, to_wallet, amount_urtc, status, created_at, expires_at)
   VALUES (?, 'render', ?, ?, 5, 'locked', ?, ?) RETURNING id`,
);
const lateEscrow = sql('SELECT id, created_at, expires_at FROM render_escrow WHERE job_id = ?');

/** The same rows on both databases, in SQL both accept. */
const SEED = [
  `INSERT INTO wallets (address, available_urtc, locked_urtc, created_at, updated_at) VALUES ('${A}', 1000, 200, ${T}, ${T})`,
  `INSERT INTO wallets (address, available_urtc, locked_urtc, created_at, updated_at) VALUES ('${B}', 0, 0, ${T}, ${T})`,
  `INSERT INTO journal (from_account, to_account, amount_urtc, kind, created_at) VALUES ('external', '${A}', 1000, 'deposit', ${T})`,
  `INSERT INTO deposits (reference, wallet, amount_urtc, created_at) VALUES ('ref-1', '${A}', 1000, ${T})`,
  `INSERT INTO render_escrow (job_id, job_type, from_wallet, to_wallet, amount_urtc, status, created_at, expires_at)
   VALUES ('job-locked', 'render', '${A}', '${B}', 100, 'locked', ${T}, ${T + 60})`,
  `INSERT INTO render_escrow (job_id, job_type, from_wallet, to_wallet, amount_urtc, status, created_at, expires_at,
     released_at, refunded_at, released_urtc, refunded_urtc, settled_by)
   VALUES ('job-partial', 'render', '${A}', '${B}', 300, 'released', ${T}, ${T + 60}, ${T}, ${T}, 200, 100, 'payer')`,
  `INSERT INTO render_escrow (job_id, job_type, from_wallet, to_wallet, amount_urtc, status, created_at, expires_at,
     delivered_at, review_until, claimed_urtc, result_hash)
   VALUES ('job-delivered', 'render', '${A}', '${B}', 100, 'delivered', ${T}, ${T + 60}, ${T}, ${T + 259200}, 100, 'h')`,
  `INSERT INTO gpu_attestations (miner_id, device_arch, gpu_model, gpu_count, max_vram_mb, total_vram_mb,
     benchmark_score, price_render_minute_urtc, supports_render, trust, fingerprint, first_attestation, last_attestation)
   VALUES ('${NODE}', 'nvidia_gpu', 'RTX 4090', 1, 24576, 24576, 82.6, 10, true, 'self_reported', 'f', ${T}, ${T})`,
  `INSERT INTO price_history (miner_id, job_type, old_price_urtc, new_price_urtc, changed_at) VALUES ('${NODE}', 'render', NULL, 10, ${T})`,
  `INSERT INTO node_bonds (miner_id, bonded_urtc, created_at, updated_at) VALUES ('${A}', 5, ${T}, ${T})`,
  `INSERT INTO chain_deposits (tx_hash, chain, from_address, wallet, amount_urtc, status, seen_at)
   VALUES ('tx-1', 'rustchain', '${A}', '${A}', 100, 'pending', ${T})`,
  `INSERT INTO withdrawals (wallet, to_address, amount_urtc, status, created_at) VALUES ('${A}', '${B}', 100, 'pending', ${T})`,
];

const escrow = (set: string, job: string) => `UPDATE render_escrow SET ${set} WHERE job_id = '${job}'`;

/**
 * What each CHECK must refuse, mirrored from the SQLite migrations (and test/delivery-migration.test.ts), with the
 * constraints the statement breaks: PostgreSQL names the first of them by name, as it tests CHECKs alphabetically.
 */
const REFUSALS: [string, string, string[]][] = [
  [
    'a negative available balance',
    `UPDATE wallets SET available_urtc = -1 WHERE address = '${A}'`,
    ['wallets_available_urtc_check'],
  ],
  [
    'a negative locked balance',
    `UPDATE wallets SET locked_urtc = -1 WHERE address = '${A}'`,
    ['wallets_locked_urtc_check'],
  ],
  [
    'a journal row of nothing',
    `INSERT INTO journal (from_account, to_account, amount_urtc, kind, created_at) VALUES ('external', '${A}', 0, 'deposit', ${T})`,
    ['journal_amount_urtc_check'],
  ],
  [
    'a negative deposit',
    `INSERT INTO deposits (reference, wallet, amount_urtc, created_at) VALUES ('ref-2', '${A}', -1, ${T})`,
    ['deposits_amount_urtc_check'],
  ],
  [
    'an escrow of nothing',
    `INSERT INTO render_escrow (job_id, job_type, from_wallet, to_wallet, amount_urtc, status, created_at, expires_at, settled_by)
     VALUES ('job-zero', 'render', '${A}', '${B}', 0, 'refunded', ${T}, ${T + 60}, 'sweeper')`,
    ['render_escrow_amount_urtc_check'],
  ],
  ['a job type nobody knows', escrow(`job_type = 'video'`, 'job-locked'), ['render_escrow_job_type_check']],
  [
    'a status nobody knows',
    escrow(`status = 'paused'`, 'job-locked'),
    ['render_escrow_holds_check', 'render_escrow_settled_by_check', 'render_escrow_status_check'],
  ],
  [
    'a negative settled amount',
    escrow('released_urtc = -100, refunded_urtc = 400', 'job-partial'),
    ['render_escrow_settled_urtc_check'],
  ],
  ['an open escrow that refunded something', escrow('refunded_urtc = 1', 'job-locked'), ['render_escrow_holds_check']],
  [
    'an open escrow that released all of it',
    escrow('released_urtc = 100', 'job-locked'),
    ['render_escrow_holds_check'],
  ],
  ['a final escrow that does not add up', escrow('refunded_urtc = 99', 'job-partial'), ['render_escrow_holds_check']],
  ['a final escrow settled by nobody', escrow('settled_by = NULL', 'job-partial'), ['render_escrow_settled_by_check']],
  ['an open escrow with a settler', escrow(`settled_by = 'payer'`, 'job-locked'), ['render_escrow_settled_by_check']],
  [
    'an escrow paying its own payer',
    `INSERT INTO render_escrow (job_id, job_type, from_wallet, to_wallet, amount_urtc, status, created_at, expires_at)
     VALUES ('job-self', 'render', '${A}', '${A}', 50, 'locked', ${T}, ${T + 60})`,
    ['render_escrow_wallets_check'],
  ],
  ['a review window of 59 s', escrow('review_window_s = 59', 'job-locked'), ['render_escrow_review_window_s_check']],
  [
    'a delivery without its hash',
    escrow(`status = 'delivered', delivered_at = 1, review_until = 259201, claimed_urtc = 1`, 'job-locked'),
    ['render_escrow_delivery_fields_check'],
  ],
  [
    'a review_until that is not delivered_at + review_window_s',
    escrow(
      `status = 'delivered', delivered_at = 1, review_until = 5, claimed_urtc = 1, result_hash = 'h'`,
      'job-locked',
    ),
    ['render_escrow_review_until_check'],
  ],
  [
    'a locked escrow with a delivery',
    escrow(`status = 'locked'`, 'job-delivered'),
    ['render_escrow_locked_undelivered_check'],
  ],
  [
    'an escrow in review never delivered',
    escrow(`status = 'delivered'`, 'job-locked'),
    ['render_escrow_in_review_delivered_check'],
  ],
  ['a claim of nothing', escrow('claimed_urtc = 0', 'job-delivered'), ['render_escrow_claimed_urtc_check']],
  [
    'a claim above the amount',
    escrow(
      `status = 'delivered', delivered_at = 1, review_until = 259201, claimed_urtc = 101, result_hash = 'h'`,
      'job-locked',
    ),
    ['render_escrow_claim_remaining_check', 'render_escrow_claimed_urtc_check'],
  ],
  [
    'settled milestones above what remains (settled above locked)',
    escrow('released_urtc = 50', 'job-delivered'),
    ['render_escrow_claim_remaining_check'],
  ],
  [
    'a dispute time without a reason',
    escrow(`disputed_at = ${T}`, 'job-delivered'),
    ['render_escrow_dispute_fields_check'],
  ],
  [
    'a dispute without a delivery',
    escrow(`disputed_at = 1, dispute_reason = 'r'`, 'job-locked'),
    ['render_escrow_dispute_after_delivery_check'],
  ],
  [
    'a disputed escrow with no dispute',
    escrow(`status = 'disputed'`, 'job-delivered'),
    ['render_escrow_disputed_at_check'],
  ],
  [
    'a device nobody knows',
    `UPDATE gpu_attestations SET device_arch = 'tpu' WHERE miner_id = '${NODE}'`,
    ['gpu_attestations_device_arch_check'],
  ],
  [
    'a trust level nobody grants',
    `UPDATE gpu_attestations SET trust = 'trusted' WHERE miner_id = '${NODE}'`,
    ['gpu_attestations_trust_check'],
  ],
  [
    'a free price',
    `UPDATE gpu_attestations SET price_render_minute_urtc = 0 WHERE miner_id = '${NODE}'`,
    ['gpu_attestations_prices_check'],
  ],
  [
    'a price for a job type not served',
    `UPDATE gpu_attestations SET supports_render = false WHERE miner_id = '${NODE}'`,
    ['gpu_attestations_supports_render_check'],
  ],
  [
    'TTS served without a price',
    `UPDATE gpu_attestations SET supports_tts = true WHERE miner_id = '${NODE}'`,
    ['gpu_attestations_supports_tts_check'],
  ],
  [
    'an STT price while not serving it',
    `UPDATE gpu_attestations SET price_stt_minute_urtc = 5 WHERE miner_id = '${NODE}'`,
    ['gpu_attestations_supports_stt_check'],
  ],
  [
    'LLM served without a price',
    `UPDATE gpu_attestations SET supports_llm = true WHERE miner_id = '${NODE}'`,
    ['gpu_attestations_supports_llm_check'],
  ],
  [
    'a price change for a job type nobody knows',
    `INSERT INTO price_history (miner_id, job_type, new_price_urtc, changed_at) VALUES ('${NODE}', 'video', 10, ${T})`,
    ['price_history_job_type_check'],
  ],
  [
    'a price change to free',
    `INSERT INTO price_history (miner_id, job_type, new_price_urtc, changed_at) VALUES ('${NODE}', 'render', 0, ${T})`,
    ['price_history_new_price_urtc_check'],
  ],
  [
    'a price change that changes nothing',
    `INSERT INTO price_history (miner_id, job_type, old_price_urtc, new_price_urtc, changed_at) VALUES ('${NODE}', 'render', 10, 10, ${T})`,
    ['price_history_old_price_urtc_check'],
  ],
  ['a negative bond', `UPDATE node_bonds SET bonded_urtc = -1 WHERE miner_id = '${A}'`, ['node_bonds_amounts_check']],
  [
    'an unbonding without its date',
    `UPDATE node_bonds SET unbonding_urtc = 5 WHERE miner_id = '${A}'`,
    ['node_bonds_unbond_at_check'],
  ],
  [
    'a miner contesting its own GPU',
    `INSERT INTO gpu_contests (uuid, claimant_miner_id, holder_miner_id, contested_at) VALUES ('GPU-1', '${NODE}', '${NODE}', ${T})`,
    ['gpu_contests_claimant_check'],
  ],
  [
    'a chain deposit of nothing',
    `INSERT INTO chain_deposits (tx_hash, chain, from_address, wallet, amount_urtc, status, seen_at)
     VALUES ('tx-2', 'rustchain', '${A}', '${A}', 0, 'pending', ${T})`,
    ['chain_deposits_amount_urtc_check'],
  ],
  [
    'a chain deposit status nobody knows',
    `UPDATE chain_deposits SET status = 'lost' WHERE tx_hash = 'tx-1'`,
    ['chain_deposits_status_check'],
  ],
  [
    'a credit without its time',
    `UPDATE chain_deposits SET status = 'credited' WHERE tx_hash = 'tx-1'`,
    ['chain_deposits_credited_at_check'],
  ],
  [
    'a credit to nobody',
    `INSERT INTO chain_deposits (tx_hash, chain, from_address, wallet, amount_urtc, status, seen_at, credited_at)
     VALUES ('tx-3', 'rustchain', '${A}', NULL, 5, 'credited', ${T}, ${T})`,
    ['chain_deposits_wallet_check'],
  ],
  [
    'a void time on a deposit not voided',
    `UPDATE chain_deposits SET voided_at = ${T} WHERE tx_hash = 'tx-1'`,
    ['chain_deposits_voided_at_check'],
  ],
  [
    'a withdrawal of nothing',
    `INSERT INTO withdrawals (wallet, to_address, amount_urtc, status, created_at) VALUES ('${A}', '${B}', 0, 'pending', ${T})`,
    ['withdrawals_amount_urtc_check'],
  ],
  [
    'a withdrawal status nobody knows',
    `UPDATE withdrawals SET status = 'lost' WHERE wallet = '${A}'`,
    ['withdrawals_status_check'],
  ],
  [
    'a transfer sent before it was stored',
    `UPDATE withdrawals SET status = 'sent', sent_at = ${T} WHERE wallet = '${A}'`,
    ['withdrawals_transfer_stored_check'],
  ],
  [
    'a confirmation time on a withdrawal not confirmed',
    `UPDATE withdrawals SET confirmed_at = ${T} WHERE wallet = '${A}'`,
    ['withdrawals_confirmed_at_check'],
  ],
  [
    'a failure without its time',
    `UPDATE withdrawals SET status = 'failed' WHERE wallet = '${A}'`,
    ['withdrawals_failed_at_check'],
  ],
  [
    'a withdrawal to an address of the wrong length',
    `INSERT INTO withdrawals (wallet, to_address, amount_urtc, status, created_at) VALUES ('${A}', '${B}0', 5, 'pending', ${T})`,
    ['withdrawals_to_address_check'],
  ],
  [
    'a withdrawal to an address that is not RTC and hex',
    `INSERT INTO withdrawals (wallet, to_address, amount_urtc, status, created_at) VALUES ('${A}', 'RTCX${'b'.repeat(39)}', 5, 'pending', ${T})`,
    ['withdrawals_to_address_check'],
  ],
  [
    'a service key of the wrong length',
    `INSERT INTO service_keys (name, public_key, key_id, created_at) VALUES ('receipt', 'ab', '0123456789abcdef', ${T})`,
    ['service_keys_key_lengths_check'],
  ],
];

/** The append-only triggers, with the message both databases give. */
const TRIGGER_REFUSALS: [string, string, RegExp][] = [
  ['updating the journal', `UPDATE journal SET amount_urtc = 1`, /journal is append-only/],
  ['deleting from the journal', `DELETE FROM journal`, /journal is append-only/],
  ['updating price history', `UPDATE price_history SET outlier = true`, /price history is append-only/],
];

/** A copy of the SQLite template database (all of prisma/migrations applied), seeded like the PostgreSQL one. */
function seededSqlite(): { db: Database.Database; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'grp-pg-mirror-'));
  const file = join(dir, 'market.db');
  copyFileSync(inject('templateDatabase'), file);
  const db = new Database(file);
  db.pragma('foreign_keys = ON');
  db.defaultSafeIntegers(true);
  for (const sql of SEED) db.exec(sql);
  return {
    db,
    dispose() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function refusal(client: pg.Client, sql: string): Promise<pg.DatabaseError> {
  try {
    await client.query(sql);
  } catch (error) {
    return error as pg.DatabaseError;
  }
  throw new Error(`PostgreSQL accepted: ${sql}`);
}

describe.skipIf(!server.url)(
  server.url ? 'PostgreSQL foundation' : `PostgreSQL foundation (skipped: ${server.unavailable})`,
  () => {
    let database: TestPostgresDatabase;
    let client: pg.Client;
    let sqlite: ReturnType<typeof seededSqlite>;

    beforeAll(async () => {
      database = await createTestPostgresDatabase({ migrate: 'deploy' });
      client = new pg.Client({ connectionString: database.url });
      await client.connect();
      for (const sql of SEED) await client.query(sql);
      sqlite = seededSqlite();
    });

    afterAll(async () => {
      await client?.end();
      await database?.drop();
      sqlite?.dispose();
    });

    describe('migrations', () => {
      it('deploy on a fresh database: every migration folder applied, none failed', async () => {
        expect(database.migrateOutput).toContain('All migrations have been successfully applied.');
        const folders = readdirSync(MIGRATIONS, { withFileTypes: true })
          .filter((d) => d.isDirectory())
          .map((d) => d.name)
          .sort();
        expect(folders).toContain('20261210000000_baseline');
        const applied = await client.query(
          'SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at FROM _prisma_migrations ORDER BY migration_name',
        );
        expect(applied.rows).toEqual(
          folders.map((name) => ({ migration_name: name, finished: true, rolled_back_at: null })),
        );
      });

      it('build exactly prisma/postgresql/schema.prisma (migrate diff through a shadow database finds nothing)', async () => {
        const { stdout, stderr } = await run(
          'npx',
          [
            'prisma',
            'migrate',
            'diff',
            '--from-migrations',
            'prisma/postgresql/migrations',
            '--to-schema-datamodel',
            'prisma/postgresql/schema.prisma',
            '--exit-code',
          ],
          { env: { ...process.env, DATABASE_URL: database.url } },
        );
        expect(stdout + stderr).toContain('No difference detected.');
        // The shadow database was made beside this one and dropped again.
        const shadows = await client.query(
          "SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'",
        );
        expect(shadows.rows).toEqual([]);
      });
    });

    describe('mirror the SQLite schema', () => {
      // SQLite's INTEGER is 64-bit: its PostgreSQL column is bigint (a Unix time after 2038 fits in both).
      const SQLITE_TO_POSTGRES_TYPE: Record<string, string> = {
        INTEGER: 'bigint',
        BIGINT: 'bigint',
        TEXT: 'text',
        REAL: 'double precision',
        BOOLEAN: 'boolean',
      };

      function sqliteTables(): string[] {
        return (
          sqlite.db
            .prepare(
              "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('sqlite_sequence', '_prisma_migrations') ORDER BY name",
            )
            .pluck()
            .all() as string[]
        ).sort();
      }

      it('the same tables and columns, with the same types and nullability', async () => {
        const tables = sqliteTables();
        expect(tables.length).toBeGreaterThanOrEqual(18);
        const sqliteColumns = tables.flatMap((table) =>
          (sqlite.db.pragma(`table_info(${table})`) as { name: string; type: string; notnull: bigint }[]).map(
            (c) => `${table}.${c.name} ${SQLITE_TO_POSTGRES_TYPE[c.type] ?? c.type}${c.notnull ? ' not null' : ''}`,
          ),
        );
        const postgres = await client.query(
          `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
           WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY table_name, ordinal_position`,
        );
        const postgresColumns = postgres.rows.map(
          (c) => `${c.table_name}.${c.column_name} ${c.data_type}${c.is_nullable === 'NO' ? ' not null' : ''}`,
        );
        expect(postgresColumns.sort()).toEqual(sqliteColumns.sort());
        // An autoincrement id counts as far as SQLite's 64-bit rowid does.
        const sequences = await client.query('SELECT sequencename, data_type FROM pg_sequences ORDER BY 1');
        expect(sequences.rows.length).toBeGreaterThanOrEqual(6);
        expect(sequences.rows.filter((s) => s.data_type !== 'bigint')).toEqual([]);
      });

      it('the same indexes by name, the partial one included', async () => {
        const sqliteIndexes = sqlite.db
          .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%' AND tbl_name <> '_prisma_migrations'",
          )
          .pluck()
          .all() as string[];
        const postgres = await client.query(
          "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' AND tablename <> '_prisma_migrations'",
        );
        // PostgreSQL names are at most 63 bytes: Prisma shortens a longer one before its suffix.
        const shortened = sqliteIndexes.map((name) => {
          const suffix = /_(idx|key)$/.exec(name)![0];
          return name.length <= 63 ? name : name.slice(0, 63 - suffix.length) + suffix;
        });
        expect(shortened).toContain('render_escrow_released_quoted_idx');
        expect(postgres.rows.map((r) => r.indexname).sort()).toEqual(shortened.sort());
        expect(sqliteIndexes).toContain('render_escrow_review_until_delivered_idx');
      });

      it('as many CHECKs on every table', async () => {
        const sqliteChecks = Object.fromEntries(
          sqliteTables().map((table) => {
            const sql = sqlite.db
              .prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?")
              .pluck()
              .get(table) as string;
            return [table, (sql.match(/\bCHECK \(/g) ?? []).length];
          }),
        );
        const postgres = await client.query(
          `SELECT c.relname AS table_name, count(k.oid)::int AS checks FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
           LEFT JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'c'
           WHERE c.relkind = 'r' AND c.relname <> '_prisma_migrations' GROUP BY c.relname`,
        );
        const postgresChecks: Record<string, number> = Object.fromEntries(
          postgres.rows.map((r) => [r.table_name, r.checks]),
        );
        expect(postgresChecks).toEqual(sqliteChecks);
        expect(Object.values(postgresChecks).reduce((a, b) => a + b, 0)).toBe(46);
      });

      it('the same triggers by name, and TRUNCATE of the journal refused as well', async () => {
        const sqliteTriggers = sqlite.db
          .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
          .pluck()
          .all() as string[];
        const postgres = await client.query(
          'SELECT tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal ORDER BY tgname',
        );
        expect(postgres.rows.map((r) => r.tgname)).toEqual([...sqliteTriggers, 'journal_no_truncate'].sort());
      });
    });

    describe('CHECKs refuse on PostgreSQL what they refuse on SQLite', () => {
      it.each(REFUSALS)('%s', async (_rule, sql, constraints) => {
        expect(() => sqlite.db.exec(sql)).toThrow(/CHECK constraint failed/);
        const error = await refusal(client, sql);
        expect(error.code).toBe('23514'); // check_violation
        expect(constraints).toContain(error.constraint);
      });

      it('every CHECK on PostgreSQL is named by one of those refusals', async () => {
        const named = await client.query(
          `SELECT conname FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
           WHERE n.nspname = 'public' AND k.contype = 'c' ORDER BY conname`,
        );
        expect(named.rows.map((r) => r.conname)).toEqual([...new Set(REFUSALS.flatMap(([, , c]) => c))].sort());
      });

      it.each(TRIGGER_REFUSALS)('the append-only triggers refuse %s', async (_what, sql, message) => {
        expect(() => sqlite.db.exec(sql)).toThrow(message);
        const error = await refusal(client, sql);
        expect(error.message).toMatch(message);
        expect(error.code).toBe('23000'); // integrity_constraint_violation, as SQLite's RAISE(ABORT) is a constraint error
      });

      it('the journal cannot be truncated either', async () => {
        const error = await refusal(client, 'TRUNCATE journal');
        expect(error.message).toMatch(/journal is append-only/);
        expect((await client.query('SELECT count(*)::int AS n FROM journal')).rows[0].n).toBe(1);
      });

      it('refused statements changed nothing on either database', async () => {
        const query = 'SELECT job_id, status, released_urtc, refunded_urtc FROM render_escrow ORDER BY job_id';
        const fromPostgres = (await client.query(query)).rows.map((r) => ({
          ...r,
          released_urtc: BigInt(r.released_urtc),
          refunded_urtc: BigInt(r.refunded_urtc),
        }));
        expect(fromPostgres).toEqual(sqlite.db.prepare(query).all());
        expect(fromPostgres.map((r) => r.status)).toEqual(['delivered', 'locked', 'released']);
      });
    });

    it('the partial index holds only delivered escrows and serves the auto-release sweep', async () => {
      const index = await client.query(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'render_escrow_review_until_delivered_idx'",
      );
      expect(index.rows).toEqual([
        {
          indexdef:
            "CREATE INDEX render_escrow_review_until_delivered_idx ON public.render_escrow USING btree (review_until) WHERE (status = 'delivered'::text)",
        },
      ]);
      await client.query('BEGIN');
      try {
        await client.query('SET LOCAL enable_seqscan = off');
        const plan = await client.query(
          `EXPLAIN SELECT job_id FROM render_escrow WHERE status = 'delivered' AND review_until <= ${T + 259200} ORDER BY review_until LIMIT 100`,
        );
        expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('render_escrow_review_until_delivered_idx');
      } finally {
        await client.query('ROLLBACK');
      }
    });

    describe('the PostgreSQL Prisma client', () => {
      const ABOVE_2_53 = 2n ** 53n + 1n;
      const INT8_MAX = 2n ** 63n - 1n;

      it('reads what plain pg wrote, BigInt amounts exact above 2^53', async () => {
        const whale = 'RTC' + 'd'.repeat(40);
        await client.query(
          'INSERT INTO wallets (address, available_urtc, locked_urtc, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)',
          [whale, INT8_MAX.toString(), ABOVE_2_53.toString(), T],
        );
        await client.query(
          `INSERT INTO market_events (topic, change, job_id, payload, at) VALUES ('escrow', 'locked', 'job-locked', '{"amountUrtc":"${ABOVE_2_53}"}', ${T})`,
        );
        const prisma = await openPostgresPrisma(database.url);
        try {
          const wallet = await prisma.wallet.findUniqueOrThrow({ where: { address: whale } });
          expect(wallet).toEqual({
            address: whale,
            availableUrtc: INT8_MAX,
            lockedUrtc: ABOVE_2_53,
            createdAt: T,
            updatedAt: T,
          });
          const paid = await prisma.escrow.findMany({
            where: { fromWallet: A },
            include: { provider: true },
            orderBy: { jobId: 'asc' },
          });
          expect(paid.map((e) => [e.jobId, e.amountUrtc, e.status, e.provider.address])).toEqual([
            ['job-delivered', 100n, 'delivered', B],
            ['job-locked', 100n, 'locked', B],
            ['job-partial', 300n, 'released', B],
          ]);
          const node = await prisma.gpuNode.findUniqueOrThrow({ where: { minerId: NODE } });
          expect([node.supportsRender, node.supportsTts, node.benchmarkScore, node.priceRenderMinuteUrtc]).toEqual([
            true,
            false,
            82.6,
            10n,
          ]);
          const [event] = await prisma.marketEvent.findMany({ where: { jobId: 'job-locked' } });
          expect(event).toMatchObject({ seq: 1, topic: 'escrow', payload: `{"amountUrtc":"${ABOVE_2_53}"}` });
          // Sums of µRTC stay exact too.
          const sum = await prisma.wallet.aggregate({
            _sum: { lockedUrtc: true },
            where: { address: { in: [A, whale] } },
          });
          expect(sum._sum.lockedUrtc).toBe(ABOVE_2_53 + 200n);
        } finally {
          await prisma.$disconnect();
        }
      });

      it('is refused by the CHECKs too, and writes BigInts exactly', async () => {
        const prisma = await openPostgresPrisma(database.url);
        try {
          await expect(
            prisma.wallet.update({ where: { address: B }, data: { availableUrtc: { decrement: 1n } } }),
          ).rejects.toThrow(/wallets_available_urtc_check/);
          await prisma.wallet.update({ where: { address: B }, data: { availableUrtc: ABOVE_2_53 } });
          const read = await client.query('SELECT available_urtc::text AS v FROM wallets WHERE address = $1', [B]);
          expect(read.rows[0].v).toBe(ABOVE_2_53.toString());
        } finally {
          await prisma.$disconnect();
        }
      });

      it('stores and reads back a time after 2038, through the statements and through Prisma, as numbers', async () => {
        const late = 'RTC' + 'e'.repeat(40);
        const pool = createPostgresPool(database.url);
        const prisma = await openPostgresPrisma(database.url);
        try {
          const engine = createPostgresEngine(pool);
          const id = await engine.write(function* () {
            yield* insertLateWallet.run([late, AFTER_2038, AFTER_2038 + 1]);
            return Number(yield* insertLateEscrow.value(['job-late', late, B, AFTER_2038, AFTER_2038 + 60]));
          });
          const row = await engine.read(() => lateEscrow.get(['job-late']));
          expect([Number(row!.id), Number(row!.created_at), Number(row!.expires_at)]).toEqual([
            id,
            AFTER_2038,
            AFTER_2038 + 60,
          ]);

          const wallet = await prisma.wallet.findUniqueOrThrow({
            where: { address: late },
            include: { escrowsPaid: { include: { provider: true } } },
          });
          expect(wallet).toMatchObject({ createdAt: AFTER_2038, updatedAt: AFTER_2038 + 1 });
          expect(wallet.escrowsPaid).toMatchObject([{ id, createdAt: AFTER_2038, expiresAt: AFTER_2038 + 60 }]);
          expect(wallet.escrowsPaid[0]!.provider).toMatchObject({ address: B, createdAt: T });
          // Numbers, as the SQLite client gives them, not BigInts; µRTC stays BigInt.
          expect(typeof wallet.escrowsPaid[0]!.id).toBe('number');
          expect(typeof wallet.escrowsPaid[0]!.amountUrtc).toBe('bigint');

          const written = await prisma.escrow.update({
            where: { id },
            data: { expiresAt: AFTER_2038 + 3600 },
            select: { expiresAt: true, payer: { select: { updatedAt: true } } },
          });
          expect(written).toEqual({ expiresAt: AFTER_2038 + 3600, payer: { updatedAt: AFTER_2038 + 1 } });
          const latest = await prisma.escrow.aggregate({ _max: { expiresAt: true, amountUrtc: true }, _count: true });
          expect(latest._max).toEqual({ expiresAt: AFTER_2038 + 3600, amountUrtc: latest._max.amountUrtc });
          expect(typeof latest._max.amountUrtc).toBe('bigint');
          const stored = await client.query('SELECT expires_at::text AS v FROM render_escrow WHERE id = $1', [id]);
          expect(stored.rows[0].v).toBe(String(AFTER_2038 + 3600));

          // The ledger's own settlement writes its times too.
          const ledger = createLedger(engine);
          await ledger.write(function* () {
            const escrow = (yield* ledger.findEscrow('job-late'))!;
            const how = {
              status: 'released',
              paidUrtc: 2n,
              refundedUrtc: 3n,
              reason: null,
              settledBy: 'operator',
            } as const;
            return yield* ledger.settle(escrow, how, AFTER_2038 + 120);
          });
          const settled = await prisma.escrow.findUniqueOrThrow({ where: { id } });
          expect(settled).toMatchObject({
            status: 'released',
            releasedAt: AFTER_2038 + 120,
            refundedAt: AFTER_2038 + 120,
          });
          const entries = await prisma.journalEntry.findMany({ where: { jobId: 'job-late' }, orderBy: { id: 'asc' } });
          expect(entries.map((e) => [e.kind, e.amountUrtc, e.createdAt])).toEqual([
            ['release', 2n, AFTER_2038 + 120],
            ['refund', 3n, AFTER_2038 + 120],
          ]);
        } finally {
          await prisma.$disconnect();
          await pool.end();
        }
      });

      it('keeps at most connection_limit connections', async () => {
        const prisma = await openPostgresPrisma(`${database.url}?connection_limit=2`);
        try {
          const pids = await Promise.all(
            Array.from(
              { length: 6 },
              () => prisma.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid, pg_sleep(0.05)::text AS slept`,
            ),
          );
          const distinct = new Set(pids.map(([row]) => row!.pid));
          expect(distinct.size).toBeGreaterThanOrEqual(1);
          expect(distinct.size).toBeLessThanOrEqual(2);
        } finally {
          await prisma.$disconnect();
        }
      });
    });
  },
);

describe('PostgreSQL pool settings from the URL', () => {
  it('takes connection_limit and connect_timeout off the URL and keeps the rest for pg', () => {
    expect(
      postgresPoolSettings(
        'postgres://u:p@db.example:5433/market?connection_limit=4&connect_timeout=3&sslmode=require',
      ),
    ).toEqual({
      connectionString: 'postgres://u:p@db.example:5433/market?sslmode=require',
      max: 4,
      connectionTimeoutMillis: 3000,
    });
    expect(postgresPoolSettings('postgresql://localhost/market')).toEqual({
      connectionString: 'postgresql://localhost/market',
      max: 10,
      connectionTimeoutMillis: 10_000,
    });
  });

  it('refuses a setting that is not a whole number in range, and a URL that is not PostgreSQL', () => {
    expect(() => postgresPoolSettings('postgres://localhost/m?connection_limit=0')).toThrow(/connection_limit/);
    expect(() => postgresPoolSettings('postgres://localhost/m?connect_timeout=soon')).toThrow(/connect_timeout/);
    expect(() => postgresPoolSettings('file:./data/market.db')).toThrow(/not a postgres/);
  });
});
