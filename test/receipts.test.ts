/**
 * Signed receipts: exactly the contract's fields for every settled escrow, verified with the published key by
 * implementations that share no code with the server (Python's `cryptography` or `nacl` under /usr/bin/python3, and
 * the typed client's node:crypto function), failing once any field changes; and the receipt key itself: created
 * 0600 on first start, recorded in the database, and refused when another instance brings a different one.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { RECEIPT_FIELDS, verifyReceipt, verifyReceiptText } from '../src/client/receipts.js';
import { graphql } from '../src/client/gql/gql.js';
import { sqliteFilePath } from '../src/db.js';
import { ReceiptKeyError } from '../src/escrow/receipts.js';
import { fundedLock, sha256Hex, signedDeliverBody } from './support/delivery.js';
import { graphqlClient } from './support/graphql.js';
import { queryValue } from './support/database.js';
import {
  freshTestDatabase,
  freshTestDatabaseUrl,
  newWallet,
  onPostgres,
  openTestMarket,
  receiptKeyFileOf,
  startTestServer,
} from './support/market.js';
import { spawnServer } from './support/process.js';
import { call } from './support/rest.js';

const EscrowReceipt = graphql(`
  query EscrowReceipt($jobId: String!) {
    escrow(jobId: $jobId) {
      status
      receipt {
        json
        signature
        publicKey
      }
    }
  }
`);

const ReceiptKeyQuery = graphql(`
  query ReceiptKeyQuery {
    receiptKey {
      publicKey
      keyId
    }
  }
`);

const T0 = 1_900_000_000;
const clock = { now: T0 };
let server: Awaited<ReturnType<typeof startTestServer>>;
let publishedKey: string;
/** A delivered escrow auto-released at the end of review, and a never-delivered one expired. */
let autoJob: string;
let expiredJob: string;

beforeAll(async () => {
  server = await startTestServer({ clock: () => clock.now });
  const key = await call(server.url, 'GET', '/receipt-key');
  publishedKey = key.body.public_key;
  const [payer, provider] = [newWallet(), newWallet()];
  autoJob = await fundedLock(server.url, payer, provider, { amount_urtc: '2500000', review_window_s: '60' });
  const delivered = await call(
    server.url,
    'POST',
    '/render/deliver',
    signedDeliverBody(provider, {
      job_id: autoJob,
      result_hash: sha256Hex('frames ü'),
      result_uri: 'ar://frames',
      claimed_urtc: '2000000',
    }),
  );
  expect(delivered.status).toBe(200);
  expiredJob = await fundedLock(server.url, payer, provider, { amount_urtc: '1000', ttl_s: '30', fundRtc: '0' });
  clock.now += 60;
  await server.market.escrows.sweepDue();
});
afterAll(() => server.close());

const receiptOf = async (jobId: string) => (await call(server.url, 'GET', `/render/escrow/${jobId}/receipt`)).body;

describe('GET /render/escrow/:job_id/receipt', () => {
  it('answers exactly the contract fields, signed by the published key', async () => {
    const key = await call(server.url, 'GET', '/receipt-key');
    expect(key.body).toEqual({
      ok: true,
      public_key: publishedKey,
      key_id: createHash('sha256').update(Buffer.from(publishedKey, 'hex')).digest('hex').slice(0, 16),
    });
    const body = await receiptOf(autoJob);
    expect(Object.keys(body).sort()).toEqual(['ok', 'public_key', 'receipt', 'signature']);
    expect(body.public_key).toBe(publishedKey);
    expect(Object.keys(body.receipt).sort()).toEqual([...RECEIPT_FIELDS].sort());
    const escrow = (await call(server.url, 'GET', `/render/escrow/${autoJob}`)).body;
    expect(body.receipt).toEqual({
      type: 'gpr.receipt.v1',
      key_id: key.body.key_id,
      job_id: autoJob,
      job_type: 'render',
      status: 'released',
      from_wallet: escrow.from_wallet,
      to_wallet: escrow.to_wallet,
      amount_urtc: '2500000',
      released_urtc: '2000000',
      refunded_urtc: '500000',
      claimed_urtc: '2000000',
      result_hash: sha256Hex('frames ü'),
      result_uri: 'ar://frames',
      refund_reason: null,
      created_at: T0,
      delivered_at: T0,
      settled_at: T0 + 60,
      settled_by: 'auto',
    });
    expect(await receiptOf(autoJob)).toEqual(body); // deterministic: nothing is stored, nothing changes
    expect((await receiptOf(expiredJob)).receipt).toMatchObject({
      status: 'refunded',
      claimed_urtc: null,
      result_hash: null,
      delivered_at: null,
      refund_reason: 'expired',
      settled_by: 'sweeper',
    });
  });

  it('is INVALID_STATE while the escrow is open, NOT_FOUND without one', async () => {
    const open = await fundedLock(server.url, newWallet(), newWallet(), { amount_urtc: '1000' });
    expect(await call(server.url, 'GET', `/render/escrow/${open}/receipt`)).toMatchObject({
      status: 409,
      body: { error: { code: 'INVALID_STATE' } },
    });
    expect(await call(server.url, 'GET', '/render/escrow/no-such-job/receipt')).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });
  });

  it('is Escrow.receipt over GraphQL: the exact signed text, null while open', async () => {
    const execute = graphqlClient(server.market);
    const r = await execute(EscrowReceipt, { jobId: autoJob });
    const rest = await receiptOf(autoJob);
    expect(r.escrow!.receipt).toEqual({
      json: JSON.stringify(Object.fromEntries(Object.entries(rest.receipt).sort(([a], [b]) => (a < b ? -1 : 1)))),
      signature: rest.signature,
      publicKey: publishedKey,
    });
    expect(verifyReceiptText(r.escrow!.receipt!.json, r.escrow!.receipt!.signature, publishedKey)).toMatchObject({
      ok: true,
    });
    expect((await execute(ReceiptKeyQuery, {})).receiptKey).toMatchObject({ publicKey: publishedKey });
    const open = await fundedLock(server.url, newWallet(), newWallet(), { amount_urtc: '1000' });
    expect((await execute(EscrowReceipt, { jobId: open })).escrow).toEqual({ status: 'LOCKED', receipt: null });
  });
});

/** Every field changed in turn (and a signature by another key), each of which must fail verification. */
function tampered(body: { receipt: Record<string, unknown>; signature: string }) {
  const cases: { name: string; receipt: Record<string, unknown>; signature: string }[] = [];
  for (const field of RECEIPT_FIELDS) {
    const value = body.receipt[field];
    const changed = typeof value === 'number' ? value + 1 : value === null ? '0' : `${String(value)}x`;
    cases.push({ name: field, receipt: { ...body.receipt, [field]: changed }, signature: body.signature });
  }
  cases.push({ name: 'an extra field', receipt: { ...body.receipt, tip_urtc: '1' }, signature: body.signature });
  const forger = newWallet();
  cases.push({
    name: 'signed by another key',
    receipt: body.receipt,
    signature: forger.sign(body.receipt as { action: string }),
  });
  return cases;
}

describe('the typed client (src/client/receipts.ts, node:crypto only)', () => {
  it('verifies receipts against the pinned key and refuses any change', async () => {
    for (const job of [autoJob, expiredJob]) {
      const body = await receiptOf(job);
      expect(verifyReceipt(body, publishedKey)).toMatchObject({ ok: true, receipt: { job_id: job } });
      for (const c of tampered(body)) expect(verifyReceipt(c, publishedKey), c.name).toMatchObject({ ok: false });
      expect(verifyReceipt(body, newWallet().publicKey)).toMatchObject({ ok: false }); // not the pinned key
    }
  });
});

const PYTHON = '/usr/bin/python3';
/** Which Ed25519 module Debian's python3 offers, if any. */
const pythonModule = (() => {
  if (!existsSync(PYTHON)) return null;
  for (const module of ['cryptography', 'nacl']) {
    if (spawnSync(PYTHON, ['-c', `import ${module}`]).status === 0) return module;
  }
  return null;
})();

const VERIFY_PY = `
import hashlib, json, sys
cases = json.load(sys.stdin)
def verify(key_hex, sig_hex, message):
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_hex)).verify(bytes.fromhex(sig_hex), message)
        return True
    except ImportError:
        import nacl.signing, nacl.exceptions
        try:
            nacl.signing.VerifyKey(bytes.fromhex(key_hex)).verify(message, bytes.fromhex(sig_hex))
            return True
        except nacl.exceptions.BadSignatureError:
            return False
    except Exception:
        return False
out = []
for c in cases:
    receipt, key = c["receipt"], c["public_key"]
    message = json.dumps(receipt, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    ok = receipt.get("type") == "gpr.receipt.v1" and receipt.get("key_id") == hashlib.sha256(bytes.fromhex(key)).hexdigest()[:16]
    out.append(bool(ok and verify(key, c["signature"], message)))
print(json.dumps(out))
`;

describe(`an independent implementation: ${PYTHON} with ${pythonModule ?? 'no Ed25519 module'}`, () => {
  it.skipIf(pythonModule === null)(
    pythonModule === null
      ? `SKIPPED: ${PYTHON} lacks both the cryptography and nacl modules`
      : 'verifies receipts with the published key and refuses any change',
    async () => {
      const cases: { name: string; receipt: unknown; signature: string; public_key: string; valid: boolean }[] = [];
      for (const job of [autoJob, expiredJob]) {
        const body = await receiptOf(job);
        cases.push({
          name: `${job} as served`,
          receipt: body.receipt,
          signature: body.signature,
          public_key: publishedKey,
          valid: true,
        });
        for (const c of tampered(body))
          cases.push({
            name: `${job}: ${c.name}`,
            receipt: c.receipt,
            signature: c.signature,
            public_key: publishedKey,
            valid: false,
          });
      }
      const out = execFileSync(PYTHON, ['-c', VERIFY_PY], { input: JSON.stringify(cases), encoding: 'utf8' });
      const verdicts = JSON.parse(out) as boolean[];
      expect(Object.fromEntries(cases.map((c, i) => [c.name, verdicts[i]]))).toEqual(
        Object.fromEntries(cases.map((c) => [c.name, c.valid])),
      );
    },
  );
});

describe('the receipt key', () => {
  // PostgreSQL has no file to put it beside: the key file is RECEIPT_KEY_FILE's (one per test database).
  const where = onPostgres ? 'where RECEIPT_KEY_FILE says' : 'beside the database';
  it(`is created 0600 ${where} on first start, recorded, and kept by the next start`, async () => {
    const database = await freshTestDatabase();
    onTestFinished(() => database.drop());
    const databaseUrl = database.url;
    const keyFile = onPostgres
      ? receiptKeyFileOf(databaseUrl)
      : join(dirname(sqliteFilePath(databaseUrl)), 'receipt.key');
    const first = await openTestMarket({ databaseUrl });
    const publicKey = first.receipts.publicKey;
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(await queryValue(first, "SELECT public_key FROM service_keys WHERE name = 'receipt'")).toBe(publicKey);
    await first.close();
    const second = await openTestMarket({ databaseUrl });
    expect(second.receipts.publicKey).toBe(publicKey);
    await second.close();
  });

  it('of another file stops an instance from starting on the same database', async () => {
    const database = await freshTestDatabase();
    onTestFinished(() => database.drop());
    const databaseUrl = database.url;
    await (await openTestMarket({ databaseUrl })).close();
    const other = join(mkdtempSync(join(tmpdir(), 'grp-key-')), 'other.key');
    await expect(openTestMarket({ databaseUrl, settings: { RECEIPT_KEY_FILE: other } })).rejects.toThrow(
      ReceiptKeyError,
    );
    // A key file others can read is refused too.
    const loose = join(mkdtempSync(join(tmpdir(), 'grp-key-')), 'loose.key');
    writeFileSync(loose, `${'ab'.repeat(32)}\n`, { mode: 0o644 });
    await expect(openTestMarket({ databaseUrl, settings: { RECEIPT_KEY_FILE: loose } })).rejects.toThrow(/chmod 600/);
  });

  it('of another file makes the server process refuse to start (RECEIPT_KEY_FILE)', async () => {
    const databaseUrl = await freshTestDatabaseUrl();
    const dir = mkdtempSync(join(tmpdir(), 'grp-key-'));
    const first = await spawnServer(databaseUrl, { RECEIPT_KEY_FILE: join(dir, 'a.key') });
    const key = (await call(first.url, 'GET', '/receipt-key')).body.public_key as string;
    expect(await first.stop()).toBe(0);
    expect(statSync(join(dir, 'a.key')).mode & 0o777).toBe(0o600);
    await expect(spawnServer(databaseUrl, { RECEIPT_KEY_FILE: join(dir, 'b.key') })).rejects.toThrow(
      /receipt key|RECEIPT_KEY_FILE/,
    );
    const again = await spawnServer(databaseUrl, { RECEIPT_KEY_FILE: join(dir, 'a.key') });
    expect((await call(again.url, 'GET', '/receipt-key')).body.public_key).toBe(key);
    await again.stop();
  });
});
