/**
 * Node bonds: money through the ledger (journal rows, conservation), the signed bond and unbond, the
 * unbonding delay returned by the sweeper, the operator's slash to the treasury, and eligibility.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Wallet } from '../src/domain/signatures.js';
import { expectLedgerSound, queryRows, queryValue } from './support/database.js';
import { bondNode, signedBondBody } from './support/eligibility.js';
import { attest, rtx4090 } from './support/gpu.js';
import { ADMIN_KEY, newNonce, newWallet, startTestServer } from './support/market.js';
import { asOperator, call, deposit } from './support/rest.js';

const DELAY_S = 7 * 86_400;
let now = 2_400_000_000;
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer({ clock: () => now });
});
afterAll(async () => {
  await expectLedgerSound(server.market); // I2, I5 and I8 cover bonds and the treasury
  await server.close();
});

const balance = async (w: Wallet) =>
  (await call(server.url, 'GET', `/wallet/balance?wallet=${w.address}`)).body.available_urtc as string;
const bondOf = async (w: Wallet) => (await call(server.url, 'GET', `/gpu/bond?miner_id=${w.address}`)).body;
const journalOf = (w: Wallet) =>
  queryRows<{
    from_account: string;
    to_account: string;
    amount_urtc: bigint;
    kind: string;
    reference: string | null;
  }>(
    server.market,
    'SELECT from_account, to_account, amount_urtc, kind, reference FROM journal WHERE from_account = ? OR to_account = ? ORDER BY id',
    [`bond:${w.address}`, `bond:${w.address}`],
  );

/** Money is neither created nor destroyed: wallets plus bonds (held and slashed) equal deposits, and the journal agrees. */
async function expectConserved() {
  const sum = async (sql: string) => (await queryValue(server.market, sql)) as bigint;
  const wallets = await sum('SELECT COALESCE(SUM(available_urtc + locked_urtc), 0) FROM wallets');
  const bonds = await sum('SELECT COALESCE(SUM(bonded_urtc + unbonding_urtc + slashed_urtc), 0) FROM node_bonds');
  expect(wallets + bonds).toBe(await sum('SELECT COALESCE(SUM(amount_urtc), 0) FROM deposits'));
  const net = (account: string) =>
    queryValue(
      server.market,
      'SELECT COALESCE(SUM(CASE WHEN to_account = ? THEN amount_urtc ELSE -amount_urtc END), 0) FROM journal WHERE to_account = ? OR from_account = ?',
      [account, account, account],
    );
  for (const b of await queryRows<Record<string, any>>(
    server.market,
    'SELECT miner_id, bonded_urtc, unbonding_urtc, slashed_urtc FROM node_bonds',
  )) {
    const account = `bond:${b.miner_id}`;
    expect(await net(account)).toBe(b.bonded_urtc + b.unbonding_urtc);
    const wallet = await queryValue(server.market, 'SELECT available_urtc FROM wallets WHERE address = ?', [
      b.miner_id,
    ]);
    expect(await net(b.miner_id)).toBe(wallet);
  }
  expect(await net('treasury')).toBe(await sum('SELECT COALESCE(SUM(slashed_urtc), 0) FROM node_bonds'));
}

describe('bonding', () => {
  it('moves RTC from the wallet into the bond with a journal row, and counts towards eligibility from 100 RTC', async () => {
    const node = newWallet();
    await deposit(server.url, node.address, '150');
    const first = await call(server.url, 'POST', '/gpu/bond', signedBondBody(node, 'node.bond', '60000000'));
    expect(first.body).toMatchObject({
      ok: true,
      miner_id: node.address,
      bonded_urtc: '60000000',
      bonded_rtc: 60,
      unbonding_urtc: '0',
      unbond_at: null,
      eligible_by_bond: false,
      bond_min_urtc: '100000000',
    });
    const second = await call(server.url, 'POST', '/gpu/bond', signedBondBody(node, 'node.bond', '40000000'));
    expect(second.body).toMatchObject({ bonded_urtc: '100000000', eligible_by_bond: true });
    expect(await balance(node)).toBe('50000000');
    expect(await journalOf(node)).toEqual([
      {
        from_account: node.address,
        to_account: `bond:${node.address}`,
        amount_urtc: 60_000_000n,
        kind: 'bond',
        reference: null,
      },
      {
        from_account: node.address,
        to_account: `bond:${node.address}`,
        amount_urtc: 40_000_000n,
        kind: 'bond',
        reference: null,
      },
    ]);
    await expectConserved();
  });

  it('answers each refusal with its code and changes nothing', async () => {
    const node = newWallet();
    await deposit(server.url, node.address, '10');
    const body = signedBondBody(node, 'node.bond', '5000000');
    expect(await call(server.url, 'POST', '/gpu/bond', { ...body, amount_urtc: '5000001' })).toMatchObject({
      status: 401,
      body: { error: { code: 'INVALID_SIGNATURE' } },
    });
    const stranger = newWallet();
    const byStranger = { ...signedBondBody(stranger, 'node.bond', '5000000'), miner_id: node.address };
    byStranger.signature = stranger.sign({
      action: 'node.bond',
      miner_id: node.address,
      amount_urtc: '5000000',
      nonce: byStranger.nonce,
    });
    expect(await call(server.url, 'POST', '/gpu/bond', byStranger)).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN' } },
    });
    expect(await call(server.url, 'POST', '/gpu/bond', signedBondBody(node, 'node.bond', '0'))).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_INPUT' } },
    });
    expect(await call(server.url, 'POST', '/gpu/bond', signedBondBody(node, 'node.bond', '10000001'))).toMatchObject({
      status: 402,
      body: { error: { code: 'INSUFFICIENT_FUNDS' } },
    });
    // An unbond signed for a bond is not a bond: the action is part of what is signed.
    expect(await call(server.url, 'POST', '/gpu/unbond', body)).toMatchObject({
      status: 401,
      body: { error: { code: 'INVALID_SIGNATURE' } },
    });
    expect(await balance(node)).toBe('10000000');
    expect((await bondOf(node)).bonded_urtc).toBe('0');

    expect((await call(server.url, 'POST', '/gpu/bond', body)).status).toBe(200);
    expect(await call(server.url, 'POST', '/gpu/bond', body)).toMatchObject({
      status: 409,
      body: { error: { code: 'NONCE_REUSED' } },
    });
    expect(await balance(node)).toBe('5000000');
    await expectConserved();
  });
});

describe('unbonding', () => {
  it('stops counting at once, stays slashable, and returns to the wallet only after the delay', async () => {
    const node = newWallet();
    expect((await bondNode(server.url, node, '120000000')).status).toBe(200);
    const unbond = await call(server.url, 'POST', '/gpu/unbond', signedBondBody(node, 'node.unbond', '30000000'));
    expect(unbond.body).toMatchObject({
      bonded_urtc: '90000000',
      unbonding_urtc: '30000000',
      unbond_at: now + DELAY_S,
      eligible_by_bond: false,
    });
    expect(
      await call(server.url, 'POST', '/gpu/unbond', signedBondBody(node, 'node.unbond', '90000001')),
    ).toMatchObject({ status: 402, body: { error: { code: 'INSUFFICIENT_FUNDS' } } });

    now += DELAY_S - 1;
    await server.market.sweepNodes();
    expect(await balance(node)).toBe('0');
    now += 1;
    await server.market.sweepNodes();
    expect(await balance(node)).toBe('30000000');
    expect(await bondOf(node)).toMatchObject({ bonded_urtc: '90000000', unbonding_urtc: '0', unbond_at: null });
    expect((await journalOf(node)).map((j) => [j.kind, j.to_account, j.amount_urtc])).toEqual([
      ['bond', `bond:${node.address}`, 120_000_000n],
      ['unbond', node.address, 30_000_000n],
    ]);
    await server.market.sweepNodes(); // exactly once
    expect(await balance(node)).toBe('30000000');
    await expectConserved();
  });

  it('a bonded node that asks its bond back leaves the fair rate at once', async () => {
    now += 2 * 3600;
    const nodes = [newWallet(), newWallet(), newWallet()];
    for (const [i, node] of nodes.entries()) {
      expect((await bondNode(server.url, node)).status).toBe(200);
      const r = await attest(server.url, node, {
        gpus: [rtx4090()],
        prices: { render_minute_urtc: `${50_000 + i * 1000}`, llm_1k_tokens_urtc: '2000' },
      });
      expect(r.status).toBe(200);
    }
    const render = async () => (await call(server.url, 'GET', '/render/pricing')).body.rates.render;
    expect(await render()).toMatchObject({ fair_urtc: '51000', providers: 3 });
    await call(server.url, 'POST', '/gpu/unbond', signedBondBody(nodes[0]!, 'node.unbond', '1'));
    expect(await render()).toMatchObject({
      fair_urtc: null,
      providers: 2,
      insufficient_data: true,
      quoted_providers: 3,
    });
  });
});

describe('slashing', () => {
  it('moves bond money to the treasury, bonded first then unbonding, once per reference', async () => {
    const node = newWallet();
    await bondNode(server.url, node, '100000000');
    await call(server.url, 'POST', '/gpu/unbond', signedBondBody(node, 'node.unbond', '40000000'));
    const slash = (body: Record<string, unknown>, headers: Record<string, string> = asOperator) =>
      call(server.url, 'POST', '/gpu/slash', body, headers);

    expect(await slash({ miner_id: node.address, amount_urtc: '1', reference: 'case-1' }, {})).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHORIZED' } },
    });
    expect(await slash({ miner_id: node.address, amount_urtc: '100000001', reference: 'case-1' })).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_INPUT' } },
    });
    expect(await slash({ miner_id: newWallet().address, reference: 'case-1' })).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });

    const first = await slash({
      miner_id: node.address,
      amount_urtc: '70000000',
      reference: 'case-1',
      reason: 'quoted for invented hardware',
    });
    expect(first.body).toMatchObject({
      ok: true,
      changed: true,
      bonded_urtc: '0',
      unbonding_urtc: '30000000',
      slashed_urtc: '70000000',
    });
    expect((await slash({ miner_id: node.address, amount_urtc: '70000000', reference: 'case-1' })).body).toMatchObject({
      changed: false,
      slashed_urtc: '70000000',
    });
    const rest = await slash({ miner_id: node.address, reference: 'case-2' }); // default: everything held
    expect(rest.body).toMatchObject({
      changed: true,
      bonded_urtc: '0',
      unbonding_urtc: '0',
      unbond_at: null,
      slashed_urtc: '100000000',
    });
    expect(await slash({ miner_id: node.address, reference: 'case-3' })).toMatchObject({
      status: 409,
      body: { error: { code: 'INVALID_STATE' } },
    });
    expect((await journalOf(node)).filter((j) => j.kind === 'slash')).toEqual([
      {
        from_account: `bond:${node.address}`,
        to_account: 'treasury',
        amount_urtc: 70_000_000n,
        kind: 'slash',
        reference: 'case-1',
      },
      {
        from_account: `bond:${node.address}`,
        to_account: 'treasury',
        amount_urtc: 30_000_000n,
        kind: 'slash',
        reference: 'case-2',
      },
    ]);

    now += DELAY_S; // nothing is left to return: the unbonding part was slashed
    await server.market.sweepNodes();
    expect(await balance(node)).toBe('0');
    await expectConserved();
  });
});

describe('over GraphQL', () => {
  const gql = (query: string, variables: unknown, headers: Record<string, string> = {}) =>
    call(server.url, 'POST', '/graphql', { query, variables }, headers).then((r) => r.body);
  const BOND = `mutation($input: BondGpuNodeInput!) { bondGpuNodeResult: bondGpuNode(input: $input) {
    __typename ... on GpuBondSuccess { bond { bondedUrtc bondedRtc eligible } } ... on MarketError { code } ... on InsufficientFundsError { availableUrtc } } }`;
  const UNBOND = `mutation($input: BondGpuNodeInput!) { unbondGpuNode(input: $input) { __typename ... on GpuBondSuccess { bond { bondedUrtc unbondingUrtc unbondAt } } ... on MarketError { code } } }`;
  const SLASH = `mutation($input: SlashBondInput!) { slashBond(input: $input) { __typename ... on GpuBondSuccess { changed bond { slashedUrtc } } ... on MarketError { code } } }`;
  const asInput = (body: ReturnType<typeof signedBondBody>) => ({
    minerId: body.miner_id,
    amountUrtc: body.amount_urtc,
    nonce: body.nonce,
    publicKey: body.public_key,
    signature: body.signature,
  });

  it('bonds, unbonds and slashes with the same signatures and codes as REST', async () => {
    const node = newWallet();
    await deposit(server.url, node.address, '200');
    const short = await gql(BOND, { input: asInput(signedBondBody(node, 'node.bond', '300000000')) });
    expect(short.data.bondGpuNodeResult).toEqual({
      __typename: 'InsufficientFundsError',
      code: 'INSUFFICIENT_FUNDS',
      availableUrtc: '200000000',
    });
    const bonded = await gql(BOND, { input: asInput(signedBondBody(node, 'node.bond', '150000000')) });
    expect(bonded.data.bondGpuNodeResult).toEqual({
      __typename: 'GpuBondSuccess',
      bond: { bondedUrtc: '150000000', bondedRtc: '150', eligible: true },
    });
    const unbonded = await gql(UNBOND, { input: asInput(signedBondBody(node, 'node.unbond', '50000000', newNonce())) });
    expect(unbonded.data.unbondGpuNode).toEqual({
      __typename: 'GpuBondSuccess',
      bond: {
        bondedUrtc: '100000000',
        unbondingUrtc: '50000000',
        unbondAt: new Date((now + DELAY_S) * 1000).toISOString(),
      },
    });
    expect(
      (await gql(SLASH, { input: { minerId: node.address, amountUrtc: '1', reference: 'g-1' } })).data.slashBond.code,
    ).toBe('UNAUTHORIZED');
    const slashed = await gql(
      SLASH,
      { input: { minerId: node.address, amountUrtc: '1', reference: 'g-1' } },
      { 'x-admin-key': ADMIN_KEY },
    );
    expect(slashed.data.slashBond).toEqual({ __typename: 'GpuBondSuccess', changed: true, bond: { slashedUrtc: '1' } });
    const read = await gql('query($m: String!) { gpuBond(minerId: $m) { bondedUrtc slashedUrtc } }', {
      m: node.address,
    });
    expect(read.data.gpuBond).toEqual({ bondedUrtc: '99999999', slashedUrtc: '1' });
    expect(
      (await gql('query($m: String!) { gpuBond(minerId: $m) { bondedUrtc } }', { m: newWallet().address })).data
        .gpuBond,
    ).toBeNull();
    await expectConserved();
  });
});

describe('the sweeper', () => {
  it('returns matured bonds on its own', async () => {
    let t = 2_500_000_000;
    const swept = await startTestServer({ clock: () => t, sweepIntervalMs: 50 });
    try {
      const node = newWallet();
      expect((await bondNode(swept.url, node, '5000000')).status).toBe(200);
      await call(swept.url, 'POST', '/gpu/unbond', signedBondBody(node, 'node.unbond', '5000000'));
      t += DELAY_S;
      let available = '0';
      while (available === '0') {
        await new Promise((r) => setTimeout(r, 20));
        available = (await call(swept.url, 'GET', `/wallet/balance?wallet=${node.address}`)).body.available_urtc;
      }
      expect(available).toBe('5000000');
    } finally {
      await swept.close();
    }
  });
});
