/**
 * The REST shim's routing: a table of method + path (with `:param` segments) to handlers. It holds
 * no rules; handlers translate snake_case JSON to the services' requests and back.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidInputError, StateError } from '../domain/errors.js';
import type { Market } from '../market.js';
import { custodyRoutes } from './custody.js';
import { escrowLookupRoute, escrowRoutes } from './escrow.js';
import { gpuRoutes } from './gpu.js';
import { sendError, sendJson } from './http.js';
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

export function createRestHandler(market: Market) {
  const routes = [healthRoute, ...escrowRoutes(), escrowLookupRoute, ...walletRoutes, ...custodyRoutes, ...gpuRoutes, ...pricingRoutes];
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
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      let route = exact.get(`${req.method} ${url.pathname}`);
      const params: Record<string, string> = {};
      if (!route) {
        for (const p of patterns) {
          const m = req.method === p.method ? p.regex.exec(url.pathname) : null;
          if (!m) continue;
          p.names.forEach((name, i) => {
            params[name] = decodePathSegment(m[i + 1]!);
          });
          route = p.route;
          break;
        }
      }
      if (!route) throw new StateError('NOT_FOUND', `no route for ${req.method} ${url.pathname}`);
      await route.handle({ req, res, market, params, query: url.searchParams });
    } catch (error) {
      if (!res.headersSent) sendError(res, error, market.log);
      else res.destroy();
    }
  };
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InvalidInputError('malformed percent-encoding in the path');
  }
}
