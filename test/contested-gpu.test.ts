/**
 * A GPU claimed by two miners: the second claimant is refused (DUPLICATE_HARDWARE) but the GPU becomes
 * contested, its holder flagged and out of the fair rate until the operator assigns the GPU. First come
 * is never final.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Wallet } from '../src/domain/signatures.js';
import { bondNode } from './support/eligibility.js';
import { attest, rtx4090 } from './support/gpu.js';
import { ADMIN_KEY, newWallet, startTestServer } from './support/market.js';
import { asOperator, call } from './support/rest.js';

let now = 2_600_000_000;
let server: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  server = await startTestServer({ clock: () => now });
});
afterAll(() => server.close());

type Gpu = ReturnType<typeof rtx4090>;
const renderNode = (node: Wallet, gpus: Gpu[], price = '50000') =>
  attest(server.url, node, {
    gpus,
    job_types: ['render'],
    llm_models: undefined,
    prices: { render_minute_urtc: price },
  });
async function listed(node: Wallet) {
  const r = await call(server.url, 'GET', '/gpu/nodes?include_offline=true&limit=100');
  return r.body.nodes.find((n: { miner_id: string }) => n.miner_id === node.address);
}
const renderRate = async () => (await call(server.url, 'GET', '/render/pricing')).body.rates.render;
const assign = (uuid: string, minerId: string, headers: Record<string, string> = asOperator) =>
  call(server.url, 'POST', '/gpu/assign', { uuid, miner_id: minerId }, headers);

describe('a squatter that attested the owner’s GPU first', () => {
  it('is flagged and out of the rate when the owner claims it, until the operator assigns the GPU to the owner', async () => {
    const [owner, squatter, a, b] = [newWallet(), newWallet(), newWallet(), newWallet()];
    const gpu = rtx4090();
    for (const w of [squatter, a, b]) expect((await bondNode(server.url, w)).status).toBe(200);
    expect((await renderNode(squatter, [gpu], '52000')).status).toBe(200);
    expect((await renderNode(a, [rtx4090()], '50000')).status).toBe(200);
    expect((await renderNode(b, [rtx4090()], '51000')).status).toBe(200);
    expect(await renderRate()).toMatchObject({ fair_urtc: '51000', providers: 3 });

    // The owner's claim is refused, and it marks the squatter's node.
    const claim = await renderNode(owner, [{ ...gpu }]);
    expect(claim).toMatchObject({ status: 409, body: { error: { code: 'DUPLICATE_HARDWARE' } } });
    expect(await listed(owner)).toBeUndefined();
    expect((await listed(squatter)).flags).toContain('hardware_contested');
    expect(await renderRate()).toMatchObject({
      fair_urtc: null,
      providers: 2,
      insufficient_data: true,
      quoted_providers: 3,
    });
    // The flag stays however the squatter attests; the owner stays refused until the operator decides.
    now += 601;
    const again = await renderNode(squatter, [gpu], '52000');
    expect(again.body).toMatchObject({ status: 'online', flags: ['hardware_contested'] });
    expect((await renderNode(owner, [{ ...gpu }])).status).toBe(409);

    // The operator assigns the GPU to the owner.
    expect(await assign(gpu.uuid, owner.address, {})).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHORIZED' } },
    });
    expect(await assign('x', owner.address)).toMatchObject({ status: 400, body: { error: { code: 'INVALID_INPUT' } } });
    expect((await assign(gpu.uuid, owner.address)).body).toEqual({
      ok: true,
      uuid: gpu.uuid,
      miner_id: owner.address,
      previous_holder: squatter.address,
    });
    const taken = await listed(squatter);
    expect(taken.flags).not.toContain('hardware_contested');
    expect(taken.flags).toContain('hardware_reassigned'); // it lost the GPU: out of the rate until it attests its hardware again
    expect(taken.gpus.map((g: { uuid: string }) => g.uuid)).not.toContain(gpu.uuid);
    expect((await renderNode(owner, [{ ...gpu }])).body).toMatchObject({ ok: true, flags: [] });

    // Now the squatter is the one refused, and the owner's node is not marked: the operator's word stands.
    const reclaim = await renderNode(squatter, [gpu], '52000');
    expect(reclaim).toMatchObject({ status: 409, body: { error: { code: 'DUPLICATE_HARDWARE' } } });
    expect((await listed(owner)).flags).toEqual([]);
    // With hardware of its own, the squatter's node is clean again, and counts (it is still bonded).
    expect((await renderNode(squatter, [rtx4090()], '52000')).body).toMatchObject({
      ok: true,
      flags: ['fingerprint_changed'],
    });
    expect(await renderRate()).toMatchObject({ fair_urtc: '51000', providers: 3, quoted_providers: 4 });
  });

  it('assigning the GPU to its holder clears the flag; node events say what happened', async () => {
    const [holder, claimant] = [newWallet(), newWallet()];
    const gpu = rtx4090();
    expect((await renderNode(holder, [gpu])).status).toBe(200);
    const before = (await server.market.nodeEvents.after(0, holder.address)).at(-1)!.seq;
    expect((await renderNode(claimant, [{ ...gpu }])).status).toBe(409);
    expect((await renderNode(claimant, [{ ...gpu }])).status).toBe(409); // the same claim again: one contest
    expect((await listed(holder)).flags).toEqual(['hardware_contested']);

    const r = await call(
      server.url,
      'POST',
      '/graphql',
      {
        query:
          'mutation($u: String!, $m: String!) { assignGpu(uuid: $u, minerId: $m) { __typename ... on GpuAssignmentSuccess { uuid minerId previousHolder } ... on MarketError { code } } }',
        variables: { u: gpu.uuid, m: holder.address },
      },
      { 'x-admin-key': ADMIN_KEY },
    );
    expect(r.body.data.assignGpu).toEqual({
      __typename: 'GpuAssignmentSuccess',
      uuid: gpu.uuid,
      minerId: holder.address,
      previousHolder: holder.address,
    });
    expect((await listed(holder)).flags).toEqual([]);
    expect((await listed(holder)).gpus.map((g: { uuid: string }) => g.uuid)).toEqual([gpu.uuid]);
    expect((await server.market.nodeEvents.after(before, holder.address)).map((e) => e.change)).toEqual([
      'contested',
      'assigned',
    ]);
    expect((await renderNode(claimant, [{ ...gpu }])).body.error.code).toBe('DUPLICATE_HARDWARE');
    expect((await listed(holder)).flags).toEqual([]);
  });

  it('a refused claim does not use up the claimant’s challenge', async () => {
    const [holder, claimant] = [newWallet(), newWallet()];
    const gpu = rtx4090();
    await renderNode(holder, [gpu]);
    const { challenge } = (await call(server.url, 'POST', '/gpu/challenge', { miner_id: claimant.address })).body;
    const fields = {
      miner_id: claimant.address,
      challenge,
      device_arch: 'nvidia_gpu',
      gpus: [{ ...gpu }],
      job_types: ['render'],
      prices: { render_minute_urtc: '50000' },
    };
    const signed = {
      ...fields,
      public_key: claimant.publicKey,
      signature: claimant.sign({ action: 'gpu.attest', ...fields }),
    };
    expect((await call(server.url, 'POST', '/gpu/attest', signed)).status).toBe(409);
    await assign(gpu.uuid, claimant.address);
    expect((await call(server.url, 'POST', '/gpu/attest', signed)).body).toMatchObject({
      ok: true,
      miner_id: claimant.address,
    });
  });
});
