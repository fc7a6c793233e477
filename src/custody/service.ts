/**
 * Custody on a chain (RustChain first): deposits seen on the chain are credited exactly once when final,
 * withdrawals leave through an outbox as exactly one transfer each, and proof of reserves compares what the
 * chain holds with what the market owes. Chain-agnostic: it talks to the chain only through ChainAdapter.
 *
 * Exactly once, across crashes, retries and instances:
 * - a deposit row is unique on its `tx_hash`, and its credit is a guarded UPDATE from `pending`;
 * - a withdrawal is debited in the transaction that writes its outbox row; the sender (one instance at a
 *   time, by lease) stores the transfer's nonce, hash and exact body before posting it, and after any doubt
 *   (no answer, a crash) asks the chain about that hash before anything is signed again; a lost answer is
 *   re-posted byte for byte, which the chain can take at most once (its nonce);
 * - confirmation and failure are guarded UPDATEs from `pending`/`sent`: the money leaves or comes back once.
 * The chain being unreachable never stops escrows: every chain call is outside the money transactions, and a
 * failed tick is logged and retried at the next one.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { AuthorizationError, InsufficientFundsError, InvalidInputError, StateError } from '../domain/errors.js';
import { formatRtc } from '../domain/money.js';
import { verifyActionSignature } from '../domain/signatures.js';
import type { Ledger } from '../ledger.js';
import type { Work } from '../sql/statement.js';
import type { OperatorGate } from '../operator.js';
import type { ChainAdapter } from './chain.js';
import type { CustodyEventLog, WalletEventMessage } from './events.js';
import { depositBeneficiary, withdrawAction, type WithdrawRequest } from './requests.js';
import type { ChainDepositRecord, CustodyStore, WithdrawalRecord } from './store.js';

export interface CustodyLimits {
  /** Smallest withdrawal, µRTC. */
  withdrawMinUrtc: bigint;
  /** Most one wallet may withdraw over a rolling 24 hours, µRTC. */
  withdrawDailyMaxUrtc: bigint;
}

export interface CustodyServiceDeps {
  /** Null when custody is not configured: withdrawals are CUSTODY_DISABLED, nothing watches the chain. */
  chain: ChainAdapter | null;
  store: CustodyStore;
  /** Wallet balances and used nonces are the ledger's; the ledger and the store share one database (engine). */
  ledger: Ledger;
  operator: OperatorGate;
  events: CustodyEventLog;
  limits: CustodyLimits;
  /** How long the sender's lease lasts unless renewed: how long a crashed instance keeps the others from sending. */
  senderLeaseS?: number;
  clock: Clock;
  /** Milliseconds, for custody nonces; injected with the clock in tests. */
  nowMs?: () => number;
  log: Logger;
  /** Called with each wallet event after its transaction has committed. */
  onEvent(event: WalletEventMessage): void;
}

export interface CustodyReport {
  chain: string;
  chainId: string | null;
  custodyAddress: string | null;
  /** The chain's confirmed balance of the custody address at `checkedAt`; null until it was first read. */
  onchainUrtc: bigint | null;
  liabilitiesUrtc: bigint;
  incomingUrtc: bigint;
  pendingWithdrawalsUrtc: bigint;
  /** onchain − liabilities; negative is a shortfall. Null while the chain balance is unknown. */
  surplusUrtc: bigint | null;
  checkedAt: number | null;
}

const DAY_S = 86_400;
const SENDER_LEASE = 'custody-sender';
/** Taken by the instance whose turn it is to list the chain's incoming transfers (see `discoverDeposits`). */
const LISTING_LEASE = 'custody-listing';
/**
 * How often the chain's full listing of incoming transfers is read: its limit is 12 a minute on /pending/*, the
 * client's own 10. Judged on the clock's whole seconds, a listing follows the last one after more than 6 s and at
 * most 7 s of real time: never 11 in a minute (at 6 s, one in a minute could come after 5 s and be refused).
 */
export const LISTING_INTERVAL_MS = 7_000;
const FOLLOW_BATCH = 50;

/** A deposit's settlement, and the event to publish after its commit. */
interface Settled {
  d: ChainDepositRecord;
  event: WalletEventMessage | null;
}

export function createCustodyService(deps: CustodyServiceDeps) {
  const { chain, store, ledger, operator, events, limits, clock, log, onEvent } = deps;
  const nowMs = deps.nowMs ?? (() => clock() * 1000);
  const instance = randomUUID();
  let onchain: { urtc: bigint; at: number } | null = null;
  let lastListingMs = Number.NEGATIVE_INFINITY;
  let shortfallReported = false;

  function requireChain(): ChainAdapter {
    if (!chain)
      throw new StateError(
        'CUSTODY_DISABLED',
        'custody is not configured: RUSTCHAIN_NODE_URL and CUSTODY_KEY_FILE are required',
      );
    return chain;
  }

  function publish(committed: (WalletEventMessage | null)[]) {
    for (const event of committed) if (event) onEvent(event);
  }

  // ---- withdrawals: the request --------------------------------------------------------------------

  async function withdraw(req: WithdrawRequest): Promise<WithdrawalRecord> {
    const c = requireChain();
    if (req.amountUrtc < limits.withdrawMinUrtc) {
      throw new InvalidInputError(
        `amount_urtc must be at least ${limits.withdrawMinUrtc} µRTC (${formatRtc(limits.withdrawMinUrtc)} RTC)`,
      );
    }
    const signer = verifyActionSignature(withdrawAction(req), req);
    if (signer !== req.wallet) throw new AuthorizationError('FORBIDDEN', 'a withdrawal must be signed by its wallet');
    const toAddress = `RTC${req.toAddress.slice(3).toLowerCase()}`;
    if (toAddress === c.custodyAddress) throw new InvalidInputError('to_address must not be the custody address');
    const now = clock();
    const { withdrawal, event } = await ledger.write(function* () {
      if (!(yield* ledger.claimNonce(signer, req.nonce, 'wallet.withdraw', null, now)))
        throw new StateError('NONCE_REUSED', `nonce ${req.nonce} was already used by ${signer}`);
      // The wallet's row is locked from here (PostgreSQL): its balance and its last 24 hours hold until COMMIT.
      const available = (yield* ledger.findWallet(req.wallet))?.availableUrtc ?? 0n;
      if (available < req.amountUrtc) throw new InsufficientFundsError(available, req.amountUrtc);
      const withdrawn = yield* store.withdrawnSince(req.wallet, now - DAY_S);
      if (withdrawn + req.amountUrtc > limits.withdrawDailyMaxUrtc) {
        throw new StateError(
          'RATE_LIMITED',
          `${req.wallet} withdrew ${formatRtc(withdrawn)} RTC in the last 24 h; at most ${formatRtc(limits.withdrawDailyMaxUrtc)} RTC a day`,
        );
      }
      const w = yield* store.openWithdrawal({ wallet: req.wallet, toAddress, amountUrtc: req.amountUrtc }, now);
      if (!w) throw new InsufficientFundsError(available, req.amountUrtc); // unreachable: checked above in this transaction
      return { withdrawal: w, event: yield* events.recordWithdrawal(w, 'withdrawal_pending', now) };
    });
    log.info(
      {
        event: 'custody.withdrawal_requested',
        wallet: withdrawal.wallet,
        withdrawal_id: withdrawal.id,
        to_address: toAddress,
        amount_urtc: withdrawal.amountUrtc.toString(),
      },
      `withdrawal ${withdrawal.id}: ${formatRtc(withdrawal.amountUrtc)} RTC of ${withdrawal.wallet} to ${toAddress} on ${c.chain}, pending`,
    );
    publish([event]);
    return withdrawal;
  }

  // ---- deposits: the watcher -----------------------------------------------------------------------

  /** Records transfers newly listed by the chain (pending, not spendable). */
  async function discoverDeposits(c: ChainAdapter): Promise<void> {
    if (nowMs() - lastListingMs < LISTING_INTERVAL_MS) return;
    lastListingMs = nowMs();
    // The chain limits listings per client, and every instance behind one address is that client: whoever takes
    // this lease lists, and holds it for the interval (never released early), so the others skip until it lapses.
    const now0 = clock();
    const listingTurn = await store.write(() =>
      store.acquireLease(LISTING_LEASE, instance, now0, now0 + Math.ceil(LISTING_INTERVAL_MS / 1000)),
    );
    if (!listingTurn) return;
    const listed = await c.incomingTransfers();
    const now = clock();
    const seen = await store.write(function* () {
      const recorded: ChainDepositRecord[] = [];
      for (const t of listed) {
        if (t.status === 'voided' && !(yield* store.findDeposit(t.txHash))) continue; // a voided transfer never seen is not worth a row
        const d = yield* store.recordDeposit(
          {
            txHash: t.txHash,
            fromAddress: t.fromAddress,
            wallet: depositBeneficiary(t.fromAddress, t.memo),
            amountUrtc: t.amountUrtc,
            memo: t.memo,
          },
          now,
        );
        if (d) recorded.push(d);
      }
      // Events last, after every row: on PostgreSQL, appending holds the event log's lock until COMMIT.
      const out: { deposit: ChainDepositRecord; event: WalletEventMessage | null }[] = [];
      for (const d of recorded) out.push({ deposit: d, event: yield* events.recordDeposit(d, 'deposit_pending', now) });
      return out;
    });
    for (const { deposit: d } of seen) {
      log.info(
        {
          event: 'custody.deposit_seen',
          tx_hash: d.txHash,
          from_address: d.fromAddress,
          wallet: d.wallet,
          amount_urtc: d.amountUrtc.toString(),
        },
        `deposit ${d.txHash}: ${formatRtc(d.amountUrtc)} RTC from ${d.fromAddress} seen on ${c.chain}, pending (for ${d.wallet ?? 'nobody yet'})`,
      );
    }
    publish(seen.map((s) => s.event));
  }

  /** Settles pending deposits by the chain's answer for each hash: credited once when confirmed, never when voided. */
  async function settleDeposits(c: ChainAdapter): Promise<void> {
    for (const d of await store.openDeposits(FOLLOW_BATCH)) {
      const status = await c.transferStatus(d.txHash);
      if (status === 'pending') continue;
      const now = clock();
      const outcome = await store.write(function* (): Work<Settled | null> {
        if (status === 'confirmed') {
          const credited = yield* store.creditDeposit(d.txHash, now);
          if (credited) return { d: credited, event: yield* events.recordDeposit(credited, 'deposit_credited', now) };
          const held = yield* store.holdUnattributed(d.txHash);
          return held ? { d: held, event: null } : null;
        }
        if (status !== 'failed') return null; // not_found: the chain's listing may run ahead of its lookup; ask again
        const voided = yield* store.voidDeposit(d.txHash, now);
        return voided ? { d: voided, event: yield* events.recordDeposit(voided, 'deposit_voided', now) } : null;
      });
      if (!outcome) continue; // another instance settled it first
      logDeposit(outcome.d, c.chain);
      publish([outcome.event]);
    }
  }

  function logDeposit(d: ChainDepositRecord, chainName: string) {
    const what = {
      event: `custody.deposit_${d.status}`,
      tx_hash: d.txHash,
      wallet: d.wallet,
      from_address: d.fromAddress,
      amount_urtc: d.amountUrtc.toString(),
    };
    if (d.status === 'credited')
      log.info(
        what,
        `deposit ${d.txHash}: ${formatRtc(d.amountUrtc)} RTC credited to ${d.wallet} (confirmed on ${chainName})`,
      );
    else if (d.status === 'voided')
      log.warn(
        what,
        `deposit ${d.txHash}: ${formatRtc(d.amountUrtc)} RTC from ${d.fromAddress} was voided on ${chainName}; nothing credited`,
      );
    else
      log.warn(
        what,
        `deposit ${d.txHash}: ${formatRtc(d.amountUrtc)} RTC from ${d.fromAddress} confirmed but names no wallet: waiting for the operator`,
      );
  }

  // ---- withdrawals: the sender ---------------------------------------------------------------------

  function* nextNonce(): Work<bigint> {
    const last = (yield* store.lastCustodyNonce()) ?? 0n;
    const now = BigInt(nowMs());
    return last + 1n > now ? last + 1n : now;
  }

  async function fail(w: WithdrawalRecord, reason: string) {
    const now = clock();
    const outcome = await store.write(function* () {
      const failed = yield* store.failWithdrawal(w.id, reason, now);
      return failed ? { failed, event: yield* events.recordWithdrawal(failed, 'withdrawal_failed', now) } : null;
    });
    if (!outcome) return;
    log.warn(
      {
        event: 'custody.withdrawal_failed',
        withdrawal_id: w.id,
        wallet: w.wallet,
        amount_urtc: w.amountUrtc.toString(),
        tx_hash: w.txHash,
        reason,
      },
      `withdrawal ${w.id}: failed (${reason}); ${formatRtc(w.amountUrtc)} RTC back to ${w.wallet}`,
    );
    publish([outcome.event]);
  }

  async function markSent(w: WithdrawalRecord) {
    const now = clock();
    const outcome = await store.write(function* () {
      const sent = yield* store.markSent(w.id, w.txHash!, now);
      return sent ? { sent, event: yield* events.recordWithdrawal(sent, 'withdrawal_sent', now) } : null;
    });
    if (!outcome) return;
    log.info(
      {
        event: 'custody.withdrawal_sent',
        withdrawal_id: w.id,
        wallet: w.wallet,
        to_address: w.toAddress,
        amount_urtc: w.amountUrtc.toString(),
        tx_hash: w.txHash,
      },
      `withdrawal ${w.id}: ${formatRtc(w.amountUrtc)} RTC sent to ${w.toAddress} as ${w.txHash}`,
    );
    publish([outcome.event]);
  }

  async function confirm(w: WithdrawalRecord) {
    const now = clock();
    const outcome = await store.write(function* () {
      const confirmed = yield* store.confirmWithdrawal(w.id, now);
      return confirmed
        ? { confirmed, event: yield* events.recordWithdrawal(confirmed, 'withdrawal_confirmed', now) }
        : null;
    });
    if (!outcome) return;
    log.info(
      {
        event: 'custody.withdrawal_confirmed',
        withdrawal_id: w.id,
        wallet: w.wallet,
        amount_urtc: w.amountUrtc.toString(),
        tx_hash: w.txHash,
      },
      `withdrawal ${w.id}: ${formatRtc(w.amountUrtc)} RTC to ${w.toAddress} confirmed (${w.txHash})`,
    );
    publish([outcome.event]);
  }

  /** Signs the withdrawal's transfer with a fresh nonce and stores it; nothing is posted before this commits. */
  async function prepare(c: ChainAdapter, w: WithdrawalRecord): Promise<WithdrawalRecord> {
    return store.write(function* () {
      const nonce = yield* nextNonce();
      const prepared = c.prepareTransfer({
        toAddress: w.toAddress,
        amountUrtc: w.amountUrtc,
        nonce,
        memo: `gpr:withdrawal:${w.id}`,
      });
      return yield* store.prepareTransfer(w.id, nonce, prepared.txHash, prepared.body);
    });
  }

  /** Whether custody may send `amount` now: the chain's spendable balance covers it and custody is not short. */
  async function canAfford(c: ChainAdapter, amount: bigint): Promise<boolean> {
    const balance = await c.confirmedBalance();
    onchain = { urtc: balance, at: clock() };
    const { inFlight, liabilities } = await store.read(function* () {
      return { inFlight: yield* store.sentWithdrawals(), liabilities: yield* store.liabilities() };
    });
    return balance - inFlight >= amount && balance >= liabilities;
  }

  /** Works the outbox's oldest pending withdrawal one step; true when it may go on with the next. */
  async function sendOne(c: ChainAdapter): Promise<boolean> {
    let w = await store.nextToSend();
    if (!w) return false;
    if (w.txHash) {
      // Prepared before: posted or not, we cannot tell. Ask the chain before anything is signed again.
      const status = await c.transferStatus(w.txHash);
      if (status === 'confirmed') return confirm(w).then(() => true);
      if (status === 'failed') return fail(w, 'the chain voided the transfer').then(() => true);
      if (status === 'pending') return markSent(w).then(() => true);
    } else {
      if (!(await canAfford(c, w.amountUrtc))) {
        log.warn(
          { event: 'custody.withdrawal_waiting', withdrawal_id: w.id, amount_urtc: w.amountUrtc.toString() },
          `withdrawal ${w.id} waits: custody cannot cover it now`,
        );
        return false;
      }
      w = await prepare(c, w);
    }
    const outcome = await c.postTransfer({ txHash: w.txHash!, body: w.transferBody! });
    switch (outcome.kind) {
      case 'accepted':
      case 'already_held':
        await markSent(w);
        return true;
      case 'nonce_too_low': {
        // Not taken, and never can be (a later nonce was seen): sign again only once the chain confirms it lacks this hash.
        if ((await c.transferStatus(w.txHash!)) !== 'not_found') return false;
        const fresh = await store.read(nextNonce);
        const prepared = c.prepareTransfer({
          toAddress: w.toAddress,
          amountUrtc: w.amountUrtc,
          nonce: fresh,
          memo: `gpr:withdrawal:${w.id}`,
        });
        await store.write(() => store.reprepareTransfer(w!.id, w!.txHash!, fresh, prepared.txHash, prepared.body));
        return true;
      }
      case 'insufficient_balance':
        log.warn(
          { event: 'custody.withdrawal_waiting', withdrawal_id: w.id },
          `withdrawal ${w.id} waits: the chain says custody cannot cover it`,
        );
        return false;
      case 'refused':
        await fail(w, `refused by the chain: ${outcome.code} ${outcome.message}`.slice(0, 300));
        return true;
      case 'no_answer':
        log.warn(
          { event: 'custody.withdrawal_unanswered', withdrawal_id: w.id, tx_hash: w.txHash, detail: outcome.message },
          `withdrawal ${w.id}: no answer from the chain; will ask about ${w.txHash}`,
        );
        return false;
    }
  }

  /** Sends withdrawals one at a time (the chain needs strictly increasing nonces), across instances by lease. */
  async function sendWithdrawals(c: ChainAdapter): Promise<void> {
    const leaseUntil = () => clock() + (deps.senderLeaseS ?? 30);
    const held = await store.write(() => store.acquireLease(SENDER_LEASE, instance, clock(), leaseUntil()));
    if (!held) return;
    for (let i = 0; i < FOLLOW_BATCH; i++) {
      if (!(await sendOne(c))) break;
      if (!(await store.write(() => store.acquireLease(SENDER_LEASE, instance, clock(), leaseUntil())))) return;
    }
  }

  /** Follows sent transfers to their end: confirmed (final) or failed (money back, once). */
  async function followWithdrawals(c: ChainAdapter): Promise<void> {
    for (const w of await store.inFlight(FOLLOW_BATCH)) {
      const status = await c.transferStatus(w.txHash!);
      if (status === 'confirmed') await confirm(w);
      else if (status === 'failed') await fail(w, 'the chain voided the transfer');
      // not_found for a transfer the chain accepted: it may lag behind its own answer; ask again next time
    }
  }

  // ---- proof of reserves ---------------------------------------------------------------------------

  async function report(): Promise<CustodyReport> {
    const sums = await store.sums();
    return {
      chain: chain?.chain ?? 'rustchain',
      chainId: chain?.chainId ?? null,
      custodyAddress: chain?.custodyAddress ?? null,
      onchainUrtc: onchain?.urtc ?? null,
      liabilitiesUrtc: sums.liabilitiesUrtc,
      incomingUrtc: sums.incomingUrtc,
      pendingWithdrawalsUrtc: sums.pendingWithdrawalsUrtc + sums.sentWithdrawalsUrtc,
      surplusUrtc: onchain ? onchain.urtc - sums.liabilitiesUrtc : null,
      checkedAt: onchain?.at ?? null,
    };
  }

  async function checkReserves(c: ChainAdapter): Promise<CustodyReport> {
    onchain = { urtc: await c.confirmedBalance(), at: clock() };
    const r = await report();
    if (r.surplusUrtc !== null && r.surplusUrtc < 0n) {
      log.error(
        {
          event: 'custody.shortfall',
          onchain_urtc: r.onchainUrtc?.toString(),
          liabilities_urtc: r.liabilitiesUrtc.toString(),
          shortfall_urtc: (-r.surplusUrtc).toString(),
        },
        `custody is short: ${c.chain} holds ${formatRtc(r.onchainUrtc!)} RTC, the market owes ${formatRtc(r.liabilitiesUrtc)} RTC; withdrawals wait`,
      );
      shortfallReported = true;
    } else if (shortfallReported) {
      log.info({ event: 'custody.reserves_restored' }, 'custody covers its liabilities again');
      shortfallReported = false;
    }
    return r;
  }

  /** One pass of everything custody does on its own; each part's failure is logged and retried next time. */
  async function tick(): Promise<void> {
    if (!chain) return;
    const parts: [string, () => Promise<unknown>][] = [
      ['deposit listing', () => discoverDeposits(chain)],
      ['deposit settlement', () => settleDeposits(chain)],
      // Follow-up first: a transfer the chain confirmed has left its balance, so it must leave the liabilities
      // before the sender and the reserve check compare the two.
      ['withdrawal follow-up', () => followWithdrawals(chain)],
      ['withdrawal sender', () => sendWithdrawals(chain)],
      ['reserve check', () => checkReserves(chain)],
    ];
    for (const [name, run] of parts) {
      try {
        await run();
      } catch (err) {
        log.warn(
          { event: 'custody.tick_failed', part: name, err: err instanceof Error ? err.message : String(err) },
          `custody ${name} failed; will retry`,
        );
      }
    }
  }

  // ---- the operator --------------------------------------------------------------------------------

  async function attribute(
    txHash: string,
    wallet: string,
    adminKey: string | null | undefined,
  ): Promise<ChainDepositRecord> {
    operator.require(adminKey);
    const now = clock();
    const outcome = await store.write(function* () {
      const existing = yield* store.findDeposit(txHash);
      if (!existing) throw new StateError('NOT_FOUND', `no deposit ${txHash}`);
      if (existing.wallet)
        throw new StateError('INVALID_STATE', `deposit ${txHash} already credits ${existing.wallet}`);
      if (!(yield* store.attributeDeposit(txHash, wallet)))
        throw new StateError('INVALID_STATE', `deposit ${txHash} is ${existing.status}`);
      // Confirmed already (unattributed): credit now. Still pending: the watcher credits it on confirmation.
      const credited = existing.status === 'unattributed' ? yield* store.creditDeposit(txHash, now) : null;
      return {
        d: credited ?? (yield* store.findDeposit(txHash))!,
        event: credited ? yield* events.recordDeposit(credited, 'deposit_credited', now) : null,
      };
    });
    log.info(
      { event: 'custody.deposit_attributed', tx_hash: txHash, wallet },
      `deposit ${txHash} attributed to ${wallet} by the operator`,
    );
    if (outcome.d.status === 'credited') logDeposit(outcome.d, chain?.chain ?? 'rustchain');
    publish([outcome.event]);
    return outcome.d;
  }

  async function unattributed(adminKey: string | null | undefined): Promise<ChainDepositRecord[]> {
    operator.require(adminKey);
    return store.unattributedDeposits();
  }

  /** Runs `tick` every `intervalMs` (never two at once); the returned stop waits for a running tick to end. */
  function start(intervalMs: number): () => Promise<void> {
    if (!chain) return async () => {};
    let running: Promise<void> | null = null;
    const timer = setInterval(() => {
      running ??= tick().finally(() => {
        running = null;
      });
    }, intervalMs);
    timer.unref();
    return async () => {
      clearInterval(timer);
      await running;
    };
  }

  return {
    enabled: chain !== null,
    start,
    withdraw,
    tick,
    report,
    checkReserves: () => checkReserves(requireChain()),
    attribute,
    unattributed,
    deposits: store.depositsOfWallet,
    withdrawals: store.withdrawalsOfWallet,
    findWithdrawal: store.findWithdrawal,
    catchUp: events.walletCatchUp,
  };
}

export type CustodyService = ReturnType<typeof createCustodyService>;
