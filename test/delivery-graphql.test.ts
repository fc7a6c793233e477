/**
 * Delivery, disputes and the operator's reports over GraphQL (through yoga): deliverEscrow, disputeEscrow and
 * resolveDispute answer the same rules as REST as typed results; an Escrow shows what it still holds and its
 * delivery; openDisputes and escrowsAwaitingReview are the operator's alone.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { graphql } from '../src/client/gql/gql.js';
import type { Wallet } from '../src/domain/signatures.js';
import { createMarketYoga } from '../src/server.js';
import { sha256Hex } from './support/delivery.js';
import { graphqlClient } from './support/graphql.js';
import { ADMIN_KEY, newJobId, newNonce, newWallet, openTestMarket } from './support/market.js';

const Funds = graphql(`
  mutation DeliveryFunds($input: DepositInput!) {
    deposit(input: $input) {
      __typename
    }
  }
`);

const Lock = graphql(`
  mutation DeliveryLock($input: LockEscrowInput!) {
    lockEscrow(jobType: RENDER, input: $input) {
      __typename
      ... on EscrowSuccess {
        escrow {
          status
          reviewWindowS
          remainingUrtc
        }
      }
      ... on MarketError {
        code
        message
      }
    }
  }
`);

const Deliver = graphql(`
  mutation DeliveryDeliver($jobType: JobType!, $input: DeliverEscrowInput!) {
    deliverEscrow(jobType: $jobType, input: $input) {
      __typename
      ... on EscrowSuccess {
        changed
        escrow {
          status
          remainingUrtc
          deliveredAt
          reviewUntil
          claimedUrtc
          resultHash
          resultUri
          receipt {
            json
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

const Dispute = graphql(`
  mutation DeliveryDispute($jobType: JobType!, $input: DisputeEscrowInput!) {
    disputeEscrow(jobType: $jobType, input: $input) {
      __typename
      ... on EscrowSuccess {
        changed
        escrow {
          status
          disputedAt
          disputeReason
        }
      }
      ... on MarketError {
        code
        message
      }
    }
  }
`);

const Resolve = graphql(`
  mutation DeliveryResolve($input: ResolveDisputeInput!) {
    resolveDispute(input: $input) {
      __typename
      ... on EscrowSuccess {
        changed
        escrow {
          status
          releasedUrtc
          refundedUrtc
          remainingUrtc
          refundReason
          settledBy
          receipt {
            json
            signature
            publicKey
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

const Reports = graphql(`
  query DeliveryReports {
    openDisputes(first: 50) {
      totalCount
      edges {
        node {
          jobId
          disputedAt
        }
      }
    }
    escrowsAwaitingReview(first: 50) {
      totalCount
      edges {
        node {
          jobId
          reviewUntil
        }
      }
    }
  }
`);

const clock = { now: 1_900_000_000 };
const market = await openTestMarket({ clock: () => clock.now });
const execute = graphqlClient(market);
const operator = { 'x-admin-key': ADMIN_KEY };
afterAll(() => market.close());

async function lockedJob(reviewWindowS?: number) {
  const payer = newWallet();
  const provider = newWallet();
  await execute(Funds, { input: { wallet: payer.address, amountRtc: '10', reference: newNonce() } }, operator);
  const jobId = newJobId();
  const nonce = newNonce();
  const action: Record<string, string> & { action: string } = {
    action: 'escrow.lock',
    job_id: jobId,
    job_type: 'render',
    from_wallet: payer.address,
    to_wallet: provider.address,
    amount_urtc: '2500000',
    nonce,
  };
  if (reviewWindowS !== undefined) action.review_window_s = String(reviewWindowS);
  const r = await execute(Lock, {
    input: {
      jobId,
      fromWallet: payer.address,
      toWallet: provider.address,
      amountUrtc: '2500000',
      reviewWindowS,
      nonce,
      publicKey: payer.publicKey,
      signature: payer.sign(action),
    },
  });
  expect(r.lockEscrow).toMatchObject({
    __typename: 'EscrowSuccess',
    escrow: { status: 'LOCKED', reviewWindowS: reviewWindowS ?? 259_200, remainingUrtc: '2500000' },
  });
  return { payer, provider, jobId };
}

function deliverInput(provider: Wallet, jobId: string, claimedUrtc?: string) {
  const nonce = newNonce();
  const resultHash = sha256Hex(jobId);
  const action: Record<string, string> & { action: string } = {
    action: 'escrow.deliver',
    job_id: jobId,
    job_type: 'render',
    result_hash: resultHash,
    nonce,
    result_uri: 'https://results.example/1',
  };
  if (claimedUrtc) action.claimed_urtc = claimedUrtc;
  return {
    jobType: 'RENDER' as const,
    input: {
      jobId,
      resultHash,
      resultUri: 'https://results.example/1',
      claimedUrtc,
      nonce,
      publicKey: provider.publicKey,
      signature: provider.sign(action),
    },
  };
}

function disputeInput(payer: Wallet, jobId: string) {
  const nonce = newNonce();
  const action = { action: 'escrow.dispute', job_id: jobId, job_type: 'render', reason: 'wrong resolution', nonce };
  return {
    jobType: 'RENDER' as const,
    input: { jobId, reason: 'wrong resolution', nonce, publicKey: payer.publicKey, signature: payer.sign(action) },
  };
}

describe('deliverEscrow, disputeEscrow, resolveDispute', () => {
  it('deliver, dispute and resolve with a split, as typed results', async () => {
    const { payer, provider, jobId } = await lockedJob(3600);
    const delivered = await execute(Deliver, deliverInput(provider, jobId, '2000000'));
    expect(delivered.deliverEscrow).toEqual({
      __typename: 'EscrowSuccess',
      changed: true,
      escrow: {
        status: 'DELIVERED',
        remainingUrtc: '2500000',
        deliveredAt: new Date(clock.now * 1000).toISOString(),
        reviewUntil: new Date((clock.now + 3600) * 1000).toISOString(),
        claimedUrtc: '2000000',
        resultHash: sha256Hex(jobId),
        resultUri: 'https://results.example/1',
        receipt: null,
      },
    });
    expect((await execute(Deliver, deliverInput(payer, jobId))).deliverEscrow).toMatchObject({
      __typename: 'AuthorizationError',
      code: 'FORBIDDEN',
    });
    expect((await execute(Deliver, { ...deliverInput(provider, jobId), jobType: 'LLM' })).deliverEscrow).toMatchObject({
      code: 'INVALID_SIGNATURE',
    }); // signed as render
    expect((await execute(Dispute, disputeInput(provider, jobId))).disputeEscrow).toMatchObject({
      __typename: 'AuthorizationError',
      code: 'FORBIDDEN',
    });
    expect((await execute(Dispute, disputeInput(payer, jobId))).disputeEscrow).toMatchObject({
      __typename: 'EscrowSuccess',
      escrow: { status: 'DISPUTED', disputeReason: 'wrong resolution' },
    });
    expect((await execute(Dispute, disputeInput(payer, jobId))).disputeEscrow).toMatchObject({
      __typename: 'StateError',
      code: 'INVALID_STATE',
    });

    expect((await execute(Resolve, { input: { jobId, releaseUrtc: '1' } })).resolveDispute).toMatchObject({
      __typename: 'AuthorizationError',
      code: 'UNAUTHORIZED',
    });
    expect(
      (await execute(Resolve, { input: { jobId, releaseUrtc: '2500001' } }, operator)).resolveDispute,
    ).toMatchObject({ __typename: 'InvalidInputError' });
    expect((await execute(Resolve, { input: { jobId, releaseUrtc: 'half' } }, operator)).resolveDispute).toMatchObject({
      __typename: 'InvalidInputError',
    });
    const resolved = await execute(Resolve, { input: { jobId, releaseUrtc: '1250000' } }, operator);
    expect(resolved.resolveDispute).toMatchObject({
      __typename: 'EscrowSuccess',
      escrow: {
        status: 'RELEASED',
        releasedUrtc: '1250000',
        refundedUrtc: '1250000',
        remainingUrtc: '0',
        refundReason: 'dispute',
        settledBy: 'operator',
      },
    });
    const receipt = (resolved.resolveDispute as { escrow: { receipt: { json: string; publicKey: string } } }).escrow
      .receipt;
    expect(JSON.parse(receipt.json)).toMatchObject({
      job_id: jobId,
      status: 'released',
      released_urtc: '1250000',
      refund_reason: 'dispute',
      settled_by: 'operator',
    });
    expect(receipt.publicKey).toBe(market.receipts.publicKey);
    expect((await execute(Resolve, { input: { jobId, releaseUrtc: '0' } }, operator)).resolveDispute).toMatchObject({
      code: 'INVALID_STATE',
    });
  });
});

describe('openDisputes and escrowsAwaitingReview', () => {
  it('list disputes oldest first and reviews by deadline, for the operator only', async () => {
    const first = await lockedJob();
    const second = await lockedJob();
    const soon = await lockedJob(60);
    for (const j of [first, second, soon]) await execute(Deliver, deliverInput(j.provider, j.jobId));
    await execute(Dispute, disputeInput(first.payer, first.jobId));
    clock.now += 10;
    await execute(Dispute, disputeInput(second.payer, second.jobId));
    const r = await execute(Reports, {}, operator);
    const disputes = r.openDisputes.edges.map((e) => e.node.jobId);
    expect(disputes.indexOf(first.jobId)).toBeLessThan(disputes.indexOf(second.jobId));
    expect(r.openDisputes.totalCount).toBe(r.openDisputes.edges.length);
    const reviews = r.escrowsAwaitingReview.edges.map((e) => e.node);
    expect(reviews[0]!.jobId).toBe(soon.jobId); // the nearest auto-release first
    expect(reviews.map((n) => n.reviewUntil)).toEqual([...reviews.map((n) => n.reviewUntil!)].sort());

    const anonymous = await createMarketYoga(market).fetch('http://market.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: Reports.toString() }),
    });
    const body = (await anonymous.json()) as { data: unknown; errors: { extensions: { code: string } }[] };
    expect(body.data).toBeNull();
    expect(body.errors.map((e) => e.extensions.code)).toContain('UNAUTHORIZED');
  });
});
