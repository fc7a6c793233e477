/**
 * The HTTP server: GraphQL on /graphql (HTTP, SSE and graphql-ws on the same path, GraphiQL for
 * browsers), the REST shim everywhere else, and the expiry sweeper. `close()` drains in-flight
 * requests, stops the sweeper and closes the database.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError } from 'graphql';
import { createYoga, maskError } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { MarketError } from './domain/errors.js';
import type { GraphQLContext } from './graphql/builder.js';
import { schema } from './graphql/schema.js';
import type { Market } from './market.js';
import { ADMIN_KEY_HEADER } from './operator.js';
import { createRestHandler } from './rest/router.js';

export const GRAPHQL_PATH = '/graphql';
const DRAIN_TIMEOUT_MS = 10_000;

export interface MarketServer {
  server: Server;
  /** The base URL once listening, e.g. http://127.0.0.1:4000 */
  url: string;
  close(): Promise<void>;
}

export function createMarketYoga(market: Market) {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    // GraphiQL's assets come from the npm package, never from a CDN.
    renderGraphiQL,
    graphiql: { title: 'gpu-render-protocol', subscriptionsProtocol: 'WS' },
    // Mutations answer expected failures as typed results; elsewhere (a query's bad argument, say) a
    // MarketError still reaches the client with its stable code, and anything unexpected stays masked.
    maskedErrors: {
      maskError(error, message, isDev) {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (original instanceof MarketError && error instanceof GraphQLError) {
          return new GraphQLError(original.message, { nodes: error.nodes, path: error.path, extensions: { code: original.code } });
        }
        return maskError(error, message, isDev);
      },
    },
    logging: {
      debug: () => {},
      info: () => {},
      warn: (...args: unknown[]) => market.log.warn({ component: 'graphql', detail: args }, 'graphql warning'),
      error: (...args: unknown[]) => {
        const err = args.find((a) => a instanceof Error);
        const cause = err instanceof GraphQLError ? err.originalError : err;
        if (cause instanceof MarketError) return; // an expected refusal, answered with its code
        market.log.error({ component: 'graphql', err, detail: args }, 'graphql error');
      },
    },
    // Over WebSocket there is no Fetch request; operator actions need HTTP and its X-Admin-Key header.
    context: ({ request }) => ({ market, adminKey: request?.headers.get(ADMIN_KEY_HEADER) ?? null }),
  });
}

export function startSweeper(market: Market, intervalMs: number, eventRetentionS = 86_400): () => void {
  let sweeping = false; // a slow sweep is never overlapped by the next one
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    market.pricing.refresh(); // nodes whose attestation lapsed no longer count towards the rates
    market.escrows
      .sweepDue() // expiry refunds and auto-releases at the end of review
      .then(() => market.sweepNodes())
      .then(() => market.ledger.submit(() => market.escrowEvents.purge(market.clock() - eventRetentionS)))
      .catch((err: unknown) => market.log.error({ err }, 'expiry sweep failed; will retry'))
      .finally(() => {
        sweeping = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

export async function startMarketServer(
  market: Market,
  options: {
    host: string;
    port: number;
    sweepIntervalMs: number;
    /** How often custody reads the chain (deposits, withdrawals, reserves); only with custody configured. */
    custodyPollIntervalMs?: number;
    eventRetentionS?: number;
    /** Open subscriptions one WebSocket connection may hold. */
    maxSubscriptionsPerConnection?: number;
    /** Open WebSocket connections one client address may hold. */
    maxConnectionsPerIp?: number;
  },
): Promise<MarketServer> {
  const yoga = createMarketYoga(market);
  const rest = createRestHandler(market);
  const server = createServer((req, res) => {
    if (req.url === GRAPHQL_PATH || req.url?.startsWith(`${GRAPHQL_PATH}?`)) void yoga(req, res);
    else void rest(req, res);
  });

  const maxSubscriptions = options.maxSubscriptionsPerConnection ?? 100;
  const maxConnectionsPerIp = options.maxConnectionsPerIp ?? 100;
  const connectionsByIp = new Map<string, number>();
  const wsServer = new WebSocketServer({
    server,
    path: GRAPHQL_PATH,
    // Refused at the upgrade with an HTTP 429, before a socket is opened.
    verifyClient: (info, accept) => {
      const ip = info.req.socket.remoteAddress ?? 'unknown';
      if ((connectionsByIp.get(ip) ?? 0) >= maxConnectionsPerIp) accept(false, 429, `at most ${maxConnectionsPerIp} connections per address`);
      else accept(true);
    },
  });
  wsServer.on('connection', (socket, req) => {
    const ip = req.socket.remoteAddress ?? 'unknown';
    connectionsByIp.set(ip, (connectionsByIp.get(ip) ?? 0) + 1);
    socket.once('close', () => {
      const left = (connectionsByIp.get(ip) ?? 1) - 1;
      if (left > 0) connectionsByIp.set(ip, left);
      else connectionsByIp.delete(ip);
    });
  });
  /** The ids of each connection's open subscriptions, for the per-connection cap. */
  const openSubscriptions = new WeakMap<object, Set<string>>();
  const ws = useServer(
    {
      onComplete: (ctx, id) => {
        openSubscriptions.get(ctx.extra.socket)?.delete(id);
      },
      execute: (args: any) => args.rootValue.execute(args),
      subscribe: (args: any) => args.rootValue.subscribe(args),
      onSubscribe: async (ctx, id, params) => {
        const open = openSubscriptions.get(ctx.extra.socket) ?? new Set<string>();
        openSubscriptions.set(ctx.extra.socket, open);
        if (open.size >= maxSubscriptions) {
          return [new GraphQLError(`at most ${maxSubscriptions} subscriptions per connection`, { extensions: { code: 'RATE_LIMITED' } })];
        }
        open.add(id); // before any await, so that simultaneous subscribes are counted
        const { schema: envelopedSchema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params,
        });
        const args = {
          schema: envelopedSchema,
          operationName: params.operationName,
          document: parse(params.query),
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        if (errors.length) {
          open.delete(id);
          return errors;
        }
        return args;
      },
    },
    wsServer,
  );

  const stopSweeper = startSweeper(market, options.sweepIntervalMs, options.eventRetentionS);
  const stopCustody = market.custody.start(options.custodyPollIntervalMs ?? 5_000);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  market.log.info({ event: 'server.listening', url }, `listening on ${url} (GraphQL at ${url}${GRAPHQL_PATH})`);

  let closing: Promise<void> | undefined;
  return {
    server,
    url,
    close() {
      closing ??= (async () => {
        stopSweeper();
        await stopCustody();
        await ws.dispose();
        wsServer.close();
        const drained = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const timeout = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS);
        await drained;
        clearTimeout(timeout);
        await market.close();
        market.log.info({ event: 'server.stopped' }, 'server stopped');
      })();
      return closing;
    },
  };
}
