/**
 * Builds the market's services on one database: what the GraphQL schema, the REST shim and the
 * sweeper all share. Tests build one per database file.
 */
import type { Logger } from 'pino';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { openDatabase, type DatabaseHandles } from './db.js';
import { createEscrowService, type EscrowService } from './escrow/service.js';
import { createLedger, type Ledger } from './ledger.js';
import { createOperatorGate } from './operator.js';
import { createMarketPubSub, type MarketPubSub } from './pubsub.js';
import { createWalletService, type WalletService } from './wallet/service.js';

export interface Market {
  db: DatabaseHandles;
  ledger: Ledger;
  escrows: EscrowService;
  wallets: WalletService;
  pubsub: MarketPubSub;
  log: Logger;
  clock: Clock;
  close(): Promise<void>;
}

export function createMarket(
  config: Pick<Config, 'DATABASE_URL' | 'RC_ADMIN_KEY' | 'SQLITE_SYNCHRONOUS'>,
  log: Logger,
  clock: Clock = systemClock,
): Market {
  const db = openDatabase(config.DATABASE_URL, config.SQLITE_SYNCHRONOUS);
  const ledger = createLedger(db.sqlite);
  const operator = createOperatorGate(config.RC_ADMIN_KEY);
  const pubsub = createMarketPubSub();
  const escrows = createEscrowService({
    ledger,
    operator,
    clock,
    log: log.child({ component: 'escrow' }),
    onChange: (escrow, change) => pubsub.publish('escrowChanged', escrow.jobId, { jobId: escrow.jobId, change, at: clock() }),
  });
  const wallets = createWalletService({ ledger, operator, clock, log: log.child({ component: 'wallet' }) });
  return { db, ledger, escrows, wallets, pubsub, log, clock, close: () => db.close() };
}
