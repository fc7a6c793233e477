/**
 * The console's GraphQL client: queries over HTTP on the page's own origin, subscriptions over graphql-ws on
 * the same path. The WebSocket reconnects by itself; each live view resubscribes from the last seq it saw.
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
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
}
