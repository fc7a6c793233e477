/**
 * The statements' PostgreSQL engine (src/sql/postgres.ts) on a fresh, migrated test database: one engine per
 * "instance", each on its own pool, as separate processes would have.
 */
import { createPostgresPool } from '../../src/db-postgres.js';
import { createPostgresEngine, type PostgresEngine } from '../../src/sql/postgres.js';
import { createTestPostgresDatabase } from './postgres.js';

export interface TestPostgresEngines {
  url: string;
  /** The first instance's engine. */
  sql: PostgresEngine;
  engines: PostgresEngine[];
  close(): Promise<void>;
}

export async function openTestPostgresEngines(instances = 1): Promise<TestPostgresEngines> {
  const database = await createTestPostgresDatabase();
  const engines = Array.from({ length: instances }, () => createPostgresEngine(createPostgresPool(database.url)));
  return {
    url: database.url,
    sql: engines[0]!,
    engines,
    async close() {
      await Promise.all(engines.map((e) => e.pool.end()));
      await database.drop();
    },
  };
}
