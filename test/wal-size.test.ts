/**
 * The WAL stays short while the checkpointer thread runs. SQLite starts the WAL over only when a write begins with
 * every frame copied into the database, which a thread copying beside a busy writer rarely sees; the writing
 * connection's own automatic checkpoint at the WAL's limit is what starts it over then (src/workers/checkpointer.ts).
 * Here the thread never passes (its interval is an hour): the worst case, a thread always overtaken. And should the
 * thread die, the writing connection checkpoints as SQLite does by default again.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createDatabaseFile, openWritingConnection, WAL_LIMIT_BYTES } from '../src/sql/sqlite-connection.js';
import { AUTOCHECKPOINT_PAGES, startCheckpointer, walLimitPages } from '../src/workers/checkpointer.js';

const log = pino({ level: 'silent' });

/** The WAL header's checkpoint sequence: SQLite adds one each time it starts the WAL over. */
function walRestarts(file: string): number {
  return readFileSync(`${file}-wal`).readUInt32BE(12);
}

describe('the WAL while the checkpointer thread runs', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('starts over once a COMMIT passes its limit, so the WAL file stays near the limit, and loses no row', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'grp-wal-size-')), 'wal.db');
    createDatabaseFile(file);
    const connection = openWritingConnection(file, 'FULL', 'pool');
    cleanups.push(() => connection.close());
    const db = connection.sqlite;
    db.exec('CREATE TABLE payload (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
    const frameBytes = Number(db.pragma('page_size', { simple: true })) + 24;
    expect(Number(db.pragma('journal_size_limit', { simple: true }))).toBe(WAL_LIMIT_BYTES);

    const limitPages = 300; // the market passes walLimitPages(page size)
    const checkpointer = startCheckpointer((pages) => db.pragma(`wal_autocheckpoint = ${pages}`), file, log, {
      intervalMs: 3_600_000,
      limitPages,
    });
    cleanups.push(() => checkpointer.close());
    expect(Number(db.pragma('wal_autocheckpoint', { simple: true }))).toBe(limitPages);

    const insert = db.prepare('INSERT INTO payload (body) VALUES (?)');
    const write = db.transaction((rows: number) => {
      for (let i = 0; i < rows; i++) insert.run(Buffer.alloc(900, i % 251)); // about a frame a row at 1 KiB pages
    });
    const transactions = 200;
    const rowsPerTransaction = 20; // about 4,200 frames in all, 14 times the limit
    for (let t = 0; t < transactions; t++) write(rowsPerTransaction);
    await connection.syncWal!();

    // Without the limit the file holds every frame written (5 MB here); with it, the WAL starts over as soon as a
    // COMMIT passes the limit, so it never holds much more than the limit and one transaction.
    expect(statSync(`${file}-wal`).size).toBeLessThanOrEqual(
      32 + (limitPages + 2 * (rowsPerTransaction + 5)) * frameBytes,
    );
    expect(walRestarts(file)).toBeGreaterThanOrEqual(10);
    expect(db.prepare('SELECT count(*) AS n FROM payload').get()).toEqual({
      n: BigInt(transactions * rowsPerTransaction),
    });
  });

  it('should the thread die, the writing connection checkpoints every AUTOCHECKPOINT_PAGES pages again', async () => {
    const settings: number[] = [];
    let fellBack!: () => void;
    const fallback = new Promise<void>((resolve, reject) => {
      fellBack = resolve;
      setTimeout(() => reject(new Error('the writing connection never got its checkpoints back')), 10_000).unref();
    });
    // A file in a folder that does not exist: the thread cannot open it and dies at once.
    const checkpointer = startCheckpointer(
      (pages) => {
        settings.push(pages);
        if (pages === AUTOCHECKPOINT_PAGES) fellBack();
      },
      join(tmpdir(), 'grp-no-such-folder', 'absent', 'wal.db'),
      log,
      { limitPages: 300 },
    );
    cleanups.push(() => checkpointer.close());
    await fallback;
    expect(settings).toEqual([300, AUTOCHECKPOINT_PAGES]);
  });

  it('the limit is WAL_LIMIT_BYTES of frames, header included, at any page size', () => {
    for (const pageSize of [1024, 4096]) {
      expect(walLimitPages(pageSize) * (pageSize + 24)).toBeGreaterThanOrEqual(WAL_LIMIT_BYTES);
      expect((walLimitPages(pageSize) - 1) * (pageSize + 24)).toBeLessThan(WAL_LIMIT_BYTES);
    }
  });
});
