/**
 * Races against a listening server on a file database: whatever the interleaving, an escrow settles
 * once and money is neither created nor destroyed (the ledger audit, I1–I8 of src/ledger-invariants.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newJobId, newNonce, newWallet, startTestServer } from './support/market.js';
import { asOperator, call, deposit, signedLockBody, signedRefundBody, signedReleaseBody } from './support/rest.js';
import { expectLedgerSound, queryRows } from './support/database.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await expectLedgerSound(server.market);
  await server.close();
});

const balance = async (address: string) => (await call(server.url, 'GET', `/wallet/balance?wallet=${address}`)).body;

describe('concurrency', () => {
  it('50 simultaneous releases and refunds of one escrow end in exactly one outcome', async () => {
    const payer = newWallet();
    const provider = newWallet();
    await deposit(server.url, payer.address, '10');
    const job_id = newJobId();
    expect(
      (
        await call(
          server.url,
          'POST',
          '/render/escrow',
          signedLockBody(payer, { job_id, to_wallet: provider.address, amount_urtc: '3000000' }),
        )
      ).status,
    ).toBe(201);

    const attempts = Array.from({ length: 50 }, (_, i) => {
      switch (i % 4) {
        case 0:
          return call(server.url, 'POST', '/render/release', signedReleaseBody(payer, { job_id }));
        case 1:
          return call(server.url, 'POST', '/render/refund', signedRefundBody(provider, { job_id }));
        case 2:
          return call(server.url, 'POST', '/render/release', { job_id }, asOperator);
        default:
          return call(server.url, 'POST', '/render/refund', { job_id }, asOperator);
      }
    });
    const replies = await Promise.all(attempts);

    const changed = replies.filter((r) => r.status === 200 && r.body.changed === true);
    expect(changed).toHaveLength(1);
    const outcome = changed[0]!.body.status as 'released' | 'refunded';
    for (const r of replies) {
      if (r.status === 200)
        expect(r.body.status).toBe(outcome); // same end state, idempotent
      else expect(r).toMatchObject({ status: 409, body: { error: { code: 'INVALID_STATE' } } }); // the opposite end state
    }
    const payerBalance = await balance(payer.address);
    const providerBalance = await balance(provider.address);
    expect(payerBalance.locked_urtc).toBe('0');
    if (outcome === 'released') {
      expect(payerBalance.available_urtc).toBe('7000000');
      expect(providerBalance.available_urtc).toBe('3000000');
    } else {
      expect(payerBalance.available_urtc).toBe('10000000');
      expect(providerBalance.available_urtc).toBe('0');
    }
    const journal = await queryRows<{ kind: string }>(
      server.market,
      'SELECT kind, amount_urtc FROM journal WHERE job_id = ?',
      [job_id],
    );
    expect(journal.map((j) => j.kind).sort()).toEqual(['lock', outcome === 'released' ? 'release' : 'refund']);
    await expectLedgerSound(server.market);
  });

  it('20 simultaneous 1 RTC locks against a 10 RTC balance give exactly 10 locks and a zero balance', async () => {
    const payer = newWallet();
    const provider = newWallet();
    await deposit(server.url, payer.address, '10');
    const replies = await Promise.all(
      Array.from({ length: 20 }, () =>
        call(
          server.url,
          'POST',
          '/llm/escrow',
          signedLockBody(payer, {
            job_id: newJobId(),
            job_type: 'llm',
            to_wallet: provider.address,
            amount_urtc: '1000000',
          }),
        ),
      ),
    );
    expect(replies.filter((r) => r.status === 201)).toHaveLength(10);
    expect(replies.filter((r) => r.status === 402 && r.body.error.code === 'INSUFFICIENT_FUNDS')).toHaveLength(10);
    expect(await balance(payer.address)).toMatchObject({ available_urtc: '0', locked_urtc: '10000000' });
    await expectLedgerSound(server.market);
  });

  it('the same lock sent 20 times at once creates one escrow and debits once', async () => {
    const payer = newWallet();
    const provider = newWallet();
    await deposit(server.url, payer.address, '10');
    const job_id = newJobId();
    const replies = await Promise.all(
      Array.from({ length: 20 }, () =>
        call(
          server.url,
          'POST',
          '/render/escrow',
          signedLockBody(payer, { job_id, to_wallet: provider.address, amount_urtc: '2000000' }),
        ),
      ),
    );
    expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(19);
    expect(await balance(payer.address)).toMatchObject({ available_urtc: '8000000', locked_urtc: '2000000' });
  });

  it('a deposit replayed 20 times at once credits once', async () => {
    const w = newWallet();
    const reference = `chain-${newNonce()}`;
    const replies = await Promise.all(Array.from({ length: 20 }, () => deposit(server.url, w.address, '5', reference)));
    expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 200)).toHaveLength(19);
    expect((await balance(w.address)).available_urtc).toBe('5000000');
  });
});
