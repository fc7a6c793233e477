/**
 * The fair rate listens only to eligible providers (operator-verified, or bonded): invented nodes, however
 * many and however "catalog consistent", neither set the rate nor get an honest quote flagged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Wallet } from '../src/domain/signatures.js';
import { bondNode, verifyNode } from './support/eligibility.js';
import { attest, rtx4090 } from './support/gpu.js';
import { newWallet, startTestServer } from './support/market.js';
import { call } from './support/rest.js';

let now = 2_300_000_000;
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer({ clock: () => now });
});
afterAll(() => server.close());

const rates = async () => (await call(server.url, 'GET', '/render/pricing')).body.rates;

async function sttNode(node: Wallet, price: string) {
  const r = await attest(server.url, node, {
    gpus: [rtx4090()],
    job_types: ['stt'],
    llm_models: undefined,
    stt_models: ['whisper-large-v3'],
    prices: { stt_minute_urtc: price },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as { flags: string[]; trust: string };
}

async function ttsNode(node: Wallet, price: string) {
  const r = await attest(server.url, node, {
    gpus: [rtx4090()],
    job_types: ['tts'],
    llm_models: undefined,
    tts_models: ['xtts-v2'],
    prices: { tts_1k_chars_urtc: price },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as { flags: string[]; trust: string };
}

describe('three invented nodes quoting 10,000,000 µRTC for STT against one honest 400', () => {
  it('neither set the rate nor get the honest quote flagged', async () => {
    const honest = newWallet();
    expect((await bondNode(server.url, honest)).status).toBe(200);
    await sttNode(honest, '400');
    for (let i = 0; i < 3; i++) expect((await sttNode(newWallet(), '10000000')).trust).toBe('catalog_consistent');

    // One eligible provider: no rate, whatever the invented nodes quote; they are only reported as quotes.
    expect((await rates()).stt).toMatchObject({
      fair_urtc: null,
      insufficient_data: true,
      providers: 1,
      quoted_providers: 4,
      quoted_median_urtc: '10000000',
    });
    // Another honest quote is judged against eligible quotes only: not an outlier.
    expect((await sttNode(newWallet(), '400')).flags).toEqual([]);
  });

  it('leave the rate of three eligible providers where it is, and an honest quote unflagged', async () => {
    now += 2 * 3600; // the nodes above are offline
    for (const price of ['400', '410', '390']) {
      const node = newWallet();
      expect((await bondNode(server.url, node)).status).toBe(200);
      await sttNode(node, price);
    }
    expect((await rates()).stt).toMatchObject({ fair_urtc: '400', providers: 3, insufficient_data: false });

    const invented = await Promise.all([0, 1, 2].map(async () => sttNode(newWallet(), '10000000')));
    expect(invented.every((r) => r.flags.includes('price_outlier:stt'))).toBe(true);
    expect((await rates()).stt).toMatchObject({
      fair_urtc: '400',
      providers: 3,
      quoted_providers: 6,
      quoted_median_urtc: '5000205',
    });

    const honest = await sttNode(newWallet(), '400');
    expect(honest.flags).toEqual([]);
    expect((await rates()).stt.fair_urtc).toBe('400');
  });
});

describe('52 invented catalog-consistent nodes walking the TTS rate up', () => {
  it('do not move it from 1,000 µRTC', async () => {
    for (const [i, price] of ['1000', '990', '1010', '1000', '1005'].entries()) {
      const node = newWallet();
      if (i % 2) await ttsNode(node, price).then(() => verifyNode(server.url, node.address));
      else {
        expect((await bondNode(server.url, node)).status).toBe(200);
        await ttsNode(node, price);
      }
    }
    expect((await rates()).tts).toMatchObject({ fair_urtc: '1000', providers: 5 });

    // Each invented node quotes just inside the outlier band of the rate it reads, as a walk upwards would.
    for (let i = 0; i < 52; i++) {
      const current = BigInt((await rates()).tts.fair_urtc as string);
      const body = await ttsNode(newWallet(), (current + current / 4n - 1n).toString());
      expect(body.flags).toEqual([]); // inside the band: nothing to flag, yet it does not count
    }
    const after = (await rates()).tts;
    expect(after).toMatchObject({ fair_urtc: '1000', providers: 5, insufficient_data: false, quoted_providers: 57 });
    expect(BigInt(after.quoted_median_urtc)).toBe(1249n);
  });
});

describe('over GraphQL', () => {
  it('marketRates and fairRate carry the eligible rate and every quote beside it', async () => {
    const r = await call(server.url, 'POST', '/graphql', {
      query: '{ fairRate(jobType: TTS) { fairUrtc providers quotedMedianUrtc quotedProviders insufficientData } }',
    });
    expect(r.body.data.fairRate).toEqual({
      fairUrtc: '1000',
      providers: 5,
      quotedMedianUrtc: '1249',
      quotedProviders: 57,
      insufficientData: false,
    });
    const m = await call(server.url, 'POST', '/graphql', { query: '{ marketRates { jobType quotedProviders } }' });
    expect(m.body.data.marketRates.find((x: { jobType: string }) => x.jobType === 'TTS').quotedProviders).toBe(57);
  });

  it('a node says whether it is eligible', async () => {
    const plain = newWallet();
    await ttsNode(plain, '1000');
    const bonded = newWallet();
    await bondNode(server.url, bonded);
    await ttsNode(bonded, '1000');
    const q = 'query($m: String!) { gpuNode(minerId: $m) { eligible bond { bondedUrtc eligible bondMinUrtc } } }';
    const of = async (w: Wallet) =>
      (await call(server.url, 'POST', '/graphql', { query: q, variables: { m: w.address } })).body.data.gpuNode;
    expect(await of(plain)).toEqual({ eligible: false, bond: null });
    expect(await of(bonded)).toEqual({
      eligible: true,
      bond: { bondedUrtc: '100000000', eligible: true, bondMinUrtc: '100000000' },
    });
    const listed = (await call(server.url, 'GET', '/gpu/nodes?job_type=tts&limit=100')).body.nodes;
    expect(listed.find((n: { miner_id: string }) => n.miner_id === bonded.address)).toMatchObject({
      eligible: true,
      bonded_urtc: '100000000',
    });
    expect(listed.find((n: { miner_id: string }) => n.miner_id === plain.address)).toMatchObject({
      eligible: false,
      bonded_urtc: '0',
    });
  });
});
