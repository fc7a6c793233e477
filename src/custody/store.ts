/**
 * Custody's statements: deposits seen on the chain, the withdrawal outbox, the
 * sender's lease, and the sums that proof of reserves reports. Like src/ledger.ts, every statement that
 * moves money is guarded on the row's old state (`status = 'pending'`, `available_urtc >= ?`) and runs
 * inside a unit of work of the engine's `write` (src/sql/statement.ts), so a deposit is credited and a
 * withdrawal settled exactly once however many instances and retries race for it, on SQLite as on
 * PostgreSQL; each such statement's row count is checked.
 *
 * Journal accounts: `chain:<chain>` is where chain money comes from and goes to; `withdrawal:<id>` holds a
 * withdrawal's money from the debit until the chain confirms the transfer (or it fails and comes back).
 */
import type { ChainDeposit, Withdrawal } from '@prisma/client';
import { numberOrNull as num, sql, type Row, type SqlEngine, type Statement, type Work } from '../sql/statement.js';

export type ChainDepositRecord = ChainDeposit;
export type WithdrawalRecord = Withdrawal;
export type ChainDepositStatus = 'pending' | 'credited' | 'voided' | 'unattributed';
export type WithdrawalStatus = 'pending' | 'sent' | 'confirmed' | 'failed';

export const chainAccount = (chain: string) => `chain:${chain}`;
export const withdrawalAccount = (id: number) => `withdrawal:${id}`;

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

/**
 * The rows a write reads to decide are locked for it on PostgreSQL (`forUpdate`): the checks made on them hold
 * until COMMIT. Sums come back as BigInt from both engines (PostgreSQL's SUM of BIGINT is an integral numeric).
 */
const s = {
  depositByHash: sql('SELECT * FROM chain_deposits WHERE tx_hash = ?', { forUpdate: true }),
  insertDeposit: sql(
    `INSERT INTO chain_deposits (tx_hash, chain, from_address, wallet, amount_urtc, memo, status, seen_at)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (tx_hash) DO NOTHING RETURNING *`,
  ),
  creditDeposit: sql(
    `UPDATE chain_deposits SET status = 'credited', credited_at = ?
     WHERE tx_hash = ? AND status IN ('pending', 'unattributed') AND wallet IS NOT NULL RETURNING *`,
  ),
  holdUnattributed: sql(
    "UPDATE chain_deposits SET status = 'unattributed' WHERE tx_hash = ? AND status = 'pending' AND wallet IS NULL RETURNING *",
  ),
  voidDeposit: sql(
    "UPDATE chain_deposits SET status = 'voided', voided_at = ? WHERE tx_hash = ? AND status IN ('pending', 'unattributed') RETURNING *",
  ),
  attributeDeposit: sql(
    "UPDATE chain_deposits SET wallet = ? WHERE tx_hash = ? AND wallet IS NULL AND status IN ('pending', 'unattributed') RETURNING *",
  ),
  openDeposits: sql("SELECT * FROM chain_deposits WHERE status = 'pending' ORDER BY seen_at LIMIT ?"),
  unattributed: sql(
    "SELECT * FROM chain_deposits WHERE status = 'unattributed' OR (status = 'pending' AND wallet IS NULL) ORDER BY seen_at",
  ),
  depositsOfWallet: sql(
    'SELECT * FROM chain_deposits WHERE wallet = ? AND (seen_at < ? OR (seen_at = ? AND tx_hash < ?)) ORDER BY seen_at DESC, tx_hash DESC LIMIT ?',
  ),
  ensureWallet: sql(
    'INSERT INTO wallets (address, available_urtc, locked_urtc, created_at, updated_at) VALUES (?, 0, 0, ?, ?) ON CONFLICT (address) DO NOTHING',
  ),
  credit: sql('UPDATE wallets SET available_urtc = available_urtc + ?, updated_at = ? WHERE address = ?'),
  debit: sql(
    'UPDATE wallets SET available_urtc = available_urtc - @amount, updated_at = @now WHERE address = @address AND available_urtc >= @amount',
  ),
  journal: sql(
    'INSERT INTO journal (from_account, to_account, amount_urtc, kind, job_id, reference, created_at) VALUES (?, ?, ?, ?, NULL, ?, ?)',
  ),

  withdrawalById: sql('SELECT * FROM withdrawals WHERE id = ?'),
  insertWithdrawal: sql(
    "INSERT INTO withdrawals (wallet, to_address, amount_urtc, status, created_at) VALUES (?, ?, ?, 'pending', ?) RETURNING *",
  ),
  withdrawnSince: sql(
    "SELECT COALESCE(SUM(amount_urtc), 0) FROM withdrawals WHERE wallet = ? AND created_at > ? AND status <> 'failed'",
  ),
  nextToSend: sql("SELECT * FROM withdrawals WHERE status = 'pending' ORDER BY id LIMIT 1"),
  inFlight: sql("SELECT * FROM withdrawals WHERE status = 'sent' ORDER BY id LIMIT ?"),
  lastCustodyNonce: sql('SELECT MAX(custody_nonce) FROM withdrawals'),
  // Guarded on no transfer stored yet: should the sender's lease lapse mid-send, a second sender cannot replace the
  // transfer the first may be posting (it asks the chain about the stored hash instead).
  prepare: sql(
    "UPDATE withdrawals SET custody_nonce = ?, tx_hash = ?, transfer_body = ? WHERE id = ? AND status = 'pending' AND tx_hash IS NULL RETURNING *",
  ),
  reprepare: sql(
    "UPDATE withdrawals SET custody_nonce = ?, tx_hash = ?, transfer_body = ? WHERE id = ? AND status = 'pending' AND tx_hash = ? RETURNING *",
  ),
  markSent: sql(
    "UPDATE withdrawals SET status = 'sent', sent_at = ? WHERE id = ? AND status = 'pending' AND tx_hash = ? RETURNING *",
  ),
  markConfirmed: sql(
    "UPDATE withdrawals SET status = 'confirmed', confirmed_at = ?, sent_at = COALESCE(sent_at, ?) WHERE id = ? AND status IN ('pending', 'sent') AND tx_hash IS NOT NULL RETURNING *",
  ),
  markFailed: sql(
    "UPDATE withdrawals SET status = 'failed', failed_at = ?, failure_reason = ? WHERE id = ? AND status IN ('pending', 'sent') RETURNING *",
  ),
  withdrawalsOfWallet: sql('SELECT * FROM withdrawals WHERE wallet = ? AND id < ? ORDER BY id DESC LIMIT ?'),

  // Two instances asking at once: PostgreSQL's ON CONFLICT makes the second wait for the first's row and judge it as
  // committed, so exactly one of them holds the lease.
  acquireLease: sql(
    `INSERT INTO leases (name, holder, expires_at) VALUES (@name, @holder, @expiresAt)
     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
     WHERE leases.holder = excluded.holder OR leases.expires_at <= @now`,
  ),
  releaseLease: sql('DELETE FROM leases WHERE name = ? AND holder = ?'),

  liabilities: sql(
    `SELECT (SELECT COALESCE(SUM(available_urtc + locked_urtc), 0) FROM wallets)
          + (SELECT COALESCE(SUM(bonded_urtc + unbonding_urtc + slashed_urtc), 0) FROM node_bonds)
          + (SELECT COALESCE(SUM(amount_urtc), 0) FROM withdrawals WHERE status IN ('pending', 'sent'))`,
  ),
  sumDeposits: sql('SELECT COALESCE(SUM(amount_urtc), 0) FROM chain_deposits WHERE status = ?'),
  sumWithdrawals: sql('SELECT COALESCE(SUM(amount_urtc), 0) FROM withdrawals WHERE status = ?'),
};

/** A guarded statement that must change exactly one row, or the operation is abandoned (rolled back). */
function exactlyOne(changes: number, what: string) {
  if (changes !== 1) throw new Error(`custody: ${what} changed ${changes} rows, expected 1`);
}

/** A sum or a MAX of a BIGINT column, exact (BigInt on both engines); null when there are no rows to take a MAX of. */
const bigOrNull = (v: unknown) => (v === null || v === undefined ? null : BigInt(v as bigint));

/** What proof of reserves reports, read on one snapshot. */
export interface CustodySums {
  liabilitiesUrtc: bigint;
  incomingUrtc: bigint;
  pendingWithdrawalsUrtc: bigint;
  sentWithdrawalsUrtc: bigint;
}

export type CustodyStore = ReturnType<typeof createCustodyStore>;

/**
 * Custody's operations: generators (units of work, src/sql/statement.ts) to run inside the engine's `write`, and
 * async reads for what is asked outside a write.
 */
export function createCustodyStore(engine: SqlEngine, chain: string) {
  const chainAcct = chainAccount(chain);

  function* journal(from: string, to: string, amount: bigint, kind: string, reference: string | null, now: number) {
    yield* s.journal.run([from, to, amount, kind, reference, now]);
  }

  function* sum(statement: Statement, status: string): Work<bigint> {
    return bigOrNull(yield* statement.value([status])) ?? 0n;
  }

  const liabilities = function* (): Work<bigint> {
    return bigOrNull(yield* s.liabilities.value()) ?? 0n;
  };

  return {
    /** Runs a unit of work of the operations below atomically; resolves once it is durably committed. */
    write: engine.write,
    /** Runs reads of the operations below. */
    read: engine.read,

    /** Inside a write, the deposit locked for the decision made on it. */
    *findDeposit(txHash: string): Work<ChainDepositRecord | null> {
      const row = yield* s.depositByHash.get([txHash]);
      return row ? toDeposit(row) : null;
    },

    /** Records a transfer seen on the chain, once per hash; null when it was already known. */
    *recordDeposit(
      d: { txHash: string; fromAddress: string; wallet: string | null; amountUrtc: bigint; memo: string | null },
      now: number,
    ): Work<ChainDepositRecord | null> {
      const row = yield* s.insertDeposit.get([d.txHash, chain, d.fromAddress, d.wallet, d.amountUrtc, d.memo, now]);
      return row ? toDeposit(row) : null;
    },

    /** Credits a confirmed deposit to its wallet, once; null when it was credited already or has no wallet. */
    *creditDeposit(txHash: string, now: number): Work<ChainDepositRecord | null> {
      const row = yield* s.creditDeposit.get([now, txHash]);
      if (!row) return null;
      const d = toDeposit(row);
      yield* s.ensureWallet.run([d.wallet, now, now]);
      exactlyOne(yield* s.credit.run([d.amountUrtc, now, d.wallet]), 'deposit credit');
      yield* journal(chainAcct, d.wallet!, d.amountUrtc, 'chain_deposit', d.txHash, now);
      return d;
    },

    /** A confirmed deposit nobody can be credited with waits for the operator. */
    *holdUnattributed(txHash: string): Work<ChainDepositRecord | null> {
      const row = yield* s.holdUnattributed.get([txHash]);
      return row ? toDeposit(row) : null;
    },

    *voidDeposit(txHash: string, now: number): Work<ChainDepositRecord | null> {
      const row = yield* s.voidDeposit.get([now, txHash]);
      return row ? toDeposit(row) : null;
    },

    *attributeDeposit(txHash: string, wallet: string): Work<ChainDepositRecord | null> {
      const row = yield* s.attributeDeposit.get([wallet, txHash]);
      return row ? toDeposit(row) : null;
    },

    openDeposits(limit: number): Promise<ChainDepositRecord[]> {
      return engine.read(function* () {
        return (yield* s.openDeposits.all([limit])).map(toDeposit);
      });
    },

    unattributedDeposits(): Promise<ChainDepositRecord[]> {
      return engine.read(function* () {
        return (yield* s.unattributed.all()).map(toDeposit);
      });
    },

    depositsOfWallet(
      wallet: string,
      limit: number,
      cursor?: { seenAt: number; txHash: string },
    ): Promise<ChainDepositRecord[]> {
      const seenAt = cursor?.seenAt ?? Number.MAX_SAFE_INTEGER;
      const txHash = cursor?.txHash ?? '\uffff';
      return engine.read(function* () {
        return (yield* s.depositsOfWallet.all([wallet, seenAt, seenAt, txHash, limit])).map(toDeposit);
      });
    },

    findWithdrawal(id: number): Promise<WithdrawalRecord | null> {
      return engine.read(function* () {
        const row = yield* s.withdrawalById.get([id]);
        return row ? toWithdrawal(row) : null;
      });
    },

    *withdrawnSince(wallet: string, since: number): Work<bigint> {
      return bigOrNull(yield* s.withdrawnSince.value([wallet, since])) ?? 0n;
    },

    /** Debits the wallet into a new pending withdrawal; null when its available balance does not cover it. */
    *openWithdrawal(
      w: { wallet: string; toAddress: string; amountUrtc: bigint },
      now: number,
    ): Work<WithdrawalRecord | null> {
      if ((yield* s.debit.run({ amount: w.amountUrtc, now, address: w.wallet })) !== 1) return null;
      const row = toWithdrawal((yield* s.insertWithdrawal.get([w.wallet, w.toAddress, w.amountUrtc, now]))!);
      yield* journal(w.wallet, withdrawalAccount(row.id), w.amountUrtc, 'withdrawal', w.toAddress, now);
      return row;
    },

    nextToSend(): Promise<WithdrawalRecord | null> {
      return engine.read(function* () {
        const row = yield* s.nextToSend.get();
        return row ? toWithdrawal(row) : null;
      });
    },

    inFlight(limit: number): Promise<WithdrawalRecord[]> {
      return engine.read(function* () {
        return (yield* s.inFlight.all([limit])).map(toWithdrawal);
      });
    },

    *lastCustodyNonce(): Work<bigint | null> {
      return bigOrNull(yield* s.lastCustodyNonce.value());
    },

    /** Stores the signed transfer (nonce, hash, body) before it is posted. */
    *prepareTransfer(id: number, nonce: bigint, txHash: string, body: string): Work<WithdrawalRecord> {
      const row = yield* s.prepare.get([nonce, txHash, body, id]);
      if (!row) throw new Error(`custody: withdrawal ${id} is no longer pending without a transfer`);
      return toWithdrawal(row);
    },

    /** Replaces a transfer the chain never took (and never can: a later nonce was seen) with a freshly signed one. */
    *reprepareTransfer(
      id: number,
      oldTxHash: string,
      nonce: bigint,
      txHash: string,
      body: string,
    ): Work<WithdrawalRecord | null> {
      const row = yield* s.reprepare.get([nonce, txHash, body, id, oldTxHash]);
      return row ? toWithdrawal(row) : null;
    },

    *markSent(id: number, txHash: string, now: number): Work<WithdrawalRecord | null> {
      const row = yield* s.markSent.get([now, id, txHash]);
      return row ? toWithdrawal(row) : null;
    },

    /** The chain confirmed the transfer: the money has left custody, once. */
    *confirmWithdrawal(id: number, now: number): Work<WithdrawalRecord | null> {
      const row = yield* s.markConfirmed.get([now, now, id]);
      if (!row) return null;
      const w = toWithdrawal(row);
      yield* journal(withdrawalAccount(w.id), chainAcct, w.amountUrtc, 'withdrawal_confirmed', w.txHash, now);
      return w;
    },

    /** The transfer will never happen: the money goes back to the wallet, once. */
    *failWithdrawal(id: number, reason: string, now: number): Work<WithdrawalRecord | null> {
      const row = yield* s.markFailed.get([now, reason, id]);
      if (!row) return null;
      const w = toWithdrawal(row);
      exactlyOne(yield* s.credit.run([w.amountUrtc, now, w.wallet]), 'withdrawal return');
      yield* journal(withdrawalAccount(w.id), w.wallet, w.amountUrtc, 'withdrawal_failed', w.txHash, now);
      return w;
    },

    withdrawalsOfWallet(wallet: string, limit: number, beforeId?: number): Promise<WithdrawalRecord[]> {
      return engine.read(function* () {
        return (yield* s.withdrawalsOfWallet.all([wallet, beforeId ?? Number.MAX_SAFE_INTEGER, limit])).map(
          toWithdrawal,
        );
      });
    },

    /** Takes or renews a named lease for `holder` until `expiresAt`; false while another holder's lease runs. */
    *acquireLease(name: string, holder: string, now: number, expiresAt: number): Work<boolean> {
      return (yield* s.acquireLease.run({ name, holder, expiresAt, now })) === 1;
    },

    *releaseLease(name: string, holder: string): Work<void> {
      yield* s.releaseLease.run([name, holder]);
    },

    /** What custody owes: every wallet's available and escrowed money, nodes' bonds and the treasury, and withdrawals not yet confirmed. */
    liabilities,

    /** Withdrawals the chain holds but has not confirmed: already out of the chain's spendable balance. */
    *sentWithdrawals(): Work<bigint> {
      return yield* sum(s.sumWithdrawals, 'sent');
    },

    /** Proof of reserves' sums, all on one snapshot. */
    sums(): Promise<CustodySums> {
      return engine.snapshot(function* () {
        return {
          liabilitiesUrtc: yield* liabilities(),
          incomingUrtc: yield* sum(s.sumDeposits, 'pending'),
          pendingWithdrawalsUrtc: yield* sum(s.sumWithdrawals, 'pending'),
          sentWithdrawalsUrtc: yield* sum(s.sumWithdrawals, 'sent'),
        };
      });
    },
  };
}
