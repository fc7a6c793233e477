/**
 * Durability under load with the real server process (src/main.ts, synchronous=FULL, signatures verified on worker
 * threads): loops of lock → release run against it, it is killed with SIGKILL in the middle of them, and
 * restarted on the same database. Every lock answered 201 and every release answered 200 must be in the database,
 * and the ledger audit (conservation included) must be clean. Answers that never arrived may or may not have
 * happened; each of them is whole or absent. Every place FULL's fsync can run is covered: inside the COMMIT
 * (WAL_SYNC=commit), off the event loop, where answering only after the flush is our own code (WAL_SYNC=pool, the
 * default), and on the SQLite writer thread, whose answers cross to the event loop after its flush
 * (SQLITE_WRITER=thread).
 *
 * Long by design: DURABILITY_LOAD_MS of load per mode (20 s by default), then a restart.
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sqliteFilePath } from '../src/db.js';
import { auditLedger } from '../src/ledger-invariants.js';
import { freshDatabaseUrl, newJobId, newWallet, onPostgres } from './support/market.js';
import { spawnServer } from './support/process.js';
import { call, deposit, signedLockBody, signedReleaseBody } from './support/rest.js';

const LOOPS = 16;
const LOAD_MS = Number(process.env.DURABILITY_LOAD_MS ?? 20_000);

// The fsync of SQLite's WAL file (WAL_SYNC) when the process is killed: PostgreSQL's durability is its own server's.
const MODES = [
  { WAL_SYNC: 'commit', SQLITE_WRITER: 'loop' },
  { WAL_SYNC: 'pool', SQLITE_WRITER: 'loop' },
  { WAL_SYNC: 'pool', SQLITE_WRITER: 'thread' },
];
describe.skipIf(onPostgres).each(MODES)('SQLite WAL_SYNC=$WAL_SYNC SQLITE_WRITER=$SQLITE_WRITER', (mode) => {
  it(
    'kill -9 during lock+release load: every acknowledged lock and release survives, the ledger balances',
    { timeout: 120_000 },
    async () => {
      const databaseUrl = freshDatabaseUrl();
      const env = { LOG_LEVEL: 'info', ...mode };
      const server = await spawnServer(databaseUrl, env);
      const provider = newWallet();
      const payers = Array.from({ length: LOOPS }, () => newWallet());
      for (const p of payers) expect((await deposit(server.url, p.address, '1000')).status).toBe(201);

      const locked = new Set<string>(); // answered 201
      const released = new Set<string>(); // answered 200, status released
      let killed = false;
      let unanswered = 0;

      async function loop(payer: (typeof payers)[number]) {
        while (!killed) {
          const jobId = newJobId('kill');
          try {
            const lock = await call(
              server.url,
              'POST',
              '/render/escrow',
              signedLockBody(payer, { job_id: jobId, to_wallet: provider.address, amount_urtc: '1000' }),
            );
            if (lock.status !== 201) throw new Error(`lock answered ${lock.status}: ${JSON.stringify(lock.body)}`);
            locked.add(jobId);
            const release = await call(
              server.url,
              'POST',
              '/render/release',
              signedReleaseBody(payer, { job_id: jobId }),
            );
            if (release.status !== 200)
              throw new Error(`release answered ${release.status}: ${JSON.stringify(release.body)}`);
            expect(release.body.status).toBe('released');
            released.add(jobId);
          } catch (error) {
            if (!killed) throw error;
            unanswered += 1; // the connection died with the server: no answer, no promise made
          }
        }
      }

      const loops = payers.map(loop);
      await new Promise((r) => setTimeout(r, LOAD_MS));
      killed = true;
      server.child.kill('SIGKILL');
      await Promise.all(loops);
      await new Promise<void>((r) =>
        server.child.exitCode !== null || server.child.signalCode !== null ? r() : server.child.once('exit', () => r()),
      );
      expect(server.child.signalCode).toBe('SIGKILL');
      expect(released.size).toBeGreaterThan(0);

      // The restart recovers the WAL and audits the ledger before it listens (it refuses to start on a violation).
      const restarted = await spawnServer(databaseUrl, env);
      try {
        const db = new Database(sqliteFilePath(databaseUrl), { readonly: true });
        db.defaultSafeIntegers(true);
        try {
          const status = db.prepare('SELECT status FROM render_escrow WHERE job_id = ?').pluck();
          const missingLocks = [...locked].filter((jobId) => status.get(jobId) === undefined);
          const unreleased = [...released].filter((jobId) => status.get(jobId) !== 'released');
          expect(missingLocks).toEqual([]);
          expect(unreleased).toEqual([]);
          expect(auditLedger(db)).toEqual([]);
          // Conservation in money terms: what the payers deposited is in their wallets, the provider's, or still locked.
          const total = db.prepare('SELECT SUM(available_urtc + locked_urtc) FROM wallets').pluck().get() as bigint;
          expect(total).toBe(BigInt(LOOPS) * 1_000_000_000n);
        } finally {
          db.close();
        }
        // And the restarted server serves: a fresh lock by a funded payer.
        const after = await call(
          restarted.url,
          'POST',
          '/render/escrow',
          signedLockBody(payers[0]!, { job_id: newJobId('after'), to_wallet: provider.address, amount_urtc: '1000' }),
        );
        expect(after.status).toBe(201);
      } finally {
        await restarted.stop();
      }
      console.log(
        `durability (WAL_SYNC=${mode.WAL_SYNC}, SQLITE_WRITER=${mode.SQLITE_WRITER}): ${locked.size} locks and ${released.size} releases acknowledged before the kill; ${unanswered} requests unanswered`,
      );
    },
  );
});
