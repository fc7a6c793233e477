/** What every benchmark section shares: a fresh database file migrated with the real migrations. */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');

/** Applies the committed migrations to `databaseUrl` (a new file is created), as `npm start` does. */
export function migrateDatabase(databaseUrl: string): void {
  execFileSync('npx', ['prisma', 'migrate', 'deploy'], { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl }, stdio: 'pipe' });
}
