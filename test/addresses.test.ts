/**
 * Addresses in either case (docs/CONTRACT.md, "Identities and signatures"): RustChain accepts `RTC` and 40 hex
 * characters of either case, so an address arrives here as its wallet wrote it. The signed object is rebuilt from
 * the fields as sent; everything after the signature check — authority, nonces, balances, storage — sees the
 * wallet in lowercase, one wallet whatever the spelling. Against a listening server on a file database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../src/client/gql/gql.js';
import { depositBeneficiary } from '../src/custody/requests.js';
import { createRustChainAdapter } from '../src/custody/rustchain-adapter.js';
import { createRustChainClient, rustChainKeyFromSeed } from '../src/custody/rustchain.js';
import type { Wallet } from '../src/domain/signatures.js';
import { attestationFields, challengeFor, rtx4090, signAttestation } from './support/gpu.js';
import { expectLedgerSound, queryValues } from './support/database.js';
import { graphqlClient } from './support/graphql.js';
import { newJobId, newNonce, newWallet, startTestServer } from './support/market.js';
import { call, deposit, signedReleaseBody } from './support/rest.js';
import { startRustChainStandIn, type RustChainStandIn } from './support/rustchain-stand-in.js';

/** The same address with its hex in uppercase, and with its hex in alternating case. */
const upper = (address: string) => `RTC${address.slice(3).toUpperCase()}`;
const mixed = (address: string) => `RTC${[...address.slice(3)].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join('')}`;

let node: RustChainStandIn;
let server: Awaited<ReturnType<typeof startTestServer>>;
let url: string;
beforeAll(async () => {
  node = await startRustChainStandIn({ pendingRateLimitMax: 10_000 });
  const client = createRustChainClient({ url: node.url, chainId: node.chainId, timeoutMs: 2_000, readRetries: 0 });
  server = await startTestServer({ chain: createRustChainAdapter(client, rustChainKeyFromSeed('5a'.repeat(32))) });
  url = server.url;
});
afterAll(async () => {
  await expectLedgerSound(server.market);
  await server.close();
  await node.close();
});

const balance = async (address: string) => (await call(url, 'GET', `/wallet/balance?wallet=${address}`)).body;

async function funded(rtc = '10'): Promise<Wallet> {
  const w = newWallet();
  expect((await deposit(url, w.address, rtc)).status).toBe(201);
  return w;
}

/** A lock whose addresses are written as given, signed by `signer` over `signedAs` (by default what is sent). */
function lockBody(
  signer: Wallet,
  sent: { from_wallet: string; to_wallet: string; job_id?: string; nonce?: string; amount_urtc?: string },
  signedAs: { from_wallet?: string; to_wallet?: string } = {},
) {
  const fields = {
    job_id: sent.job_id ?? newJobId('case'),
    job_type: 'render',
    from_wallet: sent.from_wallet,
    to_wallet: sent.to_wallet,
    amount_urtc: sent.amount_urtc ?? '2000000',
    nonce: sent.nonce ?? newNonce(),
  };
  const signature = signer.sign({ action: 'escrow.lock', ...fields, ...signedAs });
  return { ...fields, public_key: signer.publicKey, signature };
}

describe('escrow over REST', () => {
  it('a lock signed with an uppercase payer address charges the one lowercase wallet, and settles to it', async () => {
    const payer = await funded('10');
    const provider = newWallet();
    const body = lockBody(payer, { from_wallet: upper(payer.address), to_wallet: upper(provider.address) });
    const r = await call(url, 'POST', '/render/escrow', body);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ from_wallet: payer.address, to_wallet: provider.address, status: 'locked' });

    // Either spelling reads the same wallet.
    for (const spelling of [payer.address, upper(payer.address), mixed(payer.address)])
      expect(await balance(spelling)).toMatchObject({ available_urtc: '8000000', locked_urtc: '2000000' });
    expect(
      await queryValues(server.market, 'SELECT address FROM wallets WHERE address LIKE ?', ['RTC%']),
    ).not.toContain(upper(payer.address));

    const released = await call(url, 'POST', '/render/release', signedReleaseBody(payer, { job_id: body.job_id }));
    expect(released).toMatchObject({ status: 200, body: { status: 'released' } });
    expect(await balance(upper(provider.address))).toMatchObject({ available_urtc: '2000000' });
    expect(await balance(payer.address)).toMatchObject({ available_urtc: '8000000', locked_urtc: '0' });
  });

  it('a nonce used under the uppercase form cannot be used again under the lowercase form', async () => {
    const payer = await funded('10');
    const provider = newWallet();
    const nonce = newNonce();
    const first = lockBody(payer, { from_wallet: upper(payer.address), to_wallet: provider.address, nonce });
    expect((await call(url, 'POST', '/render/escrow', first)).status).toBe(201);
    const second = lockBody(payer, { from_wallet: payer.address, to_wallet: provider.address, nonce });
    expect(await call(url, 'POST', '/render/escrow', second)).toMatchObject({
      status: 409,
      body: { ok: false, error: { code: 'NONCE_REUSED' } },
    });
    expect(await balance(payer.address)).toMatchObject({ available_urtc: '8000000', locked_urtc: '2000000' });
  });

  it('the same lock sent again in another spelling is a replay of it, not a conflict, and moves nothing', async () => {
    const payer = await funded('10');
    const provider = newWallet();
    const job_id = newJobId('case');
    const lower = lockBody(payer, { job_id, from_wallet: payer.address, to_wallet: provider.address });
    expect((await call(url, 'POST', '/render/escrow', lower)).status).toBe(201);
    const again = lockBody(payer, { job_id, from_wallet: mixed(payer.address), to_wallet: upper(provider.address) });
    expect(await call(url, 'POST', '/render/escrow', again)).toMatchObject({
      status: 200,
      body: { job_id, from_wallet: payer.address },
    });
    expect(await balance(payer.address)).toMatchObject({ available_urtc: '8000000', locked_urtc: '2000000' });
  });

  it('refuses a spelling the signature does not cover, and moves nothing', async () => {
    const payer = await funded('10');
    const provider = newWallet();
    const cases = [
      // signed in lowercase, sent in uppercase
      lockBody(
        payer,
        { from_wallet: upper(payer.address), to_wallet: provider.address },
        { from_wallet: payer.address },
      ),
      // signed in uppercase, sent in lowercase
      lockBody(
        payer,
        { from_wallet: payer.address, to_wallet: provider.address },
        { from_wallet: upper(payer.address) },
      ),
      // the provider's address in another case than signed
      lockBody(
        payer,
        { from_wallet: payer.address, to_wallet: mixed(provider.address) },
        { to_wallet: upper(provider.address) },
      ),
    ];
    for (const body of cases) {
      expect(await call(url, 'POST', '/render/escrow', body)).toMatchObject({
        status: 401,
        body: { ok: false, error: { code: 'INVALID_SIGNATURE' } },
      });
    }
    expect(await balance(payer.address)).toMatchObject({ available_urtc: '10000000', locked_urtc: '0' });
  });

  it('a wallet is one wallet in any spelling: paying itself is INVALID_INPUT; a lowercase prefix is not an address', async () => {
    const payer = await funded('10');
    const self = lockBody(payer, { from_wallet: payer.address, to_wallet: upper(payer.address) });
    expect(await call(url, 'POST', '/render/escrow', self)).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_INPUT', message: expect.stringContaining('must differ') } },
    });
    // RustChain's validators require "RTC" itself as written.
    for (const prefix of ['rtc', 'Rtc', 'rTC']) {
      const spelled = `${prefix}${payer.address.slice(3)}`;
      const body = lockBody(payer, { from_wallet: spelled, to_wallet: newWallet().address });
      expect(await call(url, 'POST', '/render/escrow', body)).toMatchObject({
        status: 400,
        body: { error: { code: 'INVALID_INPUT' } },
      });
      expect((await call(url, 'GET', `/wallet/balance?wallet=${spelled}`)).status).toBe(400);
    }
    // A hex that is not hex in any case.
    const bad = `RTC${'G'.repeat(40)}`;
    expect((await call(url, 'GET', `/wallet/balance?wallet=${bad}`)).status).toBe(400);
    expect(await balance(payer.address)).toMatchObject({ available_urtc: '10000000' });
  });

  it('an operator credit to an uppercase address lands in the lowercase wallet', async () => {
    const w = newWallet();
    expect((await deposit(url, upper(w.address), '3')).status).toBe(201);
    expect(await balance(w.address)).toMatchObject({ available_urtc: '3000000' });
  });
});

describe('withdrawals', () => {
  function withdrawBody(w: Wallet, sent: { wallet: string; to_address: string }, signedAs: { wallet?: string } = {}) {
    const fields = { ...sent, amount_urtc: '1000000', nonce: newNonce() };
    const signature = w.sign({ action: 'wallet.withdraw', ...fields, ...signedAs });
    return { ...fields, public_key: w.publicKey, signature };
  }

  it('signed as sent in uppercase, taken from the lowercase wallet, listed under either spelling', async () => {
    const w = await funded('5');
    const home = newWallet().address;
    const r = await call(
      url,
      'POST',
      '/wallet/withdraw',
      withdrawBody(w, { wallet: upper(w.address), to_address: upper(home) }),
    );
    expect(r).toMatchObject({ status: 202, body: { ok: true, wallet: w.address, to_address: home } });
    expect(await balance(w.address)).toMatchObject({ available_urtc: '4000000' });
    const listed = await call(url, 'GET', `/wallet/withdrawals?wallet=${mixed(w.address)}`);
    expect(listed.body.withdrawals).toEqual([
      expect.objectContaining({ withdrawal_id: r.body.withdrawal_id, to_address: home }),
    ]);
    expect((await call(url, 'GET', `/wallet/deposits?wallet=${upper(w.address)}`)).body).toMatchObject({
      ok: true,
      deposits: [],
    });
  });

  it('refuses a wallet spelled otherwise than signed', async () => {
    const w = await funded('5');
    const body = withdrawBody(w, { wallet: upper(w.address), to_address: newWallet().address }, { wallet: w.address });
    expect(await call(url, 'POST', '/wallet/withdraw', body)).toMatchObject({
      status: 401,
      body: { error: { code: 'INVALID_SIGNATURE' } },
    });
    expect(await balance(w.address)).toMatchObject({ available_urtc: '5000000' });
  });
});

describe('deposit memos', () => {
  it('credit the lowercase wallet the memo names, written in any case; a sender must be an RTC address', () => {
    const w = newWallet();
    const sender = newWallet().address;
    expect(depositBeneficiary(sender, ` GPR:${upper(w.address)} `)).toBe(w.address);
    expect(depositBeneficiary(sender, `gpr:${mixed(w.address)}`)).toBe(w.address);
    expect(depositBeneficiary(upper(sender), null)).toBe(sender);
    // A memo is typed by a person: the wallet they plainly named is credited, not the sender.
    expect(depositBeneficiary(sender, `gpr:rtc${w.address.slice(3)}`)).toBe(w.address);
    expect(depositBeneficiary(sender, `gpr:RTC${w.address.slice(4)}`)).toBe(sender);
    expect(depositBeneficiary(`rtc${sender.slice(3)}`, null)).toBeNull();
  });
});

describe('attestation', () => {
  it('a node that writes its miner_id in uppercase attests as its lowercase wallet', async () => {
    const gpuNode = newWallet();
    const minerId = upper(gpuNode.address);
    const c = await call(url, 'POST', '/gpu/challenge', { miner_id: minerId });
    expect(c).toMatchObject({ status: 200, body: { miner_id: gpuNode.address } });
    const fields = { ...attestationFields(gpuNode, c.body.challenge), miner_id: minerId };
    const r = await call(url, 'POST', '/gpu/attest', signAttestation(gpuNode, fields));
    expect(r).toMatchObject({ status: 200, body: { ok: true, miner_id: gpuNode.address, status: 'online' } });

    const nodes = (await call(url, 'GET', '/gpu/nodes?job_type=render&limit=100')).body.nodes as {
      miner_id: string;
    }[];
    expect(nodes.map((n) => n.miner_id)).toContain(gpuNode.address);
    expect(nodes.map((n) => n.miner_id)).not.toContain(minerId);
    expect((await call(url, 'GET', `/gpu/bond?miner_id=${minerId}`)).body).toMatchObject({
      miner_id: gpuNode.address,
    });
  });

  it('refuses an attestation whose miner_id is spelled otherwise than signed', async () => {
    const gpuNode = newWallet();
    const challenge = await challengeFor(url, gpuNode);
    const signed = signAttestation(gpuNode, attestationFields(gpuNode, challenge, { gpus: [rtx4090()] }));
    const r = await call(url, 'POST', '/gpu/attest', { ...signed, miner_id: mixed(gpuNode.address) });
    expect(r).toMatchObject({ status: 401, body: { error: { code: 'INVALID_SIGNATURE' } } });
  });

  it('a bond signed with an uppercase miner_id bonds the lowercase wallet', async () => {
    const gpuNode = await funded('5');
    const fields = { miner_id: upper(gpuNode.address), amount_urtc: '1000000', nonce: newNonce() };
    const signature = gpuNode.sign({ action: 'node.bond', ...fields });
    const r = await call(url, 'POST', '/gpu/bond', { ...fields, public_key: gpuNode.publicKey, signature });
    expect(r).toMatchObject({ status: 200, body: { miner_id: gpuNode.address, bonded_urtc: '1000000' } });
    expect(await balance(gpuNode.address)).toMatchObject({ available_urtc: '4000000' });
  });
});

const LockAnyCase = graphql(`
  mutation LockAnyCase($jobType: JobType!, $input: LockEscrowInput!) {
    lockEscrow(jobType: $jobType, input: $input) {
      __typename
      ... on EscrowSuccess {
        escrow {
          fromWallet
          toWallet
        }
      }
      ... on MarketError {
        code
      }
    }
  }
`);

const WalletAnyCase = graphql(`
  query WalletAnyCase($address: String!) {
    wallet(address: $address) {
      address
      availableUrtc
      lockedUrtc
    }
  }
`);

describe('over GraphQL', () => {
  it('locks with uppercase addresses as signed, and reads the wallet under any spelling', async () => {
    const execute = graphqlClient(server.market);
    const payer = await funded('10');
    const provider = newWallet();
    const body = lockBody(payer, { from_wallet: upper(payer.address), to_wallet: mixed(provider.address) });
    const input = {
      jobId: body.job_id,
      fromWallet: body.from_wallet,
      toWallet: body.to_wallet,
      amountUrtc: body.amount_urtc,
      nonce: body.nonce,
      publicKey: body.public_key,
      signature: body.signature,
    };
    expect((await execute(LockAnyCase, { jobType: 'RENDER', input })).lockEscrow).toEqual({
      __typename: 'EscrowSuccess',
      escrow: { fromWallet: payer.address, toWallet: provider.address },
    });
    const wrong = { ...input, jobId: newJobId('case'), nonce: newNonce(), fromWallet: payer.address };
    expect((await execute(LockAnyCase, { jobType: 'RENDER', input: wrong })).lockEscrow).toMatchObject({
      code: 'INVALID_SIGNATURE',
    });
    expect((await execute(WalletAnyCase, { address: upper(payer.address) })).wallet).toEqual({
      address: payer.address,
      availableUrtc: '8000000',
      lockedUrtc: '2000000',
    });
  });

  it('submits an attestation whose minerId is in uppercase', async () => {
    const gpuNode = newWallet();
    const minerId = upper(gpuNode.address);
    const gql = (query: string, variables: unknown) =>
      call(url, 'POST', '/graphql', { query, variables }).then((r) => r.body.data);
    const { challenge } = (
      await gql(
        `mutation($minerId: String!) { requestAttestationChallenge(minerId: $minerId) { ... on AttestationChallenge { challenge } } }`,
        { minerId },
      )
    ).requestAttestationChallenge;
    const gpu = rtx4090();
    const fields = {
      miner_id: minerId,
      challenge,
      device_arch: 'nvidia_gpu',
      gpus: [gpu],
      job_types: ['render'],
      prices: { render_minute_urtc: '50000' },
    };
    const signature = gpuNode.sign({ action: 'gpu.attest', ...fields });
    const result = (
      await gql(
        `mutation($input: GpuAttestationInput!) { submitGpuAttestation(input: $input) {
          __typename ... on GpuAttestationSuccess { minerId } ... on MarketError { code message } } }`,
        {
          input: {
            minerId,
            challenge,
            deviceArch: 'NVIDIA_GPU',
            gpus: [
              {
                model: gpu.model,
                vramMb: gpu.vram_mb,
                uuid: gpu.uuid,
                pciId: gpu.pci_id,
                driverVersion: gpu.driver_version,
                cudaVersion: gpu.cuda_version,
                benchmarkScore: gpu.benchmark_score,
              },
            ],
            jobTypes: ['RENDER'],
            prices: { renderMinuteUrtc: '50000' },
            publicKey: gpuNode.publicKey,
            signature,
          },
        },
      )
    ).submitGpuAttestation;
    expect(result).toEqual({ __typename: 'GpuAttestationSuccess', minerId: gpuNode.address });
  });
});
