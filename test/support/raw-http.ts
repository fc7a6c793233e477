/**
 * HTTP/1.1 by hand over one TCP connection, for what fetch would normalise or refuse: odd request
 * targets, lying or duplicate headers, chunked framing, several requests on one keep-alive socket.
 */
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The body as JSON, or undefined when it is not JSON. */
  json: any;
}

export interface RawOptions {
  /** The request was a HEAD: the response has no body whatever its headers say. */
  head?: boolean;
  /** Return once the status line and headers are in (for streams that never end, such as SSE). */
  headersOnly?: boolean;
  timeoutMs?: number;
}

export class RawConnection {
  private buffer = Buffer.alloc(0);
  private ended = false;
  private waiter: (() => void) | null = null;
  readonly socket: Socket;
  /** Set once the server has closed (or reset) the connection. */
  closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiter?.();
    });
    const done = () => {
      this.ended = true;
      this.closed = true;
      this.waiter?.();
    };
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', done);
  }

  static open(baseUrl: string): Promise<RawConnection> {
    const { hostname, port } = new URL(baseUrl);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) }, () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.write(data, () => resolve());
    });
  }

  /** The next complete response, or null when the connection ends (or `timeoutMs` passes) first. */
  async next(options: RawOptions = {}): Promise<RawResponse | null> {
    const deadline = Date.now() + (options.timeoutMs ?? 10_000);
    for (;;) {
      const parsed = this.take(options.head ?? false, options.headersOnly ?? false);
      if (parsed) return parsed;
      if (this.ended || Date.now() > deadline) return null;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private take(head: boolean, headersOnly: boolean): RawResponse | null {
    const end = this.buffer.indexOf('\r\n\r\n');
    if (end < 0) return null;
    const lines = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? NaN);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let rest = this.buffer.subarray(end + 4);
    let body: Buffer;
    if (headersOnly) {
      body = Buffer.alloc(0);
      rest = Buffer.alloc(0);
    } else if (head || status === 204 || status === 304 || (status >= 100 && status < 200)) {
      body = Buffer.alloc(0);
    } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = rest.indexOf('\r\n');
        if (lineEnd < 0) return null;
        const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
        if (rest.length < lineEnd + 2 + size + 2) return null;
        parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
        rest = rest.subarray(lineEnd + 2 + size + 2);
        if (size === 0) break;
      }
      body = Buffer.concat(parts);
    } else if (headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (rest.length < length) return null;
      body = rest.subarray(0, length);
      rest = rest.subarray(length);
    } else {
      if (!this.ended) return null; // delimited by the end of the connection
      body = rest;
      rest = Buffer.alloc(0);
    }
    this.buffer = rest;
    const text = body.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status, headers, body: text, json };
  }
}

/** One request on a fresh connection (closed afterwards): its response, or null when none came. */
export async function rawRequest(
  baseUrl: string,
  request: string | Buffer,
  options: RawOptions = {},
): Promise<RawResponse | null> {
  const connection = await RawConnection.open(baseUrl);
  try {
    await connection.write(request);
    return await connection.next(options);
  } finally {
    connection.close();
  }
}

/** `METHOD target HTTP/1.1` with a Host header, the given headers and body (Content-Length added unless a framing header is given). */
export function requestText(method: string, target: string, body = '', headers: Record<string, string> = {}): string {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1'];
  const framed = Object.keys(headers).some((h) => /^(content-length|transfer-encoding)$/i.test(h));
  if (!framed && (body || method === 'POST')) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}
