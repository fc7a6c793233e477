/** Runs the real server entry point (src/main.ts, or src/start.ts as `npm start` runs it) as a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { isPostgresUrl } from '../../src/db-postgres.js';
import { ADMIN_KEY, receiptKeyFileOf } from './market.js';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  logs: string[];
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface SpawnOptions {
  /** `main` (src/main.ts: the database is migrated already) or `start` (src/start.ts: `npm start`, migrations first). */
  entry?: 'main' | 'start';
  /** The process's working directory (the project's root by default): relative settings resolve against it. */
  cwd?: string;
  /** How long to wait for the server to listen (30 s by default). */
  startTimeoutMs?: number;
}

const ROOT = new URL('../..', import.meta.url).pathname;
/** tsx's loader by absolute URL: `--import tsx` would be resolved from the working directory. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** The server process, started; its output is read by the caller. */
export function launchServer(
  databaseUrl: string,
  env: Record<string, string> = {},
  options: SpawnOptions = {},
): ChildProcess {
  return spawn(process.execPath, ['--import', TSX, `${ROOT}src/${options.entry ?? 'main'}.ts`], {
    cwd: options.cwd ?? ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      RC_ADMIN_KEY: ADMIN_KEY,
      LOG_LEVEL: 'info',
      // PostgreSQL's default key file is ./data/receipt.key: one per test database instead, as beside a SQLite file
      // (a server given its own working folder keeps the default, its folder's ./data/receipt.key).
      ...(isPostgresUrl(databaseUrl) && !options.cwd ? { RECEIPT_KEY_FILE: receiptKeyFileOf(databaseUrl) } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function spawnServer(
  databaseUrl: string,
  env: Record<string, string> = {},
  options: SpawnOptions = {},
): Promise<ServerProcess> {
  const child = launchServer(databaseUrl, env, options);
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // not left behind
      reject(new Error(`server did not start:\n${logs.join('\n')}`));
    }, options.startTimeoutMs ?? 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      const match = /"event":"server.listening","url":"([^"]+)"/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    createInterface({ input: child.stderr! }).on('line', (line) => logs.push(line));
    void exited.then((code) => reject(new Error(`server exited with ${code}:\n${logs.join('\n')}`)));
  });
  return {
    url,
    child,
    logs,
    stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
