/** Runs the real server entry point (src/main.ts) as a child process, as `npm start` would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { isPostgresUrl } from '../../src/db-postgres.js';
import { ADMIN_KEY, receiptKeyFileOf } from './market.js';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  logs: string[];
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

const ROOT = new URL('../..', import.meta.url).pathname;

export async function spawnServer(databaseUrl: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      RC_ADMIN_KEY: ADMIN_KEY,
      LOG_LEVEL: 'info',
      // PostgreSQL's default key file is ./data/receipt.key: one per test database instead, as beside a SQLite file.
      ...(isPostgresUrl(databaseUrl) ? { RECEIPT_KEY_FILE: receiptKeyFileOf(databaseUrl) } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${logs.join('\n')}`)), 30_000);
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
