/**
 * Limits on the long-lived connections that carry subscriptions. Each WebSocket connection and each
 * Server-Sent Events stream takes one slot of its client address (MAX_CONNECTIONS_PER_IP), from the
 * moment it is accepted until its socket (WebSocket) or response (SSE) closes, so a client that
 * disconnects frees its slot at once; over the limit both are refused with HTTP 429. A WebSocket
 * connection also holds at most MAX_SUBSCRIPTIONS_PER_CONNECTION subscriptions.
 *
 * The client address is the peer's, unless the peer is a proxy listed in TRUST_PROXY: then it is the
 * X-Forwarded-For entry that proxy added (and so on leftwards through further trusted proxies).
 * Entries left of the first untrusted hop are whatever the client wrote, and are never believed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { GraphQLError } from 'graphql';

export interface ConnectionLimitOptions {
  maxConnectionsPerIp: number;
  maxSubscriptionsPerConnection: number;
  /** Addresses or CIDRs of trusted proxies. */
  trustProxy: readonly string[];
}

/** `::ffff:10.0.0.1` is 10.0.0.1; `[::1]:443` and `10.0.0.1:80` (as some proxies write them) lose their port. */
function plainAddress(entry: string): string {
  let address = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed) address = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
  return address.toLowerCase().startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export function createClientAddress(trustProxy: readonly string[]): (req: IncomingMessage) => string {
  const trusted = new BlockList();
  for (const entry of trustProxy) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) trusted.addAddress(address, family);
    else trusted.addSubnet(address, Number(prefix), family);
  }
  const isTrusted = (address: string) => {
    const family = isIP(address);
    return family !== 0 && trustProxy.length > 0 && trusted.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };

  return (req) => {
    let address = plainAddress(req.socket.remoteAddress ?? 'unknown');
    if (!isTrusted(address)) return address;
    const forwarded = (req.headers['x-forwarded-for'] ?? '').toString().split(',').map(plainAddress).filter(Boolean);
    while (isTrusted(address) && forwarded.length > 0) {
      const hop = forwarded.pop()!;
      if (!isIP(hop)) break; // a trusted proxy wrote something that is not an address: keep the proxy's
      address = hop;
    }
    return address;
  };
}

export type ConnectionLimits = ReturnType<typeof createConnectionLimits>;

export function createConnectionLimits(options: ConnectionLimitOptions) {
  const clientAddress = createClientAddress(options.trustProxy);
  const openByAddress = new Map<string, number>();
  /** The ids of each WebSocket's open subscriptions. */
  const subscriptionsBySocket = new WeakMap<object, Set<string>>();
  const tooMany = `at most ${options.maxConnectionsPerIp} subscription connections per address`;

  /** Takes a slot of the address; the returned release frees it (once, however often it is called). */
  function acquire(address: string): (() => void) | null {
    const open = openByAddress.get(address) ?? 0;
    if (open >= options.maxConnectionsPerIp) return null;
    openByAddress.set(address, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (openByAddress.get(address) ?? 1) - 1;
      if (left > 0) openByAddress.set(address, left);
      else openByAddress.delete(address);
    };
  }

  return {
    clientAddress,

    /** Open connections of an address (WebSocket connections and SSE streams). */
    openConnections: (address: string) => openByAddress.get(address) ?? 0,

    /** For the WebSocket server: refuses the upgrade with a 429, else holds a slot until the socket closes. */
    verifyClient(info: { req: IncomingMessage }, accept: (ok: boolean, code?: number, message?: string) => void): void {
      const release = acquire(clientAddress(info.req));
      if (!release) return accept(false, 429, tooMany);
      info.req.socket.once('close', release);
      accept(true);
    },

    /**
     * For a request that may become an SSE stream: holds a slot until the response closes (ended, or
     * the client went away). Over the limit it answers 429 itself and returns false.
     */
    admitStream(req: IncomingMessage, res: ServerResponse): boolean {
      const release = acquire(clientAddress(req));
      if (release) {
        res.once('close', release);
        return true;
      }
      const body = JSON.stringify({ errors: [{ message: tooMany, extensions: { code: 'RATE_LIMITED' } }] });
      res
        .writeHead(429, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
        })
        .end(body);
      return false;
    },

    /** A subscription starting on a WebSocket: null if admitted, else the error to answer. */
    openSubscription(socket: object, id: string): GraphQLError | null {
      const open = subscriptionsBySocket.get(socket) ?? new Set<string>();
      subscriptionsBySocket.set(socket, open);
      if (open.size >= options.maxSubscriptionsPerConnection) {
        const message = `at most ${options.maxSubscriptionsPerConnection} subscriptions per connection`;
        return new GraphQLError(message, { extensions: { code: 'RATE_LIMITED' } });
      }
      open.add(id);
      return null;
    },

    closeSubscription(socket: object, id: string): void {
      subscriptionsBySocket.get(socket)?.delete(id);
    },
  };
}
