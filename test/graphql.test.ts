/** The GraphQL API through yoga: the same escrow rules as REST, with typed results and errors. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../src/client/gql/gql.js';
import type { Wallet } from '../src/domain/signatures.js';
import type { Market } from '../src/market.js';
import { graphqlClient } from './support/graphql.js';
import { ADMIN_KEY, newJobId, newNonce, newWallet, openTestMarket } from './support/market.js';

const Deposit = graphql(`
  mutation Deposit($input: DepositInput!) {
    deposit(input: $input) {
      __typename
      ... on DepositSuccess {
        created
        deposit {
          reference
          amountUrtc
          amountRtc
        }
        wallet {
          address
          availableUrtc
          lockedUrtc
        }
      }
      ... on MarketError {
        code
        message
      }
    }
  }
`);

const LockEscrow = graphql(`
  mutation LockEscrow($jobType: JobType!, $input: LockEscrowInput!) {
    lockEscrow(jobType: $jobType, input: $input) {
      __typename
      ... on EscrowSuccess {
        changed
        escrow {
          id
          jobId
          jobType
          status
          amountUrtc
          amountRtc
          fromWallet
          toWallet
          expiresAt
          metadata
          payer {
            address
            lockedUrtc
          }
        }
      }
      ... on InsufficientFundsError {
        availableUrtc
        requiredUrtc
      }
      ... on MarketError {
        code
        message
      }
    }
  }
`);

const ReleaseEscrow = graphql(`
  mutation ReleaseEscrow($jobType: JobType!, $input: ReleaseEscrowInput!) {
    releaseEscrow(jobType: $jobType, input: $input) {
      __typename
      ... on EscrowSuccess {
        changed
        escrow {
          status
          remainingUrtc
          releasedUrtc
          refundedUrtc
          settledBy
          provider {
            availableUrtc
          }
        }
      }
      ... on MarketError {
        code
        message
      }
    }
  }
`);

const RefundEscrow = graphql(`
  mutation RefundEscrow($jobType: JobType!, $input: RefundEscrowInput!) {
    refundEscrow(jobType: $jobType, input: $input) {
      __typename
      ... on EscrowSuccess {
        changed
        escrow {
          status
          refundedUrtc
          refundReason
          settledBy
        }
      }
      ... on MarketError {
        code
        message
      }
    }
  }
`);

const EscrowByJob = graphql(`
  query EscrowByJob($jobId: String!) {
    escrow(jobId: $jobId) {
      jobId
      status
      amountUrtc
      createdAt
    }
  }
`);

const EscrowsPage = graphql(`
  query EscrowsPage(
    $wallet: String
    $role: WalletRole
    $status: EscrowStatus
    $jobType: JobType
    $first: Int
    $after: String
  ) {
    escrows(wallet: $wallet, role: $role, status: $status, jobType: $jobType, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        cursor
        node {
          jobId
          jobType
          status
        }
      }
    }
  }
`);

const WalletBalances = graphql(`
  query WalletBalances($address: String!) {
    wallet(address: $address) {
      address
      availableUrtc
      availableRtc
      lockedUrtc
      lockedRtc
      escrowsPaid(first: 10) {
        totalCount
        edges {
          node {
            jobId
          }
        }
      }
      escrowsReceived(first: 10) {
        totalCount
      }
    }
  }
`);

let market: Market;
let execute: ReturnType<typeof graphqlClient>;
const operator = { 'x-admin-key': ADMIN_KEY };

beforeAll(async () => {
  market = await openTestMarket();
  execute = graphqlClient(market);
});
afterAll(() => market.close());

async function funded(rtc: string): Promise<Wallet> {
  const w = newWallet();
  const r = await execute(Deposit, { input: { wallet: w.address, amountRtc: rtc, reference: newNonce() } }, operator);
  expect(r.deposit.__typename).toBe('DepositSuccess');
  return w;
}

type JobTypeName = 'RENDER' | 'TTS' | 'STT' | 'LLM';

function lockInput(
  payer: Wallet,
  to: string,
  amountUrtc: string,
  jobType: JobTypeName = 'RENDER',
  extra: { ttlS?: number; jobId?: string } = {},
) {
  const jobId = extra.jobId ?? newJobId();
  const nonce = newNonce();
  const action: Record<string, string> & { action: string } = {
    action: 'escrow.lock',
    job_id: jobId,
    job_type: jobType.toLowerCase(),
    from_wallet: payer.address,
    to_wallet: to,
    amount_urtc: amountUrtc,
    nonce,
  };
  if (extra.ttlS !== undefined) action.ttl_s = String(extra.ttlS);
  return {
    jobType,
    input: {
      jobId,
      fromWallet: payer.address,
      toWallet: to,
      amountUrtc,
      nonce,
      ttlS: extra.ttlS,
      publicKey: payer.publicKey,
      signature: payer.sign(action),
    },
  };
}

function releaseInput(signer: Wallet, jobId: string, jobType: JobTypeName = 'RENDER', amountUrtc?: string) {
  const nonce = newNonce();
  const action: Record<string, string> & { action: string } = {
    action: 'escrow.release',
    job_id: jobId,
    job_type: jobType.toLowerCase(),
    nonce,
  };
  if (amountUrtc) action.amount_urtc = amountUrtc;
  return { jobType, input: { jobId, amountUrtc, nonce, publicKey: signer.publicKey, signature: signer.sign(action) } };
}

function refundInput(signer: Wallet, jobId: string, jobType: JobTypeName = 'RENDER', reason?: string) {
  const nonce = newNonce();
  const action: Record<string, string> & { action: string } = {
    action: 'escrow.refund',
    job_id: jobId,
    job_type: jobType.toLowerCase(),
    nonce,
  };
  if (reason) action.reason = reason;
  return { jobType, input: { jobId, reason, nonce, publicKey: signer.publicKey, signature: signer.sign(action) } };
}

describe('deposit', () => {
  it('credits through the operator and is idempotent on the reference', async () => {
    const w = newWallet();
    const input = { wallet: w.address, amountRtc: '3.25', reference: newNonce() };
    const first = await execute(Deposit, { input }, operator);
    expect(first.deposit).toMatchObject({
      __typename: 'DepositSuccess',
      created: true,
      wallet: { availableUrtc: '3250000', lockedUrtc: '0' },
    });
    const again = await execute(Deposit, { input }, operator);
    expect(again.deposit).toMatchObject({ created: false, wallet: { availableUrtc: '3250000' } });
  });

  it('answers UNAUTHORIZED without the key and OPERATOR_DISABLED when none is configured', async () => {
    const input = { wallet: newWallet().address, amountRtc: '1', reference: newNonce() };
    expect((await execute(Deposit, { input })).deposit).toMatchObject({
      __typename: 'AuthorizationError',
      code: 'UNAUTHORIZED',
    });
    const closed = await openTestMarket({ adminKey: null });
    try {
      const r = await graphqlClient(closed)(Deposit, { input }, operator);
      expect(r.deposit).toMatchObject({ __typename: 'AuthorizationError', code: 'OPERATOR_DISABLED' });
    } finally {
      await closed.close();
    }
  });

  it('reports bad amounts as INVALID_INPUT data, not exceptions', async () => {
    const r = await execute(
      Deposit,
      { input: { wallet: newWallet().address, amountRtc: '1.0000001', reference: newNonce() } },
      operator,
    );
    expect(r.deposit).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT' });
  });
});

describe('lockEscrow / releaseEscrow / refundEscrow', () => {
  it('locks, then pays a milestone that keeps the rest locked, with balances following', async () => {
    const payer = await funded('10');
    const provider = newWallet();
    const lock = lockInput(payer, provider.address, '4000000', 'LLM', { ttlS: 600 });
    const locked = await execute(LockEscrow, lock);
    expect(locked.lockEscrow).toMatchObject({
      __typename: 'EscrowSuccess',
      changed: true,
      escrow: {
        jobType: 'LLM',
        status: 'LOCKED',
        amountUrtc: '4000000',
        amountRtc: '4',
        payer: { address: payer.address, lockedUrtc: '4000000' },
      },
    });
    const replay = await execute(LockEscrow, lock);
    expect(replay.lockEscrow).toMatchObject({ __typename: 'EscrowSuccess', changed: false });

    const released = await execute(ReleaseEscrow, releaseInput(payer, lock.input.jobId, 'LLM', '1000000'));
    expect(released.releaseEscrow).toMatchObject({
      __typename: 'EscrowSuccess',
      escrow: {
        status: 'LOCKED',
        remainingUrtc: '3000000',
        releasedUrtc: '1000000',
        refundedUrtc: '0',
        settledBy: null,
        provider: { availableUrtc: '1000000' },
      },
    });
    const wallet = await execute(WalletBalances, { address: payer.address });
    expect(wallet.wallet).toMatchObject({
      availableUrtc: '6000000',
      availableRtc: '6',
      lockedUrtc: '3000000',
      escrowsPaid: { totalCount: 1 },
    });
    const rest = await execute(ReleaseEscrow, releaseInput(payer, lock.input.jobId, 'LLM'));
    expect(rest.releaseEscrow).toMatchObject({
      escrow: {
        status: 'RELEASED',
        remainingUrtc: '0',
        releasedUrtc: '4000000',
        refundedUrtc: '0',
        settledBy: 'payer',
        provider: { availableUrtc: '4000000' },
      },
    });
  });

  it('returns typed errors: signature, funds, job type, state, input', async () => {
    const payer = await funded('1');
    const provider = newWallet();
    const bad = lockInput(payer, provider.address, '500000');
    const forged = await execute(LockEscrow, { ...bad, input: { ...bad.input, amountUrtc: '400000' } });
    expect(forged.lockEscrow).toMatchObject({ __typename: 'AuthorizationError', code: 'INVALID_SIGNATURE' });

    const tooMuch = await execute(LockEscrow, lockInput(payer, provider.address, '1000001'));
    expect(tooMuch.lockEscrow).toMatchObject({
      __typename: 'InsufficientFundsError',
      code: 'INSUFFICIENT_FUNDS',
      availableUrtc: '1000000',
      requiredUrtc: '1000001',
    });

    const invalid = await execute(LockEscrow, { ...bad, input: { ...bad.input, toWallet: payer.address } });
    expect(invalid.lockEscrow).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT' });
    const noAmount = await execute(LockEscrow, { ...bad, input: { ...bad.input, amountUrtc: undefined } });
    expect(noAmount.lockEscrow).toMatchObject({ code: 'INVALID_INPUT' });

    const ok = lockInput(payer, provider.address, '500000', 'TTS');
    expect((await execute(LockEscrow, ok)).lockEscrow.__typename).toBe('EscrowSuccess');
    const mismatch = await execute(ReleaseEscrow, releaseInput(payer, ok.input.jobId, 'STT'));
    expect(mismatch.releaseEscrow).toMatchObject({ __typename: 'StateError', code: 'JOB_TYPE_MISMATCH' });
    const byProvider = await execute(ReleaseEscrow, releaseInput(provider, ok.input.jobId, 'TTS'));
    expect(byProvider.releaseEscrow).toMatchObject({ __typename: 'AuthorizationError', code: 'FORBIDDEN' });

    const refunded = await execute(RefundEscrow, refundInput(provider, ok.input.jobId, 'TTS', 'model crashed'));
    expect(refunded.refundEscrow).toMatchObject({
      escrow: { status: 'REFUNDED', refundedUrtc: '500000', refundReason: 'model crashed', settledBy: 'provider' },
    });
    const late = await execute(ReleaseEscrow, releaseInput(payer, ok.input.jobId, 'TTS'));
    expect(late.releaseEscrow).toMatchObject({ __typename: 'StateError', code: 'INVALID_STATE' });
    const missing = await execute(ReleaseEscrow, releaseInput(payer, newJobId(), 'TTS'));
    expect(missing.releaseEscrow).toMatchObject({ code: 'NOT_FOUND' });

    const w = await execute(WalletBalances, { address: payer.address });
    expect(w.wallet).toMatchObject({ availableUrtc: '1000000', lockedUrtc: '0' });
  });

  it('lets the operator release or refund with X-Admin-Key and no signature', async () => {
    const payer = await funded('5');
    const provider = newWallet();
    const a = lockInput(payer, provider.address, '1000000');
    const b = lockInput(payer, provider.address, '2000000');
    await execute(LockEscrow, a);
    await execute(LockEscrow, b);
    const r1 = await execute(ReleaseEscrow, { jobType: 'RENDER', input: { jobId: a.input.jobId } }, operator);
    expect(r1.releaseEscrow).toMatchObject({ escrow: { status: 'RELEASED', settledBy: 'operator' } });
    const r2 = await execute(
      RefundEscrow,
      { jobType: 'RENDER', input: { jobId: b.input.jobId, reason: 'dispute lost' } },
      operator,
    );
    expect(r2.refundEscrow).toMatchObject({
      escrow: { status: 'REFUNDED', settledBy: 'operator', refundReason: 'dispute lost' },
    });
    const unsigned = await execute(RefundEscrow, { jobType: 'RENDER', input: { jobId: b.input.jobId } });
    expect(unsigned.refundEscrow).toMatchObject({ code: 'INVALID_SIGNATURE' });
  });
});

describe('queries', () => {
  it('pages a wallet’s escrows with cursors, newest first, with filters and counts', async () => {
    const payer = await funded('100');
    const providerA = newWallet();
    const providerB = newWallet();
    const jobIds: string[] = [];
    for (let i = 0; i < 7; i++) {
      const lock = lockInput(payer, i % 2 ? providerA.address : providerB.address, '1000000', i < 5 ? 'RENDER' : 'LLM');
      jobIds.push(lock.input.jobId);
      expect((await execute(LockEscrow, lock)).lockEscrow.__typename).toBe('EscrowSuccess');
    }
    await execute(ReleaseEscrow, releaseInput(payer, jobIds[0]!));

    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await execute(EscrowsPage, { wallet: payer.address, first: 3, after });
      expect(page.escrows.totalCount).toBe(7);
      seen.push(...page.escrows.edges.map((e) => e.node.jobId));
      if (!page.escrows.pageInfo.hasNextPage) break;
      after = page.escrows.pageInfo.endCursor!;
    }
    expect(seen).toEqual([...jobIds].reverse());

    const llm = await execute(EscrowsPage, { wallet: payer.address, jobType: 'LLM', first: 10 });
    expect(llm.escrows.edges.map((e) => e.node.jobId)).toEqual([jobIds[6], jobIds[5]]);
    const releasedOnly = await execute(EscrowsPage, { wallet: payer.address, status: 'RELEASED', first: 10 });
    expect(releasedOnly.escrows.edges.map((e) => e.node.jobId)).toEqual([jobIds[0]]);
    const asProvider = await execute(EscrowsPage, { wallet: providerA.address, role: 'PROVIDER', first: 10 });
    expect(asProvider.escrows.totalCount).toBe(3);
    const asPayer = await execute(EscrowsPage, { wallet: providerA.address, role: 'PAYER', first: 10 });
    expect(asPayer.escrows.totalCount).toBe(0);

    const one = await execute(EscrowByJob, { jobId: jobIds[3]! });
    expect(one.escrow).toMatchObject({ jobId: jobIds[3], status: 'LOCKED', amountUrtc: '1000000' });
    expect(new Date(one.escrow!.createdAt).getTime()).toBeGreaterThan(0);
    expect((await execute(EscrowByJob, { jobId: 'never-locked' })).escrow).toBeNull();
  });

  it('shows an unknown wallet with zero balances', async () => {
    const w = newWallet();
    const r = await execute(WalletBalances, { address: w.address });
    expect(r.wallet).toMatchObject({
      address: w.address,
      availableUrtc: '0',
      lockedUrtc: '0',
      escrowsPaid: { totalCount: 0 },
    });
  });
});
