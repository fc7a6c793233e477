/**
 * Custody's statements on the writing connection: deposits seen on the chain, the withdrawal outbox, the
 * sender's lease, and the sums that proof of reserves reports. Like src/ledger.ts, every statement that
 * moves money is guarded on the row's old state (`status = 'pending'`, `available_urtc >= ?`) and runs
 * inside a group-commit operation, so a deposit is credited and a withdrawal settled exactly once however
 * many instances and retries race for it; each such statement's row count is checked.
 *
 * Journal accounts: `chain:<chain>` is where chain money comes from and goes to; `withdrawal:<id>` holds a
 * withdrawal's money from the debit until the chain confirms the transfer (or it fails and comes back).
 */
import type Database from 'better-sqlite3';
import type { ChainDeposit, Withdrawal } from '@prisma/client';

export type ChainDepositRecord = ChainDeposit;
export type WithdrawalRecord = Withdrawal;
export type ChainDepositStatus = 'pending' | 'credited' | 'voided' | 'unattributed';
export type WithdrawalStatus = 'pending' | 'sent' | 'confirmed' | 'failed';

export const chainAccount = (chain: string) => `chain:${chain}`;
export const withdrawalAccount = (id: number) => `withdrawal:${id}`;

type Row = Record<string, unknown>;
const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function toDeposit(r: Row): ChainDepositRecord {
  return {
    txHash: r.tx_hash as string,
    chain: r.chain as string,
    fromAddress: r.from_address as string,
    wallet: (r.wallet as string | null) ?? null,
    amountUrtc: r.amount_urtc as bigint,
    memo: (r.memo as string | null) ?? null,
    status: r.status as string,
    seenAt: Number(r.seen_at),
    creditedAt: num(r.credited_at),
    voidedAt: num(r.voided_at),
  };
}

function toWithdrawal(r: Row): WithdrawalRecord {
  return {
    id: Number(r.id),
    wallet: r.wallet as string,
    toAddress: r.to_address as string,
    amountUrtc: r.amount_urtc as bigint,
    status: r.status as string,
    custodyNonce: (r.custody_nonce as bigint | null) ?? null,
    txHash: (r.tx_hash as string | null) ?? null,
    transferBody: (r.transfer_body as string | null) ?? null,
    failureReason: (r.failure_reason as string | null) ?? null,
    createdAt: Number(r.created_at),
    sentAt: num(r.sent_at),
    confirmedAt: num(r.confirmed_at),
    failedAt: num(r.failed_at),
  };
}

/** A page of a wallet's deposits or withdrawals, newest first; `before` is the cursor of the previous page. */
export interface PageRequest {
  limit: number;
  before?: string | number;
}

export type CustodyStore = ReturnType<typeof createCustodyStore>;

export function createCustodyStore(db: Database.Database, chain: string) {
  const chainAcct = chainAccount(chain);
  const s = {
    depositByHash: db.prepare('SELECT * FROM chain_deposits WHERE tx_hash = ?'),
    insertDeposit: db.prepare(
      `INSERT INTO chain_deposits (tx_hash, chain, from_address, wallet, amount_urtc, memo, status, seen_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (tx_hash) DO NOTHING RETURNING *`,
    ),
    creditDeposit: db.prepare(
      `UPDATE chain_deposits SET status = 'credited', credited_at = ?
       WHERE tx_hash = ? AND status IN ('pending', 'unattributed') AND wallet IS NOT NULL RETURNING *`,
    ),
    holdUnattributed: db.prepare(
      "UPDATE chain_deposits SET status = 'unattributed' WHERE tx_hash = ? AND status = 'pending' AND wallet IS NULL RETURNING *",
    ),
    voidDeposit: db.prepare(
      "UPDATE chain_deposits SET status = 'voided', voided_at = ? WHERE tx_hash = ? AND status IN ('pending', 'unattributed') RETURNING *",
    ),
    attributeDeposit: db.prepare(
      "UPDATE chain_deposits SET wallet = ? WHERE tx_hash = ? AND wallet IS NULL AND status IN ('pending', 'unattributed') RETURNING *",
    ),
    openDeposits: db.prepare("SELECT * FROM chain_deposits WHERE status = 'pending' ORDER BY seen_at LIMIT ?"),
    unattributed: db.prepare(
      "SELECT * FROM chain_deposits WHERE status = 'unattributed' OR (status = 'pending' AND wallet IS NULL) ORDER BY seen_at",
    ),
    depositsOfWallet: db.prepare(
      'SELECT * FROM chain_deposits WHERE wallet = ? AND (seen_at < ? OR (seen_at = ? AND tx_hash < ?)) ORDER BY seen_at DESC, tx_hash DESC LIMIT ?',
    ),
    ensureWallet: db.prepare(
      'INSERT INTO wallets (address, available_urtc, locked_urtc, created_at, updated_at) VALUES (?, 0, 0, ?, ?) ON CONFLICT (address) DO NOTHING',
    ),
    credit: db.prepare('UPDATE wallets SET available_urtc = available_urtc + ?, updated_at = ? WHERE address = ?'),
    debit: db.prepare(
      'UPDATE wallets SET available_urtc = available_urtc - @amount, updated_at = @now WHERE address = @address AND available_urtc >= @amount',
    ),
    journal: db.prepare(
      'INSERT INTO journal (from_account, to_account, amount_urtc, kind, job_id, reference, created_at) VALUES (?, ?, ?, ?, NULL, ?, ?)',
    ),

    withdrawalById: db.prepare('SELECT * FROM withdrawals WHERE id = ?'),
    insertWithdrawal: db.prepare(
      "INSERT INTO withdrawals (wallet, to_address, amount_urtc, status, created_at) VALUES (?, ?, ?, 'pending', ?) RETURNING *",
    ),
    withdrawnSince: db
      .prepare(
        "SELECT COALESCE(SUM(amount_urtc), 0) FROM withdrawals WHERE wallet = ? AND created_at > ? AND status <> 'failed'",
      )
      .safeIntegers(true)
      .pluck(),
    nextToSend: db.prepare("SELECT * FROM withdrawals WHERE status = 'pending' ORDER BY id LIMIT 1"),
    inFlight: db.prepare("SELECT * FROM withdrawals WHERE status = 'sent' ORDER BY id LIMIT ?"),
    lastCustodyNonce: db.prepare('SELECT MAX(custody_nonce) FROM withdrawals').safeIntegers(true).pluck(),
    prepare: db.prepare(
      "UPDATE withdrawals SET custody_nonce = ?, tx_hash = ?, transfer_body = ? WHERE id = ? AND status = 'pending' RETURNING *",
    ),
    reprepare: db.prepare(
      "UPDATE withdrawals SET custody_nonce = ?, tx_hash = ?, transfer_body = ? WHERE id = ? AND status = 'pending' AND tx_hash = ? RETURNING *",
    ),
    markSent: db.prepare(
      "UPDATE withdrawals SET status = 'sent', sent_at = ? WHERE id = ? AND status = 'pending' AND tx_hash = ? RETURNING *",
    ),
    markConfirmed: db.prepare(
      "UPDATE withdrawals SET status = 'confirmed', confirmed_at = ?, sent_at = COALESCE(sent_at, ?) WHERE id = ? AND status IN ('pending', 'sent') AND tx_hash IS NOT NULL RETURNING *",
    ),
    markFailed: db.prepare(
      "UPDATE withdrawals SET status = 'failed', failed_at = ?, failure_reason = ? WHERE id = ? AND status IN ('pending', 'sent') RETURNING *",
    ),
    withdrawalsOfWallet: db.prepare('SELECT * FROM withdrawals WHERE wallet = ? AND id < ? ORDER BY id DESC LIMIT ?'),

    acquireLease: db.prepare(
      `INSERT INTO leases (name, holder, expires_at) VALUES (@name, @holder, @expiresAt)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE leases.holder = excluded.holder OR leases.expires_at <= @now`,
    ),
    releaseLease: db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?'),

    liabilities: db
      .prepare(
        `SELECT (SELECT COALESCE(SUM(available_urtc + locked_urtc), 0) FROM wallets)
              + (SELECT COALESCE(SUM(bonded_urtc + unbonding_urtc + slashed_urtc), 0) FROM node_bonds)
              + (SELECT COALESCE(SUM(amount_urtc), 0) FROM withdrawals WHERE status IN ('pending', 'sent'))`,
      )
      .safeIntegers(true)
      .pluck(),
    sumDeposits: db
      .prepare('SELECT COALESCE(SUM(amount_urtc), 0) FROM chain_deposits WHERE status = ?')
      .safeIntegers(true)
      .pluck(),
    sumWithdrawals: db
      .prepare('SELECT COALESCE(SUM(amount_urtc), 0) FROM withdrawals WHERE status = ?')
      .safeIntegers(true)
      .pluck(),
  };

  /** A guarded statement that must change exactly one row, or the operation is abandoned (rolled back). */
  function exactlyOne(changes: number, what: string) {
    if (changes !== 1) throw new Error(`custody: ${what} changed ${changes} rows, expected 1`);
  }

  return {
    findDeposit(txHash: string): ChainDepositRecord | null {
      const row = s.depositByHash.get(txHash) as Row | undefined;
      return row ? toDeposit(row) : null;
    },

    /** Records a transfer seen on the chain, once per hash; null when it was already known. */
    recordDeposit(
      d: { txHash: string; fromAddress: string; wallet: string | null; amountUrtc: bigint; memo: string | null },
      now: number,
    ) {
      const row = s.insertDeposit.get(d.txHash, chain, d.fromAddress, d.wallet, d.amountUrtc, d.memo, now) as
        Row | undefined;
      return row ? toDeposit(row) : null;
    },

    /** Credits a confirmed deposit to its wallet, once; null when it was credited already or has no wallet. */
    creditDeposit(txHash: string, now: number): ChainDepositRecord | null {
      const row = s.creditDeposit.get(now, txHash) as Row | undefined;
      if (!row) return null;
      const d = toDeposit(row);
      s.ensureWallet.run(d.wallet, now, now);
      exactlyOne(s.credit.run(d.amountUrtc, now, d.wallet).changes, 'deposit credit');
      s.journal.run(chainAcct, d.wallet, d.amountUrtc, 'chain_deposit', d.txHash, now);
      return d;
    },

    /** A confirmed deposit nobody can be credited with waits for the operator. */
    holdUnattributed(txHash: string): ChainDepositRecord | null {
      const row = s.holdUnattributed.get(txHash) as Row | undefined;
      return row ? toDeposit(row) : null;
    },

    voidDeposit(txHash: string, now: number): ChainDepositRecord | null {
      const row = s.voidDeposit.get(now, txHash) as Row | undefined;
      return row ? toDeposit(row) : null;
    },

    attributeDeposit(txHash: string, wallet: string): ChainDepositRecord | null {
      const row = s.attributeDeposit.get(wallet, txHash) as Row | undefined;
      return row ? toDeposit(row) : null;
    },

    openDeposits(limit: number): ChainDepositRecord[] {
      return (s.openDeposits.all(limit) as Row[]).map(toDeposit);
    },

    unattributedDeposits(): ChainDepositRecord[] {
      return (s.unattributed.all() as Row[]).map(toDeposit);
    },

    depositsOfWallet(wallet: string, limit: number, cursor?: { seenAt: number; txHash: string }): ChainDepositRecord[] {
      const seenAt = cursor?.seenAt ?? Number.MAX_SAFE_INTEGER;
      const txHash = cursor?.txHash ?? '\uffff';
      return (s.depositsOfWallet.all(wallet, seenAt, seenAt, txHash, limit) as Row[]).map(toDeposit);
    },

    findWithdrawal(id: number): WithdrawalRecord | null {
      const row = s.withdrawalById.get(id) as Row | undefined;
      return row ? toWithdrawal(row) : null;
    },

    withdrawnSince(wallet: string, since: number): bigint {
      return s.withdrawnSince.get(wallet, since) as bigint;
    },

    /** Debits the wallet into a new pending withdrawal; null when its available balance does not cover it. */
    openWithdrawal(w: { wallet: string; toAddress: string; amountUrtc: bigint }, now: number): WithdrawalRecord | null {
      if (s.debit.run({ amount: w.amountUrtc, now, address: w.wallet }).changes !== 1) return null;
      const row = toWithdrawal(s.insertWithdrawal.get(w.wallet, w.toAddress, w.amountUrtc, now) as Row);
      s.journal.run(w.wallet, withdrawalAccount(row.id), w.amountUrtc, 'withdrawal', w.toAddress, now);
      return row;
    },

    nextToSend(): WithdrawalRecord | null {
      const row = s.nextToSend.get() as Row | undefined;
      return row ? toWithdrawal(row) : null;
    },

    inFlight(limit: number): WithdrawalRecord[] {
      return (s.inFlight.all(limit) as Row[]).map(toWithdrawal);
    },

    lastCustodyNonce(): bigint | null {
      return (s.lastCustodyNonce.get() as bigint | null) ?? null;
    },

    /** Stores the signed transfer (nonce, hash, body) before it is posted. */
    prepareTransfer(id: number, nonce: bigint, txHash: string, body: string): WithdrawalRecord {
      const row = s.prepare.get(nonce, txHash, body, id) as Row | undefined;
      if (!row) throw new Error(`custody: withdrawal ${id} is no longer pending`);
      return toWithdrawal(row);
    },

    /** Replaces a transfer the chain never took (and never can: a later nonce was seen) with a freshly signed one. */
    reprepareTransfer(
      id: number,
      oldTxHash: string,
      nonce: bigint,
      txHash: string,
      body: string,
    ): WithdrawalRecord | null {
      const row = s.reprepare.get(nonce, txHash, body, id, oldTxHash) as Row | undefined;
      return row ? toWithdrawal(row) : null;
    },

    markSent(id: number, txHash: string, now: number): WithdrawalRecord | null {
      const row = s.markSent.get(now, id, txHash) as Row | undefined;
      return row ? toWithdrawal(row) : null;
    },

    /** The chain confirmed the transfer: the money has left custody, once. */
    confirmWithdrawal(id: number, now: number): WithdrawalRecord | null {
      const row = s.markConfirmed.get(now, now, id) as Row | undefined;
      if (!row) return null;
      const w = toWithdrawal(row);
      s.journal.run(withdrawalAccount(w.id), chainAcct, w.amountUrtc, 'withdrawal_confirmed', w.txHash, now);
      return w;
    },

    /** The transfer will never happen: the money goes back to the wallet, once. */
    failWithdrawal(id: number, reason: string, now: number): WithdrawalRecord | null {
      const row = s.markFailed.get(now, reason, id) as Row | undefined;
      if (!row) return null;
      const w = toWithdrawal(row);
      exactlyOne(s.credit.run(w.amountUrtc, now, w.wallet).changes, 'withdrawal return');
      s.journal.run(withdrawalAccount(w.id), w.wallet, w.amountUrtc, 'withdrawal_failed', w.txHash, now);
      return w;
    },

    withdrawalsOfWallet(wallet: string, limit: number, beforeId?: number): WithdrawalRecord[] {
      return (s.withdrawalsOfWallet.all(wallet, beforeId ?? Number.MAX_SAFE_INTEGER, limit) as Row[]).map(toWithdrawal);
    },

    /** Takes or renews a named lease for `holder` until `expiresAt`; false while another holder's lease runs. */
    acquireLease(name: string, holder: string, now: number, expiresAt: number): boolean {
      return s.acquireLease.run({ name, holder, expiresAt, now }).changes === 1;
    },

    releaseLease(name: string, holder: string): void {
      s.releaseLease.run(name, holder);
    },

    /** What custody owes: every wallet's available and escrowed money, nodes' bonds and the treasury, and withdrawals not yet confirmed. */
    liabilities(): bigint {
      return s.liabilities.get() as bigint;
    },

    depositsTotal(status: ChainDepositStatus): bigint {
      return s.sumDeposits.get(status) as bigint;
    },

    withdrawalsTotal(status: WithdrawalStatus): bigint {
      return s.sumWithdrawals.get(status) as bigint;
    },
  };
}
