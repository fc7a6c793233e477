/**
 * The web console's files under /console/ from a listening server: the redirect from /, content types and
 * caching, index.html for the app's routes, 404 for missing assets and every other unknown path, and no
 * request target that reaches a file outside the build output.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMarketServer, type MarketServer } from '../src/server.js';
import { openTestMarket } from './support/market.js';
import { rawRequest, requestText } from './support/raw-http.js';
import { call } from './support/rest.js';

const INDEX = '<!doctype html><title>console</title><div id="root"></div>';
const SCRIPT = 'console.log("app")';

let server: MarketServer;
let outside: string;
beforeAll(async () => {
  // A build output beside a file that no request may reach.
  const dir = mkdtempSync(join(tmpdir(), 'grp-console-'));
  outside = join(dir, 'secret.txt');
  writeFileSync(outside, 'SECRET');
  const root = join(dir, 'dist');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), INDEX);
  writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(root, 'assets', 'index-Bx7_k2Qa.js'), SCRIPT);
  writeFileSync(join(root, 'assets', 'index-D4rT9uLm.css'), 'body{margin:0}');
  server = await startMarketServer(await openTestMarket(), {
    host: '127.0.0.1',
    port: 0,
    sweepIntervalMs: 60_000,
    consoleRoot: root,
  });
});
afterAll(() => server.close());

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { redirect: 'manual', headers });
const raw = (target: string, method = 'GET') =>
  rawRequest(server.url, requestText(method, target, '', { Connection: 'close' }), { head: method === 'HEAD' });

describe('the web console', () => {
  it('redirects / and /console to /console/', async () => {
    for (const [path, location] of [
      ['/', '/console/'],
      ['/console', '/console/'],
      ['/console?x=1', '/console/?x=1'],
    ] as const) {
      const res = await get(path);
      expect(res.status, path).toBe(302);
      expect(res.headers.get('location')).toBe(location);
    }
  });

  it('serves index.html at /console/ and for any route of the app, never cached without revalidation', async () => {
    for (const path of ['/console/', '/console/nodes/RTCabc', '/console/market?job=llm', '/console/jobs/a.b:c']) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(await res.text()).toBe(INDEX);
    }
  });

  it('serves hashed assets with their content type, cached for good, and answers a revalidation with 304', async () => {
    const js = await get('/console/assets/index-Bx7_k2Qa.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await js.text()).toBe(SCRIPT);
    const css = await get('/console/assets/index-D4rT9uLm.css');
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    const svg = await get('/console/favicon.svg');
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(svg.headers.get('cache-control')).toBe('no-cache'); // not content-hashed

    const again = await get('/console/', { 'if-none-match': (await get('/console/')).headers.get('etag')! });
    expect(again.status).toBe(304);
    const head = await raw('/console/assets/index-Bx7_k2Qa.js', 'HEAD');
    expect(head?.status).toBe(200);
    expect(head?.headers['content-length']).toBe(String(SCRIPT.length));
  });

  it('answers a missing asset 404, not with the page', async () => {
    const res = await get('/console/assets/missing-Ab12Cd34.js');
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('NOT_FOUND');
  });

  it.each([
    '/console/../secret.txt',
    '/console/%2e%2e/secret.txt',
    '/console/..%2fsecret.txt',
    '/console/assets/..%2F..%2Fsecret.txt',
    '/console/%2E%2E%5Csecret.txt',
    '/console/./index.html',
    '/console/%00',
    '/console/%zz',
  ])('refuses %s without reading outside the build output', async (target) => {
    const reply = await raw(target);
    expect(reply?.status).toBe(404);
    expect(reply?.body).not.toContain('SECRET');
    expect(reply?.json.error.code).toBe('NOT_FOUND');
  });

  it('leaves other unknown paths, other methods and the API as they were', async () => {
    for (const path of ['/consolex', '/console.html', '/index.html', '/assets/index-Bx7_k2Qa.js', '//console/']) {
      const reply = await raw(path);
      expect(reply?.status, path).toBe(404);
      expect(reply?.json.error.code).toBe('NOT_FOUND');
    }
    expect((await raw('/console/', 'POST'))?.status).toBe(404);
    expect(await call(server.url, 'GET', '/health')).toEqual({ status: 200, body: { ok: true } });
  });
});

describe('without a build', () => {
  it('says the console is not built instead of failing', async () => {
    const empty = await startMarketServer(await openTestMarket(), {
      host: '127.0.0.1',
      port: 0,
      sweepIntervalMs: 60_000,
      consoleRoot: mkdtempSync(join(tmpdir(), 'grp-console-empty-')),
    });
    try {
      const res = await fetch(`${empty.url}/console/`);
      expect(res.status).toBe(404);
      expect((await res.json()).error.message).toContain('npm run build:web');
    } finally {
      await empty.close();
    }
  });
});
