/**
 * Limits on GraphQL requests (docs/CONTRACT.md, "Limits"): documents too deep, too aliased, too long or
 * too costly are refused before execution with QUERY_TOO_COMPLEX and no data, over HTTP and graphql-ws;
 * large bodies are 413; malformed requests get a coded 4xx, never a 500; introspection, GraphiQL and
 * CORS follow the configuration.
 */
import { request, Agent, type IncomingHttpHeaders } from 'node:http';
import { getIntrospectionQuery } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { httpSettingsFromEnv, type HttpSettings } from '../src/config.js';
import { createMarketYoga, startMarketServer } from '../src/server.js';
import { newWallet, openTestMarket } from './support/market.js';

const defaults = httpSettingsFromEnv({});

async function startServer(http: Partial<HttpSettings> = {}) {
  const market = await openTestMarket();
  return startMarketServer(market, {
    host: '127.0.0.1',
    port: 0,
    sweepIntervalMs: 60_000,
    http: { ...defaults, ...http },
  });
}

let server: Awaited<ReturnType<typeof startServer>>;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

type Result = {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] };
};

const GRAPHQL_RESPONSE = 'application/graphql-response+json';

async function post(
  query: string,
  { accept = 'application/json', variables }: { accept?: string; variables?: unknown } = {},
): Promise<Result> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as Result['body'] };
}

function expectRefused(result: Result, code = 'QUERY_TOO_COMPLEX') {
  expect(result.body.errors?.map((e) => e.extensions?.code)).toEqual([code]);
  expect(result.body).not.toHaveProperty('data');
}

/** wallet → escrowsPaid → edges → node → payer → …, one item per page: 12 levels, or 13. */
const paidTwice =
  'escrowsPaid(first: 1) { edges { node { payer { escrowsPaid(first: 1) { edges { node { payer { escrowsPaid(first: 1) { edges {';
const depth12 = () => `{ wallet(address: "${newWallet().address}") { ${paidTwice} cursor } } } } } } } } } } } }`;
const depth13 = () =>
  `{ wallet(address: "${newWallet().address}") { ${paidTwice} node { jobId } } } } } } } } } } } } }`;

describe('document shape', () => {
  it('refuses a document deeper than 12 levels before running it: 400 for graphql-response+json, 200 for application/json', async () => {
    const ok = await post(depth12());
    expect(ok.body.errors).toBeUndefined();
    const deep = depth13();
    const strict = await post(deep, { accept: GRAPHQL_RESPONSE });
    expect(strict.status).toBe(400);
    expectRefused(strict);
    expect(strict.body.errors![0]!.message).toContain('depth limit of 12');
    const plain = await post(deep);
    expect(plain.status).toBe(200);
    expectRefused(plain);
  });

  it('lets introspection through, however deep', async () => {
    const { body } = await post(getIntrospectionQuery());
    expect(body.errors).toBeUndefined();
    expect(body.data).toHaveProperty('__schema');
  });

  it('refuses more than 50 aliases', async () => {
    const aliased = (n: number) =>
      `{ ${Array.from({ length: n }, (_, i) => `r${i}: fairRate(jobType: RENDER) { jobType }`).join(' ')} }`;
    expect((await post(aliased(50))).body.errors).toBeUndefined();
    const refused = await post(aliased(51), { accept: GRAPHQL_RESPONSE });
    expect(refused.status).toBe(400);
    expectRefused(refused);
  });

  it('refuses a document of more than 5,000 tokens', async () => {
    expectRefused(await post(`{ ${'__typename '.repeat(5000)}}`));
  });

  it('refuses one field selected more than 20 times in a selection set (graphql-js compares every pair)', async () => {
    const repeated = (n: number) => `fragment F on Query { ${'marketRates { jobType } '.repeat(n)}} query { ...F }`;
    expect((await post(repeated(20))).body.errors).toBeUndefined();
    expectRefused(await post(repeated(21)));
    expectRefused(await post(`{ ${'__typename '.repeat(4990)}}`));
  });

  it('refuses a 10,000-deep document with a coded error, not a 500', async () => {
    const deep = `{${'a{'.repeat(10_000)}a${'}'.repeat(10_001)}`;
    const strict = await post(deep, { accept: GRAPHQL_RESPONSE });
    expect(strict.status).toBe(400);
    expectRefused(strict);
    expectRefused(await post(deep));
  });
});

describe('cost', () => {
  it('charges a list field its first: 100 nodes × 50 escrows each is over the budget', async () => {
    const query = '{ gpuNodes(first: 100) { edges { node { escrowHistory(first: 50) { jobId } } } } }';
    const refused = await post(query, { accept: GRAPHQL_RESPONSE });
    expect(refused.status).toBe(400);
    expectRefused(refused);
    expect(refused.body.errors![0]!.message).toContain('budget of 1000');
    expect(
      (await post('{ gpuNodes(first: 100) { edges { node { escrowHistory(first: 5) { jobId } } } } }')).body.errors,
    ).toBeUndefined();
  });

  it('charges a first given as a variable at the largest page, and a missing one at the default page', async () => {
    const nestedPages = (args: string) =>
      `gpuNodes${args} { edges { node { priceHistory${args} { edges { node { jobType } } } } } }`;
    expectRefused(await post(`query($n: Int) { ${nestedPages('(first: $n)')} }`, { variables: { n: 1 } })); // 100 × 100 × 3
    expectRefused(await post(`{ ${nestedPages('')} }`)); // 20 × 20 × 3
    expect((await post(`{ ${nestedPages('(first: 5)')} }`)).body.errors).toBeUndefined();
  });

  it('charges priceHistory its buckets: 1,000 aliased histories are refused before any is computed', async () => {
    const histories = Array.from(
      { length: 1000 },
      (_, i) =>
        `h${i}: priceHistory(jobType: RENDER, from: "2030-01-01T00:00:00Z", to: "2030-01-02T00:00:00Z", bucket: HOUR) { count }`,
    );
    expectRefused(await post(`{ ${histories.join(' ')} }`));
    expectRefused(await post(`{ ${histories.slice(0, 50).join(' ')} }`)); // 50 × 24 buckets: within the aliases, over the cost
    expect((await post(`{ ${histories.slice(0, 40).join(' ')} }`)).body.errors).toBeUndefined();
  });

  it('takes its budget from GRAPHQL_COST_MAX', async () => {
    const market = await openTestMarket();
    onTestFinished(() => market.close());
    const yoga = createMarketYoga(market, { ...httpSettingsFromEnv({ GRAPHQL_COST_MAX: '50' }) });
    const run = async (query: string) =>
      (
        await yoga.fetch('http://market.test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query }),
        })
      ).json();
    expectRefused({ status: 200, body: await run('{ gpuNodes { totalCount edges { node { minerId } } } }') }); // 20 × 3
    expect((await run('{ gpuNodes(first: 10) { totalCount edges { node { minerId } } } }')).errors).toBeUndefined(); // 10 × 3
  });
});

describe('over graphql-ws', () => {
  /** The errors a subscription is refused with; it fails if the subscription is still open after a while. */
  async function subscribeErrors(query: string): Promise<{ message: string; extensions?: Record<string, unknown> }[]> {
    const client = createClient({
      url: `${server.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
    });
    try {
      const refused = new Promise<never>((resolve, reject) => {
        client.subscribe(
          { query },
          {
            next: () => reject(new Error('ran')),
            error: (e) => resolve(e as never),
            complete: () => reject(new Error('completed')),
          },
        );
      });
      const stillOpen = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('still open: accepted')), 2000),
      );
      return await Promise.race([refused, stillOpen]);
    } finally {
      await client.dispose();
    }
  }

  it('applies the same limits, with the same code and no HTTP details', async () => {
    const tooDeep = `subscription { escrowEvents(wallet: "${newWallet().address}") { escrow { payer { ${paidTwice} cursor } } } } } } } } } } } } } }`;
    const aliases = `subscription { ${Array.from({ length: 51 }, (_, i) => `e${i}: escrowEvents(wallet: "${newWallet().address}") { seq }`).join(' ')} }`;
    const tokens = `subscription { ${'__typename '.repeat(5000)}}`;
    for (const query of [tooDeep, aliases, tokens]) {
      const errors = await subscribeErrors(query);
      expect(errors.map((e) => e.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
      expect(errors[0]!.extensions).not.toHaveProperty('http');
    }
  });
});

/** A raw HTTP request, so that headers fetch would not send (a bad Host, chunked bodies) can be sent. */
function raw(
  path: string,
  options: { method?: string; headers?: Record<string, string | number>; body?: string | Buffer[]; agent?: Agent },
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string; reusedSocket: boolean }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'POST',
        headers: options.headers,
        agent: options.agent,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, text, reusedSocket: req.reusedSocket }),
        );
      },
    );
    req.on('error', reject);
    if (Array.isArray(options.body)) for (const chunk of options.body) req.write(chunk);
    else if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

describe('requests', () => {
  const json = { 'content-type': 'application/json' };
  const small = JSON.stringify({ query: '{ __typename }' });

  it('answers a body over 256 KB with 413 PAYLOAD_TOO_LARGE, and the connection stays usable', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(300 * 1024) } });
      const refused = await raw('/graphql', { headers: json, body: big, agent });
      expect(refused.status).toBe(413);
      expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
      const next = await raw('/graphql', { headers: json, body: small, agent });
      expect(next.reusedSocket).toBe(true);
      expect(JSON.parse(next.text)).toEqual({ data: { __typename: 'Query' } });
    } finally {
      agent.destroy();
    }
  });

  it('counts a chunked body as it arrives: over 256 KB is 413, under is served', async () => {
    const chunks = (total: number) => Array.from({ length: total / 1024 }, () => Buffer.alloc(1024, ' '));
    const over = await raw('/graphql', {
      headers: { ...json, 'transfer-encoding': 'chunked' },
      body: [Buffer.from(small), ...chunks(300 * 1024)],
    });
    expect(over.status).toBe(413);
    const under = await raw('/graphql', {
      headers: { ...json, 'transfer-encoding': 'chunked' },
      body: [Buffer.from(small), ...chunks(100 * 1024)],
    });
    expect(JSON.parse(under.text)).toEqual({ data: { __typename: 'Query' } });
  });

  it('answers a bad Host header with 400, not a 500', async () => {
    const res = await raw('/graphql', { headers: { ...json, host: 'a b' }, body: small });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('refuses variables nested 50,000 deep with INVALID_INPUT, not an internal error', async () => {
    const depth = 50_000;
    const input = `{"jobId":"j1","fromWallet":"${newWallet().address}","toWallet":"${newWallet().address}","amountUrtc":"1","nonce":"n1","publicKey":"00","signature":"00","metadata":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    const query = 'mutation($input: LockEscrowInput!) { lockEscrow(jobType: RENDER, input: $input) { __typename } }';
    const res = await raw('/graphql', {
      headers: json,
      body: `{"query":${JSON.stringify(query)},"variables":{"input":${input}}}`,
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual([
      'INVALID_INPUT',
    ]);
  });
});

describe('introspection and GraphiQL', () => {
  const introspect = async (settings: HttpSettings) => {
    const market = await openTestMarket();
    onTestFinished(() => market.close());
    const yoga = createMarketYoga(market, settings);
    const res = await yoga.fetch('http://market.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
    });
    const page = await yoga.fetch('http://market.test/graphql', { headers: { accept: 'text/html' } });
    return {
      body: (await res.json()) as Result['body'],
      graphiql: (await page.text()).includes('<title>gpu-render-protocol</title>'),
    };
  };

  it('are on by default', async () => {
    const { body, graphiql } = await introspect(httpSettingsFromEnv({}));
    expect(body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect(graphiql).toBe(true);
  });

  it('are off in production, unless GRAPHIQL=true', async () => {
    const off = await introspect(httpSettingsFromEnv({ NODE_ENV: 'production' }));
    expect(off.body.errors?.[0]?.message).toContain('introspection');
    expect(off.body).not.toHaveProperty('data');
    expect(off.graphiql).toBe(false);
    const on = await introspect(httpSettingsFromEnv({ NODE_ENV: 'production', GRAPHIQL: 'true' }));
    expect(on.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect(on.graphiql).toBe(true);
  });
});

describe('CORS', () => {
  const allowOrigin = (res: { headers: IncomingHttpHeaders }) => res.headers['access-control-allow-origin'];

  it('reflects no origin by default, on /graphql or REST', async () => {
    const headers = { 'content-type': 'application/json', origin: 'https://evil.example' };
    const graphql = await raw('/graphql', { headers, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(allowOrigin(graphql)).toBeUndefined();
    expect(graphql.headers['access-control-allow-credentials']).toBeUndefined();
    expect(allowOrigin(await raw('/health', { method: 'GET', headers }))).toBeUndefined();
  });

  it('takes only origins in CORS_ORIGINS: a path or a bare host stops the server at start', () => {
    expect(httpSettingsFromEnv({ CORS_ORIGINS: ' https://app.example ,http://localhost:5173' }).corsOrigins).toEqual([
      'https://app.example',
      'http://localhost:5173',
    ]);
    expect(() => httpSettingsFromEnv({ CORS_ORIGINS: 'https://app.example/console' })).toThrow(/CORS_ORIGINS/);
    expect(() => httpSettingsFromEnv({ CORS_ORIGINS: 'app.example' })).toThrow(/CORS_ORIGINS/);
  });

  it('allows exactly the origins in CORS_ORIGINS, preflight included, without credentials', async () => {
    const own = await startServer(
      httpSettingsFromEnv({ CORS_ORIGINS: 'https://app.example, https://ops.example:8443' }),
    );
    try {
      const at = (path: string, method: string, origin: string, extra: Record<string, string> = {}) =>
        fetch(`${own.url}${path}`, { method, headers: { origin, ...extra } });
      const preflight = {
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-admin-key',
      };
      for (const path of ['/graphql', '/wallet/deposit']) {
        const allowed = await at(path, 'OPTIONS', 'https://ops.example:8443', preflight);
        expect(allowed.status).toBe(204);
        expect(allowed.headers.get('access-control-allow-origin')).toBe('https://ops.example:8443');
        expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
        expect(allowed.headers.get('access-control-allow-headers')).toContain('x-admin-key');
        expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
        const refused = await at(path, 'OPTIONS', 'https://evil.example', preflight);
        expect(refused.headers.get('access-control-allow-origin')).toBeNull();
      }
      expect((await at('/health', 'GET', 'https://app.example')).headers.get('access-control-allow-origin')).toBe(
        'https://app.example',
      );
      expect(
        (await at('/health', 'GET', 'https://evil.example')).headers.get('access-control-allow-origin'),
      ).toBeNull();
      expect(
        (await at('/graphql?query=%7B__typename%7D', 'GET', 'https://app.example')).headers.get(
          'access-control-allow-origin',
        ),
      ).toBe('https://app.example');
    } finally {
      await own.close();
    }
  });
});
