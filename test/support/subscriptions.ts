/**
 * One collector per transport for subscription tests against a listening server: graphql-ws and Server-Sent
 * Events. Neither waits for the subscription to start before `act` runs: tests subscribe with `afterSeq` (0 on
 * a fresh job, wallet or node, or the log's last seq) so that events committed before the subscription was
 * listening are caught up from the log, exactly once, in order.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { queryValue, type OnEngine } from './database.js';

export interface Payload<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export interface CollectOptions<T> {
  /** Stop after this many payloads ... */
  count?: number;
  /** ... or after the payload this picks; without either, at the end of the stream. */
  until?: (payload: Payload<T>) => boolean;
  /** Run once the subscription was sent. */
  act?: () => Promise<unknown>;
}

const done = <T>(got: Payload<T>[], o: CollectOptions<T>) =>
  (o.count !== undefined && got.length >= o.count) || (o.until !== undefined && got.length > 0 && o.until(got.at(-1)!));

export function wsClient(baseUrl: string) {
  return createClient({
    url: `${baseUrl.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    lazy: true,
    retryAttempts: 0,
  });
}

/** The payloads of a subscription over graphql-ws; an error that ends it is its last payload. */
export async function collectWs<T = Record<string, any>>(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown>,
  options: CollectOptions<T> = {},
): Promise<Payload<T>[]> {
  const client = wsClient(baseUrl);
  const got: Payload<T>[] = [];
  try {
    const payloads = client.iterate<T>({ query, variables });
    const acting = options.act?.();
    try {
      for await (const payload of payloads) {
        got.push(payload as Payload<T>);
        if (done(got, options)) break;
      }
    } catch (errors) {
      got.push({ errors: errors as Payload['errors'] });
    }
    await acting;
  } finally {
    await client.dispose();
  }
  return got;
}

/** The payloads of a subscription over Server-Sent Events (graphql-sse's distinct-connections mode). */
export async function collectSse<T = Record<string, any>>(
  baseUrl: string,
  query: string,
  variables: Record<string, unknown>,
  options: CollectOptions<T> = {},
): Promise<Payload<T>[]> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query, variables }),
  });
  if (!res.headers.get('content-type')?.includes('text/event-stream'))
    throw new Error(`not an event stream: ${res.status}`);
  const acting = options.act?.();
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const got: Payload<T>[] = [];
  let buffered = '';
  try {
    while (!done(got, options)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buffered += decoder.decode(value, { stream: true });
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('data: ') || line.length === 'data: '.length) continue;
        got.push(JSON.parse(line.slice('data: '.length)) as Payload<T>);
        if (done(got, options)) break;
      }
    }
  } finally {
    await reader.cancel();
  }
  await acting;
  return got;
}

/** The last seq of the market's event log: subscribe after it to get exactly the events that follow. */
export async function lastSeq(market: OnEngine): Promise<number> {
  return Number(await queryValue(market, 'SELECT COALESCE(MAX(seq), 0) FROM market_events'));
}
