/**
 * The console's GraphQL client: queries over HTTP on the page's own origin, subscriptions over graphql-ws on
 * the same path. The WebSocket reconnects by itself, and a live view that subscribed with `afterSeq` resumes after
 * the last event it received.
 */
import { createClient as createWsClient } from 'graphql-ws';
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';

export const GRAPHQL_PATH = '/graphql';

export function createConsoleClient(origin = window.location.origin): Client {
  const ws = createWsClient({
    url: `${origin.replace(/^http/, 'ws')}${GRAPHQL_PATH}`,
    lazy: true,
    retryAttempts: Infinity,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** retries))),
  });
  return new Client({
    url: `${origin}${GRAPHQL_PATH}`,
    // Live views subscribe for changes, so a page visited again fetches what changed meanwhile.
    requestPolicy: 'cache-and-network',
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => {
          // graphql-ws sends this same payload again each time it reconnects: a view subscribed with `afterSeq`
          // resumes after the last event it received, and the server replays what it missed meanwhile.
          const payload = { ...request, query: request.query ?? '', variables: { ...request.variables } };
          return {
            subscribe: (sink) => ({
              unsubscribe: ws.subscribe(payload, {
                next: (result) => {
                  const seq = seqOf(result.data);
                  if (seq !== null && 'afterSeq' in payload.variables) payload.variables.afterSeq = seq;
                  sink.next(result as Parameters<typeof sink.next>[0]);
                },
                error: (error) => sink.error(error),
                complete: () => sink.complete(),
              }),
            }),
          };
        },
      }),
    ],
  });
}

/** The `seq` of a subscription's event (`{ marketEvents: { seq } }`), or null when it carries none. */
function seqOf(data: unknown): number | null {
  if (typeof data !== 'object' || data === null) return null;
  const event = Object.values(data)[0] as { seq?: unknown } | null | undefined;
  return typeof event?.seq === 'number' ? event.seq : null;
}
