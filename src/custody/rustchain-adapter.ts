/**
 * RustChain as custody's chain: the ChainAdapter shape over the RustChain client (./rustchain.ts), with the
 * custody wallet's key. Deposits are read from the node's pending ledger (the only listing with memos, at
 * most 10 requests a minute) and settled by transaction status (unlimited); the node's refusals are sorted
 * into what custody must do next (docs/NODE-API.md).
 */
import type {
  ChainAdapter,
  IncomingTransfer,
  PostOutcome,
  PreparedTransfer,
  TransferOrder,
  TransferStatus,
} from './chain.js';
import type { Config } from '../config.js';
import {
  createRustChainClient,
  loadRustChainKeyFile,
  RustChainError,
  type RustChainClient,
  type RustChainKey,
  type SignedTransfer,
} from './rustchain.js';

/** How many of the newest pending-ledger rows the watcher reads each time (the node's maximum). */
const LISTING_LIMIT = 500;

export function createRustChainAdapter(client: RustChainClient, key: RustChainKey): ChainAdapter {
  const custodyAddress = key.address;
  return {
    chain: 'rustchain',
    chainId: client.chainId,
    custodyAddress,

    confirmedBalance: () => client.getBalance(custodyAddress),

    async incomingTransfers(): Promise<IncomingTransfer[]> {
      const rows = await client.listIncomingTransfers(custodyAddress, { status: 'all', limit: LISTING_LIMIT });
      return rows
        .filter((r) => r.status === 'pending' || r.status === 'confirmed' || r.status === 'voided')
        .map((r) => ({
          txHash: r.txHash,
          fromAddress: r.from,
          amountUrtc: r.amountUrtc,
          memo: r.memo,
          status: r.status as IncomingTransfer['status'],
        }));
    },

    async transferStatus(txHash: string): Promise<TransferStatus> {
      return (await client.getTransferStatus(txHash)).status;
    },

    prepareTransfer(order: TransferOrder): PreparedTransfer {
      const signed = client.signTransfer(key, {
        to: order.toAddress,
        amountUrtc: order.amountUrtc,
        nonce: order.nonce,
        memo: order.memo,
      });
      return { txHash: signed.txHash, body: JSON.stringify(signed.body) };
    },

    async postTransfer(prepared: PreparedTransfer): Promise<PostOutcome> {
      // The stored body is posted byte for byte as it was signed; only its hash and body matter to the client.
      const transfer = { txHash: prepared.txHash, body: JSON.parse(prepared.body) } as SignedTransfer;
      try {
        await client.sendTransfer(transfer);
        return { kind: 'accepted' };
      } catch (error) {
        return postOutcome(error);
      }
    },
  };
}

function postOutcome(error: unknown): PostOutcome {
  if (!(error instanceof RustChainError))
    return { kind: 'no_answer', message: error instanceof Error ? error.message : String(error) };
  const { code, body } = error.details;
  switch (error.kind) {
    case 'REPLAY_DETECTED':
      return { kind: 'already_held' };
    case 'REFUSED': {
      if (code === 'REPLAY_DETECTED') return { kind: 'already_held' };
      if (code === 'OUT_OF_ORDER_NONCE') return { kind: 'nonce_too_low' };
      const text = JSON.stringify(body ?? '');
      if (/insufficient/i.test(text)) return { kind: 'insufficient_balance' };
      return { kind: 'refused', code: code ?? `HTTP_${error.details.status ?? 400}`, message: error.message };
    }
    case 'RATE_LIMITED':
    case 'UNREACHABLE':
      return { kind: 'no_answer', message: error.message }; // not sent: asking the hash first is merely cautious
    default:
      return { kind: 'no_answer', message: error.message };
  }
}

/**
 * The custody chain the configuration describes: RustChain when both RUSTCHAIN_NODE_URL and CUSTODY_KEY_FILE
 * are set, none when neither is (withdrawals are then CUSTODY_DISABLED). One without the other is a mistake
 * worth stopping for, and so is a key file that others can read.
 */
export function chainFromConfig(
  config: Pick<Config, 'RUSTCHAIN_NODE_URL' | 'RUSTCHAIN_CHAIN_ID' | 'CUSTODY_KEY_FILE'>,
): ChainAdapter | null {
  const { RUSTCHAIN_NODE_URL: url, CUSTODY_KEY_FILE: keyFile } = config;
  if (!url && !keyFile) return null;
  if (!url || !keyFile)
    throw new Error('invalid configuration: custody needs both RUSTCHAIN_NODE_URL and CUSTODY_KEY_FILE');
  const key = loadRustChainKeyFile(keyFile); // refuses group/world-readable files; the key itself is never logged
  return createRustChainAdapter(createRustChainClient({ url, chainId: config.RUSTCHAIN_CHAIN_ID }), key);
}
