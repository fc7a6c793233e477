/** The pricing oracle end to end: history on change only, rate limits, outliers, quotes, buckets, no writes on reads. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Wallet } from '../src/domain/signatures.js';
import { queryRows, queryValue } from './support/database.js';
import { ADMIN_KEY, newJobId, newNonce, newWallet, startTestServer } from './support/market.js';
import { verifyNode } from './support/eligibility.js';
import { attest, rtx4090 } from './support/gpu.js';
import { signedDeliverBody } from './support/delivery.js';
import { call, deposit, signedLockBody, signedReleaseBody } from './support/rest.js';

const HOUR = 3600;
const T0 = 2_100_000_000 - (2_100_000_000 % 86400); // a UTC midnight
let now = T0;
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer({ clock: () => now });
});
afterAll(() => server.close());

/** Attests an LLM node at `price` µRTC per 1K tokens (and, optionally, a TTS price). */
async function llmNode(node: Wallet, price: string, gpu = rtx4090(), extra: Record<string, unknown> = {}) {
  return attest(server.url, node, {
    gpus: [gpu],
    job_types: ['llm'],
    llm_models: ['mistral-7b'],
    prices: { llm_1k_tokens_urtc: price },
    ...extra,
  });
}

/** The same, then verified by the operator: eligible for the fair rate. */
async function eligibleLlmNode(node: Wallet, price: string) {
  const r = await llmNode(node, price);
  if (r.status === 200) await verifyNode(server.url, node.address);
  return r;
}

const history = (minerId: string) =>
  queryRows<{
    job_type: string;
    old_price_urtc: bigint | null;
    new_price_urtc: bigint;
    changed_at: bigint;
    outlier: bigint;
  }>(
    server.market,
    'SELECT job_type, old_price_urtc, new_price_urtc, changed_at, outlier FROM price_history WHERE miner_id = ? ORDER BY id',
    [minerId],
  );

const gql = (query: string, variables: unknown = {}) =>
  call(server.url, 'POST', '/graphql', { query, variables }).then((r) => r.body);

describe('price history', () => {
  it('records the first price and every change, and nothing for an unchanged re-attestation', async () => {
    const node = newWallet();
    const gpu = rtx4090();
    expect((await llmNode(node, '2000', gpu)).status).toBe(200);
    now += 60;
    expect((await llmNode(node, '2000', gpu)).status).toBe(200);
    expect(await history(node.address)).toEqual([
      { job_type: 'llm', old_price_urtc: null, new_price_urtc: 2000n, changed_at: BigInt(now - 60), outlier: 0n },
    ]);
    now += 600;
    expect((await llmNode(node, '2500', gpu)).status).toBe(200);
    expect((await history(node.address)).map((h) => [h.old_price_urtc, h.new_price_urtc])).toEqual([
      [null, 2000n],
      [2000n, 2500n],
    ]);
  });

  it('lets a node change a price at most once per interval; a refused change changes nothing', async () => {
    const node = newWallet();
    const gpu = rtx4090();
    await llmNode(node, '3000', gpu);
    now += 599;
    const early = await llmNode(node, '3100', gpu);
    expect(early).toMatchObject({ status: 429, body: { error: { code: 'RATE_LIMITED' } } });
    expect(await history(node.address)).toHaveLength(1);
    const stored = await gql(
      `query($m: String!) { gpuNode(minerId: $m) { prices { llm1kTokensUrtc } lastAttestedAt } }`,
      { m: node.address },
    );
    expect(stored.data.gpuNode.prices.llm1kTokensUrtc).toBe('3000');
    now += 1;
    expect((await llmNode(node, '3100', gpu)).status).toBe(200);
    expect(await history(node.address)).toHaveLength(2);
  });
});

describe('fair rate and outliers', () => {
  it('marks a far-off quote as an outlier, which does not move the rate', async () => {
    now += HOUR * 2; // earlier nodes are offline now
    const honest = ['1000', '1020', '980', '1010', '990'];
    for (const p of honest) expect((await eligibleLlmNode(newWallet(), p)).status).toBe(200);
    const before = (await call(server.url, 'GET', '/render/pricing')).body.rates.llm;
    expect(before).toMatchObject({ unit: '1K tokens', fair_urtc: '1000', providers: 5, insufficient_data: false });

    const greedy = newWallet();
    const r = await llmNode(greedy, '1000000');
    expect(r.status).toBe(200);
    expect(r.body.flags).toContain('price_outlier:llm');
    expect((await history(greedy.address))[0]!.outlier).toBe(1n);
    const after = (await call(server.url, 'GET', '/render/pricing')).body.rates.llm;
    expect(after.fair_urtc).toBe('1000');
    expect(after.providers).toBe(5);
  });

  it('reports insufficient data with a null rate below three providers', async () => {
    const rates = (await call(server.url, 'GET', '/render/pricing')).body.rates;
    expect(rates.tts).toMatchObject({
      unit: '1K characters',
      fair_urtc: null,
      fair_rtc: null,
      insufficient_data: true,
      providers: 0,
    });
    expect(rates.stt.unit).toBe('minute');
    expect(rates.render.unit).toBe('minute');
  });

  it('publishes priceUpdated when an attestation moves the fair rate', async () => {
    const events = server.market.pubsub.subscribe('priceUpdated');
    const next = events.next();
    await eligibleLlmNode(newWallet(), '1200');
    await eligibleLlmNode(newWallet(), '1300');
    const { value } = await next;
    expect(value).toMatchObject({ jobType: 'llm' });
    await events.return?.();
  });
});

describe('freshness', () => {
  it('counts only the prices of nodes whose attestation is still fresh', async () => {
    const before = (await call(server.url, 'GET', '/render/pricing')).body.rates.llm;
    expect(before.providers).toBeGreaterThanOrEqual(3);
    now += 3601; // every node's attestation lapses
    const after = (await call(server.url, 'GET', '/render/pricing')).body.rates.llm;
    expect(after).toMatchObject({ providers: 0, fair_urtc: null, insufficient_data: true });
  });
});

describe('quotes and quoted locks', () => {
  it('quotes a job at the node’s price and keeps that price in the escrow after the node changes it', async () => {
    const provider = newWallet();
    const gpu = rtx4090();
    await llmNode(provider, '2000', gpu);
    const quote = (await call(server.url, 'GET', `/render/quote?job_type=llm&units=5500&miner_id=${provider.address}`))
      .body;
    expect(quote).toMatchObject({ ok: true, units: '5500', unit_price_urtc: '2000', amount_urtc: '11000' });

    const payer = newWallet();
    await deposit(server.url, payer.address, '1');
    const job_id = newJobId();
    const unquoted = signedLockBody(payer, {
      job_id,
      job_type: 'llm',
      to_wallet: provider.address,
      amount_urtc: '10999',
    });
    const sign = (amount: string, extra: Record<string, string>) => {
      const body = signedLockBody(payer, { job_id, job_type: 'llm', to_wallet: provider.address, amount_urtc: amount });
      const { public_key: _p, signature: _s, ...fields } = body;
      const all = { ...fields, ...extra };
      return {
        ...all,
        public_key: payer.publicKey,
        signature: payer.sign({ action: 'escrow.lock', ...all } as Record<string, string> & { action: string }),
      };
    };
    expect((await call(server.url, 'POST', '/llm/escrow', unquoted)).status).toBe(201); // without units, any amount
    const quotedJob = newJobId();
    const mismatch = sign('10999', { units: '5500', job_id: quotedJob });
    expect(await call(server.url, 'POST', '/llm/escrow', mismatch)).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_INPUT' } },
    });
    const locked = await call(server.url, 'POST', '/llm/escrow', sign('11000', { units: '5500', job_id: quotedJob }));
    expect(locked.status).toBe(201);

    now += 601;
    expect((await llmNode(provider, '4000', gpu)).status).toBe(200);
    const escrow = await gql(`query($j: String!) { escrow(jobId: $j) { amountUrtc } }`, { j: quotedJob });
    expect(escrow.data.escrow.amountUrtc).toBe('11000');
    const [row] = await queryRows(
      server.market,
      'SELECT units, unit_price_urtc, amount_urtc FROM render_escrow WHERE job_id = ?',
      [quotedJob],
    );
    expect(row).toEqual({ units: 5500n, unit_price_urtc: 2000n, amount_urtc: 11000n });
    const released = await call(
      server.url,
      'POST',
      '/llm/release',
      signedReleaseBody(payer, { job_id: quotedJob, job_type: 'llm' }),
    );
    expect(released.body).toMatchObject({ status: 'released', released_urtc: '11000' });

    const notANode = sign('100', { units: '50', job_id: newJobId(), to_wallet: newWallet().address });
    expect((await call(server.url, 'POST', '/llm/escrow', notANode)).body.error.code).toBe('INVALID_STATE');
    const q = await gql(
      `query($m: String!) { quote(jobType: LLM, units: "5500", minerId: $m) { unitPriceUrtc totalUrtc fairRate { jobType } } }`,
      { m: provider.address },
    );
    expect(q.data.quote).toMatchObject({ unitPriceUrtc: '4000', totalUrtc: '22000', fairRate: { jobType: 'LLM' } });
  });
});

describe('a suspended or offline node', () => {
  const quotedLockBody = (payer: Wallet, to: string, units: string, amount: string) => {
    const fields = {
      job_id: newJobId(),
      job_type: 'llm',
      from_wallet: payer.address,
      to_wallet: to,
      amount_urtc: amount,
      nonce: newNonce(),
      units,
    };
    return { ...fields, public_key: payer.publicKey, signature: payer.sign({ action: 'escrow.lock', ...fields }) };
  };
  const quoteOf = (minerId: string) =>
    call(server.url, 'GET', `/render/quote?job_type=llm&units=1000&miner_id=${minerId}`);

  it('offers no price: a quoted lock and a quote are INVALID_STATE and move nothing, until it is back', async () => {
    const provider = newWallet();
    const gpu = rtx4090();
    expect((await llmNode(provider, '2000', gpu)).status).toBe(200);
    const payer = newWallet();
    await deposit(server.url, payer.address, '1');
    const balance = async () =>
      (await call(server.url, 'GET', `/wallet/balance?wallet=${payer.address}`)).body.available_urtc;

    await server.market.attestations.setSuspended(provider.address, true, ADMIN_KEY);
    const suspended = await call(
      server.url,
      'POST',
      '/llm/escrow',
      quotedLockBody(payer, provider.address, '1000', '2000'),
    );
    expect(suspended).toMatchObject({ status: 409, body: { error: { code: 'INVALID_STATE' } } });
    expect(suspended.body.error.message).toContain('suspended');
    expect((await quoteOf(provider.address)).body.error.code).toBe('INVALID_STATE');
    await server.market.attestations.setSuspended(provider.address, false, ADMIN_KEY);
    expect(
      (await call(server.url, 'POST', '/llm/escrow', quotedLockBody(payer, provider.address, '1000', '2000'))).status,
    ).toBe(201);

    now += 3601; // its attestation lapses: the node is offline
    const offline = await call(
      server.url,
      'POST',
      '/llm/escrow',
      quotedLockBody(payer, provider.address, '1000', '2000'),
    );
    expect(offline).toMatchObject({ status: 409, body: { error: { code: 'INVALID_STATE' } } });
    expect(offline.body.error.message).toContain('offline');
    expect((await quoteOf(provider.address)).status).toBe(409);
    expect(await balance()).toBe('998000');

    expect((await llmNode(provider, '2000', gpu)).status).toBe(200); // attests again: its price is on offer
    expect((await quoteOf(provider.address)).body).toMatchObject({ ok: true, amount_urtc: '2000' });
    expect(
      (await call(server.url, 'POST', '/llm/escrow', quotedLockBody(payer, provider.address, '1000', '2000'))).status,
    ).toBe(201);
    // Unquoted locks (a plain payment to a wallet) are not affected by the node's state.
    await server.market.attestations.setSuspended(provider.address, true, ADMIN_KEY);
    const plain = signedLockBody(payer, {
      job_id: newJobId(),
      job_type: 'llm',
      to_wallet: provider.address,
      amount_urtc: '5',
    });
    expect((await call(server.url, 'POST', '/llm/escrow', plain)).status).toBe(201);
  });
});

describe('reads', () => {
  it('never write', async () => {
    // The newest row of each table: SQLite's rowid; PostgreSQL's newest transaction id to write a row (any update too).
    const snapshot = async () =>
      (
        await Promise.all(
          ['price_history', 'gpu_attestations', 'render_escrow', 'journal', 'wallets', 'attestation_challenges'].map(
            (t) =>
              queryRows(server.market, {
                sqlite: `SELECT count(*) AS n, COALESCE(MAX(rowid), 0) AS m FROM ${t}`,
                postgres: `SELECT count(*) AS n, COALESCE(MAX(xmin::text::bigint), 0) AS m FROM ${t}`,
              }),
          ),
        )
      )
        .flat()
        .concat(await queryRows(server.market, 'SELECT COALESCE(SUM(last_attestation), 0) AS s FROM gpu_attestations'));
    const before = JSON.stringify(await snapshot(), (_, v) => (typeof v === 'bigint' ? v.toString() : v));
    const anyNode = (await queryValue(server.market, {
      sqlite: 'SELECT miner_id FROM gpu_attestations WHERE supports_llm = 1 LIMIT 1',
      postgres: 'SELECT miner_id FROM gpu_attestations WHERE supports_llm LIMIT 1',
    })) as string;
    for (let i = 0; i < 3; i++) {
      await call(server.url, 'GET', '/render/pricing');
      await call(server.url, 'GET', `/render/quote?job_type=llm&units=1000&miner_id=${anyNode}`);
      await gql(`{ marketRates { fairUrtc providers } fairRate(jobType: LLM) { fairUrtc } }`);
      await gql(
        `query($from: DateTime!, $to: DateTime!) { priceHistory(jobType: LLM, from: $from, to: $to, bucket: HOUR) { count } }`,
        {
          from: new Date(T0 * 1000).toISOString(),
          to: new Date((now + 1) * 1000).toISOString(),
        },
      );
    }
    expect(JSON.stringify(await snapshot(), (_, v) => (typeof v === 'bigint' ? v.toString() : v))).toBe(before);
  });
});

describe('priceHistory buckets', () => {
  const D = T0 + 10 * 86400; // a later UTC midnight, away from the other tests' quotes
  const sttNode = (node: Wallet, price: string, gpu: ReturnType<typeof rtx4090>) =>
    attest(server.url, node, {
      gpus: [gpu],
      job_types: ['stt'],
      llm_models: undefined,
      stt_models: ['whisper-large-v3'],
      prices: { stt_minute_urtc: price },
    });
  const buckets = async (from: number, to: number, bucket: 'HOUR' | 'DAY') =>
    (
      await gql(
        `query($from: DateTime!, $to: DateTime!, $bucket: PriceBucketSize!) {
          priceHistory(jobType: STT, from: $from, to: $to, bucket: $bucket) { start end open high low close median count realisedVolumeUrtc realisedRateUrtc }
        }`,
        { from: new Date(from * 1000).toISOString(), to: new Date(to * 1000).toISOString(), bucket },
      )
    ).data.priceHistory;

  it('match hand-computed open, high, low, close, median and count across bucket edges, empty buckets included', async () => {
    const [a, b, c] = [newWallet(), newWallet(), newWallet()];
    const [ga, gb, gc] = [rtx4090(), rtx4090(), rtx4090()];
    const at = async (t: number, fn: () => Promise<{ status: number }>) => {
      now = t;
      expect((await fn()).status).toBeLessThan(300);
    };
    await at(D + 600, () => sttNode(a, '500', ga));
    await at(D + 1200, () => sttNode(b, '700', gb));
    await at(D + HOUR - 1, () => sttNode(c, '600', gc)); // last second of hour 0
    await at(D + HOUR + 600, () => sttNode(a, '550', ga));
    await at(D + 3 * HOUR, () => sttNode(b, '650', gb)); // first second of hour 3

    // A quoted job released in full in hour 1, another accepted at half its amount in hour 3: both at 550 per minute.
    const payer = newWallet();
    await deposit(server.url, payer.address, '1');
    const quotedLock = (job_id: string, units: string, amount: string) => {
      const fields = {
        job_id,
        job_type: 'stt',
        from_wallet: payer.address,
        to_wallet: a.address,
        amount_urtc: amount,
        nonce: `n-${job_id}`,
        units,
      };
      return { ...fields, public_key: payer.publicKey, signature: payer.sign({ action: 'escrow.lock', ...fields }) };
    };
    const [full, half] = [newJobId(), newJobId()];
    await at(D + HOUR + 900, () => call(server.url, 'POST', '/voice/escrow', quotedLock(full, '10', '5500')));
    await at(D + HOUR + 1800, () =>
      call(server.url, 'POST', '/voice/release', signedReleaseBody(payer, { job_id: full, job_type: 'stt' })),
    );
    await at(D + 3 * HOUR + 30, () => sttNode(a, '550', ga)); // online again (a lapsed node's price cannot be locked); no change
    await at(D + 3 * HOUR + 60, () => call(server.url, 'POST', '/voice/escrow', quotedLock(half, '4', '2200')));
    // Half: the node delivers claiming half of it, and the payer accepts (the rest goes back).
    await at(D + 3 * HOUR + 90, () =>
      call(
        server.url,
        'POST',
        '/voice/deliver',
        signedDeliverBody(a, { job_id: half, job_type: 'stt', claimed_urtc: '1100' }),
      ),
    );
    await at(D + 3 * HOUR + 120, () =>
      call(server.url, 'POST', '/voice/release', signedReleaseBody(payer, { job_id: half, job_type: 'stt' })),
    );

    const iso = (t: number) => new Date(t * 1000).toISOString();
    expect(await buckets(D, D + 4 * HOUR, 'HOUR')).toEqual([
      {
        start: iso(D),
        end: iso(D + HOUR),
        open: '500',
        high: '700',
        low: '500',
        close: '600',
        median: '600',
        count: 3,
        realisedVolumeUrtc: '0',
        realisedRateUrtc: null,
      },
      {
        start: iso(D + HOUR),
        end: iso(D + 2 * HOUR),
        open: '550',
        high: '550',
        low: '550',
        close: '550',
        median: '550',
        count: 1,
        realisedVolumeUrtc: '5500',
        realisedRateUrtc: '550',
      },
      {
        start: iso(D + 2 * HOUR),
        end: iso(D + 3 * HOUR),
        open: null,
        high: null,
        low: null,
        close: null,
        median: null,
        count: 0,
        realisedVolumeUrtc: '0',
        realisedRateUrtc: null,
      },
      {
        start: iso(D + 3 * HOUR),
        end: iso(D + 4 * HOUR),
        open: '650',
        high: '650',
        low: '650',
        close: '650',
        median: '650',
        count: 1,
        realisedVolumeUrtc: '1100',
        realisedRateUrtc: '550',
      },
    ]);
    expect(await buckets(D + 1, D + 86400 - 1, 'DAY')).toEqual([
      {
        start: iso(D),
        end: iso(D + 86400),
        open: '500',
        high: '700',
        low: '500',
        close: '650',
        median: '600',
        count: 5,
        realisedVolumeUrtc: '6600',
        realisedRateUrtc: '550',
      },
    ]);
    const two = await buckets(D + HOUR, D + 3 * HOUR, 'HOUR'); // [from, to): hour 3 is not included
    expect(two.map((x: { count: number }) => x.count)).toEqual([1, 0]);
  });

  it('refuses an empty or too long range', async () => {
    const r = await gql(
      `{ priceHistory(jobType: STT, from: "2030-01-02T00:00:00Z", to: "2030-01-01T00:00:00Z", bucket: HOUR) { count } }`,
    );
    expect(r.errors[0].extensions.code).toBe('INVALID_INPUT');
    const long = await gql(
      `{ priceHistory(jobType: STT, from: "2020-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z", bucket: HOUR) { count } }`,
    );
    expect(long.errors[0].extensions.code).toBe('INVALID_INPUT');
  });
});
