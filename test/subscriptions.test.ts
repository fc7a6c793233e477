/** escrowStatusChanged over graphql-ws (WebSocket) and Server-Sent Events against a listening server. */
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { graphql } from '../src/client/gql/gql.js';
import { newJobId, newWallet, startTestServer } from './support/market.js';
import { call, deposit, signedLockBody, signedReleaseBody } from './support/rest.js';

const EscrowStatus = graphql(`
  subscription EscrowStatus($jobId: String!) {
    escrowStatusChanged(jobId: $jobId) { jobId status releasedUrtc refundedUrtc }
  }
`);

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function lockedJob() {
  const payer = newWallet();
  await deposit(server.url, payer.address, '5');
  const job_id = newJobId();
  expect((await call(server.url, 'POST', '/render/escrow', signedLockBody(payer, { job_id, to_wallet: newWallet().address, amount_urtc: '2000000' }))).status).toBe(201);
  return { payer, job_id };
}

function wsClient() {
  return createClient({ url: `${server.url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
}

describe('escrowStatusChanged', () => {
  it('delivers the release over graphql-ws', async () => {
    const { payer, job_id } = await lockedJob();
    const client = wsClient();
    try {
      const events = client.iterate({ query: EscrowStatus.toString(), variables: { jobId: job_id } });
      const first = events.next();
      await new Promise((r) => setTimeout(r, 200)); // let the subscription start before the change
      await call(server.url, 'POST', '/render/release', signedReleaseBody(payer, { job_id, amount_urtc: '500000' }));
      const { value } = await first;
      expect(value).toEqual({ data: { escrowStatusChanged: { jobId: job_id, status: 'RELEASED', releasedUrtc: '500000', refundedUrtc: '1500000' } } });
      expect((await events.next()).done).toBe(true); // a settled escrow never changes again
    } finally {
      await client.dispose();
    }
  });

  it('yields the final state at once for an escrow already settled', async () => {
    const { payer, job_id } = await lockedJob();
    await call(server.url, 'POST', '/render/release', signedReleaseBody(payer, { job_id }));
    const client = wsClient();
    try {
      const events = client.iterate({ query: EscrowStatus.toString(), variables: { jobId: job_id } });
      expect((await events.next()).value).toMatchObject({ data: { escrowStatusChanged: { status: 'RELEASED', releasedUrtc: '2000000' } } });
    } finally {
      await client.dispose();
    }
  });

  it('delivers the release over Server-Sent Events', async () => {
    const { payer, job_id } = await lockedJob();
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: EscrowStatus.toString(), variables: { jobId: job_id } }),
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    setTimeout(() => void call(server.url, 'POST', '/render/release', signedReleaseBody(payer, { job_id })), 200);
    let text = '';
    while (!text.includes('"status"')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    const data = text.split('\n').find((l) => l.startsWith('data: ') && l.includes('escrowStatusChanged'))!;
    expect(JSON.parse(data.slice(6))).toEqual({ data: { escrowStatusChanged: { jobId: job_id, status: 'RELEASED', releasedUrtc: '2000000', refundedUrtc: '0' } } });
  });
});
