/** The server's own pages: GraphiQL from npm (no CDN), health. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from './support/market.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('GraphiQL', () => {
  it('is served to browsers with every script and stylesheet inline, so it works offline', async () => {
    const res = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<title>gpu-render-protocol</title>');
    expect(html).not.toMatch(/<script[^>]+src=["']https?:/i);
    expect(html).not.toMatch(/<link[^>]+href=["']https?:/i);
  });

  it('reports a query argument error with its stable code, and masks nothing else', async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ wallet(address: "not-an-address") { availableUrtc } }' }),
    });
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('INVALID_INPUT');
    expect(body.errors[0]!.message).toContain('RTC address');
  });

  it('answers a GraphQL query on the same path', async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{ __typename }"}',
    });
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
