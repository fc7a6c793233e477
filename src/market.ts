/**
 * Builds the market's services on one database: what the GraphQL schema, the REST shim and the
 * sweeper all share. `wireServices` is the one composition root; `createMarket` opens a database file
 * for it, and tests of the services alone give it an in-memory database.
 */
import type { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { openDatabase, readingDurably, sqliteFilePath, type DatabaseHandles } from './db.js';
import { createPostgresPool, isPostgresUrl, openPostgresPrisma } from './db-postgres.js';
import { createBondService, type BondService } from './attestation/bonds.js';
import { CHALLENGE_LIMITS_DEFAULT, createAttestationService, type AttestationService } from './attestation/service.js';
import { createNodeEventLog, type NodeEventLog } from './attestation/events.js';
import { createAttestationStore } from './attestation/store.js';
import { createEscrowEventLog, type EscrowEventLog } from './escrow/events.js';
import { createEscrowService, type EscrowService } from './escrow/service.js';
import {
  createReceiptSigner,
  loadOrCreateReceiptKey,
  registerReceiptKey,
  type ReceiptSigner,
} from './escrow/receipts.js';
import { BOND_MIN_URTC_DEFAULT, BOND_UNBOND_DELAY_S_DEFAULT } from './pricing/eligibility.js';
import { createPricingService, type PricingService } from './pricing/service.js';
import { createPricingStore, type PricingStore } from './pricing/store.js';
import { createGroupCommit } from './group-commit.js';
import { AUTOCHECKPOINT_PAGES, startCheckpointer, walLimitPages } from './workers/checkpointer.js';
import { startSqliteThread } from './sql/sqlite-thread.js';
import { createSignaturePool, inlineVerifier, type SignatureVerifier } from './workers/signature-pool.js';
import { createPostgresEngine } from './sql/postgres.js';
import { createSqliteEngine } from './sql/sqlite.js';
import type { SqlEngine } from './sql/statement.js';
import { createLedger, type Ledger } from './ledger.js';
import { isOperationRunner } from './write-operations.js';
import { assertLedgerSound } from './ledger-invariants.js';
import { createOperatorGate, type OperatorGate } from './operator.js';
import { createMarketPubSub, type MarketPubSub } from './pubsub.js';
import { createWalletService, type WalletService } from './wallet/service.js';
import type { ChainAdapter } from './custody/chain.js';
import { createCustodyEventLog } from './custody/events.js';
import { createCustodyService, type CustodyService } from './custody/service.js';
import { createCustodyStore } from './custody/store.js';

/** The services of a market, wired to each other on one SQLite connection: all a Market holds but the database. */
export interface MarketServices {
  /** The database the services' units of work run on (src/sql/statement.ts). */
  sql: SqlEngine;
  attestations: AttestationService;
  bonds: BondService;
  pricing: PricingService;
  pricingEvents: PricingStore;
  ledger: Ledger;
  escrows: EscrowService;
  escrowEvents: EscrowEventLog;
  operator: OperatorGate;
  nodeEvents: NodeEventLog;
  wallets: WalletService;
  custody: CustodyService;
  pubsub: MarketPubSub;
  log: Logger;
  clock: Clock;
  /** The sweeper's node step: announces lapsed attestations, forgets expired challenges, returns matured bonds. */
  sweepNodes(): Promise<void>;
  /** Stops the services' timers and subscriptions; the connection and the pub/sub stay open. */
  close(): Promise<void>;
}

export interface Market extends MarketServices {
  db: DatabaseHandles;
  /** Signs the receipts of settled escrows with the deployment's receipt key (one key for every instance). */
  receipts: ReceiptSigner;
  /** The threads verifying signatures (SIGNATURE_WORKERS), none when they are verified on the event loop. */
  signatureThreads(): Worker[];
  /** Closes the services, the pub/sub and the database. */
  close(): Promise<void>;
}

/** Settings createMarket reads when given (each has the configuration's default otherwise). */
type OptionalSettings =
  | 'ATTESTATION_TTL_S'
  | 'PRICE_CHANGE_INTERVAL_S'
  | 'REDIS_URL'
  | 'CHALLENGE_OPEN_MAX_PER_MINER'
  | 'CHALLENGE_RATE_PER_MIN'
  | 'BOND_MIN_URTC'
  | 'WITHDRAW_MIN_URTC'
  | 'WITHDRAW_DAILY_MAX_URTC'
  | 'CUSTODY_SENDER_LEASE_S'
  | 'BOND_UNBOND_DELAY_S'
  /** Default here: `commit` (FULL's fsync inside each COMMIT; a server's configuration gives `pool`). */
  | 'WAL_SYNC'
  | 'GROUP_COMMIT_MAX_OPS'
  /** Default here: `commit` (SQLite's automatic checkpoint; a server's configuration gives it a thread). */
  | 'WAL_CHECKPOINT'
  /** Default here: `loop`, as a server's. */
  | 'SQLITE_WRITER'
  /** Default here: 0, signatures verified on the event loop (a server's configuration gives it threads). */
  | 'SIGNATURE_WORKERS'
  /** Default here: receipt.key beside the database file (the configuration's default is ./data/receipt.key, beside ./data/market.db). */
  | 'RECEIPT_KEY_FILE';

/** What createMarket and openMarket read. */
export type MarketConfig = Pick<Config, 'DATABASE_URL' | 'RC_ADMIN_KEY' | 'SQLITE_SYNCHRONOUS'> &
  Partial<Pick<Config, OptionalSettings>>;

/** What the services read: the operator key, and the optional settings but the pub/sub's. */
export type ServiceSettings = Pick<Config, 'RC_ADMIN_KEY'> &
  Partial<
    Pick<
      Config,
      Exclude<OptionalSettings, 'REDIS_URL' | 'WAL_SYNC' | 'WAL_CHECKPOINT' | 'SQLITE_WRITER' | 'SIGNATURE_WORKERS'>
    >
  >;

export interface ServiceDeps {
  log: Logger;
  clock?: Clock;
  /** Where committed changes are announced (in process, or Redis across instances). */
  pubsub: MarketPubSub;
  /** The custody chain (RustChain), or null when custody is not configured. */
  chain?: ChainAdapter | null;
  /** Where request signatures are verified; on the event loop when not given. */
  signatures?: SignatureVerifier;
}

export interface MarketOptions {
  /** The signature threads' module (./workers/signature-worker.ts unless given; one that wraps its `answerBatch`). */
  signatureWorkerModule?: URL;
  /** The SQLite writer thread's module (./workers/sqlite-writer.ts unless given; one that wraps its `serve`). */
  sqliteWriterModule?: URL;
}

/** How long an attestation keeps a node on offer when the settings do not say (the configuration's default too). */
const ATTESTATION_TTL_S_DEFAULT = 3600;

/** Opens the SQLite file, audits the ledger and wires the services on it: the market of one process. */
export function createMarket(
  config: MarketConfig,
  log: Logger,
  clock: Clock = systemClock,
  /** The custody chain (RustChain), or null when custody is not configured. */
  chain: ChainAdapter | null = null,
  options: MarketOptions = {},
): Market {
  const onThread = config.SQLITE_WRITER === 'thread';
  const walSync = config.WAL_SYNC ?? 'commit';
  // With the writer on its thread, this connection only reads once the market is open: the thread flushes the WAL.
  const db = openDatabase(config.DATABASE_URL, config.SQLITE_SYNCHRONOUS, onThread ? 'commit' : walSync);
  assertLedgerSound(db.sqlite, log); // the money rules of src/ledger-invariants.ts audited: on a violation it logs fatal and throws, so nothing starts
  // The receipt key: created on the first start, recorded on first use; another key than the recorded one stops the start.
  let receipts: ReceiptSigner;
  try {
    const receiptKey = loadOrCreateReceiptKey(
      config.RECEIPT_KEY_FILE ?? join(dirname(sqliteFilePath(config.DATABASE_URL)), 'receipt.key'),
    );
    registerReceiptKey(db.sqlite, receiptKey, clock());
    receipts = createReceiptSigner(receiptKey);
  } catch (error) {
    void db.close();
    throw error;
  }
  const file = sqliteFilePath(config.DATABASE_URL);
  const checkpointInThread = config.WAL_CHECKPOINT === 'thread';
  const limitPages = walLimitPages(Number(db.sqlite.pragma('page_size', { simple: true })));
  let sql: SqlEngine;
  let durable: () => Promise<void>;
  let setAutocheckpoint: (pages: number) => void;
  let closeWriter: () => Promise<void>;
  if (onThread) {
    const writer = startSqliteThread({
      reader: db.sqlite,
      file,
      synchronous: config.SQLITE_SYNCHRONOUS,
      walSync,
      maxOps: config.GROUP_COMMIT_MAX_OPS,
      operations: { attestationTtlS: config.ATTESTATION_TTL_S ?? ATTESTATION_TTL_S_DEFAULT },
      autocheckpointPages: checkpointInThread ? limitPages : AUTOCHECKPOINT_PAGES,
      log: log.child({ component: 'sqlite-writer' }),
      module: options.sqliteWriterModule,
    });
    sql = writer;
    durable = writer.durable;
    setAutocheckpoint = writer.setAutocheckpoint;
    closeWriter = writer.close;
  } else {
    const writes = createGroupCommit(db.sqlite, { sync: db.syncWal ?? undefined, maxOps: config.GROUP_COMMIT_MAX_OPS });
    sql = createSqliteEngine(db.sqlite, writes);
    durable = writes.durable;
    setAutocheckpoint = (pages) => {
      if (db.sqlite.open) db.sqlite.pragma(`wal_autocheckpoint = ${pages}`);
    };
    closeWriter = async () => {};
  }
  const checkpointer = checkpointInThread
    ? startCheckpointer(setAutocheckpoint, file, log.child({ component: 'checkpointer' }), { limitPages })
    : null;
  const syncsAfterCommit = config.SQLITE_SYNCHRONOUS === 'FULL' && walSync === 'pool';
  const handles = syncsAfterCommit ? { ...db, prisma: readingDurably(db.prisma, durable) } : db;
  return assembleMarket(sql, handles, receipts, config, log, clock, chain, options, async () => {
    await checkpointer?.close();
    await closeWriter();
  });
}

/**
 * The market on the database DATABASE_URL names: a SQLite file (createMarket) or PostgreSQL, where the ledger is
 * audited and the receipt key checked against the one the database recorded before anything is served. On
 * PostgreSQL any number of instances may share the database (README, "PostgreSQL and several instances").
 */
export async function openMarket(
  config: MarketConfig,
  log: Logger,
  clock: Clock = systemClock,
  chain: ChainAdapter | null = null,
  options: MarketOptions = {},
): Promise<Market> {
  if (!isPostgresUrl(config.DATABASE_URL)) return createMarket(config, log, clock, chain, options);
  const pool = createPostgresPool(config.DATABASE_URL, (err) =>
    log.warn({ err }, 'an idle PostgreSQL connection failed; the pool opens another when one is needed'),
  );
  const sql = createPostgresEngine(pool);
  const prisma = await openPostgresPrisma(config.DATABASE_URL);
  const db: DatabaseHandles = {
    // The same models generated for the other provider: one client type serves the GraphQL layer on either.
    prisma: prisma as unknown as DatabaseHandles['prisma'],
    get sqlite(): never {
      throw new Error('this market runs on PostgreSQL: there is no SQLite connection');
    },
    syncWal: null,
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
  let receipts: ReceiptSigner;
  try {
    await assertLedgerSound(sql, log);
    const receiptKey = loadOrCreateReceiptKey(config.RECEIPT_KEY_FILE ?? './data/receipt.key');
    await registerReceiptKey(sql, receiptKey, clock());
    receipts = createReceiptSigner(receiptKey);
  } catch (error) {
    await db.close();
    throw error;
  }
  return assembleMarket(sql, db, receipts, config, log, clock, chain, options, async () => {});
}

/** What createMarket and openMarket share once the database is open and checked: the pub/sub, the threads, the services. */
function assembleMarket(
  sql: SqlEngine,
  db: DatabaseHandles,
  receipts: ReceiptSigner,
  config: MarketConfig,
  log: Logger,
  clock: Clock,
  chain: ChainAdapter | null,
  options: MarketOptions,
  closeDatabaseWork: () => Promise<void> | undefined,
): Market {
  const { pubsub, close: closePubSub } = createMarketPubSub(config.REDIS_URL);
  const workers = config.SIGNATURE_WORKERS ?? 0;
  const signatures =
    workers > 0
      ? createSignaturePool({
          size: workers,
          log: log.child({ component: 'signatures' }),
          module: options.signatureWorkerModule,
        })
      : inlineVerifier;
  const services = wireServices(sql, config, { log, clock, pubsub, chain, signatures });
  async function close() {
    await services.close();
    await signatures.close();
    await closeDatabaseWork();
    await closePubSub();
    await db.close();
  }
  return { ...services, db, receipts, signatureThreads: signatures.threads, close };
}

/**
 * The one place the services are wired: on a database engine (SQLite's group commit on a file for createMarket, or
 * a migrated in-memory database for tests of the services alone; PostgreSQL for openMarket), with the pub/sub they
 * announce on.
 */
export function wireServices(sql: SqlEngine, config: ServiceSettings, deps: ServiceDeps): MarketServices {
  const { log, clock = systemClock, pubsub, chain = null, signatures } = deps;
  const ledger = createLedger(sql);
  const operator = createOperatorGate(config.RC_ADMIN_KEY);
  const attestationTtlS = config.ATTESTATION_TTL_S ?? ATTESTATION_TTL_S_DEFAULT;
  const bondMinUrtc = config.BOND_MIN_URTC ?? BOND_MIN_URTC_DEFAULT;
  const pricingStore = createPricingStore(sql);
  const pricing = createPricingService({
    store: pricingStore,
    clock,
    attestationTtlS,
    bondMinUrtc,
    sql,
    onRateChange: (event) => {
      pubsub.publish('priceUpdated', event);
      pubsub.publish('marketEvent', { seq: event.seq });
    },
  });
  // The baseline: later refreshes report changes from here.
  pricing
    .refresh()
    .catch((err: unknown) => log.error({ err }, 'pricing baseline failed; the next refresh reports every rate'));
  const escrowEvents = createEscrowEventLog(sql);
  const escrows = createEscrowService({
    ledger,
    attestationTtlS,
    operator,
    clock,
    log: log.child({ component: 'escrow' }),
    events: escrowEvents,
    signatures,
    // The writer thread runs them there; otherwise the service runs them here, through this ledger.
    operations: isOperationRunner(sql) ? sql : undefined,
    onChange: (event) => {
      // One topic per job and per wallet, so that a change wakes only its own subscribers.
      pubsub.publish('escrowOfJob', event.jobId, event);
      pubsub.publish('escrowOfWallet', event.fromWallet, event);
      pubsub.publish('escrowOfWallet', event.toWallet, event);
      pubsub.publish('marketEvent', { seq: event.seq });
    },
  });
  const wallets = createWalletService({ ledger, operator, clock, log: log.child({ component: 'wallet' }) });
  const custody = createCustodyService({
    chain,
    store: createCustodyStore(sql, chain?.chain ?? 'rustchain'),
    ledger,
    operator,
    events: createCustodyEventLog(sql),
    limits: {
      withdrawMinUrtc: config.WITHDRAW_MIN_URTC ?? 100_000n,
      withdrawDailyMaxUrtc: config.WITHDRAW_DAILY_MAX_URTC ?? 1_000_000_000n,
    },
    senderLeaseS: config.CUSTODY_SENDER_LEASE_S,
    clock,
    log: log.child({ component: 'custody' }),
    onEvent: (event) => {
      pubsub.publish('walletEvent', event.wallet, event);
      pubsub.publish('marketEvent', { seq: event.seq });
    },
  });
  const nodeEvents = createNodeEventLog(sql);
  const attestations = createAttestationService({
    store: createAttestationStore(sql),
    sql,
    operator,
    clock,
    log: log.child({ component: 'attestation' }),
    attestationTtlS,
    challengeLimits: {
      ...CHALLENGE_LIMITS_DEFAULT,
      openPerMiner: config.CHALLENGE_OPEN_MAX_PER_MINER ?? CHALLENGE_LIMITS_DEFAULT.openPerMiner,
      perClientPerMinute: config.CHALLENGE_RATE_PER_MIN ?? CHALLENGE_LIMITS_DEFAULT.perClientPerMinute,
    },
    pricing: pricingStore,
    currentRate: (jobType) => pricing.currentRate(jobType), // read before the attestation's write
    priceChangeIntervalS: config.PRICE_CHANGE_INTERVAL_S ?? 600,
    events: nodeEvents,
    onChange: (event) => {
      pubsub.publish('nodeChanged', event);
      pubsub.publish('marketEvent', { seq: event.seq });
      pricing.invalidate(); // a node's prices, presence or suspension may have moved a fair rate
    },
  });
  const bonds = createBondService({
    ledger,
    operator,
    clock,
    log: log.child({ component: 'bond' }),
    bondMinUrtc,
    unbondDelayS: config.BOND_UNBOND_DELAY_S ?? BOND_UNBOND_DELAY_S_DEFAULT,
    onChange: () => pricing.invalidate(), // a bond decides eligibility; other instances see it at their next sweep's refresh
  });
  async function sweepNodes() {
    await attestations.announceOffline();
    await attestations.purgeExpiredChallenges();
    await bonds.returnMatured();
  }
  // Another instance's node changes (through Redis) move the rates too: drop the cached statistics.
  const remoteNodeChanges = pubsub.subscribe('nodeChanged');
  void (async () => {
    for await (const _change of remoteNodeChanges) pricing.invalidate();
  })();

  async function close() {
    await remoteNodeChanges.return?.();
    pricing.close();
  }
  return {
    sql,
    ledger,
    escrows,
    escrowEvents,
    operator,
    nodeEvents,
    wallets,
    custody,
    attestations,
    bonds,
    pricing,
    pricingEvents: pricingStore,
    pubsub,
    log,
    clock,
    sweepNodes,
    close,
  };
}
