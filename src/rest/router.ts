/**
 * The REST shim's routing: a table of method + path (with `:param` segments) to handlers. It holds
 * no rules; handlers translate snake_case JSON to the services' requests and back. Whatever the
 * request target, headers or body, the answer is a response with the error shape (never a rejected
 * promise, which would end the process).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { InvalidInputError, StateError } from '../domain/errors.js';
import type { Market } from '../market.js';
import { sql } from '../sql/statement.js';
import { custodyRoutes } from './custody.js';
import { escrowLookupRoute, escrowRoutes } from './escrow.js';
import { gpuRoutes } from './gpu.js';
import { abandonBody, ClientClosedError, DRAIN_BYTES_MAX, quote, sendError, sendJson } from './http.js';
import { pricingRoutes } from './pricing.js';
import { walletRoutes } from './wallet.js';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  market: Market;
  params: Record<string, string>;
  query: URLSearchParams;
}

export interface Route {
  method: 'GET' | 'POST';
  path: string;
  handle(ctx: RouteContext): void | Promise<void>;
}

const healthRoute: Route = { method: 'GET', path: '/health', handle: ({ res }) => sendJson(res, 200, { ok: true }) };

const ping = sql('SELECT 1 AS ok');
/** How long readiness waits for the database before saying it is not ready. */
const READY_TIMEOUT_MS = 2_000;

/**
 * Readiness, for a load balancer: 200 while this instance can reach its database, 503 when it cannot (so traffic
 * goes to the instances that can). `/health` stays liveness only: a database outage must not get every instance
 * restarted.
 */
const readyRoute: Route = {
  method: 'GET',
  path: '/health/ready',
  async handle({ res, market }) {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        market.sql.read(() => ping.get()),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
        }),
      ]);
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      sendJson(res, 200, { ok: true, database: { engine: market.sql.dialect, ok: true, latency_ms: latencyMs } });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      sendJson(res, 503, { ok: false, database: { engine: market.sql.dialect, ok: false, error: message } });
    } finally {
      clearTimeout(timer);
    }
  },
};

export function createRestHandler(market: Market) {
  const routes = [
    healthRoute,
    readyRoute,
    ...escrowRoutes(),
    escrowLookupRoute,
    ...walletRoutes,
    ...custodyRoutes,
    ...gpuRoutes,
    ...pricingRoutes,
  ];
  const exact = new Map<string, Route>();
  const patterns: { method: string; regex: RegExp; names: string[]; route: Route }[] = [];
  for (const route of routes) {
    if (!route.path.includes(':')) {
      exact.set(`${route.method} ${route.path}`, route);
      continue;
    }
    const names: string[] = [];
    const regex = new RegExp(
      `^${route.path.replace(/:([a-z_]+)/g, (_, name: string) => {
        names.push(name);
        return '([^/]+)';
      })}$`,
    );
    patterns.push({ method: route.method, regex, names, route });
  }

  return async function handleRest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (Number(req.headers['content-length']) > DRAIN_BYTES_MAX) abandonBody(req); // not worth reading, whatever the route
      const { path, query } = parseTarget(req.url);
      let route = exact.get(`${req.method} ${path}`);
      const params: Record<string, string> = {};
      if (!route) {
        for (const p of patterns) {
          const m = req.method === p.method ? p.regex.exec(path) : null;
          if (!m) continue;
          p.names.forEach((name, i) => {
            params[name] = decodePathSegment(m[i + 1]!);
          });
          route = p.route;
          break;
        }
      }
      if (!route) throw new StateError('NOT_FOUND', `no route for ${req.method} ${quote(path)}`);
      await route.handle({ req, res, market, params, query });
    } catch (error) {
      answerFailure(res, error, market.log);
    }
  };
}

function answerFailure(res: ServerResponse, error: unknown, log: Logger): void {
  try {
    if (error instanceof ClientClosedError) {
      log.debug({ err: error }, 'client left before its request was answered');
      res.destroy();
    } else if (!res.headersSent) {
      sendError(res, error, log);
    } else {
      log.error({ err: error }, 'REST handler failed after its answer began; connection closed');
      res.destroy();
    }
  } catch (failure) {
    log.error({ err: failure, cause: error }, 'could not answer a failed REST request');
    res.destroy();
  }
}

/**
 * The path and query of an origin-form request target (`/path?query`). The path is matched as sent,
 * never resolved as a URL: `//x/wallet/deposit` is not `/wallet/deposit`, and absolute-form
 * (`http://host/...`), `*` or anything not starting with `/` is refused.
 */
function parseTarget(target: string | undefined): { path: string; query: URLSearchParams } {
  if (!target?.startsWith('/')) throw new InvalidInputError('the request target must be a path starting with "/"');
  const q = target.indexOf('?');
  if (q < 0) return { path: target, query: new URLSearchParams() };
  return { path: target.slice(0, q), query: new URLSearchParams(target.slice(q + 1)) };
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InvalidInputError('malformed percent-encoding in the path');
  }
}
