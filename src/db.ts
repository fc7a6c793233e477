/**
 * Two handles on one SQLite file:
 * - `prisma`, the Prisma client (better-sqlite3 adapter), for every read and for the GraphQL layer;
 * - `sqlite`, a direct better-sqlite3 connection used only by the ledger (src/ledger.ts), whose
 *   synchronous transactions move money. See the ledger's header for why.
 * WAL lets readers and the writer proceed together; the busy timeout makes a second process wait for
 * the write lock instead of failing.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '@prisma/client';
import Database from 'better-sqlite3';

export interface DatabaseHandles {
  prisma: PrismaClient;
  sqlite: Database.Database;
  close(): Promise<void>;
}

const BUSY_TIMEOUT_MS = 5_000;

export function sqliteFilePath(databaseUrl: string): string {
  return databaseUrl.replace(/^file:/, '').replace(/\?.*$/, '');
}

export function openDatabase(databaseUrl: string, synchronous: 'FULL' | 'NORMAL' = 'FULL'): DatabaseHandles {
  const file = sqliteFilePath(databaseUrl);
  mkdirSync(dirname(file), { recursive: true });

  const sqlite = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${synchronous}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.defaultSafeIntegers(true); // every INTEGER comes back as BigInt: no amount is ever a float

  const prisma = new PrismaClient({
    adapter: new PrismaBetterSQLite3({ url: `file:${file}`, timeout: BUSY_TIMEOUT_MS }),
  });

  return {
    prisma,
    sqlite,
    async close() {
      await prisma.$disconnect();
      sqlite.close();
    },
  };
}
