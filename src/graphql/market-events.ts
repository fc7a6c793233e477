/**
 * The market-wide feed over GraphQL: `marketEvents(afterSeq)` carries every event of the market's log (escrow
 * changes, node status, fair-rate moves, custody deposits and withdrawals) as a union of the event types the
 * narrower subscriptions already deliver, in seq order, each exactly once.
 *
 * Live events are read back from the log rather than taken from the pub/sub messages: a `marketEvent` message
 * only wakes the feed, which then reads what was committed after the last seq it delivered. Events commit in the
 * order of their numbers (SQLite's one writer; PostgreSQL's append lock, src/subscriptions.ts), so what the log
 * holds after a wake-up is a gap-free prefix of the sequence, whatever order the publishers of different kinds of
 * event announced their commits in (or which instance announced them).
 */
import { Repeater } from 'graphql-yoga';
import type { NodeEventMessage } from '../attestation/events.js';
import type { WalletEventMessage } from '../custody/events.js';
import type { EscrowEventMessage } from '../escrow/events.js';
import type { PriceEventMessage } from '../pricing/store.js';
import { CATCH_UP_PAGE, eventLog, nothingMissed, type CatchUp } from '../event-log.js';
import { catchUpThenLive } from '../subscriptions.js';
import { sql, type SqlEngine } from '../sql/statement.js';
import type { JobType } from '../domain/fields.js';
import { builder } from './builder.js';
import { WalletEventRef } from './custody.js';
import { EscrowEventRef } from './escrow.js';
import { NodeEventRef } from './gpu-events.js';
import { PriceEventRef } from './pricing.js';
import { afterSeqArg } from './shared.js';

export type MarketEventMessage = EscrowEventMessage | NodeEventMessage | PriceEventMessage | WalletEventMessage;

interface EventRow {
  seq: bigint;
  topic: 'escrow' | 'node' | 'price' | 'wallet';
  change: string;
  job_id: string | null;
  from_wallet: string | null;
  to_wallet: string | null;
  miner_id: string | null;
  payload: string | null;
  at: bigint;
}

/** A row of the log as the message its own subscription would have delivered. */
function messageOf(r: EventRow): MarketEventMessage {
  const seq = Number(r.seq);
  const at = Number(r.at);
  const payload = JSON.parse(r.payload ?? '{}') as Record<string, unknown>;
  switch (r.topic) {
    case 'escrow':
      return {
        seq,
        change: r.change as EscrowEventMessage['change'],
        at,
        jobId: r.job_id!,
        fromWallet: r.from_wallet!,
        toWallet: r.to_wallet!,
        escrow: payload as EscrowEventMessage['escrow'],
      };
    case 'node':
      return {
        seq,
        change: r.change as NodeEventMessage['change'],
        at,
        minerId: r.miner_id!,
        ...(payload as Pick<NodeEventMessage, 'status' | 'trust'>),
      };
    case 'price':
      return { seq, jobType: r.change as JobType, at }; // a price event's change names the job type whose rate moved
    case 'wallet':
      return {
        seq,
        change: r.change as WalletEventMessage['change'],
        at,
        wallet: r.from_wallet!,
        ...(payload as Pick<WalletEventMessage, 'deposit' | 'withdrawal'>),
      };
  }
}

const after = sql(
  `SELECT seq, topic, change, job_id, from_wallet, to_wallet, miner_id, payload, at FROM market_events
   WHERE seq > ? AND topic IN ('escrow', 'node', 'price', 'wallet') ORDER BY seq LIMIT ?`,
);
type MarketEventLog = ReturnType<typeof createMarketEventLog>;

function createMarketEventLog(engine: SqlEngine) {
  const page = (seq: number, limit = CATCH_UP_PAGE) =>
    engine.read(function* () {
      return (yield* after.all<EventRow>([seq, limit])).map(messageOf);
    });
  return {
    after: page,
    /** The last seq handed out, even when its event was purged since. */
    lastIssued: () => eventLog.lastSettled(engine),
    /** Every retained event after `afterSeq`; any purge past it is reported (the feed has no single subject). */
    catchUp: (afterSeq: number): CatchUp<MarketEventMessage> => ({
      after: afterSeq,
      page,
      purgedAfter: (seq) => eventLog.purgedAfter(engine, seq),
    }),
  };
}

// One log per engine, however many subscribers.
const logs = new WeakMap<SqlEngine, MarketEventLog>();
export function marketEventLog(engine: SqlEngine): MarketEventLog {
  let log = logs.get(engine);
  if (!log) logs.set(engine, (log = createMarketEventLog(engine)));
  return log;
}

/**
 * The events committed after `startAfter` (or from now on), read from the log each time a commit is announced.
 * Listening starts before the starting point is read, so no commit falls between the two.
 *
 * Behind a catch-up (afterSeq), the tail starts where the catch-up starts, not at a point of its own. The
 * catch-up reads its pages while the tail reads its starting point, and on PostgreSQL that read waits for the
 * appends in flight. It could therefore land after an event that the catch-up's last page was read too early to
 * see, and neither would deliver that event. Starting at afterSeq costs reading the caught-up events once more;
 * catchUpThenLive drops them as already delivered.
 */
function logTail(
  log: MarketEventLog,
  wakeUps: AsyncIterableIterator<unknown>,
  startAfter: number | null,
): AsyncIterableIterator<MarketEventMessage> {
  return new Repeater<MarketEventMessage>(async (push, stop) => {
    let stopped = false;
    const stopping = stop.then(() => {
      stopped = true;
      return { done: true as const, value: undefined };
    });
    let nextWakeUp = wakeUps.next(); // starts listening now
    try {
      let cursor = startAfter ?? (await log.lastIssued());
      while (!stopped) {
        const woken = await Promise.race([nextWakeUp, stopping]);
        if (woken.done) return;
        nextWakeUp = wakeUps.next();
        for (let full = true; full && !stopped;) {
          const page = await log.after(cursor);
          full = page.length === CATCH_UP_PAGE;
          for (const event of page) {
            cursor = event.seq;
            await push(event);
          }
        }
      }
    } finally {
      stop();
      await wakeUps.return?.();
    }
  });
}

const MarketEventRef = builder.unionType('MarketEvent', {
  description:
    'One event of the market-wide log: an escrow change, a node status change, a fair-rate move or a custody deposit or withdrawal.',
  types: [EscrowEventRef, NodeEventRef, PriceEventRef, WalletEventRef],
  resolveType: (m) =>
    'escrow' in m ? 'EscrowEvent' : 'minerId' in m ? 'NodeEvent' : 'wallet' in m ? 'WalletEvent' : 'PriceEvent',
});

builder.subscriptionField('marketEvents', (t) =>
  t.field({
    type: MarketEventRef,
    description:
      'Every event of the market as it is committed (escrows locked, delivered, disputed, released, refunded, expired; nodes attested, offline, suspended...; fair rates moving; deposits and withdrawals), in seq order. With afterSeq, the retained events since then come first, or EVENTS_PURGED when some are gone.',
    args: { afterSeq: t.arg.int({ required: false, validate: afterSeqArg }) },
    subscribe: (_, { afterSeq }, ctx) => {
      const log = marketEventLog(ctx.market.sql);
      const live = logTail(log, ctx.market.pubsub.subscribe('marketEvent'), afterSeq ?? null);
      return catchUpThenLive(live, () => (afterSeq != null ? log.catchUp(afterSeq) : nothingMissed()));
    },
    resolve: (m: MarketEventMessage) => m,
  }),
);

builder.queryField('marketEventsSeq', (t) =>
  t.int({
    description:
      'The seq of the last market event committed. A live view subscribes to marketEvents with it as afterSeq to follow the market from this moment without a gap, however long its subscription takes to start.',
    resolve: (_, __, ctx) => marketEventLog(ctx.market.sql).lastIssued(),
  }),
);
