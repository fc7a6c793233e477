/** Liveness (`/health`) and readiness (`/health/ready`, which asks the database) of a listening server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres, startTestServer, testDatabase } from './support/market.js';
import { call } from './support/rest.js';

describe('health', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('is ready while the database answers, and says which database it is', async () => {
    const ready = await call(server.url, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ ok: true, database: { engine: testDatabase, ok: true } });
    expect(typeof ready.body.database.latency_ms).toBe('number');
  });

  // SQLite's connection closed under the server; PostgreSQL's pool would open another connection.
  it.skipIf(onPostgres)(
    'is not ready (503) once the SQLite connection is closed, while liveness still answers',
    async () => {
      server.market.db.sqlite.close();
      const ready = await call(server.url, 'GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ ok: false, database: { engine: 'sqlite', ok: false } });
      expect(ready.body.database.error).toMatch(/not open/);
      expect(await call(server.url, 'GET', '/health')).toEqual({ status: 200, body: { ok: true } });
    },
  );
});
