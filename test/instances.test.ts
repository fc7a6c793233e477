/**
 * Three API instances as separate processes (`npm start`: src/start.ts applies the migrations, then serves), each in a
 * working folder of its own (its cwd: the receipt key at the default ./data/receipt.key and the custody key at
 * ./custody.key, the same contents copied into each folder), on one PostgreSQL database (empty until the three start
 * at once and migrate it) and one Redis, with the same RC_ADMIN_KEY. Proved through their HTTP and GraphQL front
 * doors only (the ledger audit excepted, which reads the database):
 * 1. 50 racing release / refund / dispute requests on one delivered escrow, spread over the three, give one outcome:
 *    only 200s and the contract's INVALID_STATE refusals, each change once in the job's events on every instance,
 *    the same balances, receipt and escrow everywhere;
 * 2. a subscriber on instance 1 (Server-Sent Events) is told live of a lock and a release made through instance 3;
 * 3. a custody deposit on the chain (the stand-in RustChain node all three poll) is credited once, and escrows whose
 *    review ends are auto-released once though all three sweep;
 * 4. a fourth instance started with another receipt key refuses to start and says why.
 * Skipped without PostgreSQL (test/support/global-setup.ts) or redis-server (never under CI).
 */
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { graphql } from '../src/client/gql/gql.js';
import { rustChainKeyFromSeed } from '../src/custody/rustchain.js';
import { createPostgresPool } from '../src/db-postgres.js';
import type { Wallet } from '../src/domain/signatures.js';
import { loadOrCreateReceiptKey } from '../src/escrow/receipts.js';
import { auditLedgerOn } from '../src/ledger-invariants.js';
import { createPostgresEngine, type PostgresEngine } from '../src/sql/postgres.js';
import { signedDeliverBody, signedDisputeBody, signedLockBodyWithWindow } from './support/delivery.js';
import { newJobId, newWallet } from './support/market.js';
import { createTestPostgresDatabase, testPostgresServer, type TestPostgresDatabase } from './support/postgres.js';
import { launchServer, spawnServer, type ServerProcess } from './support/process.js';
import { hasRedisServer, startTestRedis, type TestRedis } from './support/redis.js';
import {
  asOperator,
  call,
  deposit,
  signedLockBody,
  signedRefundBody,
  signedReleaseBody,
  type Reply,
} from './support/rest.js';
import { startRustChainStandIn, type RustChainStandIn } from './support/rustchain-stand-in.js';
import { collectWs, type Payload } from './support/subscriptions.js';

const EscrowHistory = graphql(`
  subscription EscrowHistory($jobId: String!, $afterSeq: Int) {
    escrowStatusChanged(jobId: $jobId, afterSeq: $afterSeq) {
      seq
      change
      escrow {
        status
        releasedUrtc
        refundedUrtc
        settledBy
      }
    }
  }
`);

const PayerEscrows = graphql(`
  subscription PayerEscrows($wallet: String!, $afterSeq: Int) {
    escrowEvents(wallet: $wallet, afterSeq: $afterSeq) {
      seq
      change
      escrow {
        jobId
        status
      }
    }
  }
`);

const DepositEvents = graphql(`
  subscription DepositEvents($wallet: String!, $afterSeq: Int) {
    walletEvents(wallet: $wallet, afterSeq: $afterSeq) {
      seq
      change
      deposit {
        txHash
        status
        amountUrtc
      }
    }
  }
`);

type EscrowHistoryEvent = { escrowStatusChanged: { seq: number; change: string; escrow: Record<string, unknown> } };
type PayerEvent = { escrowEvents: { seq: number; change: string; escrow: { jobId: string; status: string } } };
type DepositEvent = {
  walletEvents: { seq: number; change: string; deposit: { txHash: string; status: string; amountUrtc: string } };
};

const postgres = testPostgresServer();
const skipped = !postgres.url
  ? `skipped: ${postgres.unavailable}`
  : !hasRedisServer
    ? 'skipped: redis-server is not installed'
    : null;

const INSTANCES = 3;
const CUSTODY_SEED = '7c'.repeat(32);
const custody = rustChainKeyFromSeed(CUSTODY_SEED);
/** The shortest review window the contract allows: the auto-release escrows are delivered at start, paid a minute later. */
const REVIEW_WINDOW_S = 60;

/** Polls `probe` until it gives a value. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A subscription over Server-Sent Events whose payloads are kept as they arrive, until it is closed. */
async function watchSse<T>(baseUrl: string, query: string, variables: Record<string, unknown>) {
  const abort = new AbortController();
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query, variables }),
    signal: abort.signal,
  });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const payloads: Payload<T>[] = [];
  const reading = (async () => {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true });
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('data: ') && line.length > 'data: '.length)
          payloads.push(JSON.parse(line.slice('data: '.length)) as Payload<T>);
      }
    }
  })().catch((error: unknown) => {
    if (!abort.signal.aborted) throw error;
  });
  return {
    payloads,
    /** The first payload `pick` accepts, once it has arrived. */
    waitFor: (what: string, pick: (p: Payload<T>) => boolean, timeoutMs?: number) =>
      until(what, async () => payloads.find(pick), timeoutMs),
    async close() {
      abort.abort();
      await reading;
    },
  };
}

describe.skipIf(skipped !== null)(
  `three instances, one PostgreSQL database, one Redis${skipped ? ` (${skipped})` : ''}`,
  () => {
    let database: TestPostgresDatabase;
    let redis: TestRedis;
    let node: RustChainStandIn;
    let audit: PostgresEngine;
    let receiptKeyId: string;
    const folders: string[] = [];
    let instances: ServerProcess[] = [];
    const urls = () => instances.map((i) => i.url);
    /** Delivered at start with a one-minute review: the auto-release test checks them last. */
    const autoRelease = { payer: newWallet(), provider: newWallet(), jobIds: [] as string[], claimUrtc: 1_500_000n };

    /** A working folder of an instance: the receipt key (when given) and the custody key, mode 0600. */
    function workingFolder(receiptKeyFile?: string): string {
      const dir = mkdtempSync(join(tmpdir(), 'grp-instance-'));
      folders.push(dir);
      if (receiptKeyFile) {
        mkdirSync(join(dir, 'data'), { mode: 0o700 });
        copyFileSync(receiptKeyFile, join(dir, 'data', 'receipt.key'));
        chmodSync(join(dir, 'data', 'receipt.key'), 0o600);
      }
      writeFileSync(join(dir, 'custody.key'), `${CUSTODY_SEED}\n`, { mode: 0o600 });
      return dir;
    }

    /** What every instance runs with; the folder-relative paths resolve in each one's own folder. */
    const settings = () => ({
      DATABASE_URL: `${database.url}?connection_limit=5`,
      REDIS_URL: redis.url,
      RUSTCHAIN_NODE_URL: node.url,
      RUSTCHAIN_CHAIN_ID: node.chainId,
      CUSTODY_KEY_FILE: './custody.key',
      CUSTODY_POLL_INTERVAL_MS: '100',
      SWEEP_INTERVAL_MS: '100',
    });

    beforeAll(async () => {
      // The three list the chain's pending transfers from one address, within the node's own limit of 12 a minute:
      // they take turns (the custody-listing lease), so none is refused (no custody.tick_failed below).
      node = await startRustChainStandIn();
      node.credit(custody.address, 1_000_000n * 1_000_000n); // what the operator's manual credits below stand for
      redis = await startTestRedis();
      database = await createTestPostgresDatabase({ migrate: false }); // empty: the instances migrate it
      const keyFolder = mkdtempSync(join(tmpdir(), 'grp-receipt-key-'));
      folders.push(keyFolder);
      const receiptKeyFile = join(keyFolder, 'receipt.key');
      receiptKeyId = loadOrCreateReceiptKey(receiptKeyFile).keyId;
      const env = settings();
      instances = await Promise.all(
        Array.from({ length: INSTANCES }, () =>
          spawnServer(database.url, env, {
            entry: 'start',
            cwd: workingFolder(receiptKeyFile),
            startTimeoutMs: 150_000,
          }),
        ),
      );
      audit = createPostgresEngine(createPostgresPool(database.url));

      // The escrows the sweepers pay at the end of their review, a minute from now.
      const { payer, provider } = autoRelease;
      expect((await deposit(urls()[1]!, payer.address, '10')).status).toBe(201);
      for (let k = 0; k < 4; k++) {
        const job_id = newJobId('auto');
        const lock = signedLockBodyWithWindow(
          payer,
          { job_id, to_wallet: provider.address, amount_urtc: '2000000' },
          String(REVIEW_WINDOW_S),
        );
        expect((await call(urls()[k % INSTANCES]!, 'POST', '/render/escrow', lock)).status).toBe(201);
        const delivered = await call(
          urls()[(k + 1) % INSTANCES]!,
          'POST',
          '/render/deliver',
          signedDeliverBody(provider, { job_id, claimed_urtc: String(autoRelease.claimUrtc) }),
        );
        expect(delivered.status, JSON.stringify(delivered.body)).toBe(200);
        autoRelease.jobIds.push(job_id);
      }
    }, 240_000);

    afterAll(async () => {
      const codes = await Promise.all(instances.map((i) => i.stop()));
      await audit?.pool.end();
      await database?.drop();
      await redis?.stop();
      await node?.close();
      for (const dir of folders) rmSync(dir, { recursive: true, force: true });
      expect(codes).toEqual(instances.map(() => 0)); // each stopped gracefully on SIGTERM
    }, 60_000);

    afterEach(async () => {
      // Nothing failed behind the answers: no error logged, no custody pass or sweep that had to be retried.
      const troubles = instances.flatMap((i) =>
        i.logs.filter((line) => /"level":(50|60)|custody\.tick_failed|sweep failed/.test(line)),
      );
      expect(troubles).toEqual([]);
      // The money rules, on the database all three wrote: balances against the journal, escrows, deposits.
      expect(await auditLedgerOn(audit)).toEqual([]);
      for (const url of urls()) {
        const ready = await call(url, 'GET', '/health/ready');
        expect(ready).toMatchObject({ status: 200, body: { ok: true, database: { engine: 'postgres', ok: true } } });
      }
    });

    const balanceOn = async (url: string, w: Wallet) => {
      const r = await call(url, 'GET', `/wallet/balance?wallet=${w.address}`);
      expect(r.status).toBe(200);
      return { available: BigInt(r.body.available_urtc as string), locked: BigInt(r.body.locked_urtc as string) };
    };

    /** The job's events as each instance tells them (catch-up from the start; the stream ends at the settlement). */
    const historiesOf = (jobId: string) =>
      Promise.all(
        urls().map(async (url) =>
          (await collectWs<EscrowHistoryEvent>(url, EscrowHistory.toString(), { jobId, afterSeq: 0 })).map((p) => {
            expect(p.errors).toBeUndefined();
            return p.data!.escrowStatusChanged;
          }),
        ),
      );

    it('every instance signs with the receipt key copied into its folder', async () => {
      const keys = await Promise.all(urls().map((url) => call(url, 'GET', '/receipt-key')));
      expect(keys.map((k) => [k.status, k.body.key_id])).toEqual(urls().map(() => [200, receiptKeyId]));
    });

    it('50 racing release / refund / dispute requests on one delivered escrow, over three instances: one outcome', async () => {
      const [one, two, three] = urls() as [string, string, string];
      const payer = newWallet();
      const provider = newWallet();
      expect((await deposit(one, payer.address, '10')).status).toBe(201);
      const job_id = newJobId('race');
      expect(
        (
          await call(
            two,
            'POST',
            '/render/escrow',
            signedLockBody(payer, { job_id, to_wallet: provider.address, amount_urtc: '2500000' }),
          )
        ).status,
      ).toBe(201);
      const delivered = await call(
        three,
        'POST',
        '/render/deliver',
        signedDeliverBody(provider, { job_id, claimed_urtc: '2000000' }),
      );
      expect(delivered.status, JSON.stringify(delivered.body)).toBe(200);

      // Signed first, sent together in a random order: payer releases, provider refunds, payer disputes and operator
      // refunds, twelve or thirteen of each, spread round robin over the three instances.
      const KINDS = ['payer release', 'provider refund', 'payer dispute', 'operator refund'] as const;
      type Kind = (typeof KINDS)[number];
      const order = Array.from({ length: 50 }, (_, i) => KINDS[i % KINDS.length]!);
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const requests = order.map((kind, i) => {
        const url = urls()[i % INSTANCES]!;
        const send: Record<Kind, () => Promise<Reply>> = {
          'payer release': () => call(url, 'POST', '/render/release', signedReleaseBody(payer, { job_id })),
          'provider refund': () => call(url, 'POST', '/render/refund', signedRefundBody(provider, { job_id })),
          'payer dispute': () => call(url, 'POST', '/render/dispute', signedDisputeBody(payer, { job_id })),
          'operator refund': () => call(url, 'POST', '/render/refund', { job_id }, asOperator),
        };
        return { kind, send: send[kind] };
      });
      const replies = await Promise.all(requests.map((r) => r.send()));

      // Only 200s and the contract's refusal of the other end state (or of a dispute once none is possible).
      for (const r of replies) {
        if (r.status !== 200)
          expect(r, JSON.stringify(r.body)).toMatchObject({ status: 409, body: { error: { code: 'INVALID_STATE' } } });
      }
      const won = replies.flatMap((r, i) => (r.status === 200 && r.body.changed ? [requests[i]!.kind] : []));
      const settledBy = won.filter((kind) => kind !== 'payer dispute');
      expect(settledBy, won.join(', ')).toHaveLength(1);
      expect(won.filter((kind) => kind === 'payer dispute').length).toBeLessThanOrEqual(1);

      // One end state, told alike by the three.
      const finals = await Promise.all(urls().map((url) => call(url, 'GET', `/render/escrow/${job_id}`)));
      const final = finals[0]!.body;
      for (const f of finals) expect(f).toEqual({ status: 200, body: final });
      expect(['released', 'refunded']).toContain(final.status);
      for (const [i, r] of replies.entries()) {
        // A 200 is the end state as it is (a replay of the winner's end state moves nothing) or the dispute that came first.
        if (r.status === 200 && requests[i]!.kind !== 'payer dispute') expect(r.body.status).toBe(final.status);
      }

      // Each change once, in order, in every instance's account of the job.
      const histories = await historiesOf(job_id);
      const disputed = won.includes('payer dispute');
      const changes = ['LOCKED', 'DELIVERED', ...(disputed ? ['DISPUTED'] : []), final.status.toUpperCase()];
      for (const history of histories) {
        expect(history.map((e) => e.change)).toEqual(changes);
        expect(history).toEqual(histories[0]);
        expect(history.map((e) => e.seq)).toEqual([...history.map((e) => e.seq)].sort((a, b) => a - b));
      }

      // The money: once, and the same on every instance.
      const paid = final.status === 'released' ? 2_000_000n : 0n;
      expect(final).toMatchObject({ released_urtc: String(paid), refunded_urtc: String(2_500_000n - paid) });
      for (const url of urls()) {
        expect(await balanceOn(url, payer)).toEqual({ available: 10_000_000n - paid, locked: 0n });
        expect(await balanceOn(url, provider)).toEqual({ available: paid, locked: 0n });
      }
      // One receipt, signed with the one key, whichever instance is asked.
      const receipts = await Promise.all(urls().map((url) => call(url, 'GET', `/render/escrow/${job_id}/receipt`)));
      for (const r of receipts) expect(r).toEqual(receipts[0]);
      expect(receipts[0]!.status).toBe(200);

      const tally = Object.fromEntries(
        KINDS.map((kind) => {
          const mine = replies.filter((_, i) => requests[i]!.kind === kind);
          const ok = mine.filter((r) => r.status === 200);
          return [
            kind,
            `${ok.filter((r) => r.body.changed).length} won, ${ok.length} × 200, ${mine.length - ok.length} × 409`,
          ];
        }),
      );
      if (process.env.RACE_LOG)
        console.log(`race: ${changes.join(' → ')} (settled by ${final.settled_by}); ${JSON.stringify(tally)}`);
    });

    it('a subscriber on instance 1 is told of a lock and a release made through instance 3 (SSE, through Redis)', async () => {
      const [one, , three] = urls() as [string, string, string];
      const payer = newWallet();
      const provider = newWallet();
      expect((await deposit(three, payer.address, '5')).status).toBe(201);
      const lock = (job_id: string) =>
        call(
          three,
          'POST',
          '/render/escrow',
          signedLockBody(payer, { job_id, to_wallet: provider.address, amount_urtc: '1000000' }),
        );
      const earlier = newJobId('earlier');
      expect((await lock(earlier)).status).toBe(201);

      const watch = await watchSse<PayerEvent>(one, PayerEscrows.toString(), { wallet: payer.address, afterSeq: 0 });
      try {
        // The earlier lock comes from the log, read only once the live listener was attached: what follows is live.
        await watch.waitFor('the earlier lock, caught up', (p) => p.data?.escrowEvents.escrow.jobId === earlier);
        const job_id = newJobId('live');
        expect((await lock(job_id)).status).toBe(201);
        await watch.waitFor('the lock on instance 3', (p) => p.data?.escrowEvents.escrow.jobId === job_id);
        const released = await call(three, 'POST', '/render/release', signedReleaseBody(payer, { job_id }));
        expect(released).toMatchObject({ status: 200, body: { changed: true, status: 'released' } });
        await watch.waitFor('the release on instance 3', (p) => p.data?.escrowEvents.change === 'RELEASED');
        await pause(300); // nothing told twice
        expect(
          watch.payloads.map((p) => p.errors ?? [p.data!.escrowEvents.escrow.jobId, p.data!.escrowEvents.change]),
        ).toEqual([
          [earlier, 'LOCKED'],
          [job_id, 'LOCKED'],
          [job_id, 'RELEASED'],
        ]);
      } finally {
        await watch.close();
      }
    });

    it('a custody deposit is seen and credited once though all three instances poll the chain', async () => {
      const senders = Array.from({ length: 3 }, () => newWallet());
      const amounts = senders.map((_, k) => BigInt(k + 1) * 1_000_000n + 7n);
      const txs = senders.map((w, k) => {
        node.credit(w.address, amounts[k]!);
        return node.transferFrom({ from: w.address, to: custody.address, amountUrtc: amounts[k]! }).txHash;
      });
      const depositsOf = async (url: string, w: Wallet) =>
        (await call(url, 'GET', `/wallet/deposits?wallet=${w.address}`)).body.deposits as {
          tx_hash: string;
          status: string;
        }[];
      // Listed (one instance at a time reads the chain's listing, every 7 s), then confirmed on the chain at once.
      for (const w of senders)
        await until('the deposit seen', async () => ((await depositsOf(urls()[0]!, w)).length > 0 ? true : undefined));
      for (const tx of txs) expect(node.confirm(tx)).toBe('confirmed');
      for (const [k, w] of senders.entries()) {
        await until('the deposit credited', async () =>
          (await depositsOf(urls()[k % INSTANCES]!, w))[0]?.status === 'credited' ? true : undefined,
        );
      }
      await pause(1_000); // ten more polls of each instance: a second credit would come now

      for (const [k, w] of senders.entries()) {
        for (const url of urls()) {
          expect(await balanceOn(url, w)).toEqual({ available: amounts[k], locked: 0n });
          expect(await depositsOf(url, w)).toMatchObject([{ tx_hash: txs[k], status: 'credited' }]);
        }
        const watch = await watchSse<DepositEvent>(urls()[k % INSTANCES]!, DepositEvents.toString(), {
          wallet: w.address,
          afterSeq: 0,
        });
        try {
          await watch.waitFor('the credit, caught up', (p) => p.data?.walletEvents.change === 'DEPOSIT_CREDITED');
          await pause(300);
          expect(watch.payloads.map((p) => p.errors ?? p.data!.walletEvents)).toEqual([
            expect.objectContaining({
              change: 'DEPOSIT_PENDING',
              deposit: expect.objectContaining({ txHash: txs[k] }),
            }),
            expect.objectContaining({
              change: 'DEPOSIT_CREDITED',
              deposit: { txHash: txs[k], status: 'CREDITED', amountUrtc: String(amounts[k]) },
            }),
          ]);
        } finally {
          await watch.close();
        }
      }
      const asked = node.requests.filter((q) => txs.some((tx) => q.path === `/wallet/tx/${tx}`)).length;
      if (process.env.RACE_LOG)
        console.log(`deposits: ${txs.length} credited once each; the chain was asked their status ${asked} times`);
    });

    it('an instance started with another receipt key refuses to start and names the receipt key', async () => {
      // A fourth folder without the key: the instance makes a new one, which is not the key the database recorded.
      const cwd = workingFolder();
      const child = launchServer(database.url, settings(), { entry: 'start', cwd });
      let output = '';
      const listening = new Promise<'listening'>((resolve) => {
        const seen = (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('"event":"server.listening"')) resolve('listening');
        };
        child.stdout!.on('data', seen);
        child.stderr!.on('data', seen);
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const outcome = await Promise.race([exited, listening]);
      if (outcome === 'listening') child.kill('SIGTERM');
      await exited;
      expect(outcome, output).not.toBe('listening');
      expect(outcome).toBe(2); // a setting to correct, as every refusal of the configuration
      expect(output).toMatch(/gpu-render-protocol: the receipt key file holds key \w+, but this database's receipts/);
      // The three go on serving, with the key they share.
      for (const url of urls()) expect((await call(url, 'GET', '/receipt-key')).status).toBe(200);
    }, 150_000);

    it(
      'escrows whose review ended are auto-released once though all three instances sweep',
      async () => {
        const { payer, provider, jobIds, claimUrtc } = autoRelease;
        for (const job_id of jobIds) {
          await until(
            `${job_id} auto-released`,
            async () =>
              (await call(urls()[2]!, 'GET', `/render/escrow/${job_id}`)).body.status === 'released' ? true : undefined,
            (REVIEW_WINDOW_S + 60) * 1000,
          );
        }
        await pause(500); // five more sweeps of each instance
        for (const job_id of jobIds) {
          const histories = await historiesOf(job_id);
          for (const history of histories) {
            expect(history.map((e) => e.change)).toEqual(['LOCKED', 'DELIVERED', 'RELEASED']);
            expect(history.at(-1)!.escrow).toEqual({
              status: 'RELEASED',
              releasedUrtc: String(claimUrtc),
              refundedUrtc: String(2_000_000n - claimUrtc),
              settledBy: 'auto',
            });
            expect(history).toEqual(histories[0]);
          }
        }
        const paid = claimUrtc * BigInt(jobIds.length);
        for (const url of urls()) {
          expect(await balanceOn(url, provider)).toEqual({ available: paid, locked: 0n });
          expect(await balanceOn(url, payer)).toEqual({ available: 10_000_000n - paid, locked: 0n });
        }
      },
      (REVIEW_WINDOW_S + 120) * 1000,
    );
  },
);
