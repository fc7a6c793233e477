/**
 * What every subscription of the market shares: events carry one market-wide sequence number, and a
 * subscriber that passes the last one it saw first receives everything it missed that is still
 * retained, page by page (memory stays bounded however far behind it is), or is told with
 * EVENTS_PURGED that part of it is gone.
 */
import { GraphQLError, type ExecutionResult } from 'graphql';
import { isAsyncIterable, Repeater, type Plugin } from 'graphql-yoga';

import { CATCH_UP_PAGE, type CatchUp } from './event-log.js';

export function eventsPurged(after: number): GraphQLError {
  return new GraphQLError(
    `events after seq ${after} are no longer retained; read the current state, then subscribe without afterSeq`,
    {
      extensions: { code: 'EVENTS_PURGED' },
    },
  );
}

/**
 * A subscription that first replays what the subscriber missed, then follows live events, each exactly
 * once. The live stream is started before the log is read, so an event committed in between is in
 * one or both, and duplicates are dropped by sequence number. `endAfter` ends the stream after an
 * event (a settlement); `endedAlready` says whether the subject had ended before (its final seq).
 * A Repeater rather than an async generator: when the client completes, a generator parked on the
 * next live event would never return, and its listener would leak.
 */
export function catchUpThenLive<T extends { seq: number }>(
  live: AsyncIterableIterator<T>,
  readMissed: () => CatchUp<T> | Promise<CatchUp<T>>,
  options: { endAfter?: (event: T) => boolean; endedAlready?: () => number | null | Promise<number | null> } = {},
): AsyncIterableIterator<T> {
  return new Repeater<T>(async (push, stop) => {
    let stopped = false;
    const stopping = stop.then(() => {
      stopped = true;
      return { done: true as const, value: undefined };
    });
    let nextLive = live.next(); // starts listening now
    try {
      const missed = await readMissed();
      let last = missed.after;
      // Each page is read once the previous one was delivered (push waits for the client).
      for (let full = true; full && !stopped;) {
        if (await missed.purgedAfter(last)) throw eventsPurged(last);
        const page = await missed.page(last, CATCH_UP_PAGE);
        full = page.length === CATCH_UP_PAGE;
        for (const event of page) {
          if (event.seq <= last) continue;
          last = event.seq;
          await push(event);
          if (options.endAfter?.(event)) return;
        }
      }
      const endedAt = await options.endedAlready?.();
      if (endedAt !== null && endedAt !== undefined && endedAt <= last) return; // the subscriber saw the end already
      while (!stopped) {
        const next = await Promise.race([nextLive, stopping]);
        if (next.done) return;
        nextLive = live.next();
        if (next.value.seq <= last) continue;
        last = next.value.seq;
        await push(next.value);
        if (options.endAfter?.(next.value)) return;
      }
    } finally {
      stop();
      await live.return?.();
    }
  });
}

/**
 * Ends every subscription when the server shuts down, as if its subject had ended: over SSE the stream
 * gets its `complete` event and the response ends, so the client knows it may resubscribe (with
 * afterSeq) elsewhere or later instead of seeing a cut connection. A subscription started after
 * `endAll` ends at once. One plugin serves both transports; graphql-ws sockets are closed before
 * `endAll` (server.ts), so their clients see the close code, not a `complete` that would end the
 * subscription for good.
 */
export function createSubscriptionShutdown() {
  let endAll!: () => void;
  const ended = new Promise<void>((resolve) => (endAll = resolve));
  const plugin: Plugin = {
    onSubscribe: () => ({
      onSubscribeResult({ result, setResult }) {
        if (!isAsyncIterable(result)) return; // a refusal, answered as it is
        // The race returns when `ended` resolves, and returns the subscription's own stream with it.
        setResult(Repeater.race([result, ended]) as AsyncIterableIterator<ExecutionResult>);
      },
    }),
  };
  return { plugin, endAll };
}

export type SubscriptionShutdown = ReturnType<typeof createSubscriptionShutdown>;
