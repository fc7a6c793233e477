/**
 * Group commit: operations of one event-loop turn share a transaction, but not each other's failures.
 * The ledger audit: each kind of damage is reported under the rules it breaks, and stops a market from starting.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { auditLedger, auditLedgerOn, LedgerUnsoundError } from '../src/ledger-invariants.js';
import { execute, executeOn, expectLedgerSound, queryValue } from './support/database.js';
import {
  ADMIN_KEY,
  createInMemoryServices,
  freshTestDatabase,
  newWallet,
  onPostgres,
  openTestServices,
  openTestMarket,
} from './support/market.js';

const now = 1_800_000_000;

describe('ledger.submit', () => {
  it('commits the operations of one turn together, rolling back only the one that failed', async () => {
    const services = await openTestServices(() => now);
    onTestFinished(() => services.close());
    const { ledger } = services;
    const a = newWallet().address;
    const b = newWallet().address;
    const first = ledger.write(() => ledger.deposit(a, 5n, 'ref-a', now));
    const failing = ledger.write(function* () {
      yield* ledger.deposit(b, 7n, 'ref-b', now);
      throw new Error('refused after writing');
    });
    const third = ledger.write(() => ledger.deposit(a, 1n, 'ref-c', now));
    const results = await Promise.allSettled([first, failing, third]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await ledger.read(() => ledger.findWallet(a)))!.availableUrtc).toBe(6n);
    expect(await ledger.read(() => ledger.findWallet(b))).toBeNull(); // its wallet row and credit were rolled back with it
    expect(await ledger.read(() => ledger.findDeposit('ref-b'))).toBeNull();
    expect(await queryValue(services, 'SELECT count(*) FROM journal')).toBe(2n);
    await expectLedgerSound(services); // the rolled-back operation left no journal row, credit or id gap behind
  });

  it('answers a lock and each kind of settlement with the row as stored', async () => {
    const services = await openTestServices(() => now);
    onTestFinished(() => services.close());
    const { ledger } = services;
    const payer = newWallet().address;
    const provider = newWallet().address;
    await ledger.write(() => ledger.deposit(payer, 1_000n, 'ref-records', now));
    const terms = {
      jobType: 'render',
      fromWallet: payer,
      toWallet: provider,
      expiresAt: now + 60,
      metadata: '{"scene":"a"}',
      units: 3n,
      unitPriceUrtc: 10n,
      reviewWindowS: 3600,
    };
    const settlements = [
      { status: 'released', paidUrtc: 30n, refundedUrtc: 0n, reason: null, settledBy: 'payer' },
      { status: 'released', paidUrtc: 20n, refundedUrtc: 10n, reason: null, settledBy: 'operator' },
      { status: 'refunded', paidUrtc: 0n, refundedUrtc: 30n, reason: 'gone', settledBy: 'provider' },
    ] as const;
    for (const [i, how] of settlements.entries()) {
      const jobId = `job-record-${i}`;
      const locked = await ledger.write(() => ledger.lock({ ...terms, jobId, amountUrtc: 30n }, now + i));
      expect(locked).toEqual(await ledger.read(() => ledger.findEscrow(jobId)));
      // A milestone first for one of them: the settlement must carry what was paid before.
      const before = i === 1 ? await ledger.write(() => ledger.payMilestone(locked!, 5n, now + 1)) : locked!;
      const paid = i === 1 ? { ...how, paidUrtc: 15n } : how;
      const settled = await ledger.write(() => ledger.settle(before, paid, now + 2));
      expect(settled).toEqual(await ledger.read(() => ledger.findEscrow(jobId)));
    }
  });

  it('lets a later operation of the same batch see an earlier one (idempotency holds inside a batch)', async () => {
    const services = await openTestServices(() => now);
    onTestFinished(() => services.close());
    const { wallets } = services;
    const w = newWallet().address;
    const request = { wallet: w, amountUrtc: 10n, reference: 'same-ref' };
    const [x, y] = await Promise.all([wallets.deposit(request, ADMIN_KEY), wallets.deposit(request, ADMIN_KEY)]);
    expect([x.created, y.created].sort()).toEqual([false, true]);
    expect((await wallets.balance(w)).availableUrtc).toBe(10n);
    await expectLedgerSound(services);
  });

  // The group commit's batch, and a unit of work writing on the SQLite connection itself.
  it.skipIf(onPostgres)(
    'rejects every operation of a SQLite batch whose commit fails, and nothing is written',
    async () => {
      const { ledger, db } = createInMemoryServices(() => now);
      const w = newWallet().address;
      // A deferred foreign key is checked at COMMIT: an operation that breaks it makes the commit fail.
      db.pragma('defer_foreign_keys = ON');
      const good = ledger.write(() => ledger.deposit(w, 3n, 'ref-good', now));
      // A unit of work that writes on the connection itself, around the ledger.
      const breaking = ledger.write(function* () {
        db.prepare('INSERT INTO deposits (reference, wallet, amount_urtc, created_at) VALUES (?, ?, ?, ?)').run(
          'orphan',
          'RTCnobody',
          1n,
          now,
        );
      });
      const results = await Promise.allSettled([good, breaking]);
      expect(results.every((r) => r.status === 'rejected')).toBe(true);
      expect(await ledger.read(() => ledger.findWallet(w))).toBeNull();
      expect(auditLedger(db)).toEqual([]);
    },
  );
});

describe('auditLedger', () => {
  /** A ledger with a deposit, a released escrow and a locked one: sound until the test tampers with it. */
  async function ledgerWithHistory() {
    const services = await openTestServices(() => now);
    onTestFinished(() => services.close());
    const { ledger } = services;
    const [payer, provider] = [newWallet().address, newWallet().address];
    const terms = {
      jobType: 'render',
      fromWallet: payer,
      toWallet: provider,
      expiresAt: now + 60,
      metadata: null,
      units: null,
      unitPriceUrtc: null,
      reviewWindowS: 3600,
    };
    await ledger.write(() => ledger.deposit(payer, 100n, 'ref-history', now));
    const first = (await ledger.write(() => ledger.lock({ ...terms, jobId: 'job-released', amountUrtc: 30n }, now)))!;
    await ledger.write(() =>
      ledger.settle(
        first,
        { status: 'released', paidUrtc: 20n, refundedUrtc: 10n, reason: null, settledBy: 'payer' },
        now,
      ),
    );
    await ledger.write(() => ledger.lock({ ...terms, jobId: 'job-locked', amountUrtc: 40n }, now));
    return { ...services, payer, provider };
  }
  const rulesOf = (violations: { rule: string }[]) => [...new Set(violations.map((v) => v.rule))];

  it('finds nothing wrong with a ledger written by the ledger', async () => {
    await expectLedgerSound(await ledgerWithHistory());
  });

  it.each([
    [
      'a balance changed behind the journal',
      'UPDATE wallets SET available_urtc = available_urtc + 1 WHERE address = $provider',
      ['I2', 'I5'],
    ],
    [
      'a locked balance that no escrow holds',
      'UPDATE wallets SET locked_urtc = locked_urtc + 5 WHERE address = $payer',
      ['I3', 'I5'],
    ],
    [
      'a journal row of an unknown kind',
      "INSERT INTO journal (from_account, to_account, amount_urtc, kind, created_at) VALUES ('external', $provider, 1, 'gift', 0)",
      ['I2', 'I5', 'I8'],
    ],
    [
      'a deposit without its credit',
      "INSERT INTO deposits (reference, wallet, amount_urtc, created_at) VALUES ('ref-ghost', $payer, 5, 0)",
      ['I5', 'I7'],
    ],
    [
      'a deleted journal row',
      "DROP TRIGGER journal_no_delete; DELETE FROM journal WHERE kind = 'release'",
      ['I2', 'I4', 'I6'],
    ],
    [
      'a rewritten journal row',
      "DROP TRIGGER journal_no_update; UPDATE journal SET amount_urtc = amount_urtc + 1 WHERE kind = 'lock'",
      ['I2', 'I6', 'I7'],
    ],
  ])('reports %s under the rules it breaks', async (_name, sql, rules) => {
    const services = await ledgerWithHistory();
    const { payer, provider } = services;
    for (const statement of sql.replaceAll('$payer', `'${payer}'`).replaceAll('$provider', `'${provider}'`).split('; '))
      await execute(
        services,
        onPostgres ? statement.replace(/^DROP TRIGGER (\w+)$/, 'DROP TRIGGER $1 ON journal') : statement,
      );
    expect(rulesOf(await auditLedgerOn(services.sql))).toEqual(rules);
  });

  it('keeps a market from starting on an unsound ledger', async () => {
    const database = await freshTestDatabase();
    onTestFinished(() => database.drop());
    await executeOn(
      database.url,
      'INSERT INTO wallets (address, available_urtc, locked_urtc, created_at, updated_at) VALUES (?, 5, 0, 0, 0)',
      [newWallet().address],
    );
    await expect(openTestMarket({ databaseUrl: database.url })).rejects.toThrow(LedgerUnsoundError);
  });
});
