/** Test fixtures: markets on fresh database files, listening servers, and signing wallets. */
import { copyFileSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { inject } from 'vitest';
import type { Clock } from '../../src/clock.js';
import type { ChainAdapter } from '../../src/custody/chain.js';
import { createMarket, wireServices, type Market } from '../../src/market.js';
import { createGroupCommit } from '../../src/group-commit.js';
import { createMarketPubSub } from '../../src/pubsub.js';
import { createSqliteEngine } from '../../src/sql/sqlite.js';
import { startMarketServer, type MarketServer } from '../../src/server.js';
import { walletFromSeed, type Wallet } from '../../src/domain/signatures.js';

export const ADMIN_KEY = 'test-operator-key-0123456789abcdef';
export const silentLog = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** A copy of the migrated template database in a fresh directory. */
export function freshDatabaseUrl(): string {
  const dir = mkdtempSync(join(tmpdir(), 'grp-test-'));
  const file = join(dir, 'market.db');
  copyFileSync(inject('templateDatabase'), file);
  return `file:${file}`;
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
}

export function createTestMarket(options: TestMarketOptions = {}): Market {
  return createMarket(
    {
      DATABASE_URL: options.databaseUrl ?? freshDatabaseUrl(),
      RC_ADMIN_KEY: options.adminKey === null ? undefined : (options.adminKey ?? ADMIN_KEY),
      SQLITE_SYNCHRONOUS: 'NORMAL',
      WITHDRAW_DAILY_MAX_URTC: options.withdrawDailyMaxUrtc,
      CHALLENGE_RATE_PER_MIN: options.challengeRatePerMin ?? 100_000,
      CHALLENGE_OPEN_MAX_PER_MINER: options.challengeOpenMaxPerMiner,
    },
    silentLog,
    options.clock,
    options.chain ?? null,
  );
}

export async function startTestServer(
  options: TestMarketOptions & {
    sweepIntervalMs?: number;
    maxSubscriptionsPerConnection?: number;
    maxConnectionsPerIp?: number;
  } = {},
): Promise<MarketServer & { market: Market }> {
  const market = createTestMarket(options);
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
