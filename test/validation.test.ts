/**
 * One formatter for every validation failure: REST bodies and queries, GraphQL arguments and the
 * environment name each issue by its path, and INVALID_INPUT carries the issues structured beside the
 * message (REST `error.issues`, GraphQL `InvalidInputError.issues`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../src/config.js';
import { describeIssues, ISSUES_MAX, parseInput } from '../src/domain/validation.js';
import { InvalidInputError } from '../src/domain/errors.js';
import { createMarketYoga } from '../src/server.js';
import { newWallet, startTestServer } from './support/market.js';
import { call } from './support/rest.js';

describe('describeIssues', () => {
  const schema = z.strictObject({ gpus: z.array(z.object({ vramMb: z.number().int() })), name: z.string().max(3) });

  it('names each issue by its path, as the client spells keys, and counts what it does not show', () => {
    const failed = schema.safeParse({ gpus: [{ vramMb: 1 }, { vramMb: 1.5 }], name: 'long name', extra: 1, other: 2 });
    expect(failed.success).toBe(false);
    const { message, issues } = describeIssues(failed.error!.issues, {
      name: 'body',
      nameOf: (k) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
    });
    expect(issues.map((i) => i.path)).toEqual(['gpus[1].vram_mb', 'name', 'body']);
    expect(issues[2]!.message).toBe('unknown field "extra" and 1 more');
    expect(message).toBe(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  });

  it('keeps at most ISSUES_MAX structured and names four in the message', () => {
    const failed = z.array(z.string()).safeParse(Array.from({ length: 100 }, (_, i) => i));
    const { message, issues } = describeIssues(failed.error!.issues, { name: 'tags' });
    expect(issues).toHaveLength(ISSUES_MAX);
    expect(issues[3]).toEqual({ path: '[3]', message: expect.any(String) });
    expect(message).toMatch(/^\[0\]: .*; \[3\]: [^;]*; and 96 more$/);
  });

  it('parseInput throws INVALID_INPUT with the issues', () => {
    const error = (() => {
      try {
        parseInput(z.object({ limit: z.number().max(10) }), { limit: 11 }, { name: 'query' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).issues).toEqual([{ path: 'limit', message: expect.stringContaining('10') }]);
    expect((error as InvalidInputError).message).toMatch(/^limit: /);
  });

  it('names every bad setting of the environment', () => {
    const bad = {
      PORT: 'x',
      ATTESTATION_TTL_S: '1',
      PRICE_CHANGE_INTERVAL_S: '-1',
      EVENT_RETENTION_S: '1',
      SWEEP_INTERVAL_MS: '1',
    };
    expect(() => loadConfig(bad)).toThrow(
      /^invalid configuration: PORT: .*ATTESTATION_TTL_S: .*PRICE_CHANGE_INTERVAL_S: .*EVENT_RETENTION_S: .*SWEEP_INTERVAL_MS: /,
    );
  });
});

describe('INVALID_INPUT over REST and GraphQL', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('REST answers error.issues beside the message, paths in snake_case', async () => {
    const r = await call(server.url, 'POST', '/render/escrow', {
      job_id: 'x y',
      to_wallet: 'nope',
      amount_urtc: '1',
      nonce: 'n1',
      public_key: '',
      signature: '',
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('INVALID_INPUT');
    const paths = (r.body.error.issues as { path: string; message: string }[]).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['job_id', 'to_wallet']));
    for (const issue of r.body.error.issues) expect(r.body.error.message).toContain(`${issue.path}: ${issue.message}`);
  });

  it('REST names a query parameter, and a lone bad field', async () => {
    const quote = await call(server.url, 'GET', `/render/quote?job_type=paint&units=5&miner_id=${newWallet().address}`);
    expect(quote.body.error).toMatchObject({
      code: 'INVALID_INPUT',
      issues: [{ path: 'job_type', message: 'must be one of render, tts, stt, llm' }],
    });
    const balance = await call(server.url, 'GET', '/wallet/balance');
    expect(balance.body.error).toMatchObject({
      code: 'INVALID_INPUT',
      issues: [{ path: 'wallet', message: expect.stringMatching(/^must be an RTC address/) }],
    });
  });

  it('REST gives an empty list when the message is about the request as a whole', async () => {
    const r = await call(server.url, 'POST', '/render/escrow', '{"job_id": ');
    expect(r.body.error).toMatchObject({ code: 'INVALID_INPUT', issues: [] });
  });

  it('GraphQL answers InvalidInputError.issues', async () => {
    const yoga = createMarketYoga(server.market);
    const query = `mutation($w: String!) {
      deposit(input: { wallet: $w, amountRtc: "1", reference: "not a reference" }) {
        __typename
        ... on InvalidInputError { code message issues { path message } }
      }
    }`;
    const res = await yoga.fetch('http://market.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-admin-key': 'test-operator-key-0123456789abcdef' },
      body: JSON.stringify({ query, variables: { w: 'RTCnot-an-address' } }),
    });
    const { data, errors } = (await res.json()) as { data: any; errors?: unknown };
    expect(errors).toBeUndefined();
    expect(data.deposit.__typename).toBe('InvalidInputError');
    expect(data.deposit.code).toBe('INVALID_INPUT');
    // The input's fields, as the request schema shared with REST sees them.
    expect(data.deposit.issues.map((i: { path: string }) => i.path).sort()).toEqual(['reference', 'wallet']);
    expect(data.deposit.message).toContain('wallet: must be an RTC address');
  });
});
