/**
 * Two handles on one SQLite file:
 * - `prisma`, the Prisma client (better-sqlite3 adapter), for every read and for the GraphQL layer;
 * - `sqlite`, a direct better-sqlite3 connection used only by the ledger (src/ledger.ts), whose
 *   synchronous transactions move money. See the ledger's header for why.
 * WAL lets readers and the writer proceed together; the busy timeout makes a second process wait for
 * the write lock instead of failing.
 *
 * Durability (synchronous=FULL) comes in two forms, the configuration's WAL_SYNC:
 * - `commit`: synchronous=FULL inside SQLite, every COMMIT fsyncs (on the event loop; the group commit makes it
 *   one per batch). No connection, not even another process's, ever reads a commit before it is on disk.
 * - `pool` (a server's default): the connection runs synchronous=NORMAL, so a COMMIT writes the WAL without waiting for the disk, and
 *   `syncWal` flushes the WAL with fdatasync on libuv's thread pool; the group commit (src/group-commit.ts)
 *   answers nobody, and announces nothing, before that flush, and the event loop never waits for the disk. A read
 *   can see a commit during its flush, so every read of this process waits before it answers until what it may
 *   have seen is on disk: the statement layer's (src/sql/sqlite.ts) and Prisma's (`readingDurably` below). Another
 *   process reading the file (the sqlite3 shell, say) can still see a commit a millisecond before it is durable.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '@prisma/client';
import type Database from 'better-sqlite3';
import { BUSY_TIMEOUT_MS, openWritingConnection, type WalSync } from './sql/sqlite-connection.js';

export interface DatabaseHandles {
  prisma: PrismaClient;
  sqlite: Database.Database;
  /** Flushes every COMMIT made before the call to disk, off the event loop; null when each COMMIT does it itself. */
  syncWal: (() => Promise<void>) | null;
  close(): Promise<void>;
}

export type { WalSync };

export function sqliteFilePath(databaseUrl: string): string {
  return databaseUrl.replace(/^file:/, '').replace(/\?.*$/, '');
}

export function openDatabase(
  databaseUrl: string,
  synchronous: 'FULL' | 'NORMAL' = 'FULL',
  walSync: WalSync = 'commit',
): DatabaseHandles {
  const file = sqliteFilePath(databaseUrl);
  mkdirSync(dirname(file), { recursive: true });
  const { sqlite, syncWal, close } = openWritingConnection(file, synchronous, walSync);

  const prisma = new PrismaClient({
    adapter: new PrismaBetterSQLite3({ url: `file:${file}`, timeout: BUSY_TIMEOUT_MS }),
  });

  return {
    prisma,
    sqlite,
    syncWal,
    async close() {
      await prisma.$disconnect();
      close();
    },
  };
}

/**
 * Prisma whose every answer waits for `durable` (the group commit's): with WAL_SYNC=pool, nothing Prisma read
 * leaves the process before it is on disk, as nothing the statement layer read does.
 */
export function readingDurably(prisma: PrismaClient, durable: () => Promise<void>): PrismaClient {
  return prisma.$extends({
    name: 'durable-reads',
    query: {
      async $allOperations({ args, query }) {
        const result = await query(args);
        await durable();
        return result;
      },
    },
  }) as unknown as PrismaClient;
}
