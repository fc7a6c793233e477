/**
 * The money rules, numbered once. Every other place (src/ledger.ts, the tests, the README) refers to
 * them by number.
 *
 * Each rule is held twice, as in TigerBeetle: a write-side guard that refuses the statement breaking it
 * (a CHECK constraint, an UPDATE guarded in its WHERE clause, a trigger, or an `invariant(...)` on a
 * statement's result, which throws and so rolls back the operation's savepoint), and a read-side audit
 * (`auditLedger`) that recomputes it from the stored rows. The audit runs at startup (`createMarket`
 * refuses to start on a violation), after every step of the property test, at the end of the money
 * tests and of `npm run bench`.
 *
 * An audit reads every row of the money tables once (most queries walk an index), so its cost grows
 * with the journal; each check reports at most VIOLATIONS_PER_RULE_MAX violations.
 *
 * The audit is one unit of work (`auditLedgerWork`, src/sql), so it runs on SQLite and on PostgreSQL alike, on one
 * snapshot: `auditLedger(sqlite)` synchronously on a SQLite connection, `auditLedgerOn(engine)` on either engine.
 */
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { createGroupCommit } from './group-commit.js';
import { createSqliteEngine, type SqliteEngine } from './sql/sqlite.js';
import { sql, type Dialect, type SqlEngine, type SqlText, type Statement, type Work } from './sql/statement.js';

/** Each rule with its write-side guard and its read-side audit (the checks below, tagged with its number). */
export const LEDGER_RULES = {
  I1: {
    rule: 'no balance is negative',
    guard:
      'CHECK (available_urtc >= 0) and CHECK (locked_urtc >= 0) on wallets; the debit and unlock UPDATEs are guarded on available_urtc >= amount and locked_urtc >= amount',
    audit: 'no wallet row below zero; the CHECKs are still in the schema',
  },
  I2: {
    rule: "every balance is what the journal says: a wallet's available is its journal credits minus debits, an escrow account holds its escrow's remaining amount",
    guard:
      'each balance UPDATE and its journal row are written in one savepoint; invariant() on the row count of every credit and journal insert',
    audit: 'every wallet and every escrow account recomputed from the journal',
  },
  I3: {
    rule: "a wallet's locked balance equals the remaining amount (amount − released − refunded) of the escrows it pays that are still open (locked, delivered or disputed)",
    guard:
      'the lock debit (no row changed: INSUFFICIENT_FUNDS) is written with the escrow row; invariant() on the unlock UPDATE of each milestone payment and settlement, guarded on locked_urtc >= amount',
    audit: "every wallet's locked_urtc against its open escrows' remaining amounts",
  },
  I4: {
    rule: "a final escrow's released plus refunded amounts add up to its amount; an open one has refunded nothing and released (milestones) less than its amount, and a delivered or disputed one's claim fits what it still holds; the journal's release and refund rows carry exactly the released and refunded amounts",
    guard:
      'CHECKs on render_escrow (status, released_urtc, refunded_urtc, claimed_urtc); invariant() on each milestone and settlement before it is written',
    audit:
      "every escrow's amounts and claim, and its release and refund rows in the journal; the CHECK is still in the schema",
  },
  I5: {
    rule: "conservation: all available plus all locked money, the nodes' bonds (bonded, unbonding), the treasury (slashed bonds) and withdrawals not yet confirmed equal the manual credits plus the credited chain deposits minus the confirmed withdrawals, and the journal shows the same money coming in and going out",
    guard:
      'money enters only by a manual credit (from the external account) or a chain deposit credit (from chain:<chain>), and leaves only by a confirmed withdrawal (to chain:<chain>); every other journal row moves money between two accounts (I8)',
    audit: 'the totals of the tables against the journal',
  },
  I6: {
    rule: 'the journal is append-only: no row is updated or deleted',
    guard: 'triggers journal_no_update and journal_no_delete (BEFORE UPDATE / DELETE: RAISE(ABORT))',
    audit:
      'both triggers are in the schema (and, on PostgreSQL, one against TRUNCATE); on SQLite the journal ids have no gap, on PostgreSQL none lies beyond its sequence',
  },
  I7: {
    rule: 'exactly once: one escrow per job, locked once and settled at most once; one deposit per reference, credited once; one use of a nonce per signer',
    guard:
      "unique indexes on render_escrow(job_id) and deposits(reference), the primary key of used_nonces; every escrow UPDATE (milestone, delivery, dispute, settlement) guarded on the status and amounts its caller read, so a sweep racing a request or another instance's sweep changes nothing; invariant() on each of these writes",
    audit:
      'no duplicate job, reference or nonce; one lock row per escrow and one journal credit per deposit (a second settlement shows up in I4)',
  },
  I8: {
    rule: 'every journal row moves a positive amount between the accounts its kind allows (manual_credit, or deposit before custody: external → wallet; lock: payer → escrow; release: escrow → provider; refund: escrow → payer; bond: node → bond:<node>; unbond: bond:<node> → node; slash: bond:<node> → treasury; chain_deposit: chain → wallet; withdrawal: wallet → withdrawal; withdrawal_confirmed: withdrawal → chain; withdrawal_failed: withdrawal → wallet)',
    guard: 'CHECK (amount_urtc > 0) on journal; journal rows are written only by src/ledger.ts',
    audit: 'every journal row against its kind and its escrow; the CHECK is still in the schema',
  },
  I9: {
    rule: 'custody: each chain deposit is credited at most once, only when confirmed, and never when voided; each withdrawal is debited once, and is either still held (pending, sent), gone to the chain once (confirmed) or back in its wallet once (failed)',
    guard:
      "unique tx_hash of chain_deposits; the credit UPDATE guarded on status IN ('pending','unattributed') and the wallet; the confirm and fail UPDATEs guarded on status IN ('pending','sent'); CHECKs tying each status to its time; invariant() on the credits",
    audit: 'every chain deposit and withdrawal against its journal rows',
  },
  I10: {
    rule: 'proof of reserves: the chain holds at least what the market owes (available + held in escrows + withdrawals pending or sent)',
    guard: 'a withdrawal is not sent while custody is short (src/custody/service.ts)',
    audit:
      'not from the database: the custody reserve check against the chain logs custody.shortfall and GET /custody shows it',
  },
} as const;

export type LedgerRule = keyof typeof LEDGER_RULES;

export interface Violation {
  rule: LedgerRule;
  detail: string;
}

export const VIOLATIONS_PER_RULE_MAX = 100;

/** A broken money rule at write time: thrown, it rolls back the operation that would have broken it. */
export class InvariantViolation extends Error {
  constructor(
    readonly rule: LedgerRule,
    readonly detail: string,
  ) {
    super(`${rule} violated (${LEDGER_RULES[rule].rule}): ${detail}`);
    this.name = 'InvariantViolation';
  }
}

/** The write-side assertion: `invariant(changes === 1, 'I2', 'credit of ... found no wallet')`. */
export function invariant(condition: unknown, rule: LedgerRule, detail: string): asserts condition {
  if (!condition) throw new InvariantViolation(rule, detail);
}

/** Thrown at startup when the stored ledger breaks a rule: the market does not serve money from it. */
export class LedgerUnsoundError extends Error {
  constructor(readonly violations: Violation[]) {
    super(
      `the ledger breaks ${violations.length} money rule(s): ${violations
        .slice(0, 5)
        .map((v) => `${v.rule} ${v.detail}`)
        .join('; ')}`,
    );
    this.name = 'LedgerUnsoundError';
  }
}

type Row = Record<string, bigint | string | null>;

/** A read-side audit: each row the query returns is one violation of `rule`. */
interface RowCheck {
  rule: LedgerRule;
  sql: SqlText;
  /** A check that holds on this engine only. */
  only?: Dialect;
  detail(r: Row): string;
}

/**
 * A write-side guard that lives in the schema: some `type` object on `table` whose definition holds every fragment
 * of the engine's list (SQLite: the CREATE statement in sqlite_master; PostgreSQL: the table's CHECK constraints
 * together, or one enabled trigger with its function's body). No list for an engine: the guard is not its concern.
 */
interface SchemaCheck {
  rule: LedgerRule;
  type: 'table' | 'trigger';
  table: string;
  fragments: Partial<Record<Dialect, string[]>>;
  detail: string;
}

const ROW_CHECKS: RowCheck[] = [
  {
    rule: 'I1',
    sql: 'SELECT address, available_urtc, locked_urtc FROM wallets WHERE available_urtc < 0 OR locked_urtc < 0',
    detail: (r) => `wallet ${r.address} holds ${r.available_urtc} µRTC available and ${r.locked_urtc} µRTC locked`,
  },
  {
    rule: 'I2',
    sql: `SELECT * FROM (SELECT address, available_urtc,
            COALESCE((SELECT SUM(amount_urtc) FROM journal WHERE to_account = w.address), 0)
            - COALESCE((SELECT SUM(amount_urtc) FROM journal WHERE from_account = w.address), 0) AS journal_urtc
          FROM wallets w) AS balances WHERE available_urtc <> journal_urtc`,
    detail: (r) =>
      `wallet ${r.address} has ${r.available_urtc} µRTC available, its journal says ${r.journal_urtc} µRTC`,
  },
  {
    rule: 'I2',
    sql: `SELECT * FROM (SELECT job_id, amount_urtc - released_urtc - refunded_urtc AS remaining_urtc,
            COALESCE((SELECT SUM(amount_urtc) FROM journal WHERE to_account = 'escrow:' || e.job_id), 0)
            - COALESCE((SELECT SUM(amount_urtc) FROM journal WHERE from_account = 'escrow:' || e.job_id), 0) AS journal_urtc
          FROM render_escrow e) AS escrows WHERE remaining_urtc <> journal_urtc`,
    detail: (r) =>
      `escrow ${r.job_id} has ${r.remaining_urtc} µRTC remaining, its journal account holds ${r.journal_urtc} µRTC`,
  },
  {
    rule: 'I2',
    sql: `SELECT * FROM (SELECT id, status, CASE WHEN status IN ('pending', 'sent') THEN amount_urtc ELSE 0 END AS held_urtc,
            COALESCE((SELECT SUM(amount_urtc) FROM journal WHERE to_account = 'withdrawal:' || w.id), 0)
            - COALESCE((SELECT SUM(amount_urtc) FROM journal WHERE from_account = 'withdrawal:' || w.id), 0) AS journal_urtc
          FROM withdrawals w) AS held WHERE held_urtc <> journal_urtc`,
    detail: (r) =>
      `withdrawal ${r.id} (${r.status}) holds ${r.held_urtc} µRTC, its journal account ${r.journal_urtc} µRTC`,
  },
  {
    rule: 'I2',
    sql: `SELECT * FROM (SELECT miner_id, bonded_urtc + unbonding_urtc AS held_urtc,
            COALESCE((SELECT SUM(amount_urtc) FROM journal WHERE to_account = 'bond:' || b.miner_id), 0)
            - COALESCE((SELECT SUM(amount_urtc) FROM journal WHERE from_account = 'bond:' || b.miner_id), 0) AS journal_urtc
          FROM node_bonds b) AS bonds WHERE held_urtc <> journal_urtc`,
    detail: (r) =>
      `the bond of ${r.miner_id} holds ${r.held_urtc} µRTC (bonded + unbonding), its journal account ${r.journal_urtc} µRTC`,
  },
  {
    rule: 'I2',
    sql: `SELECT * FROM (SELECT (SELECT COALESCE(SUM(slashed_urtc), 0) FROM node_bonds) AS slashed_urtc,
            COALESCE((SELECT SUM(amount_urtc) FROM journal WHERE to_account = 'treasury'), 0)
            - COALESCE((SELECT SUM(amount_urtc) FROM journal WHERE from_account = 'treasury'), 0) AS journal_urtc) AS treasury
          WHERE slashed_urtc <> journal_urtc`,
    detail: (r) =>
      `bonds record ${r.slashed_urtc} µRTC slashed, the treasury's journal account holds ${r.journal_urtc} µRTC`,
  },
  {
    rule: 'I3',
    // One grouped pass: per wallet, the planner would walk the status index over every open escrow.
    sql: `WITH open AS (SELECT from_wallet, SUM(amount_urtc - released_urtc - refunded_urtc) AS open_urtc
                        FROM render_escrow WHERE status IN ('locked', 'delivered', 'disputed') GROUP BY from_wallet)
          SELECT w.address, w.locked_urtc, COALESCE(o.open_urtc, 0) AS open_urtc FROM wallets w
            LEFT JOIN open o ON o.from_wallet = w.address
          WHERE w.locked_urtc <> COALESCE(o.open_urtc, 0)`,
    detail: (r) => `wallet ${r.address} has ${r.locked_urtc} µRTC locked, its open escrows hold ${r.open_urtc} µRTC`,
  },
  {
    rule: 'I4',
    sql: `SELECT job_id, status, amount_urtc, released_urtc, refunded_urtc, claimed_urtc FROM render_escrow
          WHERE released_urtc < 0 OR refunded_urtc < 0
             OR status IN ('locked', 'delivered', 'disputed') AND (refunded_urtc <> 0 OR released_urtc >= amount_urtc)
             OR status IN ('released', 'refunded') AND released_urtc + refunded_urtc <> amount_urtc
             OR status NOT IN ('locked', 'delivered', 'disputed', 'released', 'refunded')
             OR status IN ('delivered', 'disputed') AND (claimed_urtc IS NULL OR claimed_urtc < 1 OR claimed_urtc > amount_urtc - released_urtc)`,
    detail: (r) =>
      `escrow ${r.job_id} (${r.status}) of ${r.amount_urtc} µRTC: ${r.released_urtc} released + ${r.refunded_urtc} refunded` +
      (r.claimed_urtc === null ? '' : `, ${r.claimed_urtc} claimed`),
  },
  {
    rule: 'I4',
    sql: `SELECT * FROM (SELECT job_id, released_urtc, refunded_urtc,
            COALESCE((SELECT SUM(amount_urtc) FROM journal WHERE job_id = e.job_id AND kind = 'release'), 0) AS journal_released_urtc,
            COALESCE((SELECT SUM(amount_urtc) FROM journal WHERE job_id = e.job_id AND kind = 'refund'), 0) AS journal_refunded_urtc
          FROM render_escrow e) AS settled WHERE released_urtc <> journal_released_urtc OR refunded_urtc <> journal_refunded_urtc`,
    detail: (r) =>
      `escrow ${r.job_id} records ${r.released_urtc} released / ${r.refunded_urtc} refunded, its journal ${r.journal_released_urtc} / ${r.journal_refunded_urtc} µRTC`,
  },
  {
    rule: 'I5',
    sql: `SELECT * FROM (SELECT
            (SELECT COALESCE(SUM(available_urtc), 0) + COALESCE(SUM(locked_urtc), 0) FROM wallets)
              + (SELECT COALESCE(SUM(bonded_urtc + unbonding_urtc + slashed_urtc), 0) FROM node_bonds)
              + (SELECT COALESCE(SUM(amount_urtc), 0) FROM withdrawals WHERE status IN ('pending', 'sent')) AS held_urtc,
            (SELECT COALESCE(SUM(amount_urtc), 0) FROM deposits)
              + (SELECT COALESCE(SUM(amount_urtc), 0) FROM chain_deposits WHERE status = 'credited')
              - (SELECT COALESCE(SUM(amount_urtc), 0) FROM withdrawals WHERE status = 'confirmed') AS net_in_urtc,
            (SELECT COALESCE(SUM(amount_urtc), 0) FROM journal WHERE from_account = 'external' OR from_account LIKE 'chain:%')
              - (SELECT COALESCE(SUM(amount_urtc), 0) FROM journal WHERE to_account LIKE 'chain:%') AS journaled_in_urtc) AS totals
          WHERE held_urtc <> net_in_urtc OR journaled_in_urtc <> net_in_urtc`,
    detail: (r) =>
      `wallets, bonds, the treasury and unconfirmed withdrawals hold ${r.held_urtc} µRTC, credits less confirmed withdrawals are ${r.net_in_urtc} µRTC, the journal says ${r.journaled_in_urtc} µRTC`,
  },
  {
    // AUTOINCREMENT ids of committed rows have no gaps (a rolled-back insert rolls its sequence back too): a gap is a deleted row.
    rule: 'I6',
    only: 'sqlite',
    sql: 'SELECT * FROM (SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS last FROM journal) AS ids WHERE n <> last',
    detail: (r) => `the journal has ${r.n} rows but its last id is ${r.last}: rows were deleted`,
  },
  {
    // PostgreSQL's sequences are not transactional: a rolled-back insert (a refused lock, a retried deadlock) leaves
    // its number unused, so gaps are normal there and prove nothing. What does hold: every id was handed out by the
    // sequence, none lies beyond its last value (a row written around the ledger's INSERT would). Deleted rows are
    // kept out by the triggers, checked in the schema below (TRUNCATE included).
    rule: 'I6',
    only: 'postgres',
    sql: `SELECT * FROM (SELECT COALESCE(MAX(id), 0) AS last,
            COALESCE(pg_sequence_last_value(pg_get_serial_sequence('journal', 'id')::regclass), 0) AS issued FROM journal) AS ids
          WHERE last > issued`,
    detail: (r) => `the journal's last id is ${r.last}, but its sequence has handed out ids up to ${r.issued} only`,
  },
  {
    rule: 'I7',
    sql: 'SELECT job_id, COUNT(*) AS n FROM render_escrow GROUP BY job_id HAVING COUNT(*) > 1',
    detail: (r) => `job ${r.job_id} has ${r.n} escrows`,
  },
  {
    rule: 'I7',
    sql: 'SELECT reference, COUNT(*) AS n FROM deposits GROUP BY reference HAVING COUNT(*) > 1',
    detail: (r) => `deposit ${r.reference} is recorded ${r.n} times`,
  },
  {
    rule: 'I7',
    sql: 'SELECT signer, nonce, COUNT(*) AS n FROM used_nonces GROUP BY signer, nonce HAVING COUNT(*) > 1',
    detail: (r) => `nonce ${r.nonce} of ${r.signer} is used ${r.n} times`,
  },
  {
    rule: 'I7',
    sql: `SELECT * FROM (SELECT job_id, amount_urtc,
            (SELECT COUNT(*) FROM journal WHERE job_id = e.job_id AND kind = 'lock' AND amount_urtc = e.amount_urtc) AS locks,
            (SELECT COUNT(*) FROM journal WHERE job_id = e.job_id AND kind = 'lock') AS lock_rows
          FROM render_escrow e) AS locked WHERE locks <> 1 OR lock_rows <> 1`,
    detail: (r) =>
      `escrow ${r.job_id} of ${r.amount_urtc} µRTC has ${r.lock_rows} lock rows in the journal, ${r.locks} of its amount`,
  },
  {
    rule: 'I7',
    sql: `WITH credited AS (SELECT reference, COUNT(*) AS n, SUM(amount_urtc) AS amount_urtc, MIN(to_account) AS wallet, MAX(to_account) AS last_wallet
                            FROM journal WHERE kind IN ('deposit', 'manual_credit') GROUP BY reference)
          SELECT d.reference, d.wallet, d.amount_urtc, c.n, c.amount_urtc AS credited_urtc, c.wallet AS credited_wallet FROM deposits d
            LEFT JOIN credited c ON c.reference = d.reference
            WHERE c.n IS NULL OR c.n <> 1 OR c.amount_urtc <> d.amount_urtc OR c.wallet <> d.wallet OR c.last_wallet <> d.wallet
          UNION ALL
          SELECT c.reference, NULL, NULL, c.n, c.amount_urtc, c.wallet FROM credited c
            WHERE NOT EXISTS (SELECT 1 FROM deposits d WHERE d.reference = c.reference)`,
    detail: (r) =>
      r.wallet === null
        ? `the journal credits ${r.credited_urtc} µRTC to ${r.credited_wallet} for deposit ${r.reference}, which is not recorded`
        : `deposit ${r.reference} of ${r.amount_urtc} µRTC to ${r.wallet} is journaled ${r.n ?? 0} time(s)` +
          (r.n ? ` (${r.credited_urtc} µRTC to ${r.credited_wallet})` : ''),
  },
  {
    rule: 'I8',
    sql: `SELECT j.id, j.kind, j.from_account, j.to_account, j.amount_urtc, j.job_id FROM journal j
            LEFT JOIN render_escrow e ON e.job_id = j.job_id
          WHERE j.amount_urtc <= 0 OR NOT (
               j.kind IN ('deposit', 'manual_credit') AND j.from_account = 'external' AND j.job_id IS NULL AND j.reference IS NOT NULL
                 AND EXISTS (SELECT 1 FROM wallets w WHERE w.address = j.to_account)
            OR j.kind = 'chain_deposit' AND j.job_id IS NULL
                 AND EXISTS (SELECT 1 FROM chain_deposits d
                             WHERE d.tx_hash = j.reference AND 'chain:' || d.chain = j.from_account AND d.wallet = j.to_account)
            OR j.kind IN ('withdrawal', 'withdrawal_confirmed', 'withdrawal_failed') AND j.job_id IS NULL
                 AND EXISTS (SELECT 1 FROM withdrawals w WHERE
                      j.kind = 'withdrawal' AND j.from_account = w.wallet AND j.to_account = 'withdrawal:' || w.id
                   OR j.kind = 'withdrawal_confirmed' AND j.from_account = 'withdrawal:' || w.id AND j.to_account LIKE 'chain:%'
                   OR j.kind = 'withdrawal_failed' AND j.from_account = 'withdrawal:' || w.id AND j.to_account = w.wallet)
            OR j.kind = 'lock' AND j.from_account = e.from_wallet AND j.to_account = 'escrow:' || e.job_id
            OR j.kind = 'release' AND j.from_account = 'escrow:' || e.job_id AND j.to_account = e.to_wallet
            OR j.kind = 'refund' AND j.from_account = 'escrow:' || e.job_id AND j.to_account = e.from_wallet
            OR j.kind = 'bond' AND j.job_id IS NULL AND j.to_account = 'bond:' || j.from_account
            OR j.kind = 'unbond' AND j.job_id IS NULL AND j.from_account = 'bond:' || j.to_account
            OR j.kind = 'slash' AND j.job_id IS NULL AND j.from_account LIKE 'bond:%' AND j.to_account = 'treasury')`,
    detail: (r) =>
      `journal row ${r.id}: ${r.kind} of ${r.amount_urtc} µRTC from ${r.from_account} to ${r.to_account}${r.job_id ? ` (job ${r.job_id})` : ''}`,
  },
  {
    rule: 'I9',
    sql: `SELECT * FROM (SELECT tx_hash, status, wallet, amount_urtc,
            (SELECT COUNT(*) FROM journal WHERE kind = 'chain_deposit' AND reference = d.tx_hash) AS credits,
            (SELECT COALESCE(SUM(amount_urtc), 0) FROM journal WHERE kind = 'chain_deposit' AND reference = d.tx_hash) AS credited_urtc
          FROM chain_deposits d) AS credits
          WHERE status = 'credited' AND (credits <> 1 OR credited_urtc <> amount_urtc) OR status <> 'credited' AND credits <> 0`,
    detail: (r) =>
      `chain deposit ${r.tx_hash} (${r.status}) of ${r.amount_urtc} µRTC is credited ${r.credits} time(s) in the journal`,
  },
  {
    rule: 'I9',
    sql: `SELECT * FROM (SELECT id, status, amount_urtc,
            (SELECT COUNT(*) FROM journal WHERE kind = 'withdrawal' AND to_account = 'withdrawal:' || w.id AND amount_urtc = w.amount_urtc) AS debits,
            (SELECT COUNT(*) FROM journal WHERE kind = 'withdrawal_confirmed' AND from_account = 'withdrawal:' || w.id) AS confirmations,
            (SELECT COUNT(*) FROM journal WHERE kind = 'withdrawal_failed' AND from_account = 'withdrawal:' || w.id) AS returns
          FROM withdrawals w) AS moves
          WHERE debits <> 1 OR confirmations <> (CASE WHEN status = 'confirmed' THEN 1 ELSE 0 END)
             OR returns <> (CASE WHEN status = 'failed' THEN 1 ELSE 0 END)`,
    detail: (r) =>
      `withdrawal ${r.id} (${r.status}) of ${r.amount_urtc} µRTC: ${r.debits} debit(s), ${r.confirmations} confirmation(s), ${r.returns} return(s) in the journal`,
  },
];

// Compared without quotes, case or runs of whitespace (see `normalized`). PostgreSQL's fragments are its own
// rendering of the same CHECKs (pg_get_constraintdef) and of the triggers with their function's body.
const SCHEMA_CHECKS: SchemaCheck[] = [
  {
    rule: 'I1',
    type: 'table',
    table: 'wallets',
    fragments: {
      sqlite: ['check (available_urtc >= 0)', 'check (locked_urtc >= 0)'],
      postgres: ['check ((available_urtc >= 0))', 'check ((locked_urtc >= 0))'],
    },
    detail: 'the wallets table has lost its CHECKs of non-negative balances',
  },
  {
    rule: 'I4',
    type: 'table',
    table: 'render_escrow',
    fragments: {
      sqlite: ['released_urtc + refunded_urtc = amount_urtc', 'refunded_urtc = 0 and released_urtc < amount_urtc'],
      postgres: [
        '((released_urtc + refunded_urtc) = amount_urtc)',
        '(refunded_urtc = 0) and (released_urtc < amount_urtc)',
      ],
    },
    detail: 'the render_escrow table has lost its settlement CHECK (final escrows add up, open ones hold something)',
  },
  {
    rule: 'I6',
    type: 'trigger',
    table: 'journal',
    fragments: {
      sqlite: ['before update on journal', 'raise(abort'],
      postgres: ['before update on', 'for each row', 'raise exception'],
    },
    detail: 'no trigger forbids UPDATE on journal',
  },
  {
    rule: 'I6',
    type: 'trigger',
    table: 'journal',
    fragments: {
      sqlite: ['before delete on journal', 'raise(abort'],
      postgres: ['before delete on', 'for each row', 'raise exception'],
    },
    detail: 'no trigger forbids DELETE on journal',
  },
  {
    rule: 'I6',
    type: 'trigger',
    table: 'journal',
    fragments: { postgres: ['before truncate on', 'raise exception'] }, // SQLite has no TRUNCATE
    detail: 'no trigger forbids TRUNCATE on journal',
  },
  {
    rule: 'I9',
    type: 'table',
    table: 'chain_deposits',
    fragments: {
      sqlite: ["check ((status = 'credited') = (credited_at is not null))"],
      postgres: ["((status = 'credited'::text) = (credited_at is not null))"],
    },
    detail: 'the chain_deposits table has lost its CHECK tying credited to a credit time',
  },
  {
    rule: 'I8',
    type: 'table',
    table: 'journal',
    fragments: { sqlite: ['check (amount_urtc > 0)'], postgres: ['check ((amount_urtc > 0))'] },
    detail: 'the journal table has lost its CHECK (amount_urtc > 0)',
  },
];

const limited = (text: SqlText): SqlText =>
  typeof text === 'string'
    ? `${text} LIMIT ${VIOLATIONS_PER_RULE_MAX}`
    : {
        sqlite: `${text.sqlite} LIMIT ${VIOLATIONS_PER_RULE_MAX}`,
        postgres: `${text.postgres} LIMIT ${VIOLATIONS_PER_RULE_MAX}`,
      };

/** The audit's statements, defined once (each engine prepares them once: the property test audits after every step). */
const rowStatements: Statement[] = ROW_CHECKS.map((c) => sql(limited(c.sql), { only: c.only }));
const schemaObjects: Record<SchemaCheck['type'], Statement> = {
  // PostgreSQL: every CHECK of the table in one text, as SQLite's CREATE TABLE holds them all.
  table: sql({
    sqlite: "SELECT sql FROM sqlite_master WHERE type = 'table' AND tbl_name = ? AND sql IS NOT NULL",
    postgres: `SELECT string_agg(pg_get_constraintdef(c.oid), ' ' ORDER BY c.conname) FROM pg_constraint c
               JOIN pg_class t ON t.oid = c.conrelid
               WHERE c.contype = 'c' AND t.relname = ? AND t.relnamespace = current_schema()::regnamespace
               HAVING COUNT(*) > 0`,
  }),
  // PostgreSQL: each trigger that is enabled, with the body of the function it runs.
  trigger: sql({
    sqlite: "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND sql IS NOT NULL",
    postgres: `SELECT pg_get_triggerdef(t.oid) || ' ' || p.prosrc FROM pg_trigger t
               JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
               WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND c.relname = ?
                 AND c.relnamespace = current_schema()::regnamespace`,
  }),
};

/** The audit as a unit of work on `dialect`'s engine: every money rule read back from the stored rows. */
export function* auditLedgerWork(dialect: Dialect): Work<Violation[]> {
  const violations: Violation[] = [];
  for (const [i, check] of ROW_CHECKS.entries()) {
    for (const r of yield* rowStatements[i]!.all<Row>()) violations.push({ rule: check.rule, detail: check.detail(r) });
  }
  for (const check of SCHEMA_CHECKS) {
    const fragments = check.fragments[dialect];
    if (!fragments) continue;
    const objects = (yield* schemaObjects[check.type].values<string>([check.table])).map(normalized);
    if (!objects.some((text) => fragments.every((f) => text.includes(f))))
      violations.push({ rule: check.rule, detail: check.detail });
  }
  return violations.sort((a, b) => Number(a.rule.slice(1)) - Number(b.rule.slice(1)));
}

/** The engine that drives the audit synchronously on a SQLite connection (its group commit is never used). */
const sqliteAuditors = new WeakMap<Database.Database, SqliteEngine>();

/** Reads every money rule back from the stored rows of a SQLite connection; an empty list means the ledger is sound. */
export function auditLedger(sqlite: Database.Database): Violation[] {
  let engine = sqliteAuditors.get(sqlite);
  if (!engine) sqliteAuditors.set(sqlite, (engine = createSqliteEngine(sqlite, createGroupCommit(sqlite))));
  // One read transaction: every rule is checked against one snapshot, even while another connection writes.
  return sqlite.transaction(() => engine.now(auditLedgerWork('sqlite')))();
}

/** The same on either engine, on one consistent snapshot (PostgreSQL: a REPEATABLE READ, READ ONLY transaction). */
export function auditLedgerOn(engine: SqlEngine): Promise<Violation[]> {
  return engine.snapshot(() => auditLedgerWork(engine.dialect));
}

/** Schema text compared without quotes, case or runs of whitespace. */
function normalized(sql: string): string {
  return sql.replaceAll('"', '').replace(/\s+/g, ' ').toLowerCase();
}

/**
 * Startup: audits the ledger and throws LedgerUnsoundError after one fatal log line per violation, so that a
 * market whose stored money breaks a rule does not start (and serves no money) until someone has looked. On a
 * SQLite connection it audits synchronously (a market that starts synchronously); on an engine it resolves, or
 * rejects with the error.
 */
export function assertLedgerSound(sqlite: Database.Database, log: Pick<Logger, 'info' | 'fatal'>): void;
export function assertLedgerSound(engine: SqlEngine, log: Pick<Logger, 'info' | 'fatal'>): Promise<void>;
export function assertLedgerSound(
  target: Database.Database | SqlEngine,
  log: Pick<Logger, 'info' | 'fatal'>,
): void | Promise<void> {
  const started = performance.now();
  if (!('dialect' in target)) return judgeAudit(auditLedger(target), started, log);
  return auditLedgerOn(target).then((violations) => judgeAudit(violations, started, log));
}

function judgeAudit(violations: Violation[], started: number, log: Pick<Logger, 'info' | 'fatal'>): void {
  const ms = Math.round(performance.now() - started);
  if (violations.length === 0) {
    log.info({ event: 'ledger.audited', ms }, `ledger audit: ${Object.keys(LEDGER_RULES).join(', ')} hold (${ms} ms)`);
    return;
  }
  for (const v of violations)
    log.fatal(
      { event: 'ledger.violation', rule: v.rule, detail: v.detail },
      `${v.rule} violated (${LEDGER_RULES[v.rule].rule}): ${v.detail}`,
    );
  throw new LedgerUnsoundError(violations);
}

/**
 * For a process that only reads the database (the benchmark, while its server runs in another process):
 * audits the file read-only, throws LedgerUnsoundError on a violation, else returns a one-line summary.
 */
export function assertLedgerFileSound(file: string): string {
  const sqlite = new Database(file, { readonly: true, fileMustExist: true });
  sqlite.defaultSafeIntegers(true); // amounts in the violations exact, as on the market's own connection
  try {
    const violations = auditLedger(sqlite);
    if (violations.length > 0) throw new LedgerUnsoundError(violations);
    const count = (table: string) => sqlite.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
    return `ledger audit: ${Object.keys(LEDGER_RULES).join(', ')} hold over ${count('wallets')} wallets, ${count('render_escrow')} escrows, ${count('journal')} journal rows`;
  } finally {
    sqlite.close();
  }
}
