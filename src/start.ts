/**
 * `npm start`: checks everything it can before anything touches the disk (the configuration, the custody key
 * file, that the port is free), then applies pending migrations, then serves (src/main.ts). Each refusal is
 * one line on stderr and a non-zero exit, and leaves no database behind.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config } from './config.js';
import { chainFromConfig } from './custody/rustchain-adapter.js';

function refuse(message: string, exitCode = 2): never {
  process.stderr.write(`gpu-render-protocol: ${message}\n`);
  process.exit(exitCode);
}

/** A database URL as it may be shown: a PostgreSQL password replaced by stars. */
function withoutPassword(databaseUrl: string): string {
  if (!URL.canParse(databaseUrl)) return databaseUrl;
  const url = new URL(databaseUrl);
  if (!url.password) return databaseUrl;
  url.password = '***';
  return url.toString();
}

/** Resolves when `host:port` can be bound now (port 0 always can). */
function portFree(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

let config: Config;
try {
  config = loadConfig();
  chainFromConfig(config); // reads the custody key file, refusing one that others can read
} catch (error) {
  refuse(error instanceof Error ? error.message : String(error));
}

try {
  await portFree(config.HOST, config.PORT);
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  refuse(
    code === 'EADDRINUSE'
      ? `port ${config.PORT} on ${config.HOST} is already in use (set PORT to another one)`
      : `cannot listen on ${config.HOST}:${config.PORT}: ${code ?? String(error)}`,
    1,
  );
}

// Prisma's CLI, run quietly: its output is shown only when the migrations fail. The project's prisma.config.ts is
// named, so that the migrations are found whatever the working directory (it holds the data, not the code).
const prisma = createRequire(import.meta.url).resolve('prisma/build/index.js');
const prismaConfig = fileURLToPath(new URL('../prisma.config.ts', import.meta.url));
const migrate = () =>
  spawnSync(process.execPath, [prisma, 'migrate', 'deploy', '--config', prismaConfig], {
    encoding: 'utf8',
    env: process.env,
  });
// On PostgreSQL, instances starting together take turns (Prisma's advisory lock), and Prisma waits 10 s for its turn
// at most: with many instances, the last ones try again.
const MIGRATE_ATTEMPTS = 5;
let migrated = migrate();
for (let attempt = 1; attempt < MIGRATE_ATTEMPTS && migrated.status !== 0; attempt++) {
  if (!/advisory lock/.test(`${migrated.stdout}${migrated.stderr}`)) break;
  migrated = migrate();
}
if (migrated.status !== 0) {
  process.stderr.write(`${migrated.stdout ?? ''}${migrated.stderr ?? ''}`);
  refuse(`applying the database migrations to ${withoutPassword(config.DATABASE_URL)} failed`, 1);
}

await import('./main.js');
