/** Making a node eligible for the fair rate, as an operator (verification) or a node (a bond) would. */
import type { Wallet } from '../../src/domain/signatures.js';
import { newNonce } from './market.js';
import { asOperator, call, deposit, type Reply } from './rest.js';

/** The operator grants `verified` trust over GraphQL; throws unless it succeeded. */
export async function verifyNode(baseUrl: string, minerId: string): Promise<void> {
  const r = await call(
    baseUrl,
    'POST',
    '/graphql',
    {
      query: 'mutation($m: String!) { verifyGpuNode(minerId: $m, verified: true) { __typename } }',
      variables: { m: minerId },
    },
    asOperator,
  );
  if (r.body?.data?.verifyGpuNode?.__typename !== 'GpuNodeSuccess')
    throw new Error(`verify failed: ${JSON.stringify(r.body)}`);
}

/** A `node.bond` or `node.unbond` body signed by `node` over the action object. */
export function signedBondBody(
  node: Wallet,
  kind: 'node.bond' | 'node.unbond',
  amountUrtc: string,
  nonce = newNonce(),
) {
  const fields = { miner_id: node.address, amount_urtc: amountUrtc, nonce };
  return { ...fields, public_key: node.publicKey, signature: node.sign({ action: kind, ...fields }) };
}

/** Deposits `amountUrtc` to the node's wallet and bonds all of it. */
export async function bondNode(baseUrl: string, node: Wallet, amountUrtc = '100000000'): Promise<Reply> {
  const funded = await deposit(baseUrl, node.address, (Number(amountUrtc) / 1e6).toFixed(6));
  if (funded.status !== 201) throw new Error(`deposit failed: ${JSON.stringify(funded.body)}`);
  return call(baseUrl, 'POST', '/gpu/bond', signedBondBody(node, 'node.bond', amountUrtc));
}
