/**
 * PostgreSQL for tests: a fresh database with a random name on the test server (test/support/global-setup.ts),
 * migrated with `prisma migrate deploy` (prisma/postgresql/migrations) and dropped afterwards.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import pg from 'pg';
import { inject } from 'vitest';

const run = promisify(execFile);

/** The test server's URL, or null with the reason the PostgreSQL tests are skipped. */
export function testPostgresServer(): { url: string | null; unavailable: string } {
  return { url: inject('postgresUrl'), unavailable: inject('postgresUnavailable') };
}

export interface TestPostgresDatabase {
  /** postgres://… of this database. */
  url: string;
  name: string;
  /** The output of `prisma migrate deploy`. */
  migrateOutput: string;
  /** Drops the database (and ends whatever connections are left on it). */
  drop(): Promise<void>;
}

async function onServer<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A new database on the test server: a copy of the migrated template (fast), or with `migrate: 'deploy'` migrated
 * by `prisma migrate deploy` itself (its output kept), or with `migrate: false` empty.
 */
export async function createTestPostgresDatabase(
  options: { migrate?: boolean | 'deploy' } = {},
): Promise<TestPostgresDatabase> {
  const serverUrl = inject('postgresUrl');
  if (!serverUrl) throw new Error(`no PostgreSQL for tests: ${inject('postgresUnavailable')}`);
  const name = `${inject('postgresRunPrefix')}${randomBytes(6).toString('hex')}`;
  const template = inject('postgresTemplate');
  const copy = (options.migrate ?? true) === true && template !== null;
  await onServer(serverUrl, (client) =>
    client.query(copy ? `CREATE DATABASE "${name}" TEMPLATE "${template}"` : `CREATE DATABASE "${name}"`),
  );
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const drop = () =>
    onServer(serverUrl, async (client) => {
      // A pool's end() resolves before its connections have closed on the server; cutting them (FORCE) then makes
      // the closing clients report "terminating connection" as uncaught errors. Give them a moment to go first.
      for (let i = 0; i < 40; i++) {
        const open = await client.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
        if (open.rows[0].n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }).then(() => {});
  let migrateOutput = '';
  if (!copy && (options.migrate ?? true)) {
    try {
      const { stdout, stderr } = await run('npx', ['prisma', 'migrate', 'deploy'], {
        env: { ...process.env, DATABASE_URL: url.toString() },
      });
      migrateOutput = stdout + stderr;
    } catch (error) {
      await drop();
      throw error;
    }
  }
  return { url: url.toString(), name, migrateOutput, drop };
}
