/**
 * POST /gpu/challenge is rate-limited: at most 5 open challenges per miner and 30 requests a minute per
 * client address (the defaults); storage is bounded (a market-wide cap, expired challenges purged).
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createNodeEventLog } from '../src/attestation/events.js';
import { createAttestationService } from '../src/attestation/service.js';
import { createAttestationStore } from '../src/attestation/store.js';
import { createOperatorGate } from '../src/operator.js';
import { fairRate } from '../src/pricing/fair-rate.js';
import { createPricingStore } from '../src/pricing/store.js';
import { queryValue } from './support/database.js';
import { attestationFields, signAttestation } from './support/gpu.js';
import { ADMIN_KEY, newWallet, openTestServices, silentLog, startTestServer } from './support/market.js';
import { call } from './support/rest.js';

let now = 2_700_000_000;
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  // The production defaults (the test fixture otherwise allows many requests per address).
  server = await startTestServer({ clock: () => now, challengeRatePerMin: 30, challengeOpenMaxPerMiner: 5 });
});
afterAll(() => server.close());

const challenge = (minerId: string) => call(server.url, 'POST', '/gpu/challenge', { miner_id: minerId });
const stored = async (minerId?: string) =>
  Number(
    minerId
      ? await queryValue(server.market, 'SELECT count(*) FROM attestation_challenges WHERE miner_id = ?', [minerId])
      : await queryValue(server.market, 'SELECT count(*) FROM attestation_challenges'),
  );

describe('per miner', () => {
  it('holds at most 5 open challenges; using one or letting them expire frees a slot', async () => {
    now += 120;
    const node = newWallet();
    const got: string[] = [];
    for (let i = 0; i < 5; i++) got.push((await challenge(node.address)).body.challenge);
    const sixth = await challenge(node.address);
    expect(sixth).toMatchObject({ status: 429, body: { ok: false, error: { code: 'RATE_LIMITED' } } });
    expect(await stored(node.address)).toBe(5);

    expect(
      (await call(server.url, 'POST', '/gpu/attest', signAttestation(node, attestationFields(node, got[0]!)))).status,
    ).toBe(200);
    expect((await challenge(node.address)).status).toBe(200);
    expect((await challenge(node.address)).status).toBe(429);
    now += 301; // all expired
    expect((await challenge(node.address)).status).toBe(200);
  });
});

describe('per client address', () => {
  it('allows 30 requests a minute, over REST and GraphQL alike', async () => {
    now += 120;
    for (let i = 0; i < 29; i++) expect((await challenge(newWallet().address)).status).toBe(200);
    const gql = (minerId: string) =>
      call(server.url, 'POST', '/graphql', {
        query:
          'mutation($m: String!) { requestAttestationChallenge(minerId: $m) { __typename ... on MarketError { code } } }',
        variables: { m: minerId },
      }).then((r) => r.body.data.requestAttestationChallenge);
    expect((await gql(newWallet().address)).__typename).toBe('AttestationChallenge'); // the 30th
    expect(await gql(newWallet().address)).toEqual({ __typename: 'StateError', code: 'RATE_LIMITED' });
    const refused = await challenge(newWallet().address);
    expect(refused).toMatchObject({ status: 429, body: { error: { code: 'RATE_LIMITED' } } });
    expect(refused.body.error.message).toContain('30 challenges a minute');
    now += 61;
    expect((await challenge(newWallet().address)).status).toBe(200);
  });

  it('keeps what it stores bounded: expired challenges are purged by the sweeper', async () => {
    now += 120;
    const node = newWallet();
    for (let i = 0; i < 20; i++) await challenge(node.address);
    expect(await stored(node.address)).toBe(5);
    now += 301;
    await server.market.sweepNodes();
    expect(await stored()).toBe(0);
  });
});

describe('market-wide', () => {
  it('refuses beyond the stored cap, and in-process callers (no client address) are limited per miner only', async () => {
    let t = 2_800_000_000;
    const services = await openTestServices(() => t);
    onTestFinished(() => services.close());
    const { sql } = services;
    const attestations = createAttestationService({
      store: createAttestationStore(sql),
      sql,
      operator: createOperatorGate(ADMIN_KEY),
      clock: () => t,
      log: silentLog,
      attestationTtlS: 3600,
      challengeLimits: { openPerMiner: 5, perClientPerMinute: 30, storedMax: 40 },
      pricing: createPricingStore(sql),
      currentRate: () => fairRate([]),
      priceChangeIntervalS: 600,
      events: createNodeEventLog(sql),
      onChange: () => {},
    });
    for (let i = 0; i < 40; i++) await attestations.requestChallenge(newWallet().address);
    await expect(attestations.requestChallenge(newWallet().address)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    t += 301;
    await attestations.requestChallenge(newWallet().address); // the expired ones were purged first
    expect(Number(await queryValue(services, 'SELECT count(*) FROM attestation_challenges'))).toBe(1);
    await expect(
      attestations.requestChallenge('RTC0000000000000000000000000000000000000001', '10.0.0.1'),
    ).resolves.toMatchObject({ expiresAt: t + 300 });
  });
});
