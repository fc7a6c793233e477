/**
 * The escrow service on PostgreSQL with three instances (three engines, each on its own pool, one database), the
 * same code as on SQLite (src/ledger.ts, src/escrow/service.ts, src/escrow/events.ts): requests racing across the
 * instances change an escrow exactly once, never overdraw, use a nonce once, and the events they append are read
 * back by any instance in the order of their numbers. After each test the balances equal the journal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Wallet } from '../src/domain/signatures.js';
import { createEscrowEventLog, type EscrowEventMessage } from '../src/escrow/events.js';
import {
  deliverRequestSchema,
  disputeRequestSchema,
  lockRequestSchema,
  refundRequestSchema,
  releaseRequestSchema,
} from '../src/escrow/requests.js';
import { createEscrowService } from '../src/escrow/service.js';
import { createLedger } from '../src/ledger.js';
import { createOperatorGate } from '../src/operator.js';
import { parseBody } from '../src/rest/http.js';
import type { PostgresEngine } from '../src/sql/postgres.js';
import { createWalletService } from '../src/wallet/service.js';
import { signedDeliverBody, signedDisputeBody } from './support/delivery.js';
import { ADMIN_KEY, newJobId, newNonce, newWallet, silentLog } from './support/market.js';
import { openTestPostgresEngines, type TestPostgresEngines } from './support/postgres-engine.js';
import { testPostgresServer } from './support/postgres.js';
import { signedLockBody, signedRefundBody, signedReleaseBody } from './support/rest.js';

const server = testPostgresServer();
const now = 1_900_000_000;

function instance(sql: PostgresEngine) {
  const ledger = createLedger(sql);
  const operator = createOperatorGate(ADMIN_KEY);
  const announced: EscrowEventMessage[] = [];
  const events = createEscrowEventLog(sql);
  const escrows = createEscrowService({
    ledger,
    events,
    operator,
    clock: () => now,
    log: silentLog,
    onChange: (event) => announced.push(event),
  });
  const wallets = createWalletService({ ledger, operator, clock: () => now, log: silentLog });
  return { sql, ledger, escrows, wallets, events, announced };
}

type Instance = ReturnType<typeof instance>;

/** Every answer of a batch of racing calls: what each resolved with or the error code it was refused with. */
async function outcomes<T>(calls: Promise<T>[]) {
  return (await Promise.allSettled(calls)).map((r) =>
    r.status === 'fulfilled' ? { ok: true as const, value: r.value } : { ok: false as const, code: codeOf(r.reason) },
  );
}
const codeOf = (error: unknown) => (error as { code?: string }).code ?? String(error);

describe.skipIf(!server.url)('escrows on PostgreSQL, three instances on one database', () => {
  let pg: TestPostgresEngines;
  let instances: Instance[];
  const on = (i: number) => instances[i % instances.length]!;

  beforeAll(async () => {
    pg = await openTestPostgresEngines(3);
    instances = pg.engines.map(instance);
  }, 120_000);
  afterAll(() => pg?.close());

  /** Balances agree with the journal: each wallet's available, each open escrow's remaining, each payer's locked. */
  async function expectLedgerBalances() {
    const { rows } = await pg.sql.pool.query(`
      WITH flows AS (
        SELECT to_account AS account, amount_urtc AS amount FROM journal
        UNION ALL SELECT from_account, -amount_urtc FROM journal
      ), held AS (SELECT account, SUM(amount) AS held FROM flows GROUP BY account)
      SELECT 'wallet ' || w.address AS what, w.available_urtc AS stored, COALESCE(h.held, 0) AS journaled
        FROM wallets w LEFT JOIN held h ON h.account = w.address
      UNION ALL
      SELECT 'escrow ' || e.job_id, e.amount_urtc - e.released_urtc - e.refunded_urtc, COALESCE(h.held, 0)
        FROM render_escrow e LEFT JOIN held h ON h.account = 'escrow:' || e.job_id
      UNION ALL
      SELECT 'locked ' || w.address, w.locked_urtc,
        COALESCE((SELECT SUM(amount_urtc - released_urtc - refunded_urtc) FROM render_escrow e
                  WHERE e.from_wallet = w.address AND e.status IN ('locked', 'delivered', 'disputed')), 0)
        FROM wallets w`);
    const wrong = rows.filter((r: { stored: bigint; journaled: bigint }) => BigInt(r.stored) !== BigInt(r.journaled));
    expect(wrong).toEqual([]);
  }

  async function funded(amountUrtc: bigint): Promise<Wallet> {
    const payer = newWallet();
    await on(0).wallets.deposit({ wallet: payer.address, amountUrtc, reference: newJobId('dep') }, ADMIN_KEY);
    return payer;
  }

  async function lock(via: Instance, payer: Wallet, provider: string, amountUrtc: string, jobId = newJobId()) {
    const req = parseBody(
      lockRequestSchema,
      signedLockBody(payer, { job_id: jobId, to_wallet: provider, amount_urtc: amountUrtc }),
    );
    return via.escrows.lock(req);
  }

  it('credits a deposit sent to every instance at once exactly once', async () => {
    const wallet = newWallet().address;
    const request = { wallet, amountUrtc: 700n, reference: newJobId('same-deposit') };
    const answers = await outcomes(instances.map((i) => i.wallets.deposit(request, ADMIN_KEY)));
    expect(answers.every((a) => a.ok)).toBe(true);
    expect(answers.filter((a) => a.ok && a.value.created)).toHaveLength(1);
    expect(await on(2).wallets.balance(wallet)).toMatchObject({ availableUrtc: 700n, lockedUrtc: 0n });
    await expectLedgerBalances();
  });

  it('answers one lock sent to every instance at once with one escrow and one debit', async () => {
    const payer = await funded(1_000n);
    const provider = newWallet().address;
    const body = signedLockBody(payer, { job_id: newJobId('same-lock'), to_wallet: provider, amount_urtc: '400' });
    const answers = await outcomes(instances.map((i) => i.escrows.lock(parseBody(lockRequestSchema, body))));
    expect(answers.every((a) => a.ok)).toBe(true);
    expect(answers.filter((a) => a.ok && a.value.changed)).toHaveLength(1);
    expect(await on(1).wallets.balance(payer.address)).toMatchObject({ availableUrtc: 600n, lockedUrtc: 400n });
    await expectLedgerBalances();
  });

  it('never overdraws: of 30 locks of 100 µRTC racing on 1,000 µRTC, exactly ten are made', async () => {
    const payer = await funded(1_000n);
    const provider = newWallet().address;
    const answers = await outcomes(Array.from({ length: 30 }, (_, i) => lock(on(i), payer, provider, '100')));
    expect(answers.filter((a) => a.ok)).toHaveLength(10);
    expect(answers.filter((a) => !a.ok).map((a) => !a.ok && a.code)).toEqual(Array(20).fill('INSUFFICIENT_FUNDS'));
    expect(await on(2).wallets.balance(payer.address)).toMatchObject({ availableUrtc: 0n, lockedUrtc: 1_000n });
    await expectLedgerBalances();
  });

  it('uses a nonce once: two milestones with one nonce on two escrows, on two instances', async () => {
    const payer = await funded(1_000n);
    const provider = newWallet().address;
    const [a, b] = [
      (await lock(on(0), payer, provider, '300')).escrow,
      (await lock(on(1), payer, provider, '300')).escrow,
    ];
    const nonce = newNonce();
    const answers = await outcomes(
      [a, b].map((e, i) =>
        on(i).escrows.release(
          parseBody(releaseRequestSchema, signedReleaseBody(payer, { job_id: e.jobId, amount_urtc: '100', nonce })),
          {},
        ),
      ),
    );
    expect(answers.filter((x) => x.ok)).toHaveLength(1);
    expect(answers.filter((x) => !x.ok).map((x) => !x.ok && x.code)).toEqual(['NONCE_REUSED']);
    await expectLedgerBalances();
  });

  it('50 racing releases, refunds and disputes of one delivered escrow on three instances: exactly one outcome', async () => {
    const payer = await funded(10_000n);
    const provider = newWallet();
    const { escrow } = await lock(on(0), payer, provider.address, '5000');
    await on(1).escrows.deliver(
      parseBody(deliverRequestSchema, signedDeliverBody(provider, { job_id: escrow.jobId, claimed_urtc: '5000' })),
    );
    const calls = Array.from({ length: 50 }, (_, i) => {
      const via = on(i);
      switch (i % 4) {
        case 0:
          return via.escrows.release(
            parseBody(releaseRequestSchema, signedReleaseBody(payer, { job_id: escrow.jobId })),
            {},
          );
        case 1:
          return via.escrows.refund(
            parseBody(refundRequestSchema, signedRefundBody(provider, { job_id: escrow.jobId, reason: 'cannot' })),
            {},
          );
        case 2:
          return via.escrows.dispute(
            parseBody(disputeRequestSchema, signedDisputeBody(payer, { job_id: escrow.jobId })),
          );
        default:
          return via.escrows.refund(
            parseBody(refundRequestSchema, { job_id: escrow.jobId, job_type: 'render', reason: 'operator' }),
            {
              adminKey: ADMIN_KEY,
            },
          );
      }
    });
    const answers = await outcomes(calls);
    const changed = answers.filter((a) => a.ok && a.value.changed);
    const final = await on(2).escrows.find(escrow.jobId);
    expect(['released', 'refunded', 'disputed']).toContain(final!.status);
    // Each change happened once: the events of the escrow, read back by another instance, show it.
    const events = await on(2).events.ofJobAfter(escrow.jobId, 0);
    const changes = events.map((e) => e.change);
    expect(changes.slice(0, 2)).toEqual(['locked', 'delivered']);
    expect(changes.length).toBe(2 + changed.length);
    expect(changes.filter((c) => c === 'released' || c === 'refunded').length).toBeLessThanOrEqual(1);
    expect(changes.filter((c) => c === 'disputed').length).toBeLessThanOrEqual(1);
    // Every refusal is one of the contract's answers to a request that came too late, never a crash.
    for (const a of answers)
      if (!a.ok) expect(['INVALID_STATE', 'FORBIDDEN', 'NONCE_REUSED', 'DISPUTE_CLOSED']).toContain(a.code);
    const payerBalance = await on(0).wallets.balance(payer.address);
    const providerBalance = await on(1).wallets.balance(provider.address);
    expect(payerBalance.availableUrtc + payerBalance.lockedUrtc + providerBalance.availableUrtc).toBe(10_000n);
    await expectLedgerBalances();
  });

  it('reads back every event appended by the three instances in the order of its number', async () => {
    const payer = await funded(3_000n);
    const provider = newWallet().address;
    const before = instances.map((i) => i.announced.length);
    await Promise.all(Array.from({ length: 30 }, (_, i) => lock(on(i), payer, provider, '100')));
    const announced = instances.flatMap((inst, i) => inst.announced.slice(before[i]));
    const read = await on(1).events.ofWalletAfter(payer.address, 0);
    expect(read.map((e) => e.seq)).toEqual([...read.map((e) => e.seq)].sort((x, y) => x - y));
    expect(read.map((e) => e.seq).sort()).toEqual(announced.map((e) => e.seq).sort());
    expect(new Set(read.map((e) => e.jobId)).size).toBe(30);
  });
});
