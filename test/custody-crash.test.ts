/**
 * Crash safety of withdrawals with the real server process: killed with SIGKILL after the transfer's hash was
 * stored and posted but before the node's answer came, then restarted on the same database. The node (the
 * stand-in) must end up holding exactly one transfer, and the wallet must be debited exactly once.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rustChainKeyFromSeed } from '../src/custody/rustchain.js';
import { freshTestDatabaseUrl, newNonce, newWallet } from './support/market.js';
import { spawnServer } from './support/process.js';
import { asOperator, call } from './support/rest.js';
import { startRustChainStandIn, type RustChainStandIn } from './support/rustchain-stand-in.js';

const CUSTODY_SEED = '5a'.repeat(32);
let node: RustChainStandIn;
beforeAll(async () => {
  node = await startRustChainStandIn();
});
afterAll(() => node.close());

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('kill -9 between storing the tx_hash and hearing the node: one transfer on the chain, one debit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grp-custody-'));
  const keyFile = join(dir, 'custody.key');
  writeFileSync(keyFile, `${CUSTODY_SEED}\n`);
  chmodSync(keyFile, 0o600);
  const custody = rustChainKeyFromSeed(CUSTODY_SEED);
  node.credit(custody.address, 3_000_000n); // what the operator's manual credit below stands for
  const databaseUrl = await freshTestDatabaseUrl();
  const env = {
    RUSTCHAIN_NODE_URL: node.url,
    RUSTCHAIN_CHAIN_ID: node.chainId,
    CUSTODY_KEY_FILE: keyFile,
    CUSTODY_POLL_INTERVAL_MS: '100',
    CUSTODY_SENDER_LEASE_S: '2',
  };

  let server = await spawnServer(databaseUrl, env);
  const w = newWallet();
  expect(
    (
      await call(
        server.url,
        'POST',
        '/wallet/deposit',
        { wallet: w.address, amount_urtc: '3000000', reference: `crash-${newNonce()}` },
        asOperator,
      )
    ).status,
  ).toBe(201);
  // The node holds the request for 2 s before taking the transfer and answering: the server dies meanwhile.
  node.injectFault({ method: 'POST', path: '/wallet/transfer/signed', kind: 'delay', ms: 2_000 });
  const posts = () => node.requests.filter((q) => q.method === 'POST' && q.path === '/wallet/transfer/signed').length;
  const to = newWallet().address;
  const action = {
    action: 'wallet.withdraw',
    wallet: w.address,
    to_address: to,
    amount_urtc: '1000000',
    nonce: newNonce(),
  };
  const { action: _a, ...fields } = action;
  const r = await call(server.url, 'POST', '/wallet/withdraw', {
    ...fields,
    public_key: w.publicKey,
    signature: w.sign(action),
  });
  expect(r.status).toBe(202);

  const stored = await until('the stored tx_hash, posted', async () => {
    const row = (await call(server.url, 'GET', `/wallet/withdrawals?wallet=${w.address}`)).body.withdrawals[0];
    return row.tx_hash && posts() === 1 ? row : undefined;
  });
  expect(stored.status).toBe('pending'); // stored and posted, no answer heard
  server.child.kill('SIGKILL');
  await new Promise((resolve) => server.child.once('exit', resolve));
  await until('the node to take the transfer', async () => node.transfer(stored.tx_hash));

  server = await spawnServer(databaseUrl, env);
  try {
    const sent = await until('the withdrawal sent', async () => {
      const row = (await call(server.url, 'GET', `/wallet/withdrawals?wallet=${w.address}`)).body.withdrawals[0];
      return row.status === 'sent' ? row : undefined;
    });
    expect(sent.tx_hash).toBe(stored.tx_hash);
    node.confirm(sent.tx_hash);
    await until('the withdrawal confirmed', async () => {
      const row = (await call(server.url, 'GET', `/wallet/withdrawals?wallet=${w.address}`)).body.withdrawals[0];
      return row.status === 'confirmed' ? row : undefined;
    });
    expect(node.transfers.filter((t) => t.from === custody.address)).toHaveLength(1);
    expect(node.balance(to)).toBe(1_000_000n);
    expect((await call(server.url, 'GET', `/wallet/balance?wallet=${w.address}`)).body.available_urtc).toBe('2000000');
    // The reserves report caches the chain balance, read on the custody loop's next tick after the confirmation.
    const reserves = await until('the reserves read after the confirmation', async () => {
      const body = (await call(server.url, 'GET', '/custody')).body;
      return body.onchain_urtc === '2000000' ? body : undefined;
    });
    expect(reserves).toMatchObject({
      onchain_urtc: '2000000',
      liabilities_urtc: '2000000',
      surplus_urtc: '0',
    });
  } finally {
    await server.stop();
  }
});
