/**
 * Test fixtures: markets on fresh databases, listening servers, and signing wallets. TEST_DATABASE chooses the
 * engine every market of the suite runs on: `sqlite` (the default, a copy of the migrated template file) or
 * `postgres` (a copy of the migrated template database on the test server, test/support/postgres.ts).
 * TEST_SQLITE_WRITER=thread runs a SQLite market's writes on the writer thread (src/sql/sqlite-thread.ts).
 */
import { copyFileSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino, type Logger } from 'pino';
import { inject } from 'vitest';
import type { Clock } from '../../src/clock.js';
import type { ChainAdapter } from '../../src/custody/chain.js';
import { createPostgresPool } from '../../src/db-postgres.js';
import {
  createMarket,
  openMarket,
  wireServices,
  type Market,
  type MarketConfig,
  type MarketServices,
} from '../../src/market.js';
import { createGroupCommit } from '../../src/group-commit.js';
import { createMarketPubSub } from '../../src/pubsub.js';
import { createPostgresEngine } from '../../src/sql/postgres.js';
import { createSqliteEngine } from '../../src/sql/sqlite.js';
import { startMarketServer, type MarketServer } from '../../src/server.js';
import { walletFromSeed, type Wallet } from '../../src/domain/signatures.js';
import { createTestPostgresDatabase } from './postgres.js';

export const ADMIN_KEY = 'test-operator-key-0123456789abcdef';
export const silentLog = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** The engine the suite's markets run on (TEST_DATABASE=postgres, or SQLite by default). */
export const testDatabase: 'sqlite' | 'postgres' = process.env.TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';
export const onPostgres = testDatabase === 'postgres';
/**
 * The time a property test that opens a fresh market per sequence may take: on PostgreSQL each market is a new
 * database (CREATE DATABASE … TEMPLATE), which takes most of a sequence (100 custody sequences take about 75 s on
 * an idle 2-core machine); on SQLite the suite's default.
 */
export const propertyTimeoutMs: number | undefined = onPostgres ? 900_000 : undefined;
/** Where a SQLite test market writes: on the event loop by default, or on the writer thread (TEST_SQLITE_WRITER=thread). */
export const testSqliteWriter: 'thread' | 'loop' = process.env.TEST_SQLITE_WRITER === 'thread' ? 'thread' : 'loop';

/** A copy of the migrated template database in a fresh directory. */
export function freshDatabaseUrl(): string {
  const dir = mkdtempSync(join(tmpdir(), 'grp-test-'));
  const file = join(dir, 'market.db');
  copyFileSync(inject('templateDatabase'), file);
  return `file:${file}`;
}

/**
 * A fresh database on the suite's engine, for markets or server processes that share it: a SQLite file, or a
 * PostgreSQL database that `drop` removes (whatever a run leaves is dropped when it ends).
 */
export async function freshTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!onPostgres) return { url: freshDatabaseUrl(), drop: async () => {} };
  const database = await createTestPostgresDatabase();
  return { url: database.url, drop: database.drop };
}

/** A fresh database's URL on the suite's engine, for server processes (a PostgreSQL one dropped when the run ends). */
export async function freshTestDatabaseUrl(): Promise<string> {
  return (await freshTestDatabase()).url;
}

/**
 * The receipt key of a PostgreSQL database, in a directory of its own: every market on one database signs with
 * one key, as markets on one SQLite file do with the receipt.key beside it.
 */
const receiptKeyFiles = new Map<string, string>();
export function receiptKeyFileOf(databaseUrl: string): string {
  let file = receiptKeyFiles.get(databaseUrl);
  if (!file) receiptKeyFiles.set(databaseUrl, (file = join(mkdtempSync(join(tmpdir(), 'grp-key-')), 'receipt.key')));
  return file;
}

export interface TestMarketOptions {
  adminKey?: string | null;
  clock?: Clock;
  databaseUrl?: string;
  /** Custody's chain (a RustChain adapter pointed at the stand-in node); none by default. */
  chain?: ChainAdapter;
  withdrawDailyMaxUrtc?: bigint;
  /** Challenges per minute per client address; every test client is 127.0.0.1, so tests allow many by default. */
  challengeRatePerMin?: number;
  challengeOpenMaxPerMiner?: number;
  /** Further settings (on PostgreSQL, the SQLite-only ones have no effect). */
  settings?: Partial<MarketConfig>;
  /** The signature threads' module (with `settings.SIGNATURE_WORKERS`). */
  signatureWorkerModule?: URL;
  /** The SQLite writer thread's module (with `settings.SQLITE_WRITER` = `thread`). */
  sqliteWriterModule?: URL;
  /** Where the market logs (nowhere by default). */
  log?: Logger;
}

function testMarketConfig(options: TestMarketOptions, databaseUrl: string): MarketConfig {
  return {
    DATABASE_URL: databaseUrl,
    RC_ADMIN_KEY: options.adminKey === null ? undefined : (options.adminKey ?? ADMIN_KEY),
    SQLITE_SYNCHRONOUS: 'NORMAL',
    WITHDRAW_DAILY_MAX_URTC: options.withdrawDailyMaxUrtc,
    CHALLENGE_RATE_PER_MIN: options.challengeRatePerMin ?? 100_000,
    CHALLENGE_OPEN_MAX_PER_MINER: options.challengeOpenMaxPerMiner,
    SQLITE_WRITER: testSqliteWriter,
    ...options.settings,
  };
}

/** A market on a SQLite file (a fresh copy of the template unless `databaseUrl` names one). */
export function createTestMarket(options: TestMarketOptions = {}): Market {
  return createMarket(
    testMarketConfig(options, options.databaseUrl ?? freshDatabaseUrl()),
    options.log ?? silentLog,
    options.clock,
    options.chain ?? null,
    { signatureWorkerModule: options.signatureWorkerModule, sqliteWriterModule: options.sqliteWriterModule },
  );
}

/**
 * A market on the suite's engine: createTestMarket's, or on PostgreSQL a market opened (openMarket) on a fresh
 * database that its close() drops, or on the one `databaseUrl` names (freshTestDatabase), which it leaves.
 */
export async function openTestMarket(options: TestMarketOptions = {}): Promise<Market> {
  if (!onPostgres) return createTestMarket(options);
  const own = options.databaseUrl === undefined ? await createTestPostgresDatabase() : null;
  const databaseUrl = options.databaseUrl ?? own!.url;
  let market: Market;
  try {
    market = await openMarket(
      {
        ...testMarketConfig(options, databaseUrl),
        RECEIPT_KEY_FILE: options.settings?.RECEIPT_KEY_FILE ?? receiptKeyFileOf(databaseUrl),
      },
      options.log ?? silentLog,
      options.clock,
      options.chain ?? null,
      { signatureWorkerModule: options.signatureWorkerModule, sqliteWriterModule: options.sqliteWriterModule },
    );
  } catch (error) {
    await own?.drop();
    throw error;
  }
  if (!own) return market;
  const close = market.close;
  market.close = async () => {
    await close();
    await own.drop();
  };
  return market;
}

export async function startTestServer(
  options: TestMarketOptions & {
    sweepIntervalMs?: number;
    maxSubscriptionsPerConnection?: number;
    maxConnectionsPerIp?: number;
  } = {},
): Promise<MarketServer & { market: Market }> {
  const market = await openTestMarket(options);
  const server = await startMarketServer(market, {
    host: '127.0.0.1',
    port: 0,
    sweepIntervalMs: options.sweepIntervalMs ?? 60_000,
    maxSubscriptionsPerConnection: options.maxSubscriptionsPerConnection,
    maxConnectionsPerIp: options.maxConnectionsPerIp,
  });
  return { ...server, market };
}

/** The services alone (wired as createMarket wires them), on an in-memory database built from the committed migrations. */
export function createInMemoryServices(clock: Clock) {
  const db = new Database(':memory:');
  db.defaultSafeIntegers(true);
  db.pragma('foreign_keys = ON');
  const migrations = join(import.meta.dirname, '../../prisma/migrations');
  for (const dir of readdirSync(migrations, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()) {
    db.exec(readFileSync(join(migrations, dir, 'migration.sql'), 'utf8'));
  }
  return {
    db,
    ...wireServices(
      createSqliteEngine(db, createGroupCommit(db)),
      { RC_ADMIN_KEY: ADMIN_KEY },
      { log: silentLog, clock, pubsub: createMarketPubSub().pubsub },
    ),
  };
}

/**
 * The services alone on the suite's engine: createInMemoryServices's, or on PostgreSQL wired on a fresh database
 * (its own pool) that close() drops.
 */
export async function openTestServices(clock: Clock): Promise<MarketServices & { close(): Promise<void> }> {
  if (!onPostgres) {
    const { db, ...services } = createInMemoryServices(clock);
    return {
      ...services,
      async close() {
        await services.close();
        db.close();
      },
    };
  }
  const database = await createTestPostgresDatabase();
  const pool = createPostgresPool(database.url);
  const services = wireServices(
    createPostgresEngine(pool),
    { RC_ADMIN_KEY: ADMIN_KEY },
    { log: silentLog, clock, pubsub: createMarketPubSub().pubsub },
  );
  return {
    ...services,
    async close() {
      await services.close();
      await pool.end();
      await database.drop();
    },
  };
}

let seedCounter = 0;
/** A deterministic, distinct wallet per call (seeded from a counter and the worker's pid). */
export function newWallet(): Wallet {
  seedCounter += 1;
  const seed = Buffer.alloc(32);
  seed.writeUInt32BE(process.pid, 0);
  seed.writeUInt32BE(seedCounter, 4);
  return walletFromSeed(seed.toString('hex'));
}

let jobCounter = 0;
export const newJobId = (prefix = 'job') => `${prefix}-${process.pid}-${++jobCounter}`;
let nonceCounter = 0;
export const newNonce = () => `n${process.pid}x${++nonceCounter}`;
