/**
 * The database file itself: every file the migrations create (`npm start`, the tests' template, the benchmarks, all
 * through prisma.config.ts) gets 1 KiB pages in WAL mode, and an existing file is never rewritten.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, inject, it } from 'vitest';
import { createDatabaseFile, PAGE_SIZE_BYTES } from '../src/sql/sqlite-connection.js';

function fileSettings(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    return {
      pageSize: db.pragma('page_size', { simple: true }),
      journalMode: db.pragma('journal_mode', { simple: true }),
      tables: (
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]
      ).map((t) => t.name),
    };
  } finally {
    db.close();
  }
}

describe('the SQLite database file', () => {
  it('a file created by prisma migrate deploy (the tests’ template) has 1 KiB pages and is in WAL mode', () => {
    expect(PAGE_SIZE_BYTES).toBe(1024);
    const template = fileSettings(inject('templateDatabase'));
    expect(template.pageSize).toBe(PAGE_SIZE_BYTES);
    expect(template.journalMode).toBe('wal');
    expect(template.tables).toEqual(expect.arrayContaining(['wallets', 'journal', 'render_escrow', 'market_events']));
  });

  it('a new or empty file is created with the page size; one that holds a database keeps its own and its rows', () => {
    const dir = mkdtempSync(join(tmpdir(), 'grp-sqlite-file-'));
    const fresh = join(dir, 'fresh.db');
    createDatabaseFile(fresh);
    expect(fileSettings(fresh)).toEqual({ pageSize: PAGE_SIZE_BYTES, journalMode: 'wal', tables: [] });

    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    createDatabaseFile(empty);
    expect(fileSettings(empty).pageSize).toBe(PAGE_SIZE_BYTES);

    const existing = join(dir, 'existing.db');
    const db = new Database(existing);
    db.pragma('page_size = 4096');
    db.exec("CREATE TABLE kept (v TEXT); INSERT INTO kept VALUES ('still here')");
    db.close();
    createDatabaseFile(existing);
    expect(fileSettings(existing)).toEqual({ pageSize: 4096, journalMode: 'delete', tables: ['kept'] });
    const reopened = new Database(existing, { readonly: true });
    expect(reopened.prepare('SELECT v FROM kept').pluck().get()).toBe('still here');
    reopened.close();
  });
});
