/**
 * Custody against a model: random sequences of deposits sent on the chain, the chain confirming or voiding
 * transfers, withdrawals (valid and not), lost answers, and custody passes. An in-memory model predicts the
 * answer of every withdrawal request and, after every step, every wallet's balance and every withdrawal's
 * status; after each step the ledger audit (I1–I9) is clean, and after each custody pass the chain holds at
 * least what the market owes (I10). The chain is the stand-in RustChain node, over HTTP.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withdrawRequestSchema } from '../src/custody/requests.js';
import { createRustChainAdapter } from '../src/custody/rustchain-adapter.js';
import { createRustChainClient, rustChainKeyFromSeed, type RustChainKey } from '../src/custody/rustchain.js';
import { MarketError } from '../src/domain/errors.js';
import { walletFromSeed, type Wallet } from '../src/domain/signatures.js';
import { expectLedgerSound, queryValues } from './support/database.js';
import { newNonce, openTestMarket, propertyTimeoutMs } from './support/market.js';
import { startRustChainStandIn, type RustChainStandIn } from './support/rustchain-stand-in.js';

const RUNS = Number(process.env.CUSTODY_PROPERTY_RUNS ?? 100);
// A fixed seed by default: the test also requires the sequences to reach every outcome, and 100 random ones
// sometimes never reach a rate-limited withdrawal (CI saw it once). CUSTODY_PROPERTY_SEED explores others.
const SEED = Number(process.env.CUSTODY_PROPERTY_SEED ?? 1);
const USERS = 3;
const MIN_URTC = 100_000n;
const DAILY_MAX_URTC = 3_000_000n;

type Step =
  | { kind: 'deposit'; user: number; amount: bigint }
  | { kind: 'settle'; pick: number; confirm: boolean }
  | { kind: 'withdraw'; user: number; amount: bigint; reuseNonce: boolean }
  | { kind: 'loseNextAnswer' }
  | { kind: 'tick' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('deposit' as const),
      user: fc.nat(USERS - 1),
      amount: fc.bigInt(1n, 4_000_000n),
    }),
  },
  // Mostly confirmations, so that sequences reach credited deposits and confirmed withdrawals.
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('settle' as const),
      pick: fc.nat(),
      confirm: fc.nat(3).map((n) => n > 0),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('withdraw' as const),
      user: fc.nat(USERS - 1),
      amount: fc.oneof(
        { weight: 1, arbitrary: fc.bigInt(1n, MIN_URTC) },
        { weight: 4, arbitrary: fc.bigInt(MIN_URTC, 2_000_000n) },
      ),
      reuseNonce: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'loseNextAnswer' as const }) },
  { weight: 4, arbitrary: fc.constant({ kind: 'tick' as const }) },
);

interface ModelWithdrawal {
  user: number;
  amount: bigint;
  status: 'pending' | 'sent' | 'confirmed' | 'failed';
  /** Posted once with its answer lost: the chain holds it, the market does not know yet. */
  heldUnknown: boolean;
  txHash: string | null;
}

interface Model {
  available: bigint[];
  withdrawn: bigint[];
  lastNonce: (string | null)[];
  /** Chain deposit hashes and what they are worth, in sending order. */
  deposits: { txHash: string; user: number; amount: bigint; credited: boolean }[];
  withdrawals: ModelWithdrawal[];
  loseNext: boolean;
}

let node: RustChainStandIn;
beforeAll(async () => {
  node = await startRustChainStandIn({ pendingRateLimitMax: 1_000_000 });
});
afterAll(() => node.close());

async function runSequence(steps: Step[]) {
  let now = 1_900_000_000;
  const custody = rustChainKeyFromSeed(randomBytes(32).toString('hex'));
  const client = createRustChainClient({
    url: node.url,
    chainId: node.chainId,
    timeoutMs: 2_000,
    readRetries: 0,
    pendingRequestsMax: 1_000_000,
  });
  const market = await openTestMarket({
    clock: () => now,
    chain: createRustChainAdapter(client, custody),
    withdrawDailyMaxUrtc: DAILY_MAX_URTC,
    // A market per sequence: a writer thread's start (most of a second) per sequence would be most of the run.
    // Custody's units of work on the writer thread are test/custody.test.ts's under TEST_SQLITE_WRITER=thread.
    settings: { SQLITE_WRITER: 'loop' },
  });
  const users: { wallet: Wallet; key: RustChainKey }[] = [];
  for (let i = 0; i < USERS; i++) {
    const seed = randomBytes(32).toString('hex');
    users.push({ wallet: walletFromSeed(seed), key: rustChainKeyFromSeed(seed) });
    node.credit(users[i]!.key.address, 1_000_000_000n);
  }
  const m: Model = {
    available: Array(USERS).fill(0n),
    withdrawn: Array(USERS).fill(0n),
    lastNonce: Array(USERS).fill(null),
    deposits: [],
    withdrawals: [],
    loseNext: false,
  };
  let chainNonce = BigInt(Date.now()) * 1000n;
  const chainStatus = (txHash: string) => node.transfer(txHash)?.status;

  async function expectModel(label: string) {
    for (let u = 0; u < USERS; u++) {
      expect(
        (await market.ledger.read(() => market.ledger.findWallet(users[u]!.wallet.address)))?.availableUrtc ?? 0n,
        `${label}: user ${u} available`,
      ).toBe(m.available[u]);
    }
    const rows = await queryValues<string>(market, 'SELECT status FROM withdrawals ORDER BY id');
    expect(rows, `${label}: withdrawal statuses`).toEqual(m.withdrawals.map((w) => w.status));
    await expectLedgerSound(market, label);
  }

  /** One custody pass as the model sees it: deposits, then the follow-up, then the sender. */
  function predictTick() {
    for (const d of m.deposits) {
      if (!d.credited && chainStatus(d.txHash) === 'confirmed') {
        d.credited = true;
        m.available[d.user]! += d.amount;
      }
    }
    for (const w of m.withdrawals) {
      if (w.status !== 'sent') continue;
      const status = chainStatus(w.txHash!);
      if (status === 'confirmed') w.status = 'confirmed';
      else if (status === 'voided') {
        w.status = 'failed';
        m.available[w.user]! += w.amount;
        m.withdrawn[w.user]! -= w.amount;
      }
    }
  }

  try {
    for (const [i, step] of steps.entries()) {
      const label = `step ${i}: ${JSON.stringify(step, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`;
      switch (step.kind) {
        case 'deposit': {
          const signed = client.signTransfer(users[step.user]!.key, {
            to: custody.address,
            amountUrtc: step.amount,
            nonce: ++chainNonce,
            memo: '',
          });
          await client.sendTransfer(signed);
          m.deposits.push({ txHash: signed.txHash, user: step.user, amount: step.amount, credited: false });
          break;
        }
        case 'settle': {
          const open = node.transfers.filter(
            (t) => t.status === 'pending' && (t.to === custody.address || t.from === custody.address),
          );
          if (open.length === 0) break;
          const t = open[step.pick % open.length]!;
          if (step.confirm) node.confirm(t.txHash);
          else node.void(t.txHash, 'operator');
          break;
        }
        case 'withdraw': {
          const u = step.user;
          const reused = step.reuseNonce && m.lastNonce[u] !== null;
          const nonce = reused ? m.lastNonce[u]! : newNonce();
          const to = walletFromSeed(randomBytes(32).toString('hex')).address;
          const action = {
            action: 'wallet.withdraw',
            wallet: users[u]!.wallet.address,
            to_address: to,
            amount_urtc: step.amount.toString(),
            nonce,
          };
          const w = users[u]!.wallet;
          let expected: string;
          if (step.amount < MIN_URTC) expected = 'INVALID_INPUT';
          else if (reused) expected = 'NONCE_REUSED';
          else if (m.available[u]! < step.amount) expected = 'INSUFFICIENT_FUNDS';
          else if (m.withdrawn[u]! + step.amount > DAILY_MAX_URTC) expected = 'RATE_LIMITED';
          else expected = 'changed';
          let got: string;
          try {
            const req = withdrawRequestSchema.parse({
              wallet: w.address,
              toAddress: to,
              amountUrtc: step.amount.toString(),
              nonce,
              publicKey: w.publicKey,
              signature: w.sign(action),
            });
            await market.custody.withdraw(req);
            got = 'changed';
          } catch (error) {
            if (!(error instanceof MarketError)) throw error;
            got = error.code;
          }
          expect(got, label).toBe(expected);
          reached.add(`withdraw ${got}`);
          if (got === 'changed') {
            m.available[u]! -= step.amount;
            m.withdrawn[u]! += step.amount;
            m.lastNonce[u] = nonce;
            m.withdrawals.push({ user: u, amount: step.amount, status: 'pending', heldUnknown: false, txHash: null });
          }
          break;
        }
        case 'loseNextAnswer':
          m.loseNext = true; // the answer to custody's next transfer is lost (the fault is set just before that pass)
          break;
        case 'tick': {
          predictTick();
          // The sender, oldest first: a transfer held after a lost answer is found by its hash and followed; a new
          // one is sent while the chain's spendable balance covers it and custody is not short; the first that
          // cannot be sent, or whose answer is lost, ends the pass.
          const chainBalance = node.balance(custody.address);
          let inFlight = m.withdrawals.filter((w) => w.status === 'sent').reduce((sum, w) => sum + w.amount, 0n);
          const owed = () =>
            m.available.reduce((sum, v) => sum + v, 0n) +
            m.withdrawals
              .filter((w) => w.status === 'pending' || w.status === 'sent')
              .reduce((sum, w) => sum + w.amount, 0n);
          const expectSent: ModelWithdrawal[] = [];
          let losing = m.loseNext;
          for (const w of m.withdrawals) {
            if (w.status !== 'pending') continue;
            if (w.heldUnknown) {
              const status = chainStatus(w.txHash!);
              w.heldUnknown = false;
              if (status === 'confirmed') w.status = 'confirmed';
              else if (status === 'voided') {
                w.status = 'failed';
                m.available[w.user]! += w.amount;
                m.withdrawn[w.user]! -= w.amount;
              } else {
                w.status = 'sent';
                inFlight += w.amount;
              }
              continue;
            }
            if (chainBalance - inFlight < w.amount || chainBalance < owed()) break;
            expectSent.push(w);
            if (losing) {
              losing = false;
              w.heldUnknown = true;
              reached.add('answer lost');
              break;
            }
            w.status = 'sent';
            inFlight += w.amount;
          }
          // The stand-in is shared: its fault is set only for a pass that posts the transfer whose answer is lost.
          if (expectSent.some((w) => w.heldUnknown))
            node.injectFault({ method: 'POST', path: '/wallet/transfer/signed', kind: 'lose-answer' });
          now += 10;
          const postsBefore = node.transfers.filter((t) => t.from === custody.address).length;
          await market.custody.tick();
          const sentNow = node.transfers.filter((t) => t.from === custody.address).slice(postsBefore);
          expect(
            sentNow.map((t) => t.amountUrtc),
            `${label}: transfers posted`,
          ).toEqual(expectSent.map((w) => w.amount));
          expectSent.forEach((w, k) => (w.txHash = sentNow[k]!.txHash));
          if (expectSent.some((w) => w.heldUnknown)) m.loseNext = false;
          // Every transfer custody ever posted belongs to exactly one withdrawal: none was sent twice.
          const posted = node.transfers.filter((t) => t.from === custody.address).map((t) => t.txHash);
          expect(new Set(posted).size, label).toBe(posted.length);
          expect(posted.length, label).toBe(m.withdrawals.filter((w) => w.txHash !== null).length);
          expect(
            node.balance(custody.address) >= (await market.custody.report()).liabilitiesUrtc,
            `${label}: I10, the chain covers what is owed`,
          ).toBe(true);
          break;
        }
      }
      await expectModel(label);
    }
    for (const w of m.withdrawals) reached.add(`withdrawal ${w.status}`);
    for (const d of m.deposits) reached.add(d.credited ? 'deposit credited' : `deposit ${chainStatus(d.txHash)}`);
  } finally {
    await market.close();
  }
}

/** Outcomes the sequences reached, so that a generator that never gets past the refusals fails the test. */
const reached = new Set<string>();

describe('custody against a model', () => {
  it(
    `predicts every withdrawal answer and every balance, keeps the audit clean and custody covered (${RUNS} sequences)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(stepArb, { maxLength: 60, size: 'max' }), (steps) =>
          runSequence([...steps, { kind: 'tick' }, { kind: 'tick' }]),
        ),
        { numRuns: RUNS, seed: SEED },
      );
      if (RUNS >= 100) {
        const outcomes = [
          'withdraw changed',
          'withdraw INSUFFICIENT_FUNDS',
          'withdraw INVALID_INPUT',
          'withdraw NONCE_REUSED',
          'withdraw RATE_LIMITED',
        ];
        const ends = [
          'withdrawal sent',
          'withdrawal confirmed',
          'withdrawal failed',
          'deposit credited',
          'deposit voided',
          'answer lost',
        ];
        expect([...outcomes, ...ends].filter((o) => !reached.has(o))).toEqual([]);
      }
    },
    propertyTimeoutMs,
  );
});
