// Prisma CLI configuration. The JavaScript schema engine with a driver adapter runs `generate`, `migrate diff` and
// `migrate deploy` offline (the native engines would be downloaded). DATABASE_URL chooses the provider: a
// postgres:// or postgresql:// URL uses prisma/postgresql (its schema, generated from prisma/schema.prisma by
// `npm run prisma:postgres`, and its own migrations) through @prisma/adapter-pg
// (src/db-postgres.ts); anything else is the SQLite file (file:…, the default) through better-sqlite3.
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { defineConfig } from 'prisma/config';
import { isPostgresUrl, postgresMigrationAdapter } from './src/db-postgres.js';
import { createDatabaseFile } from './src/sql/sqlite-connection.js';

const DEFAULT_DATABASE_URL = 'file:./data/market.db';
process.env.DATABASE_URL ??= DEFAULT_DATABASE_URL;
const databaseUrl = process.env.DATABASE_URL;
const postgres = isPostgresUrl(databaseUrl);

export default defineConfig(
  postgres
    ? {
        schema: 'prisma/postgresql/schema.prisma',
        migrations: { path: 'prisma/postgresql/migrations' },
        engine: 'js',
        experimental: { adapter: true },
        async adapter() {
          return postgresMigrationAdapter(databaseUrl);
        },
      }
    : {
        schema: 'prisma/schema.prisma',
        migrations: { path: 'prisma/migrations' },
        engine: 'js',
        experimental: { adapter: true },
        async adapter() {
          createDatabaseFile(databaseUrl.replace(/^file:/, '')); // a new file gets its page size before the migrations
          return new PrismaBetterSQLite3({ url: databaseUrl });
        },
      },
);
