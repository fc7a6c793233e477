/**
 * What every subscription of the market shares: events carry one market-wide sequence number, and a
 * subscriber that passes the last one it saw first receives what it missed.
 */
import { Repeater } from 'graphql-yoga';

/** At most this many missed events are replayed to one subscriber. */
export const MAX_CATCH_UP = 1000;

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
  readMissed: () => { missed: T[]; after: number },
  options: { endAfter?: (event: T) => boolean; endedAlready?: () => number | null } = {},
): AsyncIterableIterator<T> {
  return new Repeater<T>(async (push, stop) => {
    let stopped = false;
    const stopping = stop.then(() => {
      stopped = true;
      return { done: true as const, value: undefined };
    });
    let nextLive = live.next(); // starts listening now
    try {
      const { missed, after } = readMissed();
      let last = after;
      for (const event of missed) {
        if (event.seq <= last) continue;
        last = event.seq;
        await push(event);
        if (options.endAfter?.(event)) return;
      }
      const endedAt = options.endedAlready?.();
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
