/**
 * Custody on PostgreSQL, as three instances of the market would run it: three engines on separate pools
 * (test/support/postgres-engine.ts), each with its own ledger, custody store, event log and custody service, all on
 * one database, against the stand-in RustChain node. A deposit seen by the three at once is recorded and credited
 * once; three instances racing for the sender's lease never send a withdrawal twice; a withdrawal racing a lock
 * (or another withdrawal) for the same money never overdraws, and the daily limit holds across instances. After
 * each test, balances equal the journal's sums (the ledger audit's essence), in plain SQL.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChainAdapter } from '../src/custody/chain.js';
import { createCustodyEventLog, type WalletEventMessage } from '../src/custody/events.js';
import { withdrawRequestSchema } from '../src/custody/requests.js';
import { createRustChainAdapter } from '../src/custody/rustchain-adapter.js';
import { createRustChainClient, rustChainKeyFromSeed, type RustChainKey } from '../src/custody/rustchain.js';
import { createCustodyService, LISTING_INTERVAL_MS, type CustodyService } from '../src/custody/service.js';
import { createCustodyStore, type CustodyStore } from '../src/custody/store.js';
import { MarketError } from '../src/domain/errors.js';
import type { Wallet } from '../src/domain/signatures.js';
import { createEscrowEventLog } from '../src/escrow/events.js';
import { lockRequestSchema } from '../src/escrow/requests.js';
import { createEscrowService, type EscrowService } from '../src/escrow/service.js';
import { createLedger, type Ledger } from '../src/ledger.js';
import { createOperatorGate } from '../src/operator.js';
import { parseBody } from '../src/rest/http.js';
import type { PostgresEngine } from '../src/sql/postgres.js';
import { ADMIN_KEY, newJobId, newNonce, newWallet } from './support/market.js';
import { openTestPostgresEngines, type TestPostgresEngines } from './support/postgres-engine.js';
import { testPostgresServer } from './support/postgres.js';
import { signedLockBody } from './support/rest.js';
import { startRustChainStandIn, type RustChainStandIn } from './support/rustchain-stand-in.js';

const server = testPostgresServer();
const RTC = 1_000_000n;
const INSTANCES = 3;

interface Instance {
  engine: PostgresEngine;
  ledger: Ledger;
  store: CustodyStore;
  custody: CustodyService;
  escrows: EscrowService;
  /** The transfers this instance posted to the chain. */
  posted: string[];
  /** Wallet events it published after their commits. */
  published: WalletEventMessage[];
}

/** Anything custody logs at warn or above, from every instance: a failed tick part is logged, not thrown. */
const warnings: { event?: string; part?: string; err?: string }[] = [];
const log = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });

describe.skipIf(!server.url)(
  server.url ? 'custody on PostgreSQL, three instances' : `custody on PostgreSQL (skipped: ${server.unavailable})`,
  () => {
    let pgEngines: TestPostgresEngines;
    let db: pg.Pool;
    let node: RustChainStandIn;
    let now = 1_800_000_000;
    const clock = () => now;

    beforeAll(async () => {
      node = await startRustChainStandIn({ pendingRateLimitMax: 10_000 });
      pgEngines = await openTestPostgresEngines(INSTANCES);
      db = new pg.Pool({ connectionString: pgEngines.url, max: 2 });
    });

    afterAll(async () => {
      await db?.end();
      await pgEngines?.close();
      await node?.close();
    });

    beforeEach(() => {
      now += 60; // the sender lease of an earlier test's instances lapses
    });

    afterEach(async () => {
      expect(warnings.filter((w) => w.event === 'custody.tick_failed')).toEqual([]);
      expect(await auditViolations()).toEqual([]);
      warnings.length = 0;
    });

    const rows = async <R extends Record<string, unknown>>(text: string, values: unknown[] = []) =>
      (await db.query<R>(text, values)).rows;

    /**
     * The audit's essence (src/ledger-invariants.ts), in plain SQL: every wallet's available balance is what the
     * journal brought it net (I2) and its locked balance what its open escrows still hold (I3); every escrow and
     * open withdrawal account holds what its row says; the chain's account moved exactly the credited deposits and
     * the confirmed withdrawals; each deposit was credited once if credited, each withdrawal debited once (I9).
     */
    async function auditViolations(): Promise<string[]> {
      /** What the journal brought `account` (an SQL expression) net: in minus out. */
      const net = (account: string) =>
        `COALESCE((SELECT SUM(amount_urtc) FROM journal WHERE to_account = ${account}), 0)
         - COALESCE((SELECT SUM(amount_urtc) FROM journal WHERE from_account = ${account}), 0)`;
      const remaining = '(amount_urtc - released_urtc - refunded_urtc)';
      const open = "status IN ('locked', 'delivered', 'disputed')";
      const balances = await rows<{ what: string; held: string; expected: string }>(
        `SELECT what, held, expected FROM (
           SELECT w.address AS what, w.available_urtc AS held, ${net('w.address')} AS expected FROM wallets AS w
           UNION ALL
           SELECT 'locked of ' || w.address, w.locked_urtc,
                  (SELECT COALESCE(SUM(${remaining}), 0) FROM render_escrow WHERE from_wallet = w.address AND ${open})
             FROM wallets AS w
           UNION ALL
           SELECT 'escrow:' || e.job_id,
                  CASE WHEN e.status IN ('locked', 'delivered', 'disputed')
                       THEN e.amount_urtc - e.released_urtc - e.refunded_urtc ELSE 0 END,
                  ${net("'escrow:' || e.job_id")}
             FROM render_escrow AS e
           UNION ALL
           SELECT 'withdrawal:' || w.id, CASE WHEN w.status IN ('pending', 'sent') THEN w.amount_urtc ELSE 0 END,
                  ${net("'withdrawal:' || w.id")}
             FROM withdrawals AS w
           UNION ALL
           SELECT 'chain:rustchain',
                  (SELECT COALESCE(SUM(amount_urtc), 0) FROM withdrawals WHERE status = 'confirmed')
                  - (SELECT COALESCE(SUM(amount_urtc), 0) FROM chain_deposits WHERE status = 'credited'),
                  ${net("'chain:rustchain'")}
           UNION ALL
           SELECT 'credits of deposit ' || d.tx_hash, CASE WHEN d.status = 'credited' THEN 1 ELSE 0 END,
                  (SELECT COUNT(*) FROM journal WHERE kind = 'chain_deposit' AND reference = d.tx_hash)
             FROM chain_deposits AS d
           UNION ALL
           SELECT 'debits of withdrawal ' || w.id, 1,
                  (SELECT COUNT(*) FROM journal WHERE kind = 'withdrawal' AND to_account = 'withdrawal:' || w.id)
             FROM withdrawals AS w
         ) AS balances`,
      );
      const negative = await rows<{ address: string }>(
        'SELECT address FROM wallets WHERE available_urtc < 0 OR locked_urtc < 0',
      );
      return [
        ...balances
          .filter((r) => BigInt(r.held) !== BigInt(r.expected))
          .map((r) => `${r.what}: ${r.held}, the journal says ${r.expected}`),
        ...negative.map((r) => `${r.address} is negative`),
      ];
    }

    /** Three instances of the market, each on its own pool, for one custody wallet on the chain. */
    function instances(custodyKey: RustChainKey, withdrawDailyMaxUrtc = 1_000_000n * RTC): Instance[] {
      return pgEngines.engines.map((engine) => {
        const posted: string[] = [];
        const published: WalletEventMessage[] = [];
        const client = createRustChainClient({
          url: node.url,
          chainId: node.chainId,
          timeoutMs: 2_000,
          readRetries: 0,
          pendingRequestsMax: 10_000,
        });
        const adapter = createRustChainAdapter(client, custodyKey);
        const chain: ChainAdapter = {
          ...adapter,
          postTransfer: (prepared) => {
            posted.push(prepared.txHash);
            return adapter.postTransfer(prepared);
          },
        };
        const ledger = createLedger(engine);
        const store = createCustodyStore(engine, chain.chain);
        const operator = createOperatorGate(ADMIN_KEY);
        const custody = createCustodyService({
          chain,
          store,
          ledger,
          operator,
          events: createCustodyEventLog(engine),
          limits: { withdrawMinUrtc: 100_000n, withdrawDailyMaxUrtc },
          clock,
          log,
          onEvent: (event) => published.push(event),
        });
        const escrows = createEscrowService({
          ledger,
          operator,
          clock,
          log,
          events: createEscrowEventLog(engine),
          onChange: () => {},
        });
        return { engine, ledger, store, custody, escrows, posted, published };
      });
    }

    const newCustodyKey = () => rustChainKeyFromSeed(randomBytes(32).toString('hex'));

    /** Every instance runs one custody pass at the same time, after the clock moved past the listing interval. */
    async function tickAll(all: Instance[]) {
      now += LISTING_INTERVAL_MS / 1000;
      await Promise.all(all.map((i) => i.custody.tick()));
    }

    /** Money into a wallet by the operator's manual credit (the ledger's deposit), on one instance. */
    const credit = (i: Instance, wallet: string, amountUrtc: bigint) =>
      i.ledger.write(() => i.ledger.deposit(wallet, amountUrtc, `ref-${randomBytes(6).toString('hex')}`, now));

    function withdrawal(w: Wallet, amountUrtc: bigint, toAddress = newWallet().address) {
      const action = {
        action: 'wallet.withdraw',
        wallet: w.address,
        to_address: toAddress,
        amount_urtc: amountUrtc.toString(),
        nonce: newNonce(),
      };
      const { action: _a, ...body } = action;
      return parseBody(withdrawRequestSchema, { ...body, public_key: w.publicKey, signature: w.sign(action) });
    }

    function lock(payer: Wallet, amountUrtc: bigint) {
      return parseBody(
        lockRequestSchema,
        signedLockBody(payer, { job_id: newJobId(), to_wallet: newWallet().address, amount_urtc: String(amountUrtc) }),
      );
    }

    /** What a request came to: ok, or its error code. */
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (error: unknown) => {
          if (error instanceof MarketError) return error.code;
          throw error;
        },
      );

    /** Whether a unit of work committed, or the message it failed with. */
    const outcomeOf = (p: Promise<unknown>) =>
      p.then(
        () => 'ok',
        (error: unknown) => (error as Error).message,
      );

    const walletRow = async (address: string) =>
      (await rows('SELECT available_urtc, locked_urtc FROM wallets WHERE address = $1', [address]))[0];

    it('a deposit seen by three instances at once is recorded, credited and announced once', async () => {
      const custodyKey = newCustodyKey();
      const all = instances(custodyKey);
      const senders = Array.from({ length: 6 }, () => newWallet());
      const amounts = senders.map((_, k) => BigInt(k + 1) * RTC + 123n);
      const txs = senders.map((w, k) => {
        node.credit(w.address, amounts[k]!);
        return node.transferFrom({ from: w.address, to: custodyKey.address, amountUrtc: amounts[k]! }).txHash;
      });

      await tickAll(all); // all three list the same pending transfers at once
      const seen = await rows<{ tx_hash: string; status: string }>(
        'SELECT tx_hash, status FROM chain_deposits WHERE tx_hash = ANY($1) ORDER BY tx_hash',
        [txs],
      );
      expect(seen.map((r) => [r.tx_hash, r.status])).toEqual([...txs].sort().map((tx) => [tx, 'pending']));
      const pendingEvents = all.flatMap((i) => i.published).filter((e) => e.change === 'deposit_pending');
      expect(pendingEvents.map((e) => e.deposit!.txHash).sort()).toEqual([...txs].sort());

      for (const tx of txs) expect(node.confirm(tx)).toBe('confirmed');
      await tickAll(all); // and all three settle them at once
      await tickAll(all); // and once more: nothing left to credit

      for (const [k, w] of senders.entries()) {
        expect(await walletRow(w.address)).toEqual({ available_urtc: String(amounts[k]), locked_urtc: '0' });
      }
      const journal = await rows<{ reference: string; amount_urtc: string; from_account: string; to_account: string }>(
        "SELECT reference, amount_urtc, from_account, to_account FROM journal WHERE kind = 'chain_deposit' AND reference = ANY($1) ORDER BY reference",
        [txs],
      );
      expect(journal).toEqual(
        senders
          .map((w, k) => ({
            reference: txs[k]!,
            amount_urtc: String(amounts[k]),
            from_account: 'chain:rustchain',
            to_account: w.address,
          }))
          .sort((a, b) => (a.reference < b.reference ? -1 : 1)),
      );
      const stored = await rows<{ change: string; n: string }>(
        `SELECT change, COUNT(*) AS n FROM market_events WHERE topic = 'wallet' AND from_wallet = ANY($1)
         GROUP BY change ORDER BY change`,
        [senders.map((w) => w.address)],
      );
      expect(stored).toEqual([
        { change: 'deposit_credited', n: String(txs.length) },
        { change: 'deposit_pending', n: String(txs.length) },
      ]);
      const credited = all.flatMap((i) => i.published).filter((e) => e.change === 'deposit_credited');
      expect(credited.map((e) => e.deposit!.txHash).sort()).toEqual([...txs].sort());

      // The reads behind GraphQL and REST, on PostgreSQL: pages, catch-up, proof of reserves.
      const [first] = senders;
      const mine = await all[1]!.custody.deposits(first!.address, 10);
      expect(mine).toMatchObject([
        { txHash: txs[0], wallet: first!.address, status: 'credited', amountUrtc: amounts[0] },
      ]);
      expect(await all[2]!.custody.deposits(first!.address, 10, { seenAt: mine[0]!.seenAt, txHash: txs[0]! })).toEqual(
        [],
      );
      const catchUp = all[2]!.custody.catchUp(first!.address, 0);
      expect(await catchUp.purgedAfter(0)).toBe(false);
      expect((await catchUp.page(0, 500)).map((e) => e.change)).toEqual(['deposit_pending', 'deposit_credited']);
      const [owed] = await rows<{ total: string }>(
        `SELECT (SELECT COALESCE(SUM(available_urtc + locked_urtc), 0) FROM wallets)
              + (SELECT COALESCE(SUM(bonded_urtc + unbonding_urtc + slashed_urtc), 0) FROM node_bonds)
              + (SELECT COALESCE(SUM(amount_urtc), 0) FROM withdrawals WHERE status IN ('pending', 'sent')) AS total`,
      );
      expect((await all[0]!.custody.report()).liabilitiesUrtc).toBe(BigInt(owed!.total));
    });

    it('the operator attributing a deposit while the watchers settle it credits it once; voided money never moves, a voided withdrawal comes back once', async () => {
      const custodyKey = newCustodyKey();
      node.credit(custodyKey.address, 10_000_000n * RTC);
      const all = instances(custodyKey);
      const owner = newWallet();
      const voider = newWallet();
      node.credit('founder_community', 4n * RTC);
      node.credit(voider.address, 2n * RTC);
      const nameless = node.transferFrom({ from: 'founder_community', to: custodyKey.address, amountUrtc: 4n * RTC });
      const voided = node.transferFrom({ from: voider.address, to: custodyKey.address, amountUrtc: 2n * RTC });
      await tickAll(all);
      expect((await all[2]!.custody.unattributed(ADMIN_KEY)).map((d) => d.txHash)).toContain(nameless.txHash);

      node.confirm(nameless.txHash);
      node.void(voided.txHash);
      // The operator names the wallet on one instance while all three settle: whichever comes first, one credit.
      const [attributed] = await Promise.all([
        all[1]!.custody.attribute(nameless.txHash, owner.address, ADMIN_KEY),
        tickAll(all),
      ]);
      expect(attributed).toMatchObject({ txHash: nameless.txHash, wallet: owner.address });
      await tickAll(all);
      expect(await walletRow(owner.address)).toEqual({ available_urtc: String(4n * RTC), locked_urtc: '0' });
      expect((await all[0]!.custody.unattributed(ADMIN_KEY)).map((d) => d.txHash)).not.toContain(nameless.txHash);
      expect(
        await rows('SELECT tx_hash, status, wallet FROM chain_deposits WHERE tx_hash = ANY($1) ORDER BY status', [
          [nameless.txHash, voided.txHash],
        ]),
      ).toEqual([
        { tx_hash: nameless.txHash, status: 'credited', wallet: owner.address },
        { tx_hash: voided.txHash, status: 'voided', wallet: voider.address },
      ]);
      expect(await walletRow(voider.address)).toBeUndefined(); // never credited, so never given a wallet row
      const voiderEvents = await all[0]!.custody.catchUp(voider.address, 0).page(0, 500);
      expect(voiderEvents.map((e) => e.change)).toEqual(['deposit_pending', 'deposit_voided']);

      // A withdrawal the chain takes, then voids: the money comes back to the wallet once, whoever follows it.
      const w = await all[0]!.custody.withdraw(withdrawal(owner, 1n * RTC));
      await tickAll(all);
      const sent = await all[1]!.custody.withdrawals(owner.address, 10);
      expect(sent).toMatchObject([{ id: w.id, status: 'sent' }]);
      expect(await all[2]!.custody.withdrawals(owner.address, 10, w.id)).toEqual([]);
      node.void(sent[0]!.txHash!);
      await tickAll(all);
      await tickAll(all);
      expect(await all[2]!.custody.withdrawals(owner.address, 10)).toMatchObject([{ id: w.id, status: 'failed' }]);
      expect(await walletRow(owner.address)).toEqual({ available_urtc: String(4n * RTC), locked_urtc: '0' });
      expect(
        await rows('SELECT kind, amount_urtc FROM journal WHERE from_account = $1 OR to_account = $1 ORDER BY id', [
          `withdrawal:${w.id}`,
        ]),
      ).toEqual([
        { kind: 'withdrawal', amount_urtc: String(1n * RTC) },
        { kind: 'withdrawal_failed', amount_urtc: String(1n * RTC) },
      ]);
    });

    it('exactly one instance holds the sender lease, however many ask at once, until it lapses', async () => {
      const stores = pgEngines.engines.map((e) => createCustodyStore(e, 'rustchain'));
      const T = now;
      for (let round = 0; round < 20; round++) {
        const name = `race-${round}`;
        const held = await Promise.all(
          stores.map((s, k) => s.write(() => s.acquireLease(name, `holder-${k}`, T, T + 30))),
        );
        expect(held.filter(Boolean), `round ${round}`).toHaveLength(1);
        const holder = held.indexOf(true);
        // Renewed by its holder, refused to the others while it runs; taken by exactly one other once it lapsed.
        const renewed = await Promise.all(
          stores.map((s, k) => s.write(() => s.acquireLease(name, `holder-${k}`, T + 10, T + 40))),
        );
        expect(renewed, `round ${round}`).toEqual(stores.map((_, k) => k === holder));
        const after = await Promise.all(
          stores.map((s, k) =>
            k === holder ? Promise.resolve(false) : s.write(() => s.acquireLease(name, `holder-${k}`, T + 40, T + 70)),
          ),
        );
        expect(after.filter(Boolean), `round ${round}`).toHaveLength(1);
        const [row] = await rows('SELECT holder, expires_at FROM leases WHERE name = $1', [name]);
        // expires_at is int8: a string from this plain pool.
        expect({ ...row, expires_at: Number(row!.expires_at) }).toEqual({
          holder: `holder-${after.indexOf(true)}`,
          expires_at: T + 70,
        });
      }
    });

    it('three instances racing to send withdrawals send each exactly once, all from the lease holder', async () => {
      const custodyKey = newCustodyKey();
      node.credit(custodyKey.address, 10_000_000n * RTC); // covers whatever the market owes
      const all = instances(custodyKey);
      const users = Array.from({ length: 3 }, () => newWallet());
      for (const u of users) await credit(all[0]!, u.address, 10n * RTC);

      // Withdrawals asked of every instance at once.
      const requests = users.flatMap((u, k) => [1n, 2n].map((rtc, j) => ({ i: all[(k + j) % INSTANCES]!, u, rtc })));
      const answers = await Promise.all(requests.map((r) => r.i.custody.withdraw(withdrawal(r.u, r.rtc * RTC))));
      expect(new Set(answers.map((w) => w.id)).size).toBe(requests.length);

      for (let round = 0; round < 4; round++) await tickAll(all);

      const stored = await rows<{ id: number; status: string; tx_hash: string }>(
        'SELECT id, status, tx_hash FROM withdrawals WHERE id = ANY($1) ORDER BY id',
        [answers.map((w) => w.id)],
      );
      expect(stored.map((w) => w.status)).toEqual(answers.map(() => 'sent'));
      // One transfer on the chain per withdrawal, none twice, each the one its row stores.
      const onChain = node.transfers.filter((t) => t.from === custodyKey.address);
      expect(onChain.map((t) => t.txHash).sort()).toEqual(stored.map((w) => w.tx_hash).sort());
      const senders = all.filter((i) => i.posted.length > 0);
      expect(senders).toHaveLength(1);
      expect(new Set(senders[0]!.posted).size).toBe(senders[0]!.posted.length);
      expect(all.flatMap((i) => i.published).filter((e) => e.change === 'withdrawal_sent')).toHaveLength(
        answers.length,
      );

      // Confirmed on the chain: followed by all three at once, the money leaves custody once.
      for (const t of onChain) node.confirm(t.txHash);
      await tickAll(all);
      const confirmed = await rows<{ n: string }>(
        "SELECT COUNT(*) AS n FROM journal WHERE kind = 'withdrawal_confirmed' AND reference = ANY($1)",
        [stored.map((w) => w.tx_hash)],
      );
      expect(confirmed).toEqual([{ n: String(answers.length) }]);
      for (const u of users)
        expect(await walletRow(u.address)).toEqual({ available_urtc: String(7n * RTC), locked_urtc: '0' });
    });

    it("a withdrawal's transfer is stored once, however many senders prepare it at once (a lapsed lease)", async () => {
      const all = instances(newCustodyKey());
      const payer = newWallet();
      await credit(all[0]!, payer.address, 2n * RTC);
      const w = await all[0]!.custody.withdraw(withdrawal(payer, 1n * RTC));
      const base = BigInt(now) * 1_000_000n;
      const prepared = await Promise.all(
        all.map((i, k) =>
          outcomeOf(
            i.store.write(() => i.store.prepareTransfer(w.id, base + BigInt(k), `hash-${w.id}-${k}`, `body-${k}`)),
          ),
        ),
      );
      expect(prepared.filter((p) => p === 'ok')).toHaveLength(1);
      const winner = prepared.indexOf('ok');
      expect(prepared.filter((p) => p !== 'ok')).toEqual([
        `custody: withdrawal ${w.id} is no longer pending without a transfer`,
        `custody: withdrawal ${w.id} is no longer pending without a transfer`,
      ]);
      const [row] = await rows('SELECT tx_hash, custody_nonce, transfer_body FROM withdrawals WHERE id = $1', [w.id]);
      expect(row).toEqual({
        tx_hash: `hash-${w.id}-${winner}`,
        custody_nonce: String(base + BigInt(winner)),
        transfer_body: `body-${winner}`,
      });
      // Never posted: the money goes back, so that later custody passes have nothing to send.
      await all[1]!.store.write(() => all[1]!.store.failWithdrawal(w.id, 'test: never posted', now));
      expect(await walletRow(payer.address)).toEqual({ available_urtc: String(2n * RTC), locked_urtc: '0' });
    });

    it('a withdrawal racing a lock (and another withdrawal) for the same money never overdraws', async () => {
      const all = instances(newCustodyKey());
      for (let round = 0; round < 10; round++) {
        const payer = newWallet();
        await credit(all[0]!, payer.address, 5n * RTC);
        const answers = await Promise.all([
          outcome(all[0]!.custody.withdraw(withdrawal(payer, 5n * RTC))),
          outcome(all[1]!.escrows.lock(lock(payer, 5n * RTC))),
          outcome(all[2]!.custody.withdraw(withdrawal(payer, 3n * RTC))),
        ]);
        expect(
          answers.filter((a) => a === 'ok'),
          `round ${round}: ${answers.join(', ')}`,
        ).toHaveLength(1);
        expect(
          answers.filter((a) => a !== 'ok').every((a) => a === 'INSUFFICIENT_FUNDS'),
          answers.join(', '),
        ).toBe(true);
        const [held] = await rows<{ withdrawn: string; locked: string }>(
          `SELECT (SELECT COALESCE(SUM(amount_urtc), 0) FROM withdrawals WHERE wallet = $1) AS withdrawn,
                  (SELECT COALESCE(SUM(amount_urtc), 0) FROM render_escrow WHERE from_wallet = $1) AS locked`,
          [payer.address],
        );
        const wallet = await walletRow(payer.address);
        expect(BigInt(wallet!.available_urtc as string) + BigInt(held!.withdrawn) + BigInt(held!.locked)).toBe(
          5n * RTC,
        );
        expect(BigInt(wallet!.locked_urtc as string)).toBe(BigInt(held!.locked));
      }
    });

    it("the daily withdrawal limit holds across instances: concurrent withdrawals see each other's", async () => {
      const all = instances(newCustodyKey(), 1n * RTC);
      for (let round = 0; round < 5; round++) {
        const payer = newWallet();
        await credit(all[0]!, payer.address, 5n * RTC);
        const answers = await Promise.all(
          all.map((i) => outcome(i.custody.withdraw(withdrawal(payer, 600_000n)))), // each alone is within the limit
        );
        expect([...answers].sort(), `round ${round}`).toEqual(['RATE_LIMITED', 'RATE_LIMITED', 'ok']);
        expect(await walletRow(payer.address)).toEqual({
          available_urtc: String(5n * RTC - 600_000n),
          locked_urtc: '0',
        });
      }
    });
  },
);
