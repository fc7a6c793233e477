/**
 * The market's event log (market_events) as every feed reads it: one market-wide sequence number, appended in
 * order, read a page at a time by a subscriber catching up, and where retention begins. No GraphQL here:
 * the SQLite writer thread (src/workers/sqlite-writer.ts) appends events through it too.
 */
import { sql, type SqlEngine, type Work } from './sql/statement.js';

/** Missed events are read from the log this many at a time. */
export const CATCH_UP_PAGE = 500;

/** Where a subscriber resumes: the events after `after`, read a page at a time. */
export interface CatchUp<T> {
  after: number;
  /** At most `limit` events after `seq`, oldest first. */
  page(seq: number, limit: number): T[] | Promise<T[]>;
  /** Whether events after `seq` that this subscription delivers may have been purged. */
  purgedAfter(seq: number): boolean | Promise<boolean>;
}

/** A fresh subscriber: nothing to replay. */
export function nothingMissed<T>(after = 0): CatchUp<T> {
  return { after, page: () => [], purgedAfter: () => false };
}

/** Replays these events (already read), then follows. */
export function replayOf<T extends { seq: number }>(events: T[], after: number): CatchUp<T> {
  return { after, page: (seq, limit) => events.filter((e) => e.seq > seq).slice(0, limit), purgedAfter: () => false };
}

const oldestEvent = sql('SELECT MIN(seq) FROM market_events');
const lastIssuedSeq = sql({
  sqlite: "SELECT seq FROM sqlite_sequence WHERE name = 'market_events'",
  postgres: 'SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM market_events_seq_seq',
});
/**
 * PostgreSQL hands out sequence numbers as transactions ask for them, not as they commit: a reader could see
 * seq 11 committed while seq 10 is still in flight, move past it, and never deliver 10. Every transaction takes
 * this lock right before it appends its first event and holds it to its COMMIT, so events commit in the order of
 * their numbers and a reader that saw one has seen every lower one that will ever exist. Events are appended last
 * in each unit of work, after its row locks, so the lock is held for the append and the COMMIT only. SQLite's one
 * writer gives this order by itself.
 */
const appendInOrder = sql("SELECT pg_advisory_xact_lock(hashtext('market_events'))", { only: 'postgres' });
/** A reader's side of `appendInOrder`: waits for the appends in flight to commit, and holds off new ones meanwhile. */
const appendsSettled = sql("SELECT pg_advisory_xact_lock_shared(hashtext('market_events'))", { only: 'postgres' });

/** The market's event log (market_events), shared by every feed: appending in order, and where retention begins. */
export const eventLog = {
  /** Inside a write, before appending events: see `appendInOrder`. */
  *beforeAppend(): Work<void> {
    yield* appendInOrder.get();
  },

  /** The last sequence number handed out (0 before the first event). */
  *lastIssued(): Work<number> {
    return Number((yield* lastIssuedSeq.value<bigint | number>()) ?? 0);
  },

  /**
   * The last sequence number handed out to a transaction that has ended. PostgreSQL: waits for the transactions
   * appending events right now (they hold `appendInOrder`) and keeps new ones from taking a number until this
   * snapshot ends, so the number read is a committed event's, not one still in flight that a feed starting after
   * it would never see. SQLite's one writer needs no such wait.
   */
  lastSettled(engine: SqlEngine): Promise<number> {
    return engine.snapshot(function* () {
      yield* appendsSettled.get();
      return yield* eventLog.lastIssued();
    });
  },

  /**
   * Whether events after `seq` may have been purged. Events are purged oldest first, so everything up to
   * `purgedThrough` is gone and nothing after it. A subject (an escrow, a wallet, a node) whose first event is
   * still retained lost nothing, so `afterSeq: 0` on a fresh id still works after a purge: `firstEventRetained`
   * says so for one subject; without it, any purge counts.
   *
   * With no event retained, everything up to the last number handed out is gone. On PostgreSQL a number is handed
   * out before its event commits: an append in flight would read as a purge of events nobody ever missed. So the
   * appends in flight are waited for, and the oldest event read again once they have committed.
   */
  async purgedAfter(engine: SqlEngine, seq: number, firstEventRetained?: () => Work<boolean>): Promise<boolean> {
    let first = await engine.read(() => oldestEvent.value<bigint | number | null>());
    let purgedThrough: number;
    if (first !== null && first !== undefined) purgedThrough = Number(first) - 1;
    else {
      const issued = await eventLog.lastSettled(engine);
      first = await engine.read(() => oldestEvent.value<bigint | number | null>());
      purgedThrough = first !== null && first !== undefined ? Number(first) - 1 : issued;
    }
    if (seq >= purgedThrough) return false;
    return firstEventRetained ? !(await engine.read(firstEventRetained)) : true;
  },
};
