/**
 * The HTTP server: GraphQL on /graphql (HTTP, SSE and graphql-ws on the same path, GraphiQL for
 * browsers), the web console under /console/ (./console-static.ts), the REST shim everywhere else, and the
 * expiry sweeper. `close()` stops accepting connections, closes graphql-ws sockets (1001 Going away),
 * completes every SSE subscription, lets in-flight requests finish, and then closes the database.
 *
 * In front of both: CORS for the origins in CORS_ORIGINS only; for GraphQL a body limit (refused by
 * its Content-Length before it is read), a Host header check, and a connection slot per SSE stream
 * (./connection-limits.ts). Query shape limits are yoga plugins (./graphql/limits.ts). Answers and the
 * GraphiQL page are compressed by the REST shim's rules; event streams never are.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GraphQLError } from 'graphql';
import { createYoga, maskError, type Plugin } from 'graphql-yoga';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { httpSettingsFromEnv, type HttpSettings } from './config.js';
import {
  COMPRESS_BYTES_MIN,
  acceptedCoding,
  answerClientError,
  compressAsync,
  withVary,
  type ContentCoding,
} from './rest/http.js';
import { createConnectionLimits, type ConnectionLimits } from './connection-limits.js';
import { MarketError } from './domain/errors.js';
import type { GraphQLContext } from './graphql/builder.js';
import { QUERY_LIMITS, checkVariablesDepth, queryLimitPlugins } from './graphql/limits.js';
import { schema } from './graphql/schema.js';
import type { Market } from './market.js';
import { ADMIN_KEY_HEADER } from './operator.js';
import { createRestHandler } from './rest/router.js';
import { createConsoleHandler } from './console-static.js';
import { createSubscriptionShutdown, type SubscriptionShutdown } from './subscriptions.js';

export const GRAPHQL_PATH = '/graphql';
/** How long in-flight requests (and clients slow to read their last bytes) may hold a shutdown. */
const DRAIN_TIMEOUT_MS = 10_000;

export interface MarketServer {
  server: Server;
  /** The base URL once listening, e.g. http://127.0.0.1:4000 */
  url: string;
  close(): Promise<void>;
}

/**
 * `queryLimits: false` exists only to measure what the limits cost (bench/limits.ts); `subscriptions`
 * lets the server end every subscription when it shuts down.
 */
export function createMarketYoga(
  market: Market,
  settings: HttpSettings = httpSettingsFromEnv(),
  { queryLimits = true, subscriptions }: { queryLimits?: boolean; subscriptions?: SubscriptionShutdown } = {},
) {
  return createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    landingPage: false,
    // GraphiQL's assets come from the npm package, never from a CDN.
    renderGraphiQL,
    graphiql: settings.graphiql && { title: 'gpu-render-protocol', subscriptionsProtocol: 'WS' },
    plugins: [
      ...(queryLimits ? queryLimitPlugins({ costMax: settings.graphqlCostMax, introspection: settings.graphiql }) : []),
      ...(subscriptions ? [subscriptions.plugin] : []),
      compressAnswers(),
    ],
    // Only listed origins get CORS headers (yoga's default would reflect any origin, with credentials).
    cors: (request) => {
      const origin = request.headers.get('origin');
      return origin !== null && settings.corsOrigins.includes(origin)
        ? { origin: [origin], credentials: false, methods: CORS_METHODS }
        : false;
    },
    // Mutations answer expected failures as typed results; elsewhere (a query's bad argument, say) a
    // MarketError still reaches the client with its stable code, and anything unexpected stays masked.
    maskedErrors: {
      maskError(error, message, isDev) {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (original instanceof MarketError && error instanceof GraphQLError) {
          return new GraphQLError(original.message, {
            nodes: error.nodes,
            path: error.path,
            extensions: { code: original.code },
          });
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

/** What is compressed: JSON answers and the GraphiQL page, whole. Event streams and multipart never are. */
const COMPRESSIBLE_TYPE = /^(application\/(graphql-response\+)?json|text\/html)\s*(;|$)/i;

/**
 * Compresses answers of COMPRESS_BYTES_MIN and more for a client that accepts br or gzip (with Vary:
 * Accept-Encoding), as the REST shim does. Not @whatwg-node/server's useContentEncoding: it would compress
 * SSE streams too (buffering them), ignores q-values and has no minimum size. The GraphiQL page, the same
 * 9 MB every time, is compressed once per coding.
 */
function compressAnswers(): Plugin {
  const pages = new Map<ContentCoding, { source: Buffer; compressed: Buffer }>();
  async function compressed(body: Buffer, coding: ContentCoding, isPage: boolean): Promise<Buffer> {
    if (!isPage) return compressAsync(body, coding);
    const known = pages.get(coding);
    if (known?.source.equals(body)) return known.compressed;
    const result = await compressAsync(body, coding);
    pages.set(coding, { source: body, compressed: result });
    return result;
  }
  return {
    async onResponse({ request, response, setResponse, fetchAPI }) {
      const type = response.headers.get('content-type') ?? '';
      if (!response.body || response.headers.has('content-encoding') || !COMPRESSIBLE_TYPE.test(type)) return;
      const declared = response.headers.get('content-length');
      if (declared !== null && Number(declared) < COMPRESS_BYTES_MIN) return;
      let body: Buffer = Buffer.from(await response.arrayBuffer());
      const headers = new fetchAPI.Headers(response.headers);
      if (body.length >= COMPRESS_BYTES_MIN) {
        headers.set('vary', withVary(headers.get('vary'), 'Accept-Encoding'));
        const coding = acceptedCoding(request.headers.get('accept-encoding'));
        if (coding) {
          body = await compressed(body, coding, type.startsWith('text/html'));
          headers.set('content-encoding', coding);
        }
      }
      headers.set('content-length', String(body.length));
      setResponse(
        new fetchAPI.Response(new Uint8Array(body), {
          status: response.status,
          statusText: response.statusText,
          headers,
        }),
      );
    },
  };
}

/** Starts the sweeper; the returned stop resolves once a sweep in progress has finished. */
export function startSweeper(market: Market, intervalMs: number, eventRetentionS = 86_400): () => Promise<void> {
  let sweeping: Promise<void> | null = null; // a slow sweep is never overlapped by the next one
  const timer = setInterval(() => {
    if (sweeping) return;
    market.pricing.refresh(); // nodes whose attestation lapsed no longer count towards the rates
    sweeping = market.escrows
      .sweepDue() // expiry refunds and auto-releases at the end of review
      .then(() => market.sweepNodes())
      .then(() => market.sql.write(() => market.escrowEvents.purge(market.clock() - eventRetentionS)))
      .catch((err: unknown) => market.log.error({ err }, 'expiry sweep failed; will retry'))
      .finally(() => {
        sweeping = null;
      });
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await sweeping;
  };
}

const CORS_METHODS = ['GET', 'POST'];

/** CORS for the REST shim: headers for a listed origin, and the answer to a preflight. Returns true when it answered. */
function answerCors(req: IncomingMessage, res: ServerResponse, origins: readonly string[]): boolean {
  const origin = req.headers.origin;
  const allowed = origin !== undefined && origins.includes(origin);
  if (origins.length > 0) res.setHeader('vary', 'Origin');
  if (allowed) res.setHeader('access-control-allow-origin', origin);
  if (req.method !== 'OPTIONS' || req.headers['access-control-request-method'] === undefined) return false;
  if (allowed) {
    res.setHeader('access-control-allow-methods', CORS_METHODS.join(', '));
    res.setHeader('access-control-allow-headers', `content-type, ${ADMIN_KEY_HEADER}`);
    res.setHeader('access-control-max-age', '600');
  }
  res.writeHead(204, { 'content-length': 0 }).end();
  return true;
}

function answerGraphQLError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
    .end(body);
}

/**
 * Reads a body sent without Content-Length (chunked), keeping at most `max` bytes: null when it is
 * larger (the rest is discarded as it arrives, so the connection stays usable).
 */
function readCapped(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: Buffer | null) => {
      req.off('data', onData).off('end', onEnd).off('error', reject);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) done(null);
      else chunks.push(chunk);
    };
    const onEnd = () => done(Buffer.concat(chunks));
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

/** What stands in front of yoga: Host, body size, and a connection slot for a stream. */
async function serveGraphQL(req: IncomingMessage, res: ServerResponse, yoga: MarketYoga, limits: ConnectionLimits) {
  // yoga builds the request's URL from Host; an unparsable one would be a 500.
  if (!URL.canParse(`http://${req.headers.host ?? 'localhost'}/`))
    return answerGraphQLError(res, 400, 'BAD_REQUEST', 'invalid Host header');
  const tooLarge = `request bodies are limited to ${QUERY_LIMITS.BODY_BYTES_MAX} bytes`;
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > QUERY_LIMITS.BODY_BYTES_MAX) {
    return answerGraphQLError(res, 413, 'PAYLOAD_TOO_LARGE', tooLarge);
  }
  if (declared === undefined && req.headers['transfer-encoding'] !== undefined) {
    const body = await readCapped(req, QUERY_LIMITS.BODY_BYTES_MAX);
    if (!body) return answerGraphQLError(res, 413, 'PAYLOAD_TOO_LARGE', tooLarge);
    // yoga's server adapter reads a body already taken from the stream from `req.body`.
    (req as IncomingMessage & { body?: unknown }).body = Readable.from([body]);
  }
  if (req.headers.accept?.includes('text/event-stream') && !limits.admitStream(req, res)) return;
  await yoga(req, res);
}

type MarketYoga = ReturnType<typeof createMarketYoga>;

function createRequestHandler(
  market: Market,
  settings: HttpSettings,
  limits: ConnectionLimits,
  subscriptions: SubscriptionShutdown,
  consoleRoot?: string,
): { handle: RequestListener; yoga: MarketYoga } {
  const yoga = createMarketYoga(market, settings, { subscriptions });
  const rest = createRestHandler(market);
  const serveConsole = createConsoleHandler(consoleRoot);
  const handle: RequestListener = (req, res) => {
    if (req.url === GRAPHQL_PATH || req.url?.startsWith(`${GRAPHQL_PATH}?`)) {
      serveGraphQL(req, res, yoga, limits).catch((err: unknown) => {
        market.log.error({ err }, 'graphql request failed');
        if (!res.headersSent) answerGraphQLError(res, 500, 'INTERNAL', 'unexpected error');
        else res.destroy();
      });
    } else if (!serveConsole(req, res) && !answerCors(req, res, settings.corsOrigins)) void rest(req, res);
  };
  return { handle, yoga };
}

/** A graphql-ws error carries no HTTP hints (yoga adds them to validation errors). */
function withoutHttp(error: GraphQLError): GraphQLError {
  const { http: _http, ...extensions } = error.extensions;
  const { nodes, source, positions, path, originalError } = error;
  return new GraphQLError(error.message, { nodes, source, positions, path, originalError, extensions });
}

/** graphql-ws on the same path, through the same envelop plugins (limits included) as HTTP. */
function serveGraphQLOverWebSocket(server: Server, yoga: MarketYoga, limits: ConnectionLimits) {
  const wsServer = new WebSocketServer({
    server,
    path: GRAPHQL_PATH,
    maxPayload: QUERY_LIMITS.BODY_BYTES_MAX,
    verifyClient: limits.verifyClient,
  });
  const ws = useServer(
    {
      onComplete: (ctx, id) => limits.closeSubscription(ctx.extra.socket, id),
      execute: (args: any) => args.rootValue.execute(args),
      subscribe: (args: any) => args.rootValue.subscribe(args),
      onSubscribe: async (ctx, id, params) => {
        const refused = limits.openSubscription(ctx.extra.socket, id); // before any await: simultaneous subscribes count
        if (refused) return [refused];
        const enveloped = yoga.getEnveloped({ ...ctx, req: ctx.extra.request, socket: ctx.extra.socket, params });
        try {
          checkVariablesDepth(params.variables);
          const document = enveloped.parse(params.query);
          const errors = enveloped.validate(enveloped.schema, document);
          if (errors.length > 0) {
            limits.closeSubscription(ctx.extra.socket, id);
            return errors.map(withoutHttp);
          }
          const { execute, subscribe } = enveloped;
          const contextValue = await enveloped.contextFactory();
          const { operationName, variables: variableValues } = params;
          return {
            schema: enveloped.schema,
            operationName,
            document,
            variableValues,
            contextValue,
            rootValue: { execute, subscribe },
          };
        } catch (err) {
          // A refusal while parsing or validating (the limits throw, to stop at once) is answered, not a closed socket.
          limits.closeSubscription(ctx.extra.socket, id);
          if (err instanceof GraphQLError) return [withoutHttp(err)];
          throw err;
        }
      },
    },
    wsServer,
  );
  return {
    /**
     * Closes every socket with 1001 Going away (graphql-ws's own shutdown): its clients reconnect, here
     * or elsewhere, and resubscribe. Resolves once every socket has closed.
     */
    close: () => ws.dispose(),
    /** For a client that never answers the closing handshake. */
    terminate() {
      for (const socket of wsServer.clients) socket.terminate();
    },
  };
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
    /** Open WebSocket connections and SSE streams one client address may hold. */
    maxConnectionsPerIp?: number;
    /** Query limits, CORS, GraphiQL and trusted proxies; from the environment when absent. */
    http?: HttpSettings;
    /** The web console's build output served under /console/ (web/dist by default). */
    consoleRoot?: string;
  },
): Promise<MarketServer> {
  const settings = options.http ?? httpSettingsFromEnv();
  const limits = createConnectionLimits({
    maxConnectionsPerIp: options.maxConnectionsPerIp ?? 100,
    maxSubscriptionsPerConnection: options.maxSubscriptionsPerConnection ?? 100,
    trustProxy: settings.trustProxy,
  });
  const subscriptions = createSubscriptionShutdown();
  let closing: Promise<void> | undefined;
  const { handle, yoga } = createRequestHandler(market, settings, limits, subscriptions, options.consoleRoot);
  const server = createServer((req, res) => {
    if (closing) res.setHeader('connection', 'close'); // answered while draining, and the connection closed after
    // While draining, a keep-alive connection closes as soon as its last answer is sent.
    res.once('close', () => closing && server.closeIdleConnections());
    handle(req, res);
  });
  server.on('clientError', answerClientError); // bytes that are not HTTP get the error shape, not a bare 400
  const ws = serveGraphQLOverWebSocket(server, yoga, limits);

  const stopSweeper = startSweeper(market, options.sweepIntervalMs, options.eventRetentionS);
  const stopCustody = market.custody.start(options.custodyPollIntervalMs ?? 5_000);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  market.log.info({ event: 'server.listening', url }, `listening on ${url} (GraphQL at ${url}${GRAPHQL_PATH})`);

  return {
    server,
    url,
    close() {
      closing ??= (async () => {
        // In this order: no new connections; WebSocket clients told to go away; every SSE stream completed;
        // then whatever is in flight (requests, a custody poll, a sweep) finishes before the database closes.
        const drained = new Promise<void>((resolve) => server.close(() => resolve()));
        const wsClosed = ws.close();
        subscriptions.endAll();
        server.closeIdleConnections();
        const timeout = setTimeout(() => {
          market.log.warn({ event: 'server.drain_timeout' }, 'in-flight requests did not finish; closing connections');
          server.closeAllConnections();
          ws.terminate();
        }, DRAIN_TIMEOUT_MS);
        await Promise.all([drained, wsClosed, stopSweeper(), stopCustody()]);
        clearTimeout(timeout);
        await yoga.dispose();
        await market.close();
        market.log.info({ event: 'server.stopped' }, 'server stopped');
      })();
      return closing;
    },
  };
}
