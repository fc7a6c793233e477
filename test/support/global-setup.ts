/**
 * Migrates one template database with the real migrations; each test copies it instead of migrating.
 * PostgreSQL: the server the PostgreSQL tests make their databases on (test/support/postgres.ts) is
 * TEST_POSTGRES_URL when set, else a throwaway cluster started here (scripts/test-postgres.sh) and stopped at the
 * end; when neither can be had (or TEST_POSTGRES_URL=none), those tests are skipped and say why.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
    /** A PostgreSQL server URL whose user may create databases, or null … */
    postgresUrl: string | null;
    /** … and then why there is none. */
    postgresUnavailable: string;
    /** A database on that server migrated once, which each test's database copies (CREATE DATABASE … TEMPLATE). */
    postgresTemplate: string | null;
    /** The start of the name of every database this run creates: whatever a test leaves is dropped at the end. */
    postgresRunPrefix: string;
  }
}

const TEST_POSTGRES_SCRIPT = join(import.meta.dirname, '../../scripts/test-postgres.sh');

/** TEST_POSTGRES_URL, or a throwaway cluster (with the function that stops it). */
function postgresServer(): { url: string | null; unavailable: string; stop?: () => void } {
  const given = process.env.TEST_POSTGRES_URL;
  if (given === 'none') return { url: null, unavailable: 'TEST_POSTGRES_URL=none' };
  if (given) return { url: given, unavailable: '' };
  try {
    const url = execFileSync(TEST_POSTGRES_SCRIPT, ['start'], { stdio: ['ignore', 'pipe', 'pipe'] })
      .toString()
      .trim();
    return { url, unavailable: '', stop: () => execFileSync(TEST_POSTGRES_SCRIPT, ['stop', url], { stdio: 'pipe' }) };
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    const unavailable = `no TEST_POSTGRES_URL, and scripts/test-postgres.sh could not start a cluster: ${stderr || String(error)}`;
    console.warn(`PostgreSQL tests skipped: ${unavailable}`);
    return { url: null, unavailable };
  }
}

/** Runs one SQL command on the server's maintenance database (psql is not needed: node and pg are). */
function onPostgresServer(serverUrl: string, command: string) {
  const script = `const pg = require('pg'); const c = new pg.Client({ connectionString: process.argv[1] });
    c.connect().then(() => c.query(process.argv[2])).finally(() => c.end()).catch((e) => { console.error(e.message); process.exit(1); });`;
  execFileSync(process.execPath, ['-e', script, serverUrl, command], { stdio: 'pipe' });
}

/** Names this run's databases start with (another run on the same server has its own). */
const RUN_PREFIX = `grp_test_${process.pid}_${Date.now().toString(36)}_`;

/** Drops the databases of this run that a test left behind (a test that failed before its own cleanup). */
function dropRunDatabases(serverUrl: string) {
  const script = `const pg = require('pg'); const c = new pg.Client({ connectionString: process.argv[1] });
    c.connect()
      .then(() => c.query('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [process.argv[2]]))
      .then(async ({ rows }) => { for (const r of rows) await c.query('DROP DATABASE IF EXISTS "' + r.datname + '" WITH (FORCE)'); })
      .finally(() => c.end()).catch((e) => { console.error(e.message); process.exit(1); });`;
  execFileSync(process.execPath, ['-e', script, serverUrl, RUN_PREFIX], { stdio: 'pipe' });
}

/** The PostgreSQL migrations applied once, to a database the tests' databases are copied from. */
function migratedPostgresTemplate(serverUrl: string): { name: string; drop: () => void } {
  const name = `grp_template_${process.pid}_${Date.now()}`;
  onPostgresServer(serverUrl, `CREATE DATABASE "${name}"`);
  const drop = () => onPostgresServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  try {
    execFileSync('npx', ['prisma', 'migrate', 'deploy'], {
      env: { ...process.env, DATABASE_URL: url.toString() },
      stdio: 'pipe',
    });
  } catch (error) {
    drop();
    throw error;
  }
  return { name, drop };
}

export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'grp-template-'));
  const file = join(dir, 'template.db');
  execFileSync('npx', ['prisma', 'migrate', 'deploy'], {
    env: { ...process.env, DATABASE_URL: `file:${file}` },
    stdio: 'pipe',
  });
  project.provide('templateDatabase', file);
  const postgres = postgresServer();
  project.provide('postgresUrl', postgres.url);
  project.provide('postgresUnavailable', postgres.unavailable);
  const template = postgres.url ? migratedPostgresTemplate(postgres.url) : null;
  project.provide('postgresTemplate', template?.name ?? null);
  project.provide('postgresRunPrefix', RUN_PREFIX);
  return () => {
    rmSync(dir, { recursive: true, force: true });
    if (postgres.url) dropRunDatabases(postgres.url);
    template?.drop();
    postgres.stop?.();
  };
}
