/**
 * The escrow event log: one numbered row per committed change, written inside the change's own
 * transaction (so an event exists exactly when its change does), published after the commit, and read
 * back by subscribers that reconnect with the last sequence number they saw. Payloads are JSON with
 * amounts as digit strings, so that they can cross a process boundary.
 */
import type { EscrowRecord } from '../ledger.js';
import { sql, type SqlEngine, type Work } from '../sql/statement.js';
import { CATCH_UP_PAGE, eventLog, type CatchUp } from '../event-log.js';

export type EscrowChange =
  'locked' | 'partially_released' | 'delivered' | 'disputed' | 'released' | 'refunded' | 'expired';

/** The changes after which an escrow is final: its subscription ends. */
export const FINAL_CHANGES: readonly EscrowChange[] = ['released', 'refunded', 'expired'];

export interface EscrowEvent {
  seq: number;
  change: EscrowChange;
  at: number;
  /** The escrow as it was right after this change. */
  escrow: EscrowRecord;
}

/** The event as it travels through the pubsub and the database: no BigInt. */
export interface EscrowEventMessage {
  seq: number;
  change: EscrowChange;
  at: number;
  jobId: string;
  fromWallet: string;
  toWallet: string;
  escrow: Record<string, string | number | null>;
}

const AMOUNTS = ['amountUrtc', 'releasedUrtc', 'refundedUrtc', 'units', 'unitPriceUrtc', 'claimedUrtc'] as const;

export function escrowSnapshot(e: EscrowRecord): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  for (const [k, v] of Object.entries(e)) out[k] = typeof v === 'bigint' ? v.toString() : (v as string | number | null);
  return out;
}

/** Events recorded before delivery existed lack its fields: they read as absent (null), the review window as the default. */
const ABSENT_BEFORE_DELIVERY = {
  reviewWindowS: 259_200,
  deliveredAt: null,
  reviewUntil: null,
  claimedUrtc: null,
  resultHash: null,
  resultUri: null,
  disputedAt: null,
  disputeReason: null,
};

export function escrowFromSnapshot(s: Record<string, string | number | null>): EscrowRecord {
  const e = { ...ABSENT_BEFORE_DELIVERY, ...s } as Record<string, unknown>;
  for (const k of AMOUNTS) if (e[k] !== null && e[k] !== undefined) e[k] = BigInt(e[k] as string);
  return e as unknown as EscrowRecord;
}

export function eventFromMessage(m: EscrowEventMessage): EscrowEvent {
  return { seq: m.seq, change: m.change, at: m.at, escrow: escrowFromSnapshot(m.escrow) };
}

export type EscrowEventLog = ReturnType<typeof createEscrowEventLog>;

const s = {
  insert: sql(
    "INSERT INTO market_events (topic, change, job_id, from_wallet, to_wallet, payload, at) VALUES ('escrow', ?, ?, ?, ?, ?, ?)",
    { returningKey: 'seq' },
  ),
  ofJob: sql("SELECT * FROM market_events WHERE topic = 'escrow' AND job_id = ? AND seq > ? ORDER BY seq LIMIT ?"),
  ofWallet: sql(
    `SELECT * FROM (
       SELECT * FROM market_events WHERE topic = 'escrow' AND from_wallet = @wallet AND seq > @after
       UNION SELECT * FROM market_events WHERE topic = 'escrow' AND to_wallet = @wallet AND seq > @after
     ) AS events_of_wallet ORDER BY seq LIMIT @limit`,
  ),
  latestOfJob: sql("SELECT * FROM market_events WHERE topic = 'escrow' AND job_id = ? ORDER BY seq DESC LIMIT 1"),
  // An escrow's first event is its lock; a wallet's, the lock of its first escrow (on either side).
  lockRetained: sql("SELECT 1 FROM market_events WHERE topic = 'escrow' AND job_id = ? AND change = 'locked'"),
  escrowExists: sql('SELECT 1 FROM render_escrow WHERE job_id = ?'),
  firstPaid: sql('SELECT job_id FROM render_escrow WHERE from_wallet = ? ORDER BY id LIMIT 1'),
  firstReceived: sql('SELECT job_id FROM render_escrow WHERE to_wallet = ? ORDER BY id LIMIT 1'),
  // Oldest first by seq, up to the first event recorded at or after the cutoff: what `eventLog.purgedAfter` relies on
  // (everything up to a seq gone, nothing after it) holds even when instances' clocks disagree a little. The scan
  // reads in seq order and stops at that event, so it costs what it deletes; `at` needs no index.
  purge: sql(
    `DELETE FROM market_events WHERE seq < COALESCE(
       (SELECT seq FROM market_events WHERE at >= ? ORDER BY seq LIMIT 1),
       (SELECT MAX(seq) + 1 FROM market_events))`,
  ),
};

const toMessage = (r: Record<string, unknown>): EscrowEventMessage => ({
  seq: Number(r.seq),
  change: r.change as EscrowChange,
  at: Number(r.at),
  jobId: r.job_id as string,
  fromWallet: r.from_wallet as string,
  toWallet: r.to_wallet as string,
  escrow: JSON.parse(r.payload as string) as Record<string, string | number | null>,
});

/** Whether an escrow (if there is one) still has its first event. */
function* lockRetained(jobId: unknown): Work<boolean> {
  if (typeof jobId !== 'string') return true;
  if ((yield* s.lockRetained.get([jobId])) !== undefined) return true;
  return (yield* s.escrowExists.get([jobId])) === undefined;
}

export function createEscrowEventLog(engine: SqlEngine) {
  function ofJobAfter(jobId: string, afterSeq: number, limit = CATCH_UP_PAGE): Promise<EscrowEventMessage[]> {
    return engine.read(function* () {
      return (yield* s.ofJob.all([jobId, afterSeq, limit])).map(toMessage);
    });
  }

  function ofWalletAfter(wallet: string, afterSeq: number, limit = CATCH_UP_PAGE): Promise<EscrowEventMessage[]> {
    return engine.read(function* () {
      return (yield* s.ofWallet.all({ wallet, after: afterSeq, limit })).map(toMessage);
    });
  }

  return {
    /** Inside the change's transaction: appends its event and returns the message to publish after commit. */
    *record(escrow: EscrowRecord, change: EscrowChange, at: number): Work<EscrowEventMessage> {
      const snapshot = escrowSnapshot(escrow);
      yield* eventLog.beforeAppend();
      const seq = yield* s.insert.insert([
        change,
        escrow.jobId,
        escrow.fromWallet,
        escrow.toWallet,
        JSON.stringify(snapshot),
        at,
      ]);
      return {
        seq: Number(seq),
        change,
        at,
        jobId: escrow.jobId,
        fromWallet: escrow.fromWallet,
        toWallet: escrow.toWallet,
        escrow: snapshot,
      };
    },

    ofJobAfter,
    ofWalletAfter,

    /** Every retained event of one escrow after `afterSeq`. */
    jobCatchUp(jobId: string, afterSeq: number): CatchUp<EscrowEventMessage> {
      return {
        after: afterSeq,
        page: (seq, limit) => ofJobAfter(jobId, seq, limit),
        purgedAfter: (seq) => eventLog.purgedAfter(engine, seq, () => lockRetained(jobId)),
      };
    },

    /** Every retained event of the escrows a wallet pays or is paid by, after `afterSeq`. */
    walletCatchUp(wallet: string, afterSeq: number): CatchUp<EscrowEventMessage> {
      return {
        after: afterSeq,
        page: (seq, limit) => ofWalletAfter(wallet, seq, limit),
        purgedAfter: (seq) =>
          eventLog.purgedAfter(engine, seq, function* () {
            return (
              (yield* lockRetained(yield* s.firstPaid.value([wallet]))) &&
              (yield* lockRetained(yield* s.firstReceived.value([wallet])))
            );
          }),
      };
    },

    latestOfJob(jobId: string): Promise<EscrowEventMessage | null> {
      return engine.read(function* () {
        const r = yield* s.latestOfJob.get([jobId]);
        return r ? toMessage(r) : null;
      });
    },

    /** Forgets events older than `before` (the catch-up window). */
    *purge(before: number): Work<void> {
      yield* s.purge.run([before]);
    },
  };
}
