// Prisma CLI configuration. The JavaScript schema engine with the better-sqlite3 adapter runs
// `generate`, `migrate diff` and `migrate deploy` offline (the native engines would be downloaded).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { defineConfig } from 'prisma/config';

const DEFAULT_DATABASE_URL = 'file:./data/market.db';
process.env.DATABASE_URL ??= DEFAULT_DATABASE_URL;
const databaseUrl = process.env.DATABASE_URL;

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  engine: 'js',
  experimental: { adapter: true },
  async adapter() {
    const file = databaseUrl.replace(/^file:/, '');
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    return new PrismaBetterSQLite3({ url: databaseUrl });
  },
});
