/**
 * A throwaway redis-server for tests of several instances (Debian's redis-server, which .ci/run installs): on a free
 * port of 127.0.0.1, without persistence, stopped at the end. Tests needing it are skipped where it is not installed,
 * never under CI.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedisServer && process.env.CI) throw new Error('redis-server is required under CI (.ci/run installs it)');

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface TestRedis {
  url: string;
  stop(): Promise<void>;
}

/** A redis-server answering PING, or an error after 5 s. */
export async function startTestRedis(): Promise<TestRedis> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  for (let i = 0; ; i++) {
    const pong = spawnSync('redis-cli', ['-p', String(port), 'ping'])
      .stdout?.toString()
      .trim();
    if (pong === 'PONG') break;
    if (i >= 50) {
      await stop();
      throw new Error(`redis-server on port ${port} did not answer PING`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}
