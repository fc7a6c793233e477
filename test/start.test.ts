/**
 * `npm start`'s checks before anything touches the disk: a bad setting or a taken port is one clear line on
 * stderr and a non-zero exit, and no database file is left behind.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;

function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/start.ts'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

describe('npm start refuses before touching the disk', () => {
  it('a short RC_ADMIN_KEY: one line naming it, exit 2, no database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grp-start-'));
    const r = await start({ DATABASE_URL: `file:${join(dir, 'market.db')}`, PORT: '0', RC_ADMIN_KEY: 'short' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/RC_ADMIN_KEY must be at least 32 characters/)]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a taken port: one line naming it, exit 1, no database', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const dir = mkdtempSync(join(tmpdir(), 'grp-start-'));
      const r = await start({ DATABASE_URL: `file:${join(dir, 'market.db')}`, PORT: String(port) });
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([
        `gpu-render-protocol: port ${port} on 127.0.0.1 is already in use (set PORT to another one)`,
      ]);
      expect(existsSync(join(dir, 'market.db'))).toBe(false);
    } finally {
      taken.close();
    }
  });
});
