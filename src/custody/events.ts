/**
 * Wallet events of custody (deposits seen, credited, voided; withdrawals pending, sent, confirmed, failed):
 * rows of the market-wide event log (`market_events`, topic `wallet`), written inside the change's own
 * transaction and published after its commit, like escrow events. Payloads carry amounts as digit strings.
 */
import { sql, type SqlEngine, type Work } from '../sql/statement.js';
import { CATCH_UP_PAGE, eventLog, type CatchUp } from '../event-log.js';
import type { ChainDepositRecord, WithdrawalRecord } from './store.js';

export type WalletChange =
  | 'deposit_pending'
  | 'deposit_credited'
  | 'deposit_voided'
  | 'withdrawal_pending'
  | 'withdrawal_sent'
  | 'withdrawal_confirmed'
  | 'withdrawal_failed';

/** A deposit or withdrawal as it was right after the change, with no BigInt (it may cross Redis). */
export type Snapshot = Record<string, string | number | null>;

export interface WalletEventMessage {
  seq: number;
  change: WalletChange;
  at: number;
  wallet: string;
  deposit: Snapshot | null;
  withdrawal: Snapshot | null;
}

export function snapshot(record: ChainDepositRecord | WithdrawalRecord): Snapshot {
  const out: Snapshot = {};
  for (const [k, v] of Object.entries(record))
    out[k] = typeof v === 'bigint' ? v.toString() : (v as string | number | null);
  return out;
}

export type CustodyEventLog = ReturnType<typeof createCustodyEventLog>;

const s = {
  insert: sql("INSERT INTO market_events (topic, change, from_wallet, payload, at) VALUES ('wallet', ?, ?, ?, ?)", {
    returningKey: 'seq',
  }),
  ofWallet: sql(
    "SELECT * FROM market_events WHERE topic = 'wallet' AND from_wallet = ? AND seq > ? ORDER BY seq LIMIT ?",
  ),
  // The first event kept: purges remove events oldest first by seq (src/escrow/events.ts).
  oldestRetainedAt: sql('SELECT at FROM market_events ORDER BY seq LIMIT 1'),
  firstActivityAt: sql(
    `SELECT MIN(t) FROM (SELECT MIN(seen_at) AS t FROM chain_deposits WHERE wallet = @wallet
                      UNION ALL SELECT MIN(created_at) FROM withdrawals WHERE wallet = @wallet) AS first_activity`,
  ),
};

/** The wallet lost no event to a purge when its first deposit or withdrawal is no older than the oldest event kept. */
function* firstEventRetained(wallet: string): Work<boolean> {
  const first = yield* s.firstActivityAt.value<bigint | number | null>({ wallet });
  const oldest = yield* s.oldestRetainedAt.value<bigint | number | null>();
  return first === null || first === undefined || (oldest !== null && oldest !== undefined && first >= oldest);
}

export function createCustodyEventLog(engine: SqlEngine) {
  function ofWalletAfter(wallet: string, afterSeq: number, limit = CATCH_UP_PAGE): Promise<WalletEventMessage[]> {
    return engine.read(function* () {
      return (yield* s.ofWallet.all([wallet, afterSeq, limit])).map((r) => {
        const body = JSON.parse(r.payload as string) as { deposit: Snapshot | null; withdrawal: Snapshot | null };
        return {
          seq: Number(r.seq),
          change: r.change as WalletChange,
          at: Number(r.at),
          wallet: r.from_wallet as string,
          ...body,
        };
      });
    });
  }

  function* record(
    wallet: string,
    change: WalletChange,
    body: { deposit: Snapshot | null; withdrawal: Snapshot | null },
    at: number,
  ): Work<WalletEventMessage> {
    yield* eventLog.beforeAppend();
    const seq = yield* s.insert.insert([change, wallet, JSON.stringify(body), at]);
    return { seq: Number(seq), change, at, wallet, ...body };
  }

  return {
    /**
     * Inside the change's transaction, after its other writes. A deposit nobody is credited with yet has no wallet
     * to tell: null.
     */
    *recordDeposit(d: ChainDepositRecord, change: WalletChange, at: number): Work<WalletEventMessage | null> {
      return d.wallet ? yield* record(d.wallet, change, { deposit: snapshot(d), withdrawal: null }, at) : null;
    },

    *recordWithdrawal(w: WithdrawalRecord, change: WalletChange, at: number): Work<WalletEventMessage> {
      return yield* record(w.wallet, change, { deposit: null, withdrawal: snapshot(w) }, at);
    },

    /** The wallet's events after `afterSeq`, oldest first, at most `limit`. */
    ofWalletAfter,

    /** Where a `walletEvents` subscriber resumes: every retained event after `afterSeq`, page by page. */
    walletCatchUp(wallet: string, afterSeq: number): CatchUp<WalletEventMessage> {
      return {
        after: afterSeq,
        page: (seq, limit) => ofWalletAfter(wallet, seq, limit),
        purgedAfter: (seq) => eventLog.purgedAfter(engine, seq, () => firstEventRetained(wallet)),
      };
    },
  };
}
