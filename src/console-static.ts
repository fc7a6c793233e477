/**
 * The web console's files: `/` redirects to `/console/`, and every GET or HEAD below `/console/` is answered
 * from the console's build output (web/dist, built by `npm run build:web` at install). A file that exists is
 * served with its content type; Vite's content-hashed assets may be cached forever, anything else is
 * revalidated. Any other path below `/console/` is a route of the app and gets its index.html, except under
 * `assets/`, where a missing file is a 404 rather than an HTML page a script tag would choke on.
 *
 * A request target is matched as sent, never normalised: a segment that decodes to `.`, `..` or anything with
 * a slash, backslash or NUL is refused, so no target reaches a file outside the build output.
 */
import { createReadStream, statSync, type Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONSOLE_PATH = '/console/';

/** Where `npm run build:web` writes the console. */
export const CONSOLE_BUILD_DIR = fileURLToPath(new URL('../web/dist/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** Vite names built assets `name-<hash>.ext`: their content never changes under that name. */
const HASHED_ASSET = /^assets\/[^/]+-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * What the console's page may load: its own scripts and styles, and connections to this origin (GraphQL over
 * HTTP, SSE and WebSocket). Charts set inline styles; nothing else is inline.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export type ConsoleHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Answers the console's requests; returns false for every other request, which is left to the caller. */
export function createConsoleHandler(root: string = CONSOLE_BUILD_DIR): ConsoleHandler {
  const rootDir = resolve(root);
  return (req, res) => {
    const target = req.url ?? '';
    const method = req.method ?? '';
    if (method !== 'GET' && method !== 'HEAD') return false;
    if (target === '/' || target === '/console' || target.startsWith('/console?')) {
      redirect(res, CONSOLE_PATH + (target.startsWith('/console?') ? target.slice('/console'.length) : ''));
      return true;
    }
    if (!target.startsWith(CONSOLE_PATH)) return false;
    const q = target.indexOf('?');
    const relative = safeRelativePath(target.slice(CONSOLE_PATH.length, q < 0 ? undefined : q));
    if (relative === null) {
      notFound(res, 'no such file in the console');
      return true;
    }
    const file = relative === '' ? null : regularFile(join(rootDir, relative), rootDir);
    if (file) {
      sendFile(req, res, file.path, file.stats, HASHED_ASSET.test(relative) ? IMMUTABLE : 'no-cache');
      return true;
    }
    if (relative.startsWith('assets/')) {
      notFound(res, 'no such console asset');
      return true;
    }
    const index = regularFile(join(rootDir, 'index.html'), rootDir);
    if (!index) {
      notFound(res, 'the console is not built: run `npm run build:web`');
      return true;
    }
    sendFile(req, res, index.path, index.stats, 'no-cache');
    return true;
  };
}

/** The path below /console/ as decoded segments joined by '/', or null when a segment could escape the root. */
function safeRelativePath(raw: string): string | null {
  const segments: string[] = [];
  for (const segment of raw.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return null;
    }
    if (decoded === '.' || decoded === '..' || /[/\\\0]/.test(decoded)) return null;
    segments.push(decoded);
  }
  return segments.join('/');
}

function regularFile(path: string, rootDir: string): { path: string; stats: Stats } | null {
  const full = resolve(path);
  if (!full.startsWith(rootDir + sep)) return null;
  const stats = statSync(full, { throwIfNoEntry: false });
  return stats?.isFile() ? { path: full, stats } : null;
}

function sendFile(req: IncomingMessage, res: ServerResponse, path: string, stats: Stats, cacheControl: string) {
  const etag = `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
  const type = CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
  const headers: Record<string, string | number> = {
    'content-type': type,
    'cache-control': cacheControl,
    etag,
    'last-modified': stats.mtime.toUTCString(),
    'x-content-type-options': 'nosniff',
  };
  if (type.startsWith('text/html')) {
    headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
    headers['referrer-policy'] = 'no-referrer';
  }
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': stats.size });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(path)
    .on('error', () => res.destroy())
    .pipe(res);
}

function redirect(res: ServerResponse, location: string) {
  res.writeHead(302, { location, 'content-length': 0, 'cache-control': 'no-cache' }).end();
}

function notFound(res: ServerResponse, message: string) {
  const body = JSON.stringify({ ok: false, error: { code: 'NOT_FOUND', message } });
  res
    .writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
    .end(body);
}
