/**
 * The RustChain client (src/custody/rustchain.ts): signed transfers reproduce the node's bytes (the Python-made
 * vectors in test/fixtures, and Python itself when /usr/bin/python3 exists), and the client against the stand-in node
 * (test/support/rustchain-stand-in.ts): reads, transfers, refusals, replays, lost answers, timeouts, retries, an
 * unreachable node, the /pending/* rate limit, and key files.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { walletFromSeed } from '../src/domain/signatures.js';
import { pythonFloatRepr, pythonJsonDumps } from '../src/custody/python-json.js';
import {
  createRustChainClient,
  KeyFileError,
  loadRustChainKeyFile,
  rtcFloat,
  RustChainError,
  rustChainKeyFromSeed,
  signTransfer,
  transferMessage,
  urtcFromRtcText,
  type RustChainClientOptions,
} from '../src/custody/rustchain.js';
import { MAX_AMOUNT_URTC } from '../src/domain/money.js';
import {
  startRustChainStandIn,
  type RustChainStandIn,
  type RustChainStandInOptions,
} from './support/rustchain-stand-in.js';

interface Vector {
  amount_rtc_decimal: string;
  amount_i64: number;
  memo: string;
  nonce: number;
  chain_id: string | null;
  message_utf8: string;
  signature_hex: string;
  tx_hash: string;
  request_body: Record<string, unknown>;
}

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/signed-transfer-vectors.json', import.meta.url), 'utf8'),
) as {
  seed_hex: string;
  public_key_hex: string;
  from_address: string;
  to_address: string;
  vectors: Vector[];
};

const PYTHON = '/usr/bin/python3';
const hasPython = existsSync(PYTHON);

function python(script: string, input: string): string[] {
  const run = spawnSync(PYTHON, ['-c', script], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`python failed: ${run.stderr}`);
  return run.stdout.split('\n').slice(0, -1);
}

const rejection = async (promise: Promise<unknown>): Promise<RustChainError> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RustChainError) return error;
    throw error;
  }
  throw new Error('expected a RustChainError, got an answer');
};

const sender = rustChainKeyFromSeed(fixture.seed_hex);
const receiver = rustChainKeyFromSeed('42'.repeat(32));

describe('signed transfer bytes', () => {
  it('derives the vectors key and address', () => {
    expect(sender.publicKey).toBe(fixture.public_key_hex);
    expect(sender.address).toBe(fixture.from_address);
    expect(sender.address).toBe(walletFromSeed(fixture.seed_hex).address);
  });

  it.each(
    fixture.vectors.map(
      (v) => [`${v.amount_rtc_decimal} RTC, memo ${JSON.stringify(v.memo)}, chain ${v.chain_id}`, v] as const,
    ),
  )('reproduces the vector %s byte for byte', (_name, v) => {
    const signed = signTransfer(sender, {
      to: fixture.to_address,
      amountUrtc: BigInt(v.amount_i64),
      nonce: BigInt(v.nonce),
      memo: v.memo,
      chainId: v.chain_id,
    });
    expect(signed.message).toBe(v.message_utf8);
    expect(signed.signature).toBe(v.signature_hex);
    expect(signed.txHash).toBe(v.tx_hash);
    expect(signed.body).toEqual(v.request_body);
  });

  it('formats floats as Python repr does, not as JavaScript does', () => {
    const cases: Array<[number, string]> = [
      [1, '1.0'],
      [0.000001, '1e-06'],
      [0.00001, '1e-05'],
      [0.0001, '0.0001'],
      [0.00012, '0.00012'],
      [8388608, '8388608.0'],
      [12.345678, '12.345678'],
      [1e15, '1000000000000000.0'],
      [1e16, '1e+16'],
      [1.5e300, '1.5e+300'],
      [1e-7, '1e-07'],
      [0, '0.0'],
      [-0, '-0.0'],
      [-2.5, '-2.5'],
      [0.1 + 0.2, '0.30000000000000004'],
      [5e-324, '5e-324'],
    ];
    for (const [x, repr] of cases) expect(pythonFloatRepr(x)).toBe(repr);
  });

  it('writes JSON as Python json.dumps(sort_keys=True, separators=(",", ":")) with ensure_ascii', () => {
    expect(pythonJsonDumps({ b: 1n, a: [true, null, 2.0], é: 'x' })).toBe('{"a":[true,null,2.0],"b":1,"\\u00e9":"x"}');
    expect(pythonJsonDumps('q"\\\n\r\t\b\f\u0001\u007f~ é😀')).toBe(
      '"q\\"\\\\\\n\\r\\t\\b\\f\\u0001\\u007f~ \\u00e9\\ud83d\\ude00"',
    );
    // Sorted by code point: U+FFFF sorts before U+10000 although its UTF-16 unit is larger.
    expect(pythonJsonDumps({ '\u{10000}': 1n, '\uffff': 2n })).toBe('{"\\uffff":2,"\\ud800\\udc00":1}');
  });

  it('keeps the float text round-trip exact for every µRTC amount (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: MAX_AMOUNT_URTC }), (urtc) => {
        const repr = pythonFloatRepr(rtcFloat(urtc));
        expect(Number(repr)).toBe(rtcFloat(urtc));
        expect(urtcFromRtcText(repr)).toBe(urtc);
        // Python's layout: exponent form only below 1e-4, otherwise a decimal point always.
        if (urtc < 100n) expect(repr).toMatch(/^\d(\.\d)?e-0[56]$/);
        else expect(repr).toMatch(/^\d+\.\d+$/);
      }),
      { numRuns: 5000 },
    );
  });

  it.skipIf(!hasPython)(
    'matches /usr/bin/python3 repr for 20,000 doubles (skipped when /usr/bin/python3 is absent)',
    () => {
      const amounts = fc.sample(fc.bigInt({ min: 1n, max: MAX_AMOUNT_URTC }), 10_000).map(rtcFloat);
      const doubles = fc.sample(fc.double({ noNaN: true, noDefaultInfinity: true }), 9_000);
      const edges = [
        1e-4,
        1e-5,
        9.999999999999999e-5,
        1e16,
        9999999999999998,
        1e17,
        2 ** 53,
        2 ** 53 + 2,
        5e-324,
        -0,
        0.1,
      ];
      const xs = [...amounts, ...doubles, ...edges, ...Array.from({ length: 989 }, (_, i) => i / 1e6)];
      const hex = xs.map((x) => {
        const buffer = Buffer.alloc(8);
        buffer.writeDoubleBE(x);
        return buffer.toString('hex');
      });
      const reprs = python(
        'import sys, struct\nfor line in sys.stdin: print(repr(struct.unpack(">d", bytes.fromhex(line.strip()))[0]))',
        `${hex.join('\n')}\n`,
      );
      expect(reprs).toHaveLength(xs.length);
      const mismatches = xs
        .map((x, i) => [x, pythonFloatRepr(x), reprs[i]])
        .filter(([, ours, theirs]) => ours !== theirs);
      expect(mismatches).toEqual([]);
    },
  );

  it.skipIf(!hasPython)(
    'builds the same message as Python for 2,000 random transfers (skipped when /usr/bin/python3 is absent)',
    () => {
      const memo = fc.oneof(
        fc.string({ maxLength: 40, unit: 'binary' }),
        fc.string({ maxLength: 40, unit: 'grapheme' }),
        fc.constant(''),
      );
      const cases = fc.sample(
        fc.record({
          urtc: fc.bigInt({ min: 1n, max: MAX_AMOUNT_URTC }),
          nonce: fc.bigInt({ min: 1n, max: 2n ** 62n }),
          memo,
          chain: fc.constantFrom(null, 'rustchain-mainnet-v2', 'rustchain-testnet-v2'),
        }),
        2_000,
      );
      // Every code unit up to U+00FF, in memo-sized pieces, and a few above: random strings rarely hit DEL or C1.
      for (let start = 0; start < 0x100; start += 40) {
        const memo = String.fromCharCode(...Array.from({ length: 40 }, (_, i) => start + i).filter((u) => u < 0x100));
        cases.push({ urtc: 1n, nonce: 1n, memo, chain: null });
      }
      cases.push({ urtc: 1n, nonce: 1n, memo: '\u2028\u2029\ufeff\uffff😀𝄞', chain: null });
      const lines = cases.map((c) =>
        JSON.stringify({ amount: c.urtc.toString(), nonce: c.nonce.toString(), memo: c.memo, chain: c.chain }),
      );
      const script = [
        'import sys, json',
        'from decimal import Decimal',
        'for line in sys.stdin:',
        '    c = json.loads(line)',
        '    tx = {"from": sys.argv[1], "to": sys.argv[2], "amount": float(Decimal(c["amount"]) / Decimal(1000000)),',
        '          "fee": 0.0, "memo": c["memo"], "nonce": str(int(c["nonce"]))}',
        '    if c["chain"]: tx["chain_id"] = c["chain"]',
        '    print(json.dumps(tx, sort_keys=True, separators=(",", ":")))',
      ].join('\n');
      const run = spawnSync(PYTHON, ['-c', script, sender.address, receiver.address], {
        input: `${lines.join('\n')}\n`,
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      const expected = run.stdout.split('\n').slice(0, -1);
      const ours = cases.map((c) =>
        transferMessage({
          from: sender.address,
          to: receiver.address,
          amountUrtc: c.urtc,
          nonce: c.nonce,
          memo: c.memo,
          chainId: c.chain,
        }),
      );
      expect(ours).toEqual(expected);
    },
  );

  it('refuses what the node would mangle, before signing', () => {
    const base = { to: receiver.address, amountUrtc: 1n, nonce: 1n, chainId: null };
    expect(() => signTransfer(sender, { ...base, memo: 'x'.repeat(81) })).toThrow(/at most 80/);
    expect(() => signTransfer(sender, { ...base, memo: 'a\ud800b' })).toThrow(/well-formed/);
    expect(() => signTransfer(sender, { ...base, amountUrtc: 0n })).toThrow(/greater than zero/);
    expect(() => signTransfer(sender, { ...base, amountUrtc: MAX_AMOUNT_URTC + 1n })).toThrow(/supply cap/);
    expect(() => signTransfer(sender, { ...base, to: sender.address })).toThrow(/another address/);
    expect(() => signTransfer(sender, { ...base, to: 'RTC123' })).toThrow(/40 hex/);
    expect(() => signTransfer(sender, { ...base, nonce: 0n })).toThrow(/nonce/);
    expect(() => signTransfer(sender, { ...base, nonce: 1.5 })).toThrow(/nonce/);
    // An uppercase address is sent lowercase: the node would credit the exact string, a balance no key spends.
    const upper = `RTC${receiver.address.slice(3).toUpperCase()}`;
    expect(signTransfer(sender, { ...base, to: upper }).body.to_address).toBe(receiver.address);
  });
});

describe('client against the stand-in node', () => {
  let node: RustChainStandIn | undefined;
  afterEach(async () => {
    await node?.close();
    node = undefined;
  });

  const start = async (options: RustChainStandInOptions = {}) => {
    node = await startRustChainStandIn({ balances: { [sender.address]: 100_000_000n }, ...options });
    return node;
  };
  const clientFor = (n: RustChainStandIn, options: Partial<RustChainClientOptions> = {}) =>
    createRustChainClient({ url: n.url, timeoutMs: 2_000, readRetries: 2, retryDelayMs: 10, ...options });
  let nonce = BigInt(Date.now()) * 1000n;
  const nextNonce = () => ++nonce;

  it('reads a balance, sends a transfer whose tx_hash it knew beforehand, and follows it to confirmed', async () => {
    const n = await start();
    const client = clientFor(n);
    expect(await client.getBalance(sender.address)).toBe(100_000_000n);
    expect(await client.getBalance(receiver.address)).toBe(0n);

    const signed = client.signTransfer(sender, {
      to: receiver.address,
      amountUrtc: 12_345_678n,
      nonce: nextNonce(),
      memo: 'réf: 提现 #7',
    });
    expect(signed.body.chain_id).toBe('rustchain-mainnet-v2');
    const accepted = await client.sendTransfer(signed);
    expect(accepted).toMatchObject({
      txHash: signed.txHash,
      phase: 'pending',
      pendingId: 1,
      chainId: 'rustchain-mainnet-v2',
    });
    expect(n.transfer(signed.txHash)).toMatchObject({
      amountUrtc: 12_345_678n,
      status: 'pending',
      message: signed.message,
    });

    expect(await client.getTransferStatus(signed.txHash)).toEqual({
      txHash: signed.txHash,
      status: 'pending',
      confirmations: 0,
      blockHeight: null,
    });
    const incoming = await client.listIncomingTransfers(receiver.address);
    expect(incoming).toEqual([
      expect.objectContaining({
        txHash: signed.txHash,
        from: sender.address,
        to: receiver.address,
        amountUrtc: 12_345_678n,
        memo: 'réf: 提现 #7',
        status: 'pending',
      }),
    ]);
    expect(await client.listIncomingTransfers(sender.address)).toEqual([]);
    expect(await client.getHistory(receiver.address)).toEqual([
      expect.objectContaining({
        type: 'transfer_in',
        txHash: signed.txHash,
        amountUrtc: 12_345_678n,
        counterparty: sender.address,
        status: 'pending',
      }),
    ]);

    expect(n.confirm(signed.txHash)).toBe('confirmed');
    const status = await client.getTransferStatus(signed.txHash);
    expect(status).toMatchObject({ status: 'confirmed', confirmations: 1 });
    expect(status.blockHeight).toEqual(expect.any(Number));
    expect(await client.getBalance(receiver.address)).toBe(12_345_678n);
    expect(await client.getBalance(sender.address)).toBe(100_000_000n - 12_345_678n);
    expect((await client.listIncomingTransfers(receiver.address, { status: 'confirmed' }))[0]).toMatchObject({
      status: 'confirmed',
    });
    expect(await client.getHistory(receiver.address)).toEqual([
      expect.objectContaining({
        type: 'transfer_in',
        txHash: signed.txHash,
        amountUrtc: 12_345_678n,
        status: 'confirmed',
      }),
    ]);
  });

  it('reports voided transfers as failed and unknown ones as not_found', async () => {
    const n = await start();
    const client = clientFor(n);
    const signed = client.signTransfer(sender, { to: receiver.address, amountUrtc: 1n, nonce: nextNonce() });
    await client.sendTransfer(signed);
    n.void(signed.txHash, 'operator said so');
    expect((await client.getTransferStatus(signed.txHash)).status).toBe('failed');
    expect((await client.listTransfers(sender.address, { status: 'voided' }))[0]).toMatchObject({
      voidedReason: 'operator said so',
    });
    expect((await client.getTransferStatus('ab'.repeat(16))).status).toBe('not_found');
  });

  it('surfaces REPLAY_DETECTED distinctly after an answer was lost, and the node holds the transfer once', async () => {
    const n = await start();
    const client = clientFor(n);
    const signed = client.signTransfer(sender, {
      to: receiver.address,
      amountUrtc: 500_000n,
      nonce: nextNonce(),
      memo: 'gpr:wd:1',
    });
    n.injectFault({ kind: 'lose-answer', method: 'POST', path: '/wallet/transfer/signed' });
    const lost = await rejection(client.sendTransfer(signed));
    expect(lost.kind).toBe('NO_ANSWER');
    expect(lost.outcomeUnknown).toBe(true);
    expect(n.requests.filter((r) => r.method === 'POST')).toHaveLength(1); // never retried by the client

    const replay = await rejection(client.sendTransfer(signed));
    expect(replay).toMatchObject({
      kind: 'REPLAY_DETECTED',
      code: 'REPLAY_DETECTED',
      status: 400,
      outcomeUnknown: false,
    });
    expect((await client.getTransferStatus(signed.txHash)).status).toBe('pending');
    expect(n.transfers.filter((t) => t.txHash === signed.txHash)).toHaveLength(1);
  });

  it('tells refusals apart: out-of-order nonce, short balance (nonce kept free), bad signature, other chain', async () => {
    const n = await start();
    const client = clientFor(n);
    const first = client.signTransfer(sender, { to: receiver.address, amountUrtc: 1n, nonce: nextNonce() });
    const earlier = client.signTransfer(sender, { to: receiver.address, amountUrtc: 1n, nonce: first.nonce - 1n });
    await client.sendTransfer(first);
    expect(await rejection(client.sendTransfer(earlier))).toMatchObject({
      kind: 'REFUSED',
      code: 'OUT_OF_ORDER_NONCE',
      outcomeUnknown: false,
    });

    const tooMuch = client.signTransfer(receiver, { to: sender.address, amountUrtc: 2_000_000n, nonce: nextNonce() });
    expect(await rejection(client.sendTransfer(tooMuch))).toMatchObject({
      kind: 'REFUSED',
      code: 'INSUFFICIENT_BALANCE',
      status: 400,
    });
    n.credit(receiver.address, 2_000_000n);
    expect((await client.sendTransfer(tooMuch)).txHash).toBe(tooMuch.txHash);

    const tampered = client.signTransfer(sender, { to: receiver.address, amountUrtc: 2n, nonce: nextNonce() });
    const forged = { ...tampered, body: { ...tampered.body, amount_rtc: '0.000003' } };
    expect(await rejection(client.sendTransfer(forged))).toMatchObject({
      kind: 'REFUSED',
      code: 'INVALID_SIGNATURE',
      status: 401,
    });

    const testnet = createRustChainClient({ url: n.url, chainId: 'rustchain-testnet-v2' });
    const wrongChain = testnet.signTransfer(sender, { to: receiver.address, amountUrtc: 1n, nonce: nextNonce() });
    expect(await rejection(testnet.sendTransfer(wrongChain))).toMatchObject({
      kind: 'REFUSED',
      code: 'CHAIN_ID_MISMATCH',
    });
    expect(n.transfers).toHaveLength(2);
  });

  it('holds the stand-in to the node bytes: JavaScript-formatted JSON does not verify, the legacy form does', async () => {
    const n = await start();
    const client = clientFor(n);
    const fields = {
      from: sender.address,
      to: receiver.address,
      amount: 1,
      fee: 0,
      memo: '',
      nonce: String(nextNonce()),
    };
    const jsStyle = JSON.stringify(Object.fromEntries(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : 1))));
    expect(jsStyle).toContain('"amount":1,');
    const body = (message: string) => ({
      from_address: sender.address,
      to_address: receiver.address,
      amount_rtc: '1',
      memo: '',
      nonce: Number(fields.nonce),
      public_key: sender.publicKey,
      signature: sender.sign(Buffer.from(message)).toString('hex'),
    });
    const post = (b: unknown) =>
      fetch(`${n.url}/wallet/transfer/signed`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(b),
      });
    const refused = await post(body(jsStyle));
    expect(refused.status).toBe(401);
    expect(await refused.text()).toBe('{"error":"Invalid signature"}\n');

    const legacy = pythonJsonDumps({ from: fields.from, to: fields.to, amount: 1, memo: '', nonce: fields.nonce });
    const accepted = await post(body(legacy));
    expect(accepted.status).toBe(200);
    expect(await client.getBalance(sender.address)).toBe(100_000_000n);
    expect(n.transfers[0]).toMatchObject({ message: legacy, amountUrtc: 1_000_000n });
  });

  it('retries reads through resets and 500s, and gives up with a typed error', async () => {
    const n = await start();
    const client = clientFor(n);
    n.injectFault({ kind: 'reset', path: '/wallet/balance' });
    n.injectFault({ kind: 'status', status: 500, path: '/wallet/balance' });
    expect(await client.getBalance(sender.address)).toBe(100_000_000n);
    expect(n.requests.map((r) => r.outcome)).toEqual(['dropped', 500, 200]);

    n.injectFault({ kind: 'status', status: 503, path: '/wallet/tx/', times: 3 });
    const failed = await rejection(client.getTransferStatus('cd'.repeat(16)));
    expect(failed).toMatchObject({ kind: 'NODE_ERROR', status: 503 });
    expect(n.requests.filter((r) => r.path.startsWith('/wallet/tx/'))).toHaveLength(3); // 1 + readRetries
  });

  it('times out a slow read, retries it, and never retries a slow transfer', async () => {
    const n = await start();
    const client = clientFor(n, { timeoutMs: 150, readRetries: 1 });
    n.injectFault({ kind: 'delay', ms: 1_000, path: '/wallet/balance' });
    expect(await client.getBalance(sender.address)).toBe(100_000_000n);
    expect(n.requests.filter((r) => r.path.startsWith('/wallet/balance'))).toHaveLength(2);

    n.injectFault({ kind: 'delay', ms: 1_000, path: '/wallet/balance', times: 2 });
    const slow = await rejection(client.getBalance(sender.address));
    expect(slow.kind).toBe('TIMEOUT');
    expect(slow.message).toMatch(/no answer .* within 150 ms/);

    const signed = client.signTransfer(sender, { to: receiver.address, amountUrtc: 7n, nonce: nextNonce() });
    n.injectFault({ kind: 'delay', ms: 600, method: 'POST' });
    const timedOut = await rejection(client.sendTransfer(signed));
    expect(timedOut).toMatchObject({ kind: 'TIMEOUT', outcomeUnknown: true });
    // The node applied it anyway once its delay passed: exactly the case the caller must look up.
    await expect.poll(() => n.transfer(signed.txHash)?.status, { timeout: 5_000 }).toBe('pending');
    expect(n.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('says clearly when the node is unreachable, for reads and transfers, and recovers when it is back', async () => {
    const n = await start();
    const client = clientFor(n);
    await n.goOffline();
    const read = await rejection(client.getBalance(sender.address));
    expect(read.kind).toBe('UNREACHABLE');
    expect(read.message).toMatch(/unreachable .*ECONNREFUSED/);
    const signed = client.signTransfer(sender, { to: receiver.address, amountUrtc: 1n, nonce: nextNonce() });
    const send = await rejection(client.sendTransfer(signed));
    expect(send).toMatchObject({ kind: 'UNREACHABLE', outcomeUnknown: false });
    await n.goOnline();
    expect((await client.sendTransfer(signed)).txHash).toBe(signed.txHash);
    // A port fetch itself refuses to use (as browsers do) never connects either.
    const blocked = createRustChainClient({ url: 'http://127.0.0.1:1', readRetries: 0 });
    expect(await rejection(blocked.getBalance(sender.address))).toMatchObject({
      kind: 'UNREACHABLE',
      outcomeUnknown: false,
    });
  });

  it('keeps to 10 /pending/* requests a minute by itself, and reports the node limit (12) as RATE_LIMITED', async () => {
    const n = await start();
    let clock = 1_000_000;
    const client = clientFor(n, { now: () => clock });
    for (let i = 0; i < 10; i++) await client.listTransfers(sender.address);
    const local = await rejection(client.listTransfers(sender.address));
    expect(local).toMatchObject({ kind: 'RATE_LIMITED', status: undefined });
    expect(local.details.retryAfterMs).toBe(60_000);
    expect(n.requests.filter((r) => r.path.startsWith('/pending/list'))).toHaveLength(10);
    // Reads elsewhere are not limited.
    expect(await client.getBalance(sender.address)).toBe(100_000_000n);
    clock += 60_000;
    await client.listTransfers(sender.address); // the window moved on: the 11th request goes out

    const eager = clientFor(n, { pendingRequestsMax: 100 });
    await eager.listTransfers(sender.address);
    const limited = await rejection(eager.listTransfers(sender.address));
    expect(limited).toMatchObject({ kind: 'RATE_LIMITED', status: 429, code: 'ADMIN_RATE_LIMIT' });
    expect(limited.details.retryAfterMs).toBeGreaterThan(0);
    expect(
      n.requests
        .filter((r) => r.path.startsWith('/pending/list'))
        .map((r) => r.outcome)
        .slice(-2),
    ).toEqual([200, 429]);
  });

  it('gets at most 500 rows of the pending list, newest first', async () => {
    const n = await start();
    for (let i = 1; i <= 501; i++) n.transferFrom({ from: `miner_${i}`, to: receiver.address, amountUrtc: BigInt(i) });
    const rows = await clientFor(n).listIncomingTransfers(receiver.address, { limit: 1000 });
    expect(rows).toHaveLength(500);
    expect(rows[0]).toMatchObject({
      pendingId: 501,
      amountUrtc: 501n,
      memo: null,
      reason: 'admin_transfer',
      from: 'miner_501',
    });
    expect(rows[499]!.pendingId).toBe(2);
  });
});

describe('key files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grp-key-'));
  const seed = 'a1'.repeat(32);
  const keyFile = (name: string, text: string, mode: number) => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode });
    chmodSync(path, mode);
    return path;
  };

  it('loads a key file as `npm run wallet -- new` writes it', () => {
    const key = loadRustChainKeyFile(keyFile('ok.key', `${seed}\n`, 0o600));
    expect(key.address).toBe(walletFromSeed(seed).address);
    expect(key.publicKey).toBe(walletFromSeed(seed).publicKey);
    // The key never shows in what a log line would print.
    expect(JSON.stringify(key)).not.toContain(seed);
    expect(inspect(key, { showHidden: true, depth: 5 })).not.toContain(seed);
  });

  it.each(['0640', '0604', '0660', '0644'])('refuses a key file with mode %s', (octal) => {
    const mode = parseInt(octal, 8);
    const path = keyFile(`open-${mode.toString(8)}.key`, `${seed}\n`, mode);
    let error: unknown;
    try {
      loadRustChainKeyFile(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KeyFileError);
    expect((error as Error).message).toContain(`mode ${octal}`);
    expect((error as Error).message).not.toContain(seed);
  });

  it('refuses a file that is not a seed, or is missing, without printing its content', () => {
    const secret = `not-a-seed-${seed}`;
    const path = keyFile('junk.key', secret, 0o600);
    expect(() => loadRustChainKeyFile(path)).toThrow(KeyFileError);
    expect(() => loadRustChainKeyFile(path)).toThrow(/does not hold a 64-hex-character Ed25519 seed/);
    try {
      loadRustChainKeyFile(path);
    } catch (error) {
      expect((error as Error).message).not.toContain(seed);
    }
    expect(() => loadRustChainKeyFile(join(dir, 'missing.key'))).toThrow(/ENOENT/);
  });
});
