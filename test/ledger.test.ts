/** Group commit: operations of one event-loop turn share a transaction, but not each other's failures. */
import { describe, expect, it } from 'vitest';
import { auditLedger } from '../src/ledger-invariants.js';
import { ADMIN_KEY, createInMemoryServices, newWallet } from './support/market.js';

const now = 1_800_000_000;

describe('ledger.submit', () => {
  it('commits the operations of one turn together, rolling back only the one that failed', async () => {
    const { ledger, db } = createInMemoryServices(() => now);
    const a = newWallet().address;
    const b = newWallet().address;
    const first = ledger.submit(() => ledger.deposit(a, 5n, 'ref-a', now));
    const failing = ledger.submit(() => {
      ledger.deposit(b, 7n, 'ref-b', now);
      throw new Error('refused after writing');
    });
    const third = ledger.submit(() => ledger.deposit(a, 1n, 'ref-c', now));
    const results = await Promise.allSettled([first, failing, third]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(ledger.findWallet(a)!.availableUrtc).toBe(6n);
    expect(ledger.findWallet(b)).toBeNull(); // its wallet row and credit were rolled back with it
    expect(ledger.findDeposit('ref-b')).toBeNull();
    expect(db.prepare('SELECT count(*) FROM journal').pluck().get()).toBe(2n);
    expect(auditLedger(db)).toEqual([]); // the rolled-back operation left no journal row, credit or id gap behind
  });

  it('lets a later operation of the same batch see an earlier one (idempotency holds inside a batch)', async () => {
    const { wallets, db } = createInMemoryServices(() => now);
    const w = newWallet().address;
    const request = { wallet: w, amountUrtc: 10n, reference: 'same-ref' };
    const [x, y] = await Promise.all([wallets.deposit(request, ADMIN_KEY), wallets.deposit(request, ADMIN_KEY)]);
    expect([x.created, y.created].sort()).toEqual([false, true]);
    expect(wallets.balance(w).availableUrtc).toBe(10n);
    expect(auditLedger(db)).toEqual([]);
  });

  it('rejects every operation of a batch whose commit fails, and nothing is written', async () => {
    const { ledger, db } = createInMemoryServices(() => now);
    const w = newWallet().address;
    // A deferred foreign key is checked at COMMIT: an operation that breaks it makes the commit fail.
    db.pragma('defer_foreign_keys = ON');
    const good = ledger.submit(() => ledger.deposit(w, 3n, 'ref-good', now));
    const breaking = ledger.submit(() => db.prepare('INSERT INTO deposits (reference, wallet, amount_urtc, created_at) VALUES (?, ?, ?, ?)').run('orphan', 'RTCnobody', 1n, now));
    const results = await Promise.allSettled([good, breaking]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(ledger.findWallet(w)).toBeNull();
    expect(auditLedger(db)).toEqual([]);
  });
});
