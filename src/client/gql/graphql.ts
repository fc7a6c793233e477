/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** pending: seen, not final, not spendable; credited: final and credited once; voided: never credited; unattributed: final, waiting for the operator. */
export type ChainDepositStatus =
  | 'CREDITED'
  | 'PENDING'
  | 'UNATTRIBUTED'
  | 'VOIDED';

/** Signed by the provider (toWallet) over {action:"escrow.deliver", job_id, job_type, result_hash, nonce, claimed_urtc?, result_uri?}, while the escrow is locked and unexpired. */
export type DeliverEscrowInput = {
  /** µRTC claimed for the delivery, at least 1; default all the escrow still holds. */
  claimedUrtc?: string | null | undefined;
  jobId: string;
  /** Never reused by the same signer. */
  nonce: string;
  /** The provider's Ed25519 public key, 64 hex characters. */
  publicKey: string;
  /** SHA-256 of the result, 64 lowercase hex characters. */
  resultHash: string;
  /** Where the result is: https://, ipfs:// or ar://, at most 512 characters. */
  resultUri?: string | null | undefined;
  /** Ed25519 signature (128 hex) over the canonical action object. */
  signature: string;
};

export type DepositInput = {
  /** Decimal RTC, at most 6 decimals. Give this or amountUrtc. */
  amountRtc?: string | null | undefined;
  amountUrtc?: string | null | undefined;
  /** External reference (for example a chain transaction id); replays are idempotent. */
  reference: string;
  wallet: string;
};

export type DeviceArch =
  | 'AMD_GPU'
  | 'APPLE_GPU'
  | 'NVIDIA_GPU';

/** Signed by the payer (fromWallet) over {action:"escrow.dispute", job_id, job_type, reason, nonce}, before reviewUntil. */
export type DisputeEscrowInput = {
  jobId: string;
  /** Never reused by the same signer. */
  nonce: string;
  /** The payer's Ed25519 public key, 64 hex characters. */
  publicKey: string;
  /** 1 to 500 characters, for the operator. */
  reason: string;
  /** Ed25519 signature (128 hex) over the canonical action object. */
  signature: string;
};

/** Stable error codes, the same as the REST shim returns (docs/CONTRACT.md). */
export type ErrorCode =
  | 'CUSTODY_DISABLED'
  | 'DUPLICATE_HARDWARE'
  | 'FORBIDDEN'
  | 'IDEMPOTENCY_CONFLICT'
  | 'IMPLAUSIBLE_HARDWARE'
  | 'INSUFFICIENT_FUNDS'
  | 'INVALID_CHALLENGE'
  | 'INVALID_INPUT'
  | 'INVALID_SIGNATURE'
  | 'INVALID_STATE'
  | 'JOB_TYPE_MISMATCH'
  | 'NONCE_REUSED'
  | 'NOT_FOUND'
  | 'OPERATOR_DISABLED'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'UNAUTHORIZED';

export type EscrowChange =
  /** The provider delivered; the review window is open. */
  | 'DELIVERED'
  /** The payer disputed the delivery. */
  | 'DISPUTED'
  /** Refunded automatically at expires_at, never delivered. */
  | 'EXPIRED'
  | 'LOCKED'
  /** A milestone payment; the rest stays locked. */
  | 'PARTIALLY_RELEASED'
  | 'REFUNDED'
  /** Settled: the provider was paid (the rest, if any, went back to the payer). */
  | 'RELEASED';

/** LOCKED → (DELIVERED → (DISPUTED)) → RELEASED | REFUNDED; the first three hold money. */
export type EscrowStatus =
  /** The provider delivered; the payer reviews until reviewUntil. */
  | 'DELIVERED'
  /** The payer disputed the delivery; the operator resolves it. */
  | 'DISPUTED'
  /** Held; milestone payments may have paid part of it. */
  | 'LOCKED'
  | 'REFUNDED'
  | 'RELEASED';

export type GpuNodeFilter = {
  deviceArch?: DeviceArch | null | undefined;
  /** Part of a GPU model name, e.g. "4090" or "A100". */
  gpuModel?: string | null | undefined;
  /** Also list offline and suspended nodes (default false). */
  includeOffline?: boolean | null | undefined;
  jobType?: JobType | null | undefined;
  /** Any spelling the model catalog knows, e.g. "llama3.1:70b", "meta-llama/Llama-3.1-70B-Instruct"; else the name as sent. */
  llmModel?: string | null | undefined;
  /** With jobType: at most this price per unit. */
  maxPriceUrtc?: string | null | undefined;
  /** Compared as a version: "12.10" is above "12.9". */
  minCudaVersion?: string | null | undefined;
  /** An LLM of at least this many billion parameters. */
  minParamsB?: number | null | undefined;
  minTrust?: TrustLevel | null | undefined;
  /** At least this much memory on one GPU, in GB as sold. */
  minVramGb?: number | null | undefined;
  /** An LLM in this quantisation, e.g. "q4_k_m", "Q8_0", "fp16", "awq". */
  quant?: string | null | undefined;
  /** Any spelling the model catalog knows, e.g. "large-v3" or "ggml-large-v3.bin"; else the name as sent. */
  sttModel?: string | null | undefined;
  /** Any spelling the model catalog knows, e.g. "xtts_v2" or "coqui/XTTS-v2"; else the name as sent. */
  ttsModel?: string | null | undefined;
};

export type GpuNodeOrder = {
  direction?: OrderDirection | null | undefined;
  field: GpuNodeOrderField;
  /** For PRICE: whose price (defaults to the filter’s job type). */
  jobType?: JobType | null | undefined;
};

export type GpuNodeOrderField =
  | 'BENCHMARK_SCORE'
  /** Time of the last attestation. */
  | 'FRESHNESS'
  /** Price per unit of the order’s (or the filter’s) job type. */
  | 'PRICE'
  /** Memory of the largest GPU. */
  | 'VRAM';

/** render (per minute), tts (per 1K characters), stt (per minute), llm (per 1K tokens, input + output). */
export type JobType =
  | 'LLM'
  | 'RENDER'
  | 'STT'
  | 'TTS';

/** Signed by fromWallet over {action:"escrow.lock", job_id, job_type, from_wallet, to_wallet, amount_urtc, nonce, ttl_s?, review_window_s?, units?, metadata_sha256?}. */
export type LockEscrowInput = {
  /** Decimal RTC, at most 6 decimals. Give this or amountUrtc. */
  amountRtc?: string | null | undefined;
  /** µRTC as digits. Give this or amountRtc. */
  amountUrtc?: string | null | undefined;
  fromWallet: string;
  /** Chosen by the client; the idempotency key. */
  jobId: string;
  /** Up to 4 KiB of JSON (no floats), bound by metadata_sha256 in the signed object. */
  metadata?: Record<string, unknown> | null | undefined;
  /** Never reused by the same signer. */
  nonce: string;
  /** The payer's Ed25519 public key, 64 hex characters. */
  publicKey: string;
  /** Seconds the payer has to review a delivery (default 259200 = 72 h, 60 to 2592000). */
  reviewWindowS?: number | null | undefined;
  /** Ed25519 signature (128 hex) over the canonical action object. */
  signature: string;
  toWallet: string;
  /** Seconds until automatic refund unless delivered (default 86400, at most 30 days). */
  ttlS?: number | null | undefined;
  /** A quote's job size (minutes, characters or tokens): the amount must be its price at the node's rate. */
  units?: string | null | undefined;
};

export type NodeChange =
  /** The operator assigned a contested GPU: to this node, or away from it. */
  | 'ASSIGNED'
  | 'ATTESTED'
  /** Another miner claimed one of its GPUs: flagged hardware_contested, out of the fair rate. */
  | 'CONTESTED'
  /** Its attestation lapsed. */
  | 'OFFLINE'
  | 'REINSTATED'
  | 'SUSPENDED'
  | 'UNVERIFIED'
  | 'VERIFIED';

export type NodeStatus =
  | 'OFFLINE'
  | 'ONLINE'
  | 'SUSPENDED';

export type OrderDirection =
  | 'ASC'
  | 'DESC';

/** Signed by the provider (while not final) or the payer (after a never-delivered escrow expired) over {action:"escrow.refund", job_id, job_type, nonce, reason?}; or send X-Admin-Key. */
export type RefundEscrowInput = {
  jobId: string;
  /** Required when signed; never reused by the same signer. */
  nonce?: string | null | undefined;
  /** The signer's Ed25519 public key; omit when the operator acts. */
  publicKey?: string | null | undefined;
  reason?: string | null | undefined;
  /** Ed25519 signature (128 hex) over the canonical action object. */
  signature?: string | null | undefined;
};

/** Signed by the payer over {action:"escrow.release", job_id, job_type, nonce, amount_urtc?}; or send X-Admin-Key. */
export type ReleaseEscrowInput = {
  /** While locked, less than remains is a milestone payment (the rest stays locked); once delivered, at least the claim (the rest returns to the payer). */
  amountUrtc?: string | null | undefined;
  jobId: string;
  /** Required when signed; never reused by the same signer. */
  nonce?: string | null | undefined;
  /** The signer's Ed25519 public key; omit when the operator acts. */
  publicKey?: string | null | undefined;
  /** Ed25519 signature (128 hex) over the canonical action object. */
  signature?: string | null | undefined;
};

/** The operator (X-Admin-Key) settles a disputed escrow: releaseUrtc to the provider, the rest to the payer. */
export type ResolveDisputeInput = {
  jobId: string;
  /** µRTC as digits, from 0 (all back to the payer) to what the escrow holds. */
  releaseUrtc: string;
};

/** SELF_REPORTED < CATALOG_CONSISTENT (every GPU matches the catalog) < VERIFIED (granted by the operator). */
export type TrustLevel =
  | 'CATALOG_CONSISTENT'
  | 'SELF_REPORTED'
  | 'VERIFIED';

export type WalletChange =
  | 'DEPOSIT_CREDITED'
  | 'DEPOSIT_PENDING'
  | 'DEPOSIT_VOIDED'
  | 'WITHDRAWAL_CONFIRMED'
  | 'WITHDRAWAL_FAILED'
  | 'WITHDRAWAL_PENDING'
  | 'WITHDRAWAL_SENT';

/** Which side of an escrow a wallet is on. */
export type WalletRole =
  | 'EITHER'
  | 'PAYER'
  | 'PROVIDER';

/** Signed by wallet over {action:"wallet.withdraw", wallet, to_address, amount_urtc, nonce}. */
export type WithdrawInput = {
  /** Decimal RTC, at most 6 decimals. Give this or amountUrtc. */
  amountRtc?: string | null | undefined;
  amountUrtc?: string | null | undefined;
  nonce: string;
  publicKey: string;
  signature: string;
  /** A RustChain address; sent in lowercase. */
  toAddress: string;
  wallet: string;
};

/** pending: debited, not yet taken by the chain; sent: the chain holds the transfer; confirmed: final; failed: the money is back in the wallet. */
export type WithdrawalStatus =
  | 'CONFIRMED'
  | 'FAILED'
  | 'PENDING'
  | 'SENT';

export type BotDepositMutationVariables = Exact<{
  input: DepositInput;
}>;


export type BotDepositMutation = { deposit:
    | { __typename: 'AuthorizationError', code: ErrorCode, message: string }
    | { __typename: 'DepositSuccess', created: boolean, wallet: { availableRtc: string, lockedRtc: string } }
    | { __typename: 'InsufficientFundsError', code: ErrorCode, message: string }
    | { __typename: 'InvalidInputError', code: ErrorCode, message: string }
    | { __typename: 'StateError', code: ErrorCode, message: string }
   };

export type BotLockEscrowMutationVariables = Exact<{
  input: LockEscrowInput;
}>;


export type BotLockEscrowMutation = { lockEscrow:
    | { __typename: 'AuthorizationError', code: ErrorCode, message: string }
    | { __typename: 'EscrowSuccess', changed: boolean, escrow: { jobId: string, status: EscrowStatus, amountRtc: string, expiresAt: string, payer: { availableRtc: string, lockedRtc: string } } }
    | { __typename: 'InsufficientFundsError', availableUrtc: string, requiredUrtc: string, code: ErrorCode, message: string }
    | { __typename: 'InvalidInputError', code: ErrorCode, message: string }
    | { __typename: 'StateError', code: ErrorCode, message: string }
   };

export type BotReleaseEscrowMutationVariables = Exact<{
  input: ReleaseEscrowInput;
}>;


export type BotReleaseEscrowMutation = { releaseEscrow:
    | { __typename: 'AuthorizationError', code: ErrorCode, message: string }
    | { __typename: 'EscrowSuccess', changed: boolean, escrow: { status: EscrowStatus, releasedUrtc: string, refundedUrtc: string, remainingUrtc: string, provider: { address: string, availableRtc: string } } }
    | { __typename: 'InsufficientFundsError', code: ErrorCode, message: string }
    | { __typename: 'InvalidInputError', code: ErrorCode, message: string }
    | { __typename: 'StateError', code: ErrorCode, message: string }
   };

export type BotDeliverEscrowMutationVariables = Exact<{
  input: DeliverEscrowInput;
}>;


export type BotDeliverEscrowMutation = { deliverEscrow:
    | { __typename: 'AuthorizationError', code: ErrorCode, message: string }
    | { __typename: 'EscrowSuccess', escrow: { status: EscrowStatus, claimedUrtc: string | null, resultHash: string | null, reviewUntil: string | null } }
    | { __typename: 'InsufficientFundsError', code: ErrorCode, message: string }
    | { __typename: 'InvalidInputError', code: ErrorCode, message: string }
    | { __typename: 'StateError', code: ErrorCode, message: string }
   };

export type BotReceiptQueryVariables = Exact<{
  jobId: string;
}>;


export type BotReceiptQuery = { receiptKey: { publicKey: string, keyId: string }, escrow: { receipt: { json: string, signature: string } | null } | null };

export type BotEscrowStatusChangedSubscriptionVariables = Exact<{
  jobId: string;
  afterSeq?: number | null | undefined;
}>;


export type BotEscrowStatusChangedSubscription = { escrowStatusChanged: { seq: number, change: EscrowChange, at: string, escrow: { jobId: string, status: EscrowStatus, amountUrtc: string, releasedUrtc: string, refundedUrtc: string, remainingUrtc: string } } };

export type InventoryByPriceQueryVariables = Exact<{
  jobType: JobType;
  filter: GpuNodeFilter;
  first: number;
}>;


export type InventoryByPriceQuery = { gpuNodes: { totalCount: number, edges: Array<{ node: { minerId: string, trust: TrustLevel, status: NodeStatus, gpus: Array<{ model: string, vramMb: number }>, prices: { renderMinuteUrtc: string | null, tts1kCharsUrtc: string | null, sttMinuteUrtc: string | null, llm1kTokensUrtc: string | null } } }> }, fairRate: { unit: string, fairUrtc: string | null, fairRtc: string | null, providers: number, counted: number, insufficientData: boolean } };

export type LockAnyCaseMutationVariables = Exact<{
  jobType: JobType;
  input: LockEscrowInput;
}>;


export type LockAnyCaseMutation = { lockEscrow:
    | { __typename: 'AuthorizationError', code: ErrorCode }
    | { __typename: 'EscrowSuccess', escrow: { fromWallet: string, toWallet: string } }
    | { __typename: 'InsufficientFundsError', code: ErrorCode }
    | { __typename: 'InvalidInputError', code: ErrorCode }
    | { __typename: 'StateError', code: ErrorCode }
   };

export type WalletAnyCaseQueryVariables = Exact<{
  address: string;
}>;


export type WalletAnyCaseQuery = { wallet: { address: string, availableUrtc: string, lockedUrtc: string } };

export type WithdrawMutationVariables = Exact<{
  input: WithdrawInput;
}>;


export type WithdrawMutation = { withdraw:
    | { __typename: 'AuthorizationError', code: ErrorCode, message: string }
    | { __typename: 'InsufficientFundsError', code: ErrorCode, message: string }
    | { __typename: 'InvalidInputError', code: ErrorCode, message: string }
    | { __typename: 'StateError', code: ErrorCode, message: string }
    | { __typename: 'WithdrawSuccess', withdrawal: { withdrawalId: string, status: WithdrawalStatus, amountUrtc: string, toAddress: string, txHash: string | null } }
   };

export type CustodyAndWalletQueryVariables = Exact<{
  address: string;
}>;


export type CustodyAndWalletQuery = { custody: { enabled: boolean, custodyAddress: string | null, onchainUrtc: string | null, liabilitiesUrtc: string, incomingUrtc: string, pendingWithdrawalsUrtc: string, surplusUrtc: string | null }, wallet: { availableUrtc: string, deposits: { edges: Array<{ node: { txHash: string, status: ChainDepositStatus, amountUrtc: string } }> }, withdrawals: { edges: Array<{ node: { withdrawalId: string, status: WithdrawalStatus, amountUrtc: string, txHash: string | null } }> } } };

export type CustodyEventsSubscriptionVariables = Exact<{
  wallet: string;
  afterSeq?: number | null | undefined;
}>;


export type CustodyEventsSubscription = { walletEvents: { seq: number, change: WalletChange, deposit: { txHash: string, status: ChainDepositStatus } | null, withdrawal: { withdrawalId: string, status: WithdrawalStatus, txHash: string | null } | null } };

export type DeliveryFundsMutationVariables = Exact<{
  input: DepositInput;
}>;


export type DeliveryFundsMutation = { deposit:
    | { __typename: 'AuthorizationError' }
    | { __typename: 'DepositSuccess' }
    | { __typename: 'InsufficientFundsError' }
    | { __typename: 'InvalidInputError' }
    | { __typename: 'StateError' }
   };

export type DeliveryLockMutationVariables = Exact<{
  input: LockEscrowInput;
}>;


export type DeliveryLockMutation = { lockEscrow:
    | { __typename: 'AuthorizationError', code: ErrorCode, message: string }
    | { __typename: 'EscrowSuccess', escrow: { status: EscrowStatus, reviewWindowS: number, remainingUrtc: string } }
    | { __typename: 'InsufficientFundsError', code: ErrorCode, message: string }
    | { __typename: 'InvalidInputError', code: ErrorCode, message: string }
    | { __typename: 'StateError', code: ErrorCode, message: string }
   };

export type DeliveryDeliverMutationVariables = Exact<{
  jobType: JobType;
  input: DeliverEscrowInput;
}>;


export type DeliveryDeliverMutation = { deliverEscrow:
    | { __typename: 'AuthorizationError', code: ErrorCode, message: string }
    | { __typename: 'EscrowSuccess', changed: boolean, escrow: { status: EscrowStatus, remainingUrtc: string, deliveredAt: string | null, reviewUntil: string | null, claimedUrtc: string | null, resultHash: string | null, resultUri: string | null, receipt: { json: string } | null } }
    | { __typename: 'InsufficientFundsError', code: ErrorCode, message: string }
    | { __typename: 'InvalidInputError', code: ErrorCode, message: string }
    | { __typename: 'StateError', code: ErrorCode, message: string }
   };

export type DeliveryDisputeMutationVariables = Exact<{
  jobType: JobType;
  input: DisputeEscrowInput;
}>;


export type DeliveryDisputeMutation = { disputeEscrow:
    | { __typename: 'AuthorizationError', code: ErrorCode, message: string }
    | { __typename: 'EscrowSuccess', changed: boolean, escrow: { status: EscrowStatus, disputedAt: string | null, disputeReason: string | null } }
    | { __typename: 'InsufficientFundsError', code: ErrorCode, message: string }
    | { __typename: 'InvalidInputError', code: ErrorCode, message: string }
    | { __typename: 'StateError', code: ErrorCode, message: string }
   };

export type DeliveryResolveMutationVariables = Exact<{
  input: ResolveDisputeInput;
}>;


export type DeliveryResolveMutation = { resolveDispute:
    | { __typename: 'AuthorizationError', code: ErrorCode, message: string }
    | { __typename: 'EscrowSuccess', changed: boolean, escrow: { status: EscrowStatus, releasedUrtc: string, refundedUrtc: string, remainingUrtc: string, refundReason: string | null, settledBy: string | null, receipt: { json: string, signature: string, publicKey: string } | null } }
    | { __typename: 'InsufficientFundsError', code: ErrorCode, message: string }
    | { __typename: 'InvalidInputError', code: ErrorCode, message: string }
    | { __typename: 'StateError', code: ErrorCode, message: string }
   };

export type DeliveryReportsQueryVariables = Exact<{ [key: string]: never; }>;


export type DeliveryReportsQuery = { openDisputes: { totalCount: number, edges: Array<{ node: { jobId: string, disputedAt: string | null } }> }, escrowsAwaitingReview: { totalCount: number, edges: Array<{ node: { jobId: string, reviewUntil: string | null } }> } };

export type DepositMutationVariables = Exact<{
  input: DepositInput;
}>;


export type DepositMutation = { deposit:
    | { __typename: 'AuthorizationError', code: ErrorCode, message: string }
    | { __typename: 'DepositSuccess', created: boolean, deposit: { reference: string, amountUrtc: string, amountRtc: string }, wallet: { address: string, availableUrtc: string, lockedUrtc: string } }
    | { __typename: 'InsufficientFundsError', code: ErrorCode, message: string }
    | { __typename: 'InvalidInputError', code: ErrorCode, message: string }
    | { __typename: 'StateError', code: ErrorCode, message: string }
   };

export type LockEscrowMutationVariables = Exact<{
  jobType: JobType;
  input: LockEscrowInput;
}>;


export type LockEscrowMutation = { lockEscrow:
    | { __typename: 'AuthorizationError', code: ErrorCode, message: string }
    | { __typename: 'EscrowSuccess', changed: boolean, escrow: { id: string, jobId: string, jobType: JobType, status: EscrowStatus, amountUrtc: string, amountRtc: string, fromWallet: string, toWallet: string, expiresAt: string, metadata: Record<string, unknown> | null, payer: { address: string, lockedUrtc: string } } }
    | { __typename: 'InsufficientFundsError', availableUrtc: string, requiredUrtc: string, code: ErrorCode, message: string }
    | { __typename: 'InvalidInputError', code: ErrorCode, message: string }
    | { __typename: 'StateError', code: ErrorCode, message: string }
   };

export type ReleaseEscrowMutationVariables = Exact<{
  jobType: JobType;
  input: ReleaseEscrowInput;
}>;


export type ReleaseEscrowMutation = { releaseEscrow:
    | { __typename: 'AuthorizationError', code: ErrorCode, message: string }
    | { __typename: 'EscrowSuccess', changed: boolean, escrow: { status: EscrowStatus, remainingUrtc: string, releasedUrtc: string, refundedUrtc: string, settledBy: string | null, provider: { availableUrtc: string } } }
    | { __typename: 'InsufficientFundsError', code: ErrorCode, message: string }
    | { __typename: 'InvalidInputError', code: ErrorCode, message: string }
    | { __typename: 'StateError', code: ErrorCode, message: string }
   };

export type RefundEscrowMutationVariables = Exact<{
  jobType: JobType;
  input: RefundEscrowInput;
}>;


export type RefundEscrowMutation = { refundEscrow:
    | { __typename: 'AuthorizationError', code: ErrorCode, message: string }
    | { __typename: 'EscrowSuccess', changed: boolean, escrow: { status: EscrowStatus, refundedUrtc: string, refundReason: string | null, settledBy: string | null } }
    | { __typename: 'InsufficientFundsError', code: ErrorCode, message: string }
    | { __typename: 'InvalidInputError', code: ErrorCode, message: string }
    | { __typename: 'StateError', code: ErrorCode, message: string }
   };

export type EscrowByJobQueryVariables = Exact<{
  jobId: string;
}>;


export type EscrowByJobQuery = { escrow: { jobId: string, status: EscrowStatus, amountUrtc: string, createdAt: string } | null };

export type EscrowsPageQueryVariables = Exact<{
  wallet?: string | null | undefined;
  role?: WalletRole | null | undefined;
  status?: EscrowStatus | null | undefined;
  jobType?: JobType | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type EscrowsPageQuery = { escrows: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { jobId: string, jobType: JobType, status: EscrowStatus } }> } };

export type WalletBalancesQueryVariables = Exact<{
  address: string;
}>;


export type WalletBalancesQuery = { wallet: { address: string, availableUrtc: string, availableRtc: string, lockedUrtc: string, lockedRtc: string, escrowsPaid: { totalCount: number, edges: Array<{ node: { jobId: string } }> }, escrowsReceived: { totalCount: number } } };

export type EscrowHistorySubscriptionVariables = Exact<{
  jobId: string;
  afterSeq?: number | null | undefined;
}>;


export type EscrowHistorySubscription = { escrowStatusChanged: { seq: number, change: EscrowChange, escrow: { status: EscrowStatus, releasedUrtc: string, refundedUrtc: string, settledBy: string | null } } };

export type PayerEscrowsSubscriptionVariables = Exact<{
  wallet: string;
  afterSeq?: number | null | undefined;
}>;


export type PayerEscrowsSubscription = { escrowEvents: { seq: number, change: EscrowChange, escrow: { jobId: string, status: EscrowStatus } } };

export type DepositEventsSubscriptionVariables = Exact<{
  wallet: string;
  afterSeq?: number | null | undefined;
}>;


export type DepositEventsSubscription = { walletEvents: { seq: number, change: WalletChange, deposit: { txHash: string, status: ChainDepositStatus, amountUrtc: string } | null } };

export type GpuNodesPageQueryVariables = Exact<{
  filter?: GpuNodeFilter | null | undefined;
  orderBy?: GpuNodeOrder | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type GpuNodesPageQuery = { gpuNodes: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { minerId: string } }> } };

export type GpuNodesNestedQueryVariables = Exact<{
  first?: number | null | undefined;
}>;


export type GpuNodesNestedQuery = { gpuNodes: { edges: Array<{ node: { minerId: string, trust: TrustLevel, status: NodeStatus, prices: { llm1kTokensUrtc: string | null }, gpus: Array<{ uuid: string, model: string, vramMb: number }>, earnings: { releasedUrtc: string, jobsPaid: number }, escrowHistory: Array<{ jobId: string, releasedUrtc: string }> } }> } };

export type MarketEventsSubscriptionVariables = Exact<{
  afterSeq?: number | null | undefined;
}>;


export type MarketEventsSubscription = { marketEvents:
    | { __typename: 'EscrowEvent', seq: number, escrowChange: EscrowChange, escrow: { jobId: string, status: EscrowStatus } }
    | { __typename: 'NodeEvent', seq: number, minerId: string, status: NodeStatus, nodeChange: NodeChange }
    | { __typename: 'PriceEvent', seq: number, jobType: JobType }
    | { __typename: 'WalletEvent', seq: number, wallet: string, walletChange: WalletChange, deposit: { txHash: string, status: ChainDepositStatus } | null }
   };

export type NodesWithModelsQueryVariables = Exact<{
  filter?: GpuNodeFilter | null | undefined;
}>;


export type NodesWithModelsQuery = { gpuNodes: { totalCount: number, edges: Array<{ node: { minerId: string, models: Array<{ jobType: JobType, name: string, canonical: string | null, paramsB: number | null, quant: string | null, flags: Array<string> }> } }> } };

export type ModelMenuQueryVariables = Exact<{
  jobType?: JobType | null | undefined;
}>;


export type ModelMenuQuery = { models: { models: Array<{ id: string, jobType: JobType, engine: string, displayName: string, aliases: Array<string>, paramsB: number | null, minVramMb: number | null, onlineNodes: number }>, unknownNames: Array<{ name: string, jobType: JobType, onlineNodes: number }> } };

export type PriceCheckQueryVariables = Exact<{
  jobType: JobType;
  priceUrtc: string;
}>;


export type PriceCheckQuery = { priceCheck: { manipulated: boolean, reason: string, proposedUrtc: string, fairUrtc: string | null, bandLowUrtc: string | null, bandHighUrtc: string | null } };

export type EscrowReceiptQueryVariables = Exact<{
  jobId: string;
}>;


export type EscrowReceiptQuery = { escrow: { status: EscrowStatus, receipt: { json: string, signature: string, publicKey: string } | null } | null };

export type ReceiptKeyQueryQueryVariables = Exact<{ [key: string]: never; }>;


export type ReceiptKeyQueryQuery = { receiptKey: { publicKey: string, keyId: string } };

export type EscrowStatusSubscriptionVariables = Exact<{
  jobId: string;
  afterSeq?: number | null | undefined;
}>;


export type EscrowStatusSubscription = { escrowStatusChanged: { seq: number, change: EscrowChange, at: string, escrow: { jobId: string, status: EscrowStatus, releasedUrtc: string, refundedUrtc: string } } };

export type WalletEventsSubscriptionVariables = Exact<{
  wallet: string;
  afterSeq?: number | null | undefined;
}>;


export type WalletEventsSubscription = { escrowEvents: { seq: number, change: EscrowChange, escrow: { jobId: string, fromWallet: string, toWallet: string, status: EscrowStatus } } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const BotDepositDocument = new TypedDocumentString(`
    mutation BotDeposit($input: DepositInput!) {
  deposit(input: $input) {
    __typename
    ... on DepositSuccess {
      created
      wallet {
        availableRtc
        lockedRtc
      }
    }
    ... on MarketError {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<BotDepositMutation, BotDepositMutationVariables>;
export const BotLockEscrowDocument = new TypedDocumentString(`
    mutation BotLockEscrow($input: LockEscrowInput!) {
  lockEscrow(jobType: LLM, input: $input) {
    __typename
    ... on EscrowSuccess {
      changed
      escrow {
        jobId
        status
        amountRtc
        expiresAt
        payer {
          availableRtc
          lockedRtc
        }
      }
    }
    ... on InsufficientFundsError {
      availableUrtc
      requiredUrtc
    }
    ... on MarketError {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<BotLockEscrowMutation, BotLockEscrowMutationVariables>;
export const BotReleaseEscrowDocument = new TypedDocumentString(`
    mutation BotReleaseEscrow($input: ReleaseEscrowInput!) {
  releaseEscrow(jobType: LLM, input: $input) {
    __typename
    ... on EscrowSuccess {
      changed
      escrow {
        status
        releasedUrtc
        refundedUrtc
        remainingUrtc
        provider {
          address
          availableRtc
        }
      }
    }
    ... on MarketError {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<BotReleaseEscrowMutation, BotReleaseEscrowMutationVariables>;
export const BotDeliverEscrowDocument = new TypedDocumentString(`
    mutation BotDeliverEscrow($input: DeliverEscrowInput!) {
  deliverEscrow(jobType: LLM, input: $input) {
    __typename
    ... on EscrowSuccess {
      escrow {
        status
        claimedUrtc
        resultHash
        reviewUntil
      }
    }
    ... on MarketError {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<BotDeliverEscrowMutation, BotDeliverEscrowMutationVariables>;
export const BotReceiptDocument = new TypedDocumentString(`
    query BotReceipt($jobId: String!) {
  receiptKey {
    publicKey
    keyId
  }
  escrow(jobId: $jobId) {
    receipt {
      json
      signature
    }
  }
}
    `) as unknown as TypedDocumentString<BotReceiptQuery, BotReceiptQueryVariables>;
export const BotEscrowStatusChangedDocument = new TypedDocumentString(`
    subscription BotEscrowStatusChanged($jobId: String!, $afterSeq: Int) {
  escrowStatusChanged(jobId: $jobId, afterSeq: $afterSeq) {
    seq
    change
    at
    escrow {
      jobId
      status
      amountUrtc
      releasedUrtc
      refundedUrtc
      remainingUrtc
    }
  }
}
    `) as unknown as TypedDocumentString<BotEscrowStatusChangedSubscription, BotEscrowStatusChangedSubscriptionVariables>;
export const InventoryByPriceDocument = new TypedDocumentString(`
    query InventoryByPrice($jobType: JobType!, $filter: GpuNodeFilter!, $first: Int!) {
  gpuNodes(
    filter: $filter
    orderBy: {field: PRICE, direction: ASC}
    first: $first
  ) {
    totalCount
    edges {
      node {
        minerId
        trust
        status
        gpus {
          model
          vramMb
        }
        prices {
          renderMinuteUrtc
          tts1kCharsUrtc
          sttMinuteUrtc
          llm1kTokensUrtc
        }
      }
    }
  }
  fairRate(jobType: $jobType) {
    unit
    fairUrtc
    fairRtc
    providers
    counted
    insufficientData
  }
}
    `) as unknown as TypedDocumentString<InventoryByPriceQuery, InventoryByPriceQueryVariables>;
export const LockAnyCaseDocument = new TypedDocumentString(`
    mutation LockAnyCase($jobType: JobType!, $input: LockEscrowInput!) {
  lockEscrow(jobType: $jobType, input: $input) {
    __typename
    ... on EscrowSuccess {
      escrow {
        fromWallet
        toWallet
      }
    }
    ... on MarketError {
      code
    }
  }
}
    `) as unknown as TypedDocumentString<LockAnyCaseMutation, LockAnyCaseMutationVariables>;
export const WalletAnyCaseDocument = new TypedDocumentString(`
    query WalletAnyCase($address: String!) {
  wallet(address: $address) {
    address
    availableUrtc
    lockedUrtc
  }
}
    `) as unknown as TypedDocumentString<WalletAnyCaseQuery, WalletAnyCaseQueryVariables>;
export const WithdrawDocument = new TypedDocumentString(`
    mutation Withdraw($input: WithdrawInput!) {
  withdraw(input: $input) {
    __typename
    ... on WithdrawSuccess {
      withdrawal {
        withdrawalId
        status
        amountUrtc
        toAddress
        txHash
      }
    }
    ... on MarketError {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<WithdrawMutation, WithdrawMutationVariables>;
export const CustodyAndWalletDocument = new TypedDocumentString(`
    query CustodyAndWallet($address: String!) {
  custody {
    enabled
    custodyAddress
    onchainUrtc
    liabilitiesUrtc
    incomingUrtc
    pendingWithdrawalsUrtc
    surplusUrtc
  }
  wallet(address: $address) {
    availableUrtc
    deposits(first: 10) {
      edges {
        node {
          txHash
          status
          amountUrtc
        }
      }
    }
    withdrawals(first: 10) {
      edges {
        node {
          withdrawalId
          status
          amountUrtc
          txHash
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<CustodyAndWalletQuery, CustodyAndWalletQueryVariables>;
export const CustodyEventsDocument = new TypedDocumentString(`
    subscription CustodyEvents($wallet: String!, $afterSeq: Int) {
  walletEvents(wallet: $wallet, afterSeq: $afterSeq) {
    seq
    change
    deposit {
      txHash
      status
    }
    withdrawal {
      withdrawalId
      status
      txHash
    }
  }
}
    `) as unknown as TypedDocumentString<CustodyEventsSubscription, CustodyEventsSubscriptionVariables>;
export const DeliveryFundsDocument = new TypedDocumentString(`
    mutation DeliveryFunds($input: DepositInput!) {
  deposit(input: $input) {
    __typename
  }
}
    `) as unknown as TypedDocumentString<DeliveryFundsMutation, DeliveryFundsMutationVariables>;
export const DeliveryLockDocument = new TypedDocumentString(`
    mutation DeliveryLock($input: LockEscrowInput!) {
  lockEscrow(jobType: RENDER, input: $input) {
    __typename
    ... on EscrowSuccess {
      escrow {
        status
        reviewWindowS
        remainingUrtc
      }
    }
    ... on MarketError {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<DeliveryLockMutation, DeliveryLockMutationVariables>;
export const DeliveryDeliverDocument = new TypedDocumentString(`
    mutation DeliveryDeliver($jobType: JobType!, $input: DeliverEscrowInput!) {
  deliverEscrow(jobType: $jobType, input: $input) {
    __typename
    ... on EscrowSuccess {
      changed
      escrow {
        status
        remainingUrtc
        deliveredAt
        reviewUntil
        claimedUrtc
        resultHash
        resultUri
        receipt {
          json
        }
      }
    }
    ... on MarketError {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<DeliveryDeliverMutation, DeliveryDeliverMutationVariables>;
export const DeliveryDisputeDocument = new TypedDocumentString(`
    mutation DeliveryDispute($jobType: JobType!, $input: DisputeEscrowInput!) {
  disputeEscrow(jobType: $jobType, input: $input) {
    __typename
    ... on EscrowSuccess {
      changed
      escrow {
        status
        disputedAt
        disputeReason
      }
    }
    ... on MarketError {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<DeliveryDisputeMutation, DeliveryDisputeMutationVariables>;
export const DeliveryResolveDocument = new TypedDocumentString(`
    mutation DeliveryResolve($input: ResolveDisputeInput!) {
  resolveDispute(input: $input) {
    __typename
    ... on EscrowSuccess {
      changed
      escrow {
        status
        releasedUrtc
        refundedUrtc
        remainingUrtc
        refundReason
        settledBy
        receipt {
          json
          signature
          publicKey
        }
      }
    }
    ... on MarketError {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<DeliveryResolveMutation, DeliveryResolveMutationVariables>;
export const DeliveryReportsDocument = new TypedDocumentString(`
    query DeliveryReports {
  openDisputes(first: 50) {
    totalCount
    edges {
      node {
        jobId
        disputedAt
      }
    }
  }
  escrowsAwaitingReview(first: 50) {
    totalCount
    edges {
      node {
        jobId
        reviewUntil
      }
    }
  }
}
    `) as unknown as TypedDocumentString<DeliveryReportsQuery, DeliveryReportsQueryVariables>;
export const DepositDocument = new TypedDocumentString(`
    mutation Deposit($input: DepositInput!) {
  deposit(input: $input) {
    __typename
    ... on DepositSuccess {
      created
      deposit {
        reference
        amountUrtc
        amountRtc
      }
      wallet {
        address
        availableUrtc
        lockedUrtc
      }
    }
    ... on MarketError {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<DepositMutation, DepositMutationVariables>;
export const LockEscrowDocument = new TypedDocumentString(`
    mutation LockEscrow($jobType: JobType!, $input: LockEscrowInput!) {
  lockEscrow(jobType: $jobType, input: $input) {
    __typename
    ... on EscrowSuccess {
      changed
      escrow {
        id
        jobId
        jobType
        status
        amountUrtc
        amountRtc
        fromWallet
        toWallet
        expiresAt
        metadata
        payer {
          address
          lockedUrtc
        }
      }
    }
    ... on InsufficientFundsError {
      availableUrtc
      requiredUrtc
    }
    ... on MarketError {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<LockEscrowMutation, LockEscrowMutationVariables>;
export const ReleaseEscrowDocument = new TypedDocumentString(`
    mutation ReleaseEscrow($jobType: JobType!, $input: ReleaseEscrowInput!) {
  releaseEscrow(jobType: $jobType, input: $input) {
    __typename
    ... on EscrowSuccess {
      changed
      escrow {
        status
        remainingUrtc
        releasedUrtc
        refundedUrtc
        settledBy
        provider {
          availableUrtc
        }
      }
    }
    ... on MarketError {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ReleaseEscrowMutation, ReleaseEscrowMutationVariables>;
export const RefundEscrowDocument = new TypedDocumentString(`
    mutation RefundEscrow($jobType: JobType!, $input: RefundEscrowInput!) {
  refundEscrow(jobType: $jobType, input: $input) {
    __typename
    ... on EscrowSuccess {
      changed
      escrow {
        status
        refundedUrtc
        refundReason
        settledBy
      }
    }
    ... on MarketError {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<RefundEscrowMutation, RefundEscrowMutationVariables>;
export const EscrowByJobDocument = new TypedDocumentString(`
    query EscrowByJob($jobId: String!) {
  escrow(jobId: $jobId) {
    jobId
    status
    amountUrtc
    createdAt
  }
}
    `) as unknown as TypedDocumentString<EscrowByJobQuery, EscrowByJobQueryVariables>;
export const EscrowsPageDocument = new TypedDocumentString(`
    query EscrowsPage($wallet: String, $role: WalletRole, $status: EscrowStatus, $jobType: JobType, $first: Int, $after: String) {
  escrows(
    wallet: $wallet
    role: $role
    status: $status
    jobType: $jobType
    first: $first
    after: $after
  ) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      cursor
      node {
        jobId
        jobType
        status
      }
    }
  }
}
    `) as unknown as TypedDocumentString<EscrowsPageQuery, EscrowsPageQueryVariables>;
export const WalletBalancesDocument = new TypedDocumentString(`
    query WalletBalances($address: String!) {
  wallet(address: $address) {
    address
    availableUrtc
    availableRtc
    lockedUrtc
    lockedRtc
    escrowsPaid(first: 10) {
      totalCount
      edges {
        node {
          jobId
        }
      }
    }
    escrowsReceived(first: 10) {
      totalCount
    }
  }
}
    `) as unknown as TypedDocumentString<WalletBalancesQuery, WalletBalancesQueryVariables>;
export const EscrowHistoryDocument = new TypedDocumentString(`
    subscription EscrowHistory($jobId: String!, $afterSeq: Int) {
  escrowStatusChanged(jobId: $jobId, afterSeq: $afterSeq) {
    seq
    change
    escrow {
      status
      releasedUrtc
      refundedUrtc
      settledBy
    }
  }
}
    `) as unknown as TypedDocumentString<EscrowHistorySubscription, EscrowHistorySubscriptionVariables>;
export const PayerEscrowsDocument = new TypedDocumentString(`
    subscription PayerEscrows($wallet: String!, $afterSeq: Int) {
  escrowEvents(wallet: $wallet, afterSeq: $afterSeq) {
    seq
    change
    escrow {
      jobId
      status
    }
  }
}
    `) as unknown as TypedDocumentString<PayerEscrowsSubscription, PayerEscrowsSubscriptionVariables>;
export const DepositEventsDocument = new TypedDocumentString(`
    subscription DepositEvents($wallet: String!, $afterSeq: Int) {
  walletEvents(wallet: $wallet, afterSeq: $afterSeq) {
    seq
    change
    deposit {
      txHash
      status
      amountUrtc
    }
  }
}
    `) as unknown as TypedDocumentString<DepositEventsSubscription, DepositEventsSubscriptionVariables>;
export const GpuNodesPageDocument = new TypedDocumentString(`
    query GpuNodesPage($filter: GpuNodeFilter, $orderBy: GpuNodeOrder, $first: Int, $after: String) {
  gpuNodes(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    pageInfo {
      hasNextPage
      endCursor
    }
    edges {
      node {
        minerId
      }
    }
  }
}
    `) as unknown as TypedDocumentString<GpuNodesPageQuery, GpuNodesPageQueryVariables>;
export const GpuNodesNestedDocument = new TypedDocumentString(`
    query GpuNodesNested($first: Int) {
  gpuNodes(first: $first, filter: {includeOffline: true}) {
    edges {
      node {
        minerId
        trust
        status
        prices {
          llm1kTokensUrtc
        }
        gpus {
          uuid
          model
          vramMb
        }
        earnings {
          releasedUrtc
          jobsPaid
        }
        escrowHistory(first: 3) {
          jobId
          releasedUrtc
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<GpuNodesNestedQuery, GpuNodesNestedQueryVariables>;
export const MarketEventsDocument = new TypedDocumentString(`
    subscription MarketEvents($afterSeq: Int) {
  marketEvents(afterSeq: $afterSeq) {
    __typename
    ... on EscrowEvent {
      seq
      escrowChange: change
      escrow {
        jobId
        status
      }
    }
    ... on NodeEvent {
      seq
      nodeChange: change
      minerId
      status
    }
    ... on PriceEvent {
      seq
      jobType
    }
    ... on WalletEvent {
      seq
      walletChange: change
      wallet
      deposit {
        txHash
        status
      }
    }
  }
}
    `) as unknown as TypedDocumentString<MarketEventsSubscription, MarketEventsSubscriptionVariables>;
export const NodesWithModelsDocument = new TypedDocumentString(`
    query NodesWithModels($filter: GpuNodeFilter) {
  gpuNodes(filter: $filter, first: 100) {
    totalCount
    edges {
      node {
        minerId
        models {
          jobType
          name
          canonical
          paramsB
          quant
          flags
        }
      }
    }
  }
}
    `) as unknown as TypedDocumentString<NodesWithModelsQuery, NodesWithModelsQueryVariables>;
export const ModelMenuDocument = new TypedDocumentString(`
    query ModelMenu($jobType: JobType) {
  models(jobType: $jobType) {
    models {
      id
      jobType
      engine
      displayName
      aliases
      paramsB
      minVramMb
      onlineNodes
    }
    unknownNames {
      name
      jobType
      onlineNodes
    }
  }
}
    `) as unknown as TypedDocumentString<ModelMenuQuery, ModelMenuQueryVariables>;
export const PriceCheckDocument = new TypedDocumentString(`
    query PriceCheck($jobType: JobType!, $priceUrtc: String!) {
  priceCheck(jobType: $jobType, priceUrtc: $priceUrtc) {
    manipulated
    reason
    proposedUrtc
    fairUrtc
    bandLowUrtc
    bandHighUrtc
  }
}
    `) as unknown as TypedDocumentString<PriceCheckQuery, PriceCheckQueryVariables>;
export const EscrowReceiptDocument = new TypedDocumentString(`
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
    `) as unknown as TypedDocumentString<EscrowReceiptQuery, EscrowReceiptQueryVariables>;
export const ReceiptKeyQueryDocument = new TypedDocumentString(`
    query ReceiptKeyQuery {
  receiptKey {
    publicKey
    keyId
  }
}
    `) as unknown as TypedDocumentString<ReceiptKeyQueryQuery, ReceiptKeyQueryQueryVariables>;
export const EscrowStatusDocument = new TypedDocumentString(`
    subscription EscrowStatus($jobId: String!, $afterSeq: Int) {
  escrowStatusChanged(jobId: $jobId, afterSeq: $afterSeq) {
    seq
    change
    at
    escrow {
      jobId
      status
      releasedUrtc
      refundedUrtc
    }
  }
}
    `) as unknown as TypedDocumentString<EscrowStatusSubscription, EscrowStatusSubscriptionVariables>;
export const WalletEventsDocument = new TypedDocumentString(`
    subscription WalletEvents($wallet: String!, $afterSeq: Int) {
  escrowEvents(wallet: $wallet, afterSeq: $afterSeq) {
    seq
    change
    escrow {
      jobId
      fromWallet
      toWallet
      status
    }
  }
}
    `) as unknown as TypedDocumentString<WalletEventsSubscription, WalletEventsSubscriptionVariables>;