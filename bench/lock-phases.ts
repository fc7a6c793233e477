/**
 * Where one lock's and one release's time goes, phase by phase, one request at a time on an in-process market
 * (no HTTP, no concurrency): parse (body text → validated request), verify (canonical JSON + Ed25519 with the
 * strict checks), the ledger's statements and COMMIT (without fsync), event recording (inside the same
 * transaction), the WAL's fsync (one per commit here; under load one covers a batch), and respond (the JSON
 * answer). The statements are those the escrow service issues (src/escrow/service.ts), called directly so
 * that each phase can be timed alone.
 *
 * `npx tsx bench/lock-phases.ts` runs it alone; BENCH_PHASE_RUNS (default 2000) pairs are timed after 200 of warm-up.
 */
import { Readable } from 'node:stream';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { walletFromSeed, verifyActionSignature } from '../src/domain/signatures.js';
import { lockActions, lockRequestSchema, releaseAction, releaseRequestSchema } from '../src/escrow/requests.js';
import { createMarket } from '../src/market.js';
import { escrowJson, parseBody, readJsonObject } from '../src/rest/http.js';
import { envInt, lockBody, migrateDatabase, percentile, releaseBody, runIfMain } from './support.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGroupCommit } from '../src/group-commit.js';
import { createSqliteEngine } from '../src/sql/sqlite.js';

const PHASES = ['parse', 'verify', 'statements', 'event', 'commit', 'fsync', 'respond'] as const;
type PhaseName = (typeof PHASES)[number];
type Samples = Record<PhaseName, number[]>;

const emptySamples = (): Samples => Object.fromEntries(PHASES.map((p) => [p, [] as number[]])) as unknown as Samples;

/** A request body as Node's HTTP server hands it over: a readable stream with headers. */
function requestOf(text: string): IncomingMessage {
  return Object.assign(Readable.from([Buffer.from(text)]), { headers: {} }) as unknown as IncomingMessage;
}

export async function runLockPhaseBench(): Promise<void> {
  const runs = envInt('BENCH_PHASE_RUNS', 2000, 10);
  const dir = mkdtempSync(join(tmpdir(), 'grp-bench-phases-'));
  const file = join(dir, 'phases.db');
  migrateDatabase(`file:${file}`);
  // FULL with the flush off the event loop: COMMIT and fsync can be timed apart.
  const market = createMarket(
    { DATABASE_URL: `file:${file}`, RC_ADMIN_KEY: undefined, SQLITE_SYNCHRONOUS: 'FULL', WAL_SYNC: 'pool' },
    pino({ level: 'silent' }),
  );
  const { ledger, escrowEvents: events } = market;
  const sqlite = market.db.sqlite;
  // The statements driven on this stack, inside the transactions timed below (as the group commit drives them).
  const run = createSqliteEngine(sqlite, createGroupCommit(sqlite)).now;
  const syncWal = market.db.syncWal!;
  const payer = walletFromSeed('be'.repeat(32));
  const provider = walletFromSeed('ef'.repeat(32));
  await ledger.write(() => ledger.deposit(payer.address, 10n ** 15n, 'phases', Math.floor(Date.now() / 1000)));

  const lock = emptySamples();
  const release = emptySamples();
  try {
    for (let i = 0; i < runs + 200; i++) {
      const keep = i >= 200;
      const jobId = `phase-${i}`;
      const lockText = JSON.stringify(lockBody(payer, jobId, provider.address, `pl${i}`));
      const releaseText = JSON.stringify(releaseBody(payer, jobId, `pr${i}`));
      const now = Math.floor(Date.now() / 1000);

      // The lock.
      let t = performance.now();
      const mark = (samples: Samples, phase: PhaseName) => {
        const at = performance.now();
        if (keep) samples[phase].push((at - t) * 1000);
        t = at;
      };
      const lockReq = parseBody(lockRequestSchema, await readJsonObject(requestOf(lockText)));
      mark(lock, 'parse');
      const signer = verifyActionSignature(lockActions(lockReq), lockReq);
      mark(lock, 'verify');
      let escrow = sqlite
        .transaction(() => {
          if (
            run(ledger.findEscrow(jobId)) ||
            !run(ledger.claimNonce(signer, lockReq.nonce, 'escrow.lock', jobId, now))
          )
            throw new Error('not fresh');
          const e = run(
            ledger.lock(
              {
                jobId,
                jobType: lockReq.jobType,
                fromWallet: lockReq.fromWallet,
                toWallet: lockReq.toWallet,
                amountUrtc: lockReq.amountUrtc,
                expiresAt: now + 3600,
                metadata: null,
                units: null,
                unitPriceUrtc: null,
                reviewWindowS: 259_200,
              },
              now,
            ),
          )!;
          mark(lock, 'statements');
          run(events.record(e, 'locked', now));
          mark(lock, 'event');
          return e;
        })
        .immediate();
      mark(lock, 'commit');
      await syncWal();
      mark(lock, 'fsync');
      JSON.stringify({ ok: true, changed: true, ...escrowJson(escrow) });
      mark(lock, 'respond');

      // The release.
      const releaseReq = parseBody(releaseRequestSchema, await readJsonObject(requestOf(releaseText)));
      mark(release, 'parse');
      const releaser = verifyActionSignature(releaseAction(releaseReq), releaseReq);
      mark(release, 'verify');
      escrow = sqlite
        .transaction(() => {
          const before = run(ledger.findEscrow(jobId))!;
          if (!run(ledger.claimNonce(releaser, releaseReq.nonce!, 'escrow.release', jobId, now)))
            throw new Error('not fresh');
          const after = run(
            ledger.settle(
              before,
              { status: 'released', paidUrtc: before.amountUrtc, refundedUrtc: 0n, reason: null, settledBy: 'payer' },
              now,
            ),
          );
          mark(release, 'statements');
          run(events.record(after, 'released', now));
          mark(release, 'event');
          return after;
        })
        .immediate();
      mark(release, 'commit');
      await syncWal();
      mark(release, 'fsync');
      JSON.stringify({ ok: true, changed: true, ...escrowJson(escrow) });
      mark(release, 'respond');
    }
  } finally {
    await market.close();
    rmSync(dir, { recursive: true, force: true });
  }

  console.log('');
  console.log(`lock and release, phase by phase (µs; ${runs} of each, one at a time, in process, synchronous=FULL)`);
  console.log(
    `${'phase'.padEnd(12)}${'lock p50'.padStart(10)}${'lock mean'.padStart(11)}${'release p50'.padStart(13)}${'release mean'.padStart(14)}`,
  );
  const p50 = (xs: number[]) => percentile(Float64Array.from(xs).sort(), 50);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const totals = { lock: 0, release: 0 };
  for (const phase of PHASES) {
    totals.lock += mean(lock[phase]);
    totals.release += mean(release[phase]);
    console.log(
      `${phase.padEnd(12)}${p50(lock[phase]).toFixed(0).padStart(10)}${mean(lock[phase]).toFixed(0).padStart(11)}` +
        `${p50(release[phase]).toFixed(0).padStart(13)}${mean(release[phase]).toFixed(0).padStart(14)}`,
    );
  }
  console.log(
    `${'total'.padEnd(12)}${''.padStart(10)}${totals.lock.toFixed(0).padStart(11)}${''.padStart(13)}${totals.release.toFixed(0).padStart(14)}`,
  );
  console.log(
    '  (commit: the COMMIT without fsync; fsync: the WAL flushed after it; HTTP parsing and writing are not included)',
  );
}

await runIfMain(import.meta.url, 'lock phases', runLockPhaseBench);
