/**
 * Custody on RustChain, end to end against the stand-in RustChain node (test/support/rustchain-stand-in.ts):
 * deposits seen, credited once when confirmed, never when voided; withdrawals sent as exactly one transfer,
 * followed to confirmation or back to the wallet once; proof of reserves. The custody loop runs by hand
 * (`market.custody.tick()`) under a clock the test moves.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { graphql } from '../src/client/gql/gql.js';
import { createRustChainAdapter } from '../src/custody/rustchain-adapter.js';
import { createRustChainClient, rustChainKeyFromSeed, type RustChainKey } from '../src/custody/rustchain.js';
import { LISTING_INTERVAL_MS } from '../src/custody/service.js';
import { walletFromSeed, type Wallet } from '../src/domain/signatures.js';
import type { Market } from '../src/market.js';
import { startMarketServer, type MarketServer } from '../src/server.js';
import { freshTestDatabase, newNonce, newWallet, newJobId, openTestMarket } from './support/market.js';
import { graphqlClient } from './support/graphql.js';
import { collectWs } from './support/subscriptions.js';
import { asOperator, call, signedLockBody, signedReleaseBody } from './support/rest.js';
import { startRustChainStandIn, type RustChainStandIn } from './support/rustchain-stand-in.js';
import { expectLedgerSound, queryValue } from './support/database.js';

const CUSTODY_SEED = '42'.repeat(32);
const RTC = 1_000_000n;

let node: RustChainStandIn;
beforeAll(async () => {
  node = await startRustChainStandIn({ pendingRateLimitMax: 10_000 });
});
afterAll(() => node.close());

interface Setup {
  market: Market;
  server: MarketServer;
  url: string;
  custody: RustChainKey;
  /** Moves the market's clock (seconds) and runs one custody pass. */
  tick(advanceS?: number): Promise<void>;
}

const open: Setup[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) {
    await expectLedgerSound(s.market);
    await s.server.close();
  }
});

let custodyCounter = 0;
async function setup(
  options: { databaseUrl?: string; custodySeed?: string; withdrawDailyMaxUrtc?: bigint } = {},
): Promise<Setup> {
  // Each test gets its own custody wallet, so that tests sharing the stand-in never see each other's deposits.
  const seed =
    options.custodySeed ??
    Buffer.alloc(32, 0)
      .fill(++custodyCounter, 0, 4)
      .fill(process.pid % 256, 4, 5)
      .toString('hex');
  const custody = rustChainKeyFromSeed(seed);
  let now = 1_800_000_000;
  const client = createRustChainClient({
    url: node.url,
    chainId: node.chainId,
    timeoutMs: 2_000,
    readRetries: 0,
    pendingRequestsMax: 10_000,
  });
  const market = await openTestMarket({
    databaseUrl: options.databaseUrl,
    clock: () => now,
    chain: createRustChainAdapter(client, custody),
    withdrawDailyMaxUrtc: options.withdrawDailyMaxUrtc,
  });
  const server = await startMarketServer(market, {
    host: '127.0.0.1',
    port: 0,
    sweepIntervalMs: 60_000,
    custodyPollIntervalMs: 3_600_000,
  });
  const s: Setup = {
    market,
    server,
    url: server.url,
    custody,
    async tick(advanceS = LISTING_INTERVAL_MS / 1000) {
      now += advanceS;
      await market.custody.tick();
    },
  };
  open.push(s);
  return s;
}

/** A RustChain wallet with RTC on the stand-in chain; the same key is a wallet of the market. */
function chainWallet(rtc: bigint): { key: RustChainKey; wallet: Wallet } {
  const seed = randomBytes(32).toString('hex');
  const wallet = walletFromSeed(seed);
  const key = rustChainKeyFromSeed(seed);
  node.credit(key.address, rtc * RTC);
  return { key, wallet };
}

const sendToCustody = async (from: RustChainKey, s: Setup, amountUrtc: bigint, memo = '') => {
  const client = createRustChainClient({ url: node.url, chainId: node.chainId, pendingRequestsMax: 10_000 });
  const signed = client.signTransfer(from, {
    to: s.custody.address,
    amountUrtc,
    nonce: BigInt(Date.now()) * 1000n + BigInt(++transferCounter),
    memo,
  });
  await client.sendTransfer(signed);
  return signed.txHash;
};
let transferCounter = 0;

const balance = async (s: Setup, address: string) =>
  (await call(s.url, 'GET', `/wallet/balance?wallet=${address}`)).body;
const deposits = async (s: Setup, address: string) =>
  (await call(s.url, 'GET', `/wallet/deposits?wallet=${address}`)).body.deposits;
const journalCount = async (s: Setup, kind: string) =>
  Number((await queryValue(s.market, 'SELECT COUNT(*) FROM journal WHERE kind = ?', [kind])) as bigint);

function signedWithdrawal(w: Wallet, fields: { to_address: string; amount_urtc: string; nonce?: string }) {
  const action = {
    action: 'wallet.withdraw',
    wallet: w.address,
    to_address: fields.to_address,
    amount_urtc: fields.amount_urtc,
    nonce: fields.nonce ?? newNonce(),
  };
  const { action: _a, ...body } = action;
  return { ...body, public_key: w.publicKey, signature: w.sign(action) };
}

describe('deposits', () => {
  it('a transfer to custody is pending (shown as incoming, not spendable), then credited once when confirmed', async () => {
    const s = await setup();
    const { key, wallet } = chainWallet(10n);
    const tx = await sendToCustody(key, s, 3n * RTC);
    await s.tick();
    expect(await deposits(s, wallet.address)).toMatchObject([
      { tx_hash: tx, status: 'pending', amount_urtc: '3000000', from_address: key.address },
    ]);
    expect((await balance(s, wallet.address)).available_urtc).toBe('0');
    expect((await call(s.url, 'GET', '/custody')).body).toMatchObject({
      incoming_urtc: '3000000',
      liabilities_urtc: '0',
    });

    node.confirm(tx);
    await s.tick();
    await s.tick();
    expect(await deposits(s, wallet.address)).toMatchObject([{ tx_hash: tx, status: 'credited' }]);
    expect((await balance(s, wallet.address)).available_urtc).toBe('3000000');
    expect(await journalCount(s, 'chain_deposit')).toBe(1);
    expect((await call(s.url, 'GET', '/custody')).body).toMatchObject({
      ok: true,
      chain: 'rustchain',
      custody_address: s.custody.address,
      onchain_urtc: '3000000',
      liabilities_urtc: '3000000',
      incoming_urtc: '0',
      surplus_urtc: '0',
    });
  });

  it('a voided transfer is never credited', async () => {
    const s = await setup();
    const { key, wallet } = chainWallet(10n);
    const tx = await sendToCustody(key, s, 2n * RTC);
    await s.tick();
    node.void(tx, 'operator');
    await s.tick();
    await s.tick();
    expect(await deposits(s, wallet.address)).toMatchObject([{ tx_hash: tx, status: 'voided', credited_at: null }]);
    expect((await balance(s, wallet.address)).available_urtc).toBe('0');
    expect(await journalCount(s, 'chain_deposit')).toBe(0);
  });

  it('a gpr:<address> memo credits that wallet instead of the sender (prefix in any case, address lowercased)', async () => {
    const s = await setup();
    const { key } = chainWallet(10n);
    const beneficiary = newWallet();
    const tx = await sendToCustody(key, s, RTC, ` GPR:RTC${beneficiary.address.slice(3).toUpperCase()} `);
    await s.tick();
    node.confirm(tx);
    await s.tick();
    expect((await balance(s, beneficiary.address)).available_urtc).toBe('1000000');
    expect((await balance(s, key.address)).available_urtc).toBe('0');
  });

  it('a sender that is not an RTC address waits as unattributed until the operator attributes it', async () => {
    const s = await setup();
    node.credit('founder_community', 5n * RTC);
    const t = node.transferFrom({ from: 'founder_community', to: s.custody.address, amountUrtc: 5n * RTC });
    await s.tick();
    node.confirm(t.txHash);
    await s.tick();
    const listed = await call(s.url, 'GET', '/custody/unattributed', undefined, asOperator);
    expect(listed.body.deposits).toMatchObject([{ tx_hash: t.txHash, status: 'unattributed', wallet: null }]);
    expect((await call(s.url, 'GET', '/custody/unattributed')).status).toBe(401);
    const owner = newWallet();
    const attributed = await call(
      s.url,
      'POST',
      '/custody/attribute',
      { tx_hash: t.txHash, wallet: owner.address },
      asOperator,
    );
    expect(attributed.body).toMatchObject({ ok: true, status: 'credited', wallet: owner.address });
    expect((await balance(s, owner.address)).available_urtc).toBe('5000000');
    const again = await call(
      s.url,
      'POST',
      '/custody/attribute',
      { tx_hash: t.txHash, wallet: newWallet().address },
      asOperator,
    );
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'INVALID_STATE' } } });
    expect(await journalCount(s, 'chain_deposit')).toBe(1);
  });

  it('two instances watching one database credit each deposit once', async () => {
    const database = await freshTestDatabase();
    onTestFinished(() => database.drop());
    const databaseUrl = database.url;
    const seed = 'ab'.repeat(32);
    const a = await setup({ databaseUrl, custodySeed: seed });
    const b = await setup({ databaseUrl, custodySeed: seed });
    const { key, wallet } = chainWallet(50n);
    const txs = [];
    for (let i = 0; i < 5; i++) txs.push(await sendToCustody(key, a, RTC + BigInt(i)));
    await Promise.all([a.tick(), b.tick()]);
    for (const tx of txs) node.confirm(tx);
    await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
    expect(await journalCount(a, 'chain_deposit')).toBe(5);
    expect((await balance(a, wallet.address)).available_urtc).toBe(String(5n * RTC + 10n));
  });
});

describe('withdrawals', () => {
  async function fundedThroughChain(s: Setup, rtc: bigint) {
    const { key, wallet } = chainWallet(rtc);
    const tx = await sendToCustody(key, s, rtc * RTC);
    await s.tick();
    node.confirm(tx);
    await s.tick();
    return wallet;
  }

  it('earned RTC leaves as one transfer: lock and release with deposited money, withdraw, sent, confirmed', async () => {
    const s = await setup();
    const payer = await fundedThroughChain(s, 10n);
    const provider = newWallet();
    const job_id = newJobId();
    expect(
      (
        await call(
          s.url,
          'POST',
          '/render/escrow',
          signedLockBody(payer, { job_id, to_wallet: provider.address, amount_urtc: '4000000' }),
        )
      ).status,
    ).toBe(201);
    expect((await call(s.url, 'POST', '/render/release', signedReleaseBody(payer, { job_id }))).status).toBe(200);

    const home = newWallet().address;
    const r = await call(
      s.url,
      'POST',
      '/wallet/withdraw',
      signedWithdrawal(provider, { to_address: home, amount_urtc: '4000000' }),
    );
    expect(r).toMatchObject({
      status: 202,
      body: { ok: true, status: 'pending', amount_urtc: '4000000', to_address: home },
    });
    expect((await balance(s, provider.address)).available_urtc).toBe('0');
    expect((await call(s.url, 'GET', '/custody')).body).toMatchObject({
      liabilities_urtc: '10000000',
      pending_withdrawals_urtc: '4000000',
    });

    await s.tick();
    const sent = (await call(s.url, 'GET', `/wallet/withdrawals?wallet=${provider.address}`)).body.withdrawals[0];
    expect(sent).toMatchObject({
      withdrawal_id: r.body.withdrawal_id,
      status: 'sent',
      tx_hash: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    const onChain = node.transfer(sent.tx_hash)!;
    expect(onChain).toMatchObject({ from: s.custody.address, to: home, amountUrtc: 4_000_000n, status: 'pending' });

    node.confirm(sent.tx_hash);
    await s.tick();
    const confirmed = (await call(s.url, 'GET', `/wallet/withdrawals?wallet=${provider.address}`)).body.withdrawals[0];
    expect(confirmed).toMatchObject({ status: 'confirmed', confirmed_at: expect.any(Number) });
    expect(node.balance(home)).toBe(4_000_000n);
    expect(node.transfers.filter((t) => t.from === s.custody.address)).toHaveLength(1);
    expect((await call(s.url, 'GET', '/custody')).body).toMatchObject({
      onchain_urtc: '6000000',
      liabilities_urtc: '6000000',
      surplus_urtc: '0',
    });
  });

  it('a transfer the node refuses for good returns the money once', async () => {
    const s = await setup();
    const w = await fundedThroughChain(s, 5n);
    node.injectFault({
      method: 'POST',
      path: '/wallet/transfer/signed',
      kind: 'status',
      status: 400,
      body: { error: 'Invalid to_address', code: 'INVALID_ADDRESS' },
    });
    const r = await call(
      s.url,
      'POST',
      '/wallet/withdraw',
      signedWithdrawal(w, { to_address: newWallet().address, amount_urtc: '2000000' }),
    );
    expect(r.status).toBe(202);
    await s.tick();
    await s.tick();
    const after = (await call(s.url, 'GET', `/wallet/withdrawals?wallet=${w.address}`)).body.withdrawals[0];
    expect(after).toMatchObject({ status: 'failed', failure_reason: expect.stringContaining('INVALID_ADDRESS') });
    expect((await balance(s, w.address)).available_urtc).toBe('5000000');
    expect(await journalCount(s, 'withdrawal_failed')).toBe(1);
  });

  it('a voided transfer fails the withdrawal and returns the money once', async () => {
    const s = await setup();
    const w = await fundedThroughChain(s, 5n);
    await call(
      s.url,
      'POST',
      '/wallet/withdraw',
      signedWithdrawal(w, { to_address: newWallet().address, amount_urtc: '1000000' }),
    );
    await s.tick();
    const { tx_hash } = (await call(s.url, 'GET', `/wallet/withdrawals?wallet=${w.address}`)).body.withdrawals[0];
    node.void(tx_hash, 'operator');
    await s.tick();
    await s.tick();
    expect((await call(s.url, 'GET', `/wallet/withdrawals?wallet=${w.address}`)).body.withdrawals[0].status).toBe(
      'failed',
    );
    expect((await balance(s, w.address)).available_urtc).toBe('5000000');
  });

  it('a lost answer is never a second transfer: the sender asks about the stored hash, and REPLAY_DETECTED is followed', async () => {
    const s = await setup();
    const w = await fundedThroughChain(s, 5n);
    node.injectFault({ method: 'POST', path: '/wallet/transfer/signed', kind: 'lose-answer' });
    await call(
      s.url,
      'POST',
      '/wallet/withdraw',
      signedWithdrawal(w, { to_address: newWallet().address, amount_urtc: '1000000' }),
    );
    await s.tick(); // posted, the node took it, the answer was lost
    const pending = (await call(s.url, 'GET', `/wallet/withdrawals?wallet=${w.address}`)).body.withdrawals[0];
    expect(pending).toMatchObject({ status: 'pending', tx_hash: expect.any(String) });
    await s.tick(); // asks the node about that hash: it holds it
    const sent = (await call(s.url, 'GET', `/wallet/withdrawals?wallet=${w.address}`)).body.withdrawals[0];
    expect(sent).toMatchObject({ status: 'sent', tx_hash: pending.tx_hash });
    expect(node.transfers.filter((t) => t.from === s.custody.address)).toHaveLength(1);
  });

  it('refuses bad withdrawals with their codes and moves nothing', async () => {
    const s = await setup({ withdrawDailyMaxUrtc: 3_000_000n });
    const w = await fundedThroughChain(s, 5n);
    const to = newWallet().address;
    const identity = `01${'00'.repeat(31)}`;
    const cases: [string, Record<string, unknown>, number, string][] = [
      [
        'malformed address',
        signedWithdrawal(w, { to_address: 'RTCnothex', amount_urtc: '1000000' }),
        400,
        'INVALID_INPUT',
      ],
      ['below the minimum', signedWithdrawal(w, { to_address: to, amount_urtc: '99999' }), 400, 'INVALID_INPUT'],
      ['over the balance', signedWithdrawal(w, { to_address: to, amount_urtc: '6000000' }), 402, 'INSUFFICIENT_FUNDS'],
      ['over the daily cap', signedWithdrawal(w, { to_address: to, amount_urtc: '3000001' }), 429, 'RATE_LIMITED'],
      [
        'signed by another wallet',
        { ...signedWithdrawal(newWallet(), { to_address: to, amount_urtc: '1000000' }), wallet: w.address },
        401,
        'INVALID_SIGNATURE',
      ],
      [
        'a small-order key',
        {
          wallet: w.address,
          to_address: to,
          amount_urtc: '1000000',
          nonce: newNonce(),
          public_key: identity,
          signature: identity + '00'.repeat(32),
        },
        401,
        'INVALID_SIGNATURE',
      ],
    ];
    for (const [name, body, status, code] of cases) {
      const r = await call(s.url, 'POST', '/wallet/withdraw', body);
      expect({ name, status: r.status, code: r.body.error?.code }).toEqual({ name, status, code });
    }
    const once = signedWithdrawal(w, { to_address: to, amount_urtc: '1000000' });
    expect((await call(s.url, 'POST', '/wallet/withdraw', once)).status).toBe(202);
    expect(await call(s.url, 'POST', '/wallet/withdraw', once)).toMatchObject({
      status: 409,
      body: { error: { code: 'NONCE_REUSED' } },
    });
    expect((await balance(s, w.address)).available_urtc).toBe('4000000');
    expect(await queryValue(s.market, 'SELECT COUNT(*) FROM withdrawals')).toBe(1n);
  });

  it('waits while custody is short of its liabilities, and /custody shows the shortfall', async () => {
    const s = await setup();
    const w = await fundedThroughChain(s, 5n);
    // Someone with the node's operator powers moves 2 RTC out of custody behind the market's back.
    node.confirm(node.transferFrom({ from: s.custody.address, to: newWallet().address, amountUrtc: 2n * RTC }).txHash);
    await call(
      s.url,
      'POST',
      '/wallet/withdraw',
      signedWithdrawal(w, { to_address: newWallet().address, amount_urtc: '1000000' }),
    );
    await s.tick();
    expect((await call(s.url, 'GET', `/wallet/withdrawals?wallet=${w.address}`)).body.withdrawals[0]).toMatchObject({
      status: 'pending',
      tx_hash: null,
    });
    expect((await call(s.url, 'GET', '/custody')).body).toMatchObject({
      onchain_urtc: '3000000',
      liabilities_urtc: '5000000',
      surplus_urtc: '-2000000',
    });
    expect(node.transfers.filter((t) => t.from === s.custody.address && t.nonce !== null)).toHaveLength(0);
  });
});

const Withdraw = graphql(`
  mutation Withdraw($input: WithdrawInput!) {
    withdraw(input: $input) {
      __typename
      ... on WithdrawSuccess {
        withdrawal {
          withdrawalId
          status
          amountUrtc
          toAddress
          txHash
        }
      }
      ... on MarketError {
        code
        message
      }
    }
  }
`);

const CustodyAndWallet = graphql(`
  query CustodyAndWallet($address: String!) {
    custody {
      enabled
      custodyAddress
      onchainUrtc
      liabilitiesUrtc
      incomingUrtc
      pendingWithdrawalsUrtc
      surplusUrtc
    }
    wallet(address: $address) {
      availableUrtc
      deposits(first: 10) {
        edges {
          node {
            txHash
            status
            amountUrtc
          }
        }
      }
      withdrawals(first: 10) {
        edges {
          node {
            withdrawalId
            status
            amountUrtc
            txHash
          }
        }
      }
    }
  }
`);

const CustodyEvents = graphql(`
  subscription CustodyEvents($wallet: String!, $afterSeq: Int) {
    walletEvents(wallet: $wallet, afterSeq: $afterSeq) {
      seq
      change
      deposit {
        txHash
        status
      }
      withdrawal {
        withdrawalId
        status
        txHash
      }
    }
  }
`);

describe('over GraphQL', () => {
  it('withdraws, shows custody and the wallet, and numbers every deposit and withdrawal event', async () => {
    const s = await setup();
    const { key, wallet } = chainWallet(5n);
    const tx = await sendToCustody(key, s, 2n * RTC);
    await s.tick();
    node.confirm(tx);
    await s.tick();
    const execute = graphqlClient(s.market);
    const to = newWallet().address;
    const action = {
      action: 'wallet.withdraw',
      wallet: wallet.address,
      to_address: to,
      amount_urtc: '500000',
      nonce: newNonce(),
    };
    const input = {
      wallet: wallet.address,
      toAddress: to,
      amountUrtc: '500000',
      nonce: action.nonce,
      publicKey: wallet.publicKey,
      signature: wallet.sign(action),
    };
    const done = await execute(Withdraw, { input });
    expect(done.withdraw).toMatchObject({
      __typename: 'WithdrawSuccess',
      withdrawal: { status: 'PENDING', amountUrtc: '500000', toAddress: to },
    });
    const again = await execute(Withdraw, { input });
    expect(again.withdraw).toMatchObject({ __typename: 'StateError', code: 'NONCE_REUSED' });
    await s.tick();
    const sentHash = node.transfers.find((t) => t.from === s.custody.address)!.txHash;
    node.confirm(sentHash);
    await s.tick();

    const view = await execute(CustodyAndWallet, { address: wallet.address });
    expect(view.custody).toMatchObject({
      enabled: true,
      custodyAddress: s.custody.address,
      onchainUrtc: '1500000',
      liabilitiesUrtc: '1500000',
      surplusUrtc: '0',
    });
    expect(view.wallet.availableUrtc).toBe('1500000');
    expect(view.wallet.deposits.edges.map((e) => e.node)).toEqual([
      { txHash: tx, status: 'CREDITED', amountUrtc: '2000000' },
    ]);
    expect(view.wallet.withdrawals.edges.map((e) => e.node)).toMatchObject([
      { status: 'CONFIRMED', amountUrtc: '500000', txHash: sentHash },
    ]);

    const payloads = await collectWs<{ walletEvents: { seq: number; change: string } }>(
      s.url,
      CustodyEvents.toString(),
      { wallet: wallet.address, afterSeq: 0 },
      { count: 5 },
    );
    const got = payloads.map((p) => p.data!.walletEvents);
    expect(got.map((e) => e.change)).toEqual([
      'DEPOSIT_PENDING',
      'DEPOSIT_CREDITED',
      'WITHDRAWAL_PENDING',
      'WITHDRAWAL_SENT',
      'WITHDRAWAL_CONFIRMED',
    ]);
    expect(got.map((e) => e.seq)).toEqual([...got.map((e) => e.seq)].sort((a, b) => a - b));
  });
});

describe('with the chain unreachable', () => {
  it('keeps serving escrows and accepting withdrawals, and catches up when the node is back', async () => {
    const s = await setup();
    const { key, wallet } = chainWallet(5n);
    const tx = await sendToCustody(key, s, 3n * RTC);
    await s.tick();
    node.confirm(tx);
    await s.tick();
    await node.goOffline();
    try {
      await s.tick(); // every part fails, is logged, and nothing moves
      const provider = newWallet();
      const job_id = newJobId();
      expect(
        (
          await call(
            s.url,
            'POST',
            '/render/escrow',
            signedLockBody(wallet, { job_id, to_wallet: provider.address, amount_urtc: '1000000' }),
          )
        ).status,
      ).toBe(201);
      expect((await call(s.url, 'POST', '/render/release', signedReleaseBody(wallet, { job_id }))).status).toBe(200);
      const w = await call(
        s.url,
        'POST',
        '/wallet/withdraw',
        signedWithdrawal(wallet, { to_address: newWallet().address, amount_urtc: '1000000' }),
      );
      expect(w).toMatchObject({ status: 202, body: { status: 'pending' } });
      await s.tick();
      expect(
        (await call(s.url, 'GET', `/wallet/withdrawals?wallet=${wallet.address}`)).body.withdrawals[0].status,
      ).toBe('pending');
    } finally {
      await node.goOnline();
    }
    await s.tick();
    expect((await call(s.url, 'GET', `/wallet/withdrawals?wallet=${wallet.address}`)).body.withdrawals[0].status).toBe(
      'sent',
    );
    expect((await balance(s, wallet.address)).available_urtc).toBe('1000000');
  });
});

describe('without custody configured', () => {
  it('answers CUSTODY_DISABLED to withdrawals and reports custody as disabled', async () => {
    const market = await openTestMarket();
    const server = await startMarketServer(market, { host: '127.0.0.1', port: 0, sweepIntervalMs: 60_000 });
    try {
      const w = newWallet();
      const r = await call(
        server.url,
        'POST',
        '/wallet/withdraw',
        signedWithdrawal(w, { to_address: newWallet().address, amount_urtc: '1000000' }),
      );
      expect(r).toMatchObject({ status: 503, body: { ok: false, error: { code: 'CUSTODY_DISABLED' } } });
      expect((await call(server.url, 'GET', '/custody')).body).toMatchObject({
        ok: true,
        enabled: false,
        onchain_urtc: null,
      });
    } finally {
      await server.close();
    }
  });
});
