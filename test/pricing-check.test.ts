/**
 * The seed's manipulation check, POST /render/pricing/check and GraphQL priceCheck: a proposed price far
 * outside the band around the fair rate is `manipulated`, with the band it was judged against.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../src/client/gql/gql.js';
import { verifyNode } from './support/eligibility.js';
import { attest } from './support/gpu.js';
import { graphqlClient } from './support/graphql.js';
import { newWallet, startTestServer } from './support/market.js';
import { call } from './support/rest.js';

const PriceCheck = graphql(`
  query PriceCheck($jobType: JobType!, $priceUrtc: String!) {
    priceCheck(jobType: $jobType, priceUrtc: $priceUrtc) {
      manipulated
      reason
      proposedUrtc
      fairUrtc
      bandLowUrtc
      bandHighUrtc
    }
  }
`);

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer();
  // Three verified providers quote render at 1,000, 1,100 and 1,200 µRTC a minute: the fair rate is 1,100.
  for (const price of ['1000', '1100', '1200']) {
    const node = newWallet();
    const r = await attest(server.url, node, {
      job_types: ['render'],
      llm_models: [],
      prices: { render_minute_urtc: price },
    });
    expect(r.status).toBe(200);
    await verifyNode(server.url, node.address);
  }
});
afterAll(() => server.close());

const check = (body: Record<string, unknown>) => call(server.url, 'POST', '/render/pricing/check', body);

describe('POST /render/pricing/check', () => {
  it('judges a price in RTC (as the seed sends it) or in µRTC against the band around the fair rate', async () => {
    const within = await check({ job_type: 'render', price: 0.00105 });
    expect(within).toMatchObject({
      status: 200,
      body: { ok: true, manipulated: false, reason: 'within_band', proposed_urtc: '1050', fair_urtc: '1100' },
    });
    const { band_low_urtc, band_high_urtc } = within.body;
    expect(BigInt(band_low_urtc)).toBeLessThan(1100n);
    expect(BigInt(band_high_urtc)).toBeGreaterThan(1100n);
    const above = await check({ job_type: 'render', price_urtc: String(BigInt(band_high_urtc) + 1n) });
    expect(above.body).toMatchObject({ manipulated: true, reason: 'above_band' });
    expect((await check({ job_type: 'render', price_urtc: band_high_urtc })).body.manipulated).toBe(false);
    expect((await check({ job_type: 'render', price: 0.00001 })).body).toMatchObject({
      manipulated: true,
      reason: 'below_band',
      proposed_urtc: '10',
    });
  });

  it('says when there is not enough data to judge', async () => {
    expect((await check({ job_type: 'stt', price: 5 })).body).toMatchObject({
      ok: true,
      manipulated: false,
      reason: 'insufficient_data',
      fair_urtc: null,
      band_low_urtc: null,
    });
  });

  it.each([
    ['a negative price', { job_type: 'render', price: -1 }],
    ['both prices', { job_type: 'render', price: 1, price_urtc: '1000000' }],
    ['no price', { job_type: 'render' }],
    ['an unknown job type', { job_type: 'video', price: 1 }],
    ['a price as text', { job_type: 'render', price: '1' }],
  ])('refuses %s with INVALID_INPUT', async (_name, body) => {
    expect(await check(body)).toMatchObject({ status: 400, body: { ok: false, error: { code: 'INVALID_INPUT' } } });
  });
});

describe('GraphQL priceCheck', () => {
  it('answers the same as REST', async () => {
    const data = await graphqlClient(server.market)(PriceCheck, { jobType: 'RENDER', priceUrtc: '50000' });
    const rest = (await check({ job_type: 'render', price_urtc: '50000' })).body;
    expect(data.priceCheck).toEqual({
      manipulated: true,
      reason: 'above_band',
      proposedUrtc: '50000',
      fairUrtc: '1100',
      bandLowUrtc: rest.band_low_urtc,
      bandHighUrtc: rest.band_high_urtc,
    });
  });
});
