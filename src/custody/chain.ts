/**
 * What custody needs from a chain, and nothing else (docs/ARCHITECTURE.md, "Money that crosses the edge"):
 * the custody address's confirmed balance, its incoming transfers, one transfer's status, and signed
 * transfers prepared (hash known) before they are posted. RustChain is the first implementation
 * (./rustchain-adapter.ts); the custody service is written against this shape only.
 */

/** A transfer to the custody address as the chain lists it. */
export interface IncomingTransfer {
  txHash: string;
  fromAddress: string;
  amountUrtc: bigint;
  memo: string | null;
  status: 'pending' | 'confirmed' | 'voided';
}

/** `failed` covers voided and refused-at-confirmation transfers; `not_found` a transfer the chain never took. */
export type TransferStatus = 'pending' | 'confirmed' | 'failed' | 'not_found';

export interface TransferOrder {
  toAddress: string;
  amountUrtc: bigint;
  /** The custody wallet's nonce: strictly increasing, persisted before the transfer is posted. */
  nonce: bigint;
  memo: string;
}

/** A signed transfer: its hash is known before anything is sent, and `body` is re-posted byte for byte. */
export interface PreparedTransfer {
  txHash: string;
  body: string;
}

/** What posting a prepared transfer came to. Only `refused` is final; the others say what to do next. */
export type PostOutcome =
  | { kind: 'accepted' }
  /** The chain already holds a transfer with this nonce (an earlier answer was lost): follow the stored hash. */
  | { kind: 'already_held' }
  /** A later nonce of the custody wallet was seen first; this transfer was not taken. */
  | { kind: 'nonce_too_low' }
  /** The custody wallet's spendable balance does not cover it now; it may later. */
  | { kind: 'insufficient_balance' }
  /** Refused for good (bad address, amount, chain id...): the transfer will never happen. */
  | { kind: 'refused'; code: string; message: string }
  /** No answer (timeout, connection refused, 5xx): the chain may or may not hold it. */
  | { kind: 'no_answer'; message: string };

export interface ChainAdapter {
  /** Journal account suffix and API name, e.g. `rustchain`. */
  readonly chain: string;
  readonly chainId: string;
  readonly custodyAddress: string;
  /** Confirmed balance of the custody address (pending outgoing transfers not subtracted). Throws when unreachable. */
  confirmedBalance(): Promise<bigint>;
  /** Recent transfers to the custody address, newest first (the chain may cap the list). Throws when unreachable. */
  incomingTransfers(): Promise<IncomingTransfer[]>;
  /** Throws when unreachable. */
  transferStatus(txHash: string): Promise<TransferStatus>;
  prepareTransfer(order: TransferOrder): PreparedTransfer;
  /** Never throws: every way a post can end is an outcome. */
  postTransfer(prepared: PreparedTransfer): Promise<PostOutcome>;
}
