/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** pending: seen, not final, not spendable; credited: final and credited once; voided: never credited; unattributed: final, waiting for the operator. */
export type ChainDepositStatus =
  | 'CREDITED'
  | 'PENDING'
  | 'UNATTRIBUTED'
  | 'VOIDED';

export type DeviceArch =
  | 'AMD_GPU'
  | 'APPLE_GPU'
  | 'NVIDIA_GPU';

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

export type PriceBucketSize =
  | 'DAY'
  | 'HOUR';

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

/** pending: debited, not yet taken by the chain; sent: the chain holds the transfer; confirmed: final; failed: the money is back in the wallet. */
export type WithdrawalStatus =
  | 'CONFIRMED'
  | 'FAILED'
  | 'PENDING'
  | 'SENT';

export type InventoryNodesQueryVariables = Exact<{
  filter?: GpuNodeFilter | null | undefined;
  orderBy?: GpuNodeOrder | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type InventoryNodesQuery = { gpuNodes: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ cursor: string, node: { minerId: string, status: NodeStatus, trust: TrustLevel, flags: Array<string>, eligible: boolean, deviceArch: DeviceArch, gpuModel: string, gpuCount: number, maxVramMb: number, benchmarkScore: number, cudaVersion: string | null, jobTypes: Array<JobType>, lastAttestedAt: string, prices: { renderMinuteUrtc: string | null, tts1kCharsUrtc: string | null, sttMinuteUrtc: string | null, llm1kTokensUrtc: string | null } } }> } };

export type InventoryChangesSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type InventoryChangesSubscription = { nodeStatusChanged: { seq: number, change: NodeChange, minerId: string, status: NodeStatus, trust: TrustLevel, at: string } };

export type EscrowFieldsFragment = { jobId: string, jobType: JobType, status: EscrowStatus, fromWallet: string, toWallet: string, amountUrtc: string, remainingUrtc: string, releasedUrtc: string, refundedUrtc: string, claimedUrtc: string | null, createdAt: string, expiresAt: string, deliveredAt: string | null, reviewUntil: string | null, disputedAt: string | null, disputeReason: string | null, releasedAt: string | null, refundedAt: string | null, refundReason: string | null, settledBy: string | null, resultHash: string | null, resultUri: string | null, receipt: { json: string, signature: string, publicKey: string } | null };

export type JobEscrowQueryVariables = Exact<{
  jobId: string;
}>;


export type JobEscrowQuery = { escrow: { jobId: string, jobType: JobType, status: EscrowStatus, fromWallet: string, toWallet: string, amountUrtc: string, remainingUrtc: string, releasedUrtc: string, refundedUrtc: string, claimedUrtc: string | null, createdAt: string, expiresAt: string, deliveredAt: string | null, reviewUntil: string | null, disputedAt: string | null, disputeReason: string | null, releasedAt: string | null, refundedAt: string | null, refundReason: string | null, settledBy: string | null, resultHash: string | null, resultUri: string | null, receipt: { json: string, signature: string, publicKey: string } | null } | null };

export type JobEventsSubscriptionVariables = Exact<{
  jobId: string;
  afterSeq?: number | null | undefined;
}>;


export type JobEventsSubscription = { escrowStatusChanged: { seq: number, change: EscrowChange, at: string, escrow: { jobId: string, jobType: JobType, status: EscrowStatus, fromWallet: string, toWallet: string, amountUrtc: string, remainingUrtc: string, releasedUrtc: string, refundedUrtc: string, claimedUrtc: string | null, createdAt: string, expiresAt: string, deliveredAt: string | null, reviewUntil: string | null, disputedAt: string | null, disputeReason: string | null, releasedAt: string | null, refundedAt: string | null, refundReason: string | null, settledBy: string | null, resultHash: string | null, resultUri: string | null, receipt: { json: string, signature: string, publicKey: string } | null } } };

export type FeedStartQueryVariables = Exact<{ [key: string]: never; }>;


export type FeedStartQuery = { marketEventsSeq: number };

export type LiveFeedSubscriptionVariables = Exact<{
  afterSeq?: number | null | undefined;
}>;


export type LiveFeedSubscription = { marketEvents:
    | { __typename: 'EscrowEvent', seq: number, at: string, escrowChange: EscrowChange, escrow: { jobId: string, jobType: JobType, status: EscrowStatus, amountUrtc: string, fromWallet: string, toWallet: string } }
    | { __typename: 'NodeEvent', seq: number, at: string, minerId: string, status: NodeStatus, nodeChange: NodeChange }
    | { __typename: 'PriceEvent', seq: number, at: string, jobType: JobType, rate: { fairUrtc: string | null, insufficientData: boolean } }
    | { __typename: 'WalletEvent', seq: number, at: string, wallet: string, walletChange: WalletChange, deposit: { amountUrtc: string } | null, withdrawal: { amountUrtc: string } | null }
   };

export type LatestEscrowsQueryVariables = Exact<{
  first: number;
  after?: string | null | undefined;
}>;


export type LatestEscrowsQuery = { escrows: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { jobId: string, jobType: JobType, status: EscrowStatus, amountUrtc: string, fromWallet: string, toWallet: string, createdAt: string } }> } };

export type FairRateFieldsFragment = { jobType: JobType, unit: string, fairUrtc: string | null, providers: number, counted: number, insufficientData: boolean, minUrtc: string | null, maxUrtc: string | null, quotedMedianUrtc: string | null, quotedProviders: number, updatedAt: string | null, realised24h: { rateUrtc: string | null, volumeUrtc: string } };

export type MarketRatesQueryVariables = Exact<{ [key: string]: never; }>;


export type MarketRatesQuery = { marketRates: Array<{ jobType: JobType, unit: string, fairUrtc: string | null, providers: number, counted: number, insufficientData: boolean, minUrtc: string | null, maxUrtc: string | null, quotedMedianUrtc: string | null, quotedProviders: number, updatedAt: string | null, realised24h: { rateUrtc: string | null, volumeUrtc: string } }> };

export type MarketHistoryQueryVariables = Exact<{
  jobType: JobType;
  from: string;
  to: string;
  bucket: PriceBucketSize;
}>;


export type MarketHistoryQuery = { priceHistory: Array<{ start: string, end: string, open: string | null, high: string | null, low: string | null, close: string | null, median: string | null, count: number, realisedRateUrtc: string | null, realisedVolumeUrtc: string }> };

export type MarketPriceMovesSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type MarketPriceMovesSubscription = { priceUpdated: { seq: number, jobType: JobType, rate: { jobType: JobType, unit: string, fairUrtc: string | null, providers: number, counted: number, insufficientData: boolean, minUrtc: string | null, maxUrtc: string | null, quotedMedianUrtc: string | null, quotedProviders: number, updatedAt: string | null, realised24h: { rateUrtc: string | null, volumeUrtc: string } } } };

export type NodeDetailsQueryVariables = Exact<{
  minerId: string;
}>;


export type NodeDetailsQuery = { gpuNode: { minerId: string, status: NodeStatus, trust: TrustLevel, flags: Array<string>, eligible: boolean, deviceArch: DeviceArch, fingerprint: string, gpuModel: string, gpuCount: number, totalVramMb: number, benchmarkScore: number, cudaVersion: string | null, rocmVersion: string | null, metalVersion: string | null, jobTypes: Array<JobType>, llmModels: Array<string>, ttsModels: Array<string>, sttModels: Array<string>, firstAttestedAt: string, lastAttestedAt: string, gpus: Array<{ uuid: string, model: string, vramMb: number, benchmarkScore: number, driverVersion: string | null, cudaVersion: string | null }>, prices: { renderMinuteUrtc: string | null, tts1kCharsUrtc: string | null, sttMinuteUrtc: string | null, llm1kTokensUrtc: string | null }, earnings: { jobsPaid: number, releasedUrtc: string }, bond: { bondedUrtc: string, eligible: boolean } | null, priceHistory: { edges: Array<{ node: { jobType: JobType, oldPriceUrtc: string | null, newPriceUrtc: string, changedAt: string, outlier: boolean } }> }, escrowHistory: Array<{ jobId: string, jobType: JobType, status: EscrowStatus, amountUrtc: string, fromWallet: string, createdAt: string }> } | null };

export type NodeChangesSubscriptionVariables = Exact<{
  minerId: string;
}>;


export type NodeChangesSubscription = { nodeStatusChanged: { seq: number, change: NodeChange } };

export type WalletBalancesQueryVariables = Exact<{
  address: string;
}>;


export type WalletBalancesQuery = { wallet: { address: string, availableUrtc: string, lockedUrtc: string } };

export type WalletEscrowsQueryVariables = Exact<{
  address: string;
  role: WalletRole;
  after?: string | null | undefined;
}>;


export type WalletEscrowsQuery = { escrows: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { jobId: string, jobType: JobType, status: EscrowStatus, amountUrtc: string, fromWallet: string, toWallet: string, createdAt: string } }> } };

export type WalletDepositsQueryVariables = Exact<{
  address: string;
  after?: string | null | undefined;
}>;


export type WalletDepositsQuery = { wallet: { address: string, deposits: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { txHash: string, fromAddress: string, amountUrtc: string, status: ChainDepositStatus, seenAt: string, creditedAt: string | null } }> } } };

export type WalletWithdrawalsQueryVariables = Exact<{
  address: string;
  after?: string | null | undefined;
}>;


export type WalletWithdrawalsQuery = { wallet: { address: string, withdrawals: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { withdrawalId: string, toAddress: string, amountUrtc: string, status: WithdrawalStatus, txHash: string | null, createdAt: string } }> } } };

export const EscrowFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"EscrowFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Escrow"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobId"}},{"kind":"Field","name":{"kind":"Name","value":"jobType"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"fromWallet"}},{"kind":"Field","name":{"kind":"Name","value":"toWallet"}},{"kind":"Field","name":{"kind":"Name","value":"amountUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"remainingUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"releasedUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"refundedUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"claimedUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"deliveredAt"}},{"kind":"Field","name":{"kind":"Name","value":"reviewUntil"}},{"kind":"Field","name":{"kind":"Name","value":"disputedAt"}},{"kind":"Field","name":{"kind":"Name","value":"disputeReason"}},{"kind":"Field","name":{"kind":"Name","value":"releasedAt"}},{"kind":"Field","name":{"kind":"Name","value":"refundedAt"}},{"kind":"Field","name":{"kind":"Name","value":"refundReason"}},{"kind":"Field","name":{"kind":"Name","value":"settledBy"}},{"kind":"Field","name":{"kind":"Name","value":"resultHash"}},{"kind":"Field","name":{"kind":"Name","value":"resultUri"}},{"kind":"Field","name":{"kind":"Name","value":"receipt"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"json"}},{"kind":"Field","name":{"kind":"Name","value":"signature"}},{"kind":"Field","name":{"kind":"Name","value":"publicKey"}}]}}]}}]} as unknown as DocumentNode<EscrowFieldsFragment, unknown>;
export const FairRateFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"FairRateFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"FairRate"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobType"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"fairUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"providers"}},{"kind":"Field","name":{"kind":"Name","value":"counted"}},{"kind":"Field","name":{"kind":"Name","value":"insufficientData"}},{"kind":"Field","name":{"kind":"Name","value":"minUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"maxUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"quotedMedianUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"quotedProviders"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"realised24h"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rateUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"volumeUrtc"}}]}}]}}]} as unknown as DocumentNode<FairRateFieldsFragment, unknown>;
export const InventoryNodesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"InventoryNodes"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"GpuNodeFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"orderBy"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"GpuNodeOrder"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"gpuNodes"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"orderBy"},"value":{"kind":"Variable","name":{"kind":"Name","value":"orderBy"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"minerId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"trust"}},{"kind":"Field","name":{"kind":"Name","value":"flags"}},{"kind":"Field","name":{"kind":"Name","value":"eligible"}},{"kind":"Field","name":{"kind":"Name","value":"deviceArch"}},{"kind":"Field","name":{"kind":"Name","value":"gpuModel"}},{"kind":"Field","name":{"kind":"Name","value":"gpuCount"}},{"kind":"Field","name":{"kind":"Name","value":"maxVramMb"}},{"kind":"Field","name":{"kind":"Name","value":"benchmarkScore"}},{"kind":"Field","name":{"kind":"Name","value":"cudaVersion"}},{"kind":"Field","name":{"kind":"Name","value":"jobTypes"}},{"kind":"Field","name":{"kind":"Name","value":"lastAttestedAt"}},{"kind":"Field","name":{"kind":"Name","value":"prices"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"renderMinuteUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"tts1kCharsUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"sttMinuteUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"llm1kTokensUrtc"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<InventoryNodesQuery, InventoryNodesQueryVariables>;
export const InventoryChangesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"InventoryChanges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodeStatusChanged"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"change"}},{"kind":"Field","name":{"kind":"Name","value":"minerId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"trust"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}}]}}]} as unknown as DocumentNode<InventoryChangesSubscription, InventoryChangesSubscriptionVariables>;
export const JobEscrowDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"JobEscrow"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"jobId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"escrow"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"jobId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"jobId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"EscrowFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"EscrowFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Escrow"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobId"}},{"kind":"Field","name":{"kind":"Name","value":"jobType"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"fromWallet"}},{"kind":"Field","name":{"kind":"Name","value":"toWallet"}},{"kind":"Field","name":{"kind":"Name","value":"amountUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"remainingUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"releasedUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"refundedUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"claimedUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"deliveredAt"}},{"kind":"Field","name":{"kind":"Name","value":"reviewUntil"}},{"kind":"Field","name":{"kind":"Name","value":"disputedAt"}},{"kind":"Field","name":{"kind":"Name","value":"disputeReason"}},{"kind":"Field","name":{"kind":"Name","value":"releasedAt"}},{"kind":"Field","name":{"kind":"Name","value":"refundedAt"}},{"kind":"Field","name":{"kind":"Name","value":"refundReason"}},{"kind":"Field","name":{"kind":"Name","value":"settledBy"}},{"kind":"Field","name":{"kind":"Name","value":"resultHash"}},{"kind":"Field","name":{"kind":"Name","value":"resultUri"}},{"kind":"Field","name":{"kind":"Name","value":"receipt"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"json"}},{"kind":"Field","name":{"kind":"Name","value":"signature"}},{"kind":"Field","name":{"kind":"Name","value":"publicKey"}}]}}]}}]} as unknown as DocumentNode<JobEscrowQuery, JobEscrowQueryVariables>;
export const JobEventsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"JobEvents"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"jobId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"afterSeq"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"escrowStatusChanged"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"jobId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"jobId"}}},{"kind":"Argument","name":{"kind":"Name","value":"afterSeq"},"value":{"kind":"Variable","name":{"kind":"Name","value":"afterSeq"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"change"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"escrow"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"EscrowFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"EscrowFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Escrow"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobId"}},{"kind":"Field","name":{"kind":"Name","value":"jobType"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"fromWallet"}},{"kind":"Field","name":{"kind":"Name","value":"toWallet"}},{"kind":"Field","name":{"kind":"Name","value":"amountUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"remainingUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"releasedUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"refundedUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"claimedUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"deliveredAt"}},{"kind":"Field","name":{"kind":"Name","value":"reviewUntil"}},{"kind":"Field","name":{"kind":"Name","value":"disputedAt"}},{"kind":"Field","name":{"kind":"Name","value":"disputeReason"}},{"kind":"Field","name":{"kind":"Name","value":"releasedAt"}},{"kind":"Field","name":{"kind":"Name","value":"refundedAt"}},{"kind":"Field","name":{"kind":"Name","value":"refundReason"}},{"kind":"Field","name":{"kind":"Name","value":"settledBy"}},{"kind":"Field","name":{"kind":"Name","value":"resultHash"}},{"kind":"Field","name":{"kind":"Name","value":"resultUri"}},{"kind":"Field","name":{"kind":"Name","value":"receipt"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"json"}},{"kind":"Field","name":{"kind":"Name","value":"signature"}},{"kind":"Field","name":{"kind":"Name","value":"publicKey"}}]}}]}}]} as unknown as DocumentNode<JobEventsSubscription, JobEventsSubscriptionVariables>;
export const FeedStartDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"FeedStart"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"marketEventsSeq"}}]}}]} as unknown as DocumentNode<FeedStartQuery, FeedStartQueryVariables>;
export const LiveFeedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"LiveFeed"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"afterSeq"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"marketEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"afterSeq"},"value":{"kind":"Variable","name":{"kind":"Name","value":"afterSeq"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"EscrowEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","alias":{"kind":"Name","value":"escrowChange"},"name":{"kind":"Name","value":"change"}},{"kind":"Field","name":{"kind":"Name","value":"escrow"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobId"}},{"kind":"Field","name":{"kind":"Name","value":"jobType"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amountUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"fromWallet"}},{"kind":"Field","name":{"kind":"Name","value":"toWallet"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"NodeEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","alias":{"kind":"Name","value":"nodeChange"},"name":{"kind":"Name","value":"change"}},{"kind":"Field","name":{"kind":"Name","value":"minerId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"PriceEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"jobType"}},{"kind":"Field","name":{"kind":"Name","value":"rate"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fairUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"insufficientData"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WalletEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","alias":{"kind":"Name","value":"walletChange"},"name":{"kind":"Name","value":"change"}},{"kind":"Field","name":{"kind":"Name","value":"wallet"}},{"kind":"Field","name":{"kind":"Name","value":"deposit"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amountUrtc"}}]}},{"kind":"Field","name":{"kind":"Name","value":"withdrawal"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amountUrtc"}}]}}]}}]}}]}}]} as unknown as DocumentNode<LiveFeedSubscription, LiveFeedSubscriptionVariables>;
export const LatestEscrowsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"LatestEscrows"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"escrows"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobId"}},{"kind":"Field","name":{"kind":"Name","value":"jobType"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amountUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"fromWallet"}},{"kind":"Field","name":{"kind":"Name","value":"toWallet"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}}]}}]}}]} as unknown as DocumentNode<LatestEscrowsQuery, LatestEscrowsQueryVariables>;
export const MarketRatesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MarketRates"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"marketRates"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"FairRateFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"FairRateFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"FairRate"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobType"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"fairUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"providers"}},{"kind":"Field","name":{"kind":"Name","value":"counted"}},{"kind":"Field","name":{"kind":"Name","value":"insufficientData"}},{"kind":"Field","name":{"kind":"Name","value":"minUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"maxUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"quotedMedianUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"quotedProviders"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"realised24h"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rateUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"volumeUrtc"}}]}}]}}]} as unknown as DocumentNode<MarketRatesQuery, MarketRatesQueryVariables>;
export const MarketHistoryDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MarketHistory"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"jobType"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"JobType"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"from"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"bucket"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"PriceBucketSize"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"priceHistory"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"jobType"},"value":{"kind":"Variable","name":{"kind":"Name","value":"jobType"}}},{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"Variable","name":{"kind":"Name","value":"from"}}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}},{"kind":"Argument","name":{"kind":"Name","value":"bucket"},"value":{"kind":"Variable","name":{"kind":"Name","value":"bucket"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"start"}},{"kind":"Field","name":{"kind":"Name","value":"end"}},{"kind":"Field","name":{"kind":"Name","value":"open"}},{"kind":"Field","name":{"kind":"Name","value":"high"}},{"kind":"Field","name":{"kind":"Name","value":"low"}},{"kind":"Field","name":{"kind":"Name","value":"close"}},{"kind":"Field","name":{"kind":"Name","value":"median"}},{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"realisedRateUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"realisedVolumeUrtc"}}]}}]}}]} as unknown as DocumentNode<MarketHistoryQuery, MarketHistoryQueryVariables>;
export const MarketPriceMovesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"MarketPriceMoves"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"priceUpdated"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"jobType"}},{"kind":"Field","name":{"kind":"Name","value":"rate"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"FairRateFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"FairRateFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"FairRate"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobType"}},{"kind":"Field","name":{"kind":"Name","value":"unit"}},{"kind":"Field","name":{"kind":"Name","value":"fairUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"providers"}},{"kind":"Field","name":{"kind":"Name","value":"counted"}},{"kind":"Field","name":{"kind":"Name","value":"insufficientData"}},{"kind":"Field","name":{"kind":"Name","value":"minUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"maxUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"quotedMedianUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"quotedProviders"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"realised24h"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rateUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"volumeUrtc"}}]}}]}}]} as unknown as DocumentNode<MarketPriceMovesSubscription, MarketPriceMovesSubscriptionVariables>;
export const NodeDetailsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"NodeDetails"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"minerId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"gpuNode"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"minerId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"minerId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"minerId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"trust"}},{"kind":"Field","name":{"kind":"Name","value":"flags"}},{"kind":"Field","name":{"kind":"Name","value":"eligible"}},{"kind":"Field","name":{"kind":"Name","value":"deviceArch"}},{"kind":"Field","name":{"kind":"Name","value":"fingerprint"}},{"kind":"Field","name":{"kind":"Name","value":"gpuModel"}},{"kind":"Field","name":{"kind":"Name","value":"gpuCount"}},{"kind":"Field","name":{"kind":"Name","value":"totalVramMb"}},{"kind":"Field","name":{"kind":"Name","value":"benchmarkScore"}},{"kind":"Field","name":{"kind":"Name","value":"cudaVersion"}},{"kind":"Field","name":{"kind":"Name","value":"rocmVersion"}},{"kind":"Field","name":{"kind":"Name","value":"metalVersion"}},{"kind":"Field","name":{"kind":"Name","value":"jobTypes"}},{"kind":"Field","name":{"kind":"Name","value":"llmModels"}},{"kind":"Field","name":{"kind":"Name","value":"ttsModels"}},{"kind":"Field","name":{"kind":"Name","value":"sttModels"}},{"kind":"Field","name":{"kind":"Name","value":"firstAttestedAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastAttestedAt"}},{"kind":"Field","name":{"kind":"Name","value":"gpus"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uuid"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"vramMb"}},{"kind":"Field","name":{"kind":"Name","value":"benchmarkScore"}},{"kind":"Field","name":{"kind":"Name","value":"driverVersion"}},{"kind":"Field","name":{"kind":"Name","value":"cudaVersion"}}]}},{"kind":"Field","name":{"kind":"Name","value":"prices"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"renderMinuteUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"tts1kCharsUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"sttMinuteUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"llm1kTokensUrtc"}}]}},{"kind":"Field","name":{"kind":"Name","value":"earnings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobsPaid"}},{"kind":"Field","name":{"kind":"Name","value":"releasedUrtc"}}]}},{"kind":"Field","name":{"kind":"Name","value":"bond"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bondedUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"eligible"}}]}},{"kind":"Field","name":{"kind":"Name","value":"priceHistory"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobType"}},{"kind":"Field","name":{"kind":"Name","value":"oldPriceUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"newPriceUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"changedAt"}},{"kind":"Field","name":{"kind":"Name","value":"outlier"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"escrowHistory"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"10"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobId"}},{"kind":"Field","name":{"kind":"Name","value":"jobType"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amountUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"fromWallet"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}}]}}]} as unknown as DocumentNode<NodeDetailsQuery, NodeDetailsQueryVariables>;
export const NodeChangesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"NodeChanges"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"minerId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodeStatusChanged"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"minerId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"minerId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"seq"}},{"kind":"Field","name":{"kind":"Name","value":"change"}}]}}]}}]} as unknown as DocumentNode<NodeChangesSubscription, NodeChangesSubscriptionVariables>;
export const WalletBalancesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"WalletBalances"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"address"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"wallet"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"address"},"value":{"kind":"Variable","name":{"kind":"Name","value":"address"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"address"}},{"kind":"Field","name":{"kind":"Name","value":"availableUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"lockedUrtc"}}]}}]}}]} as unknown as DocumentNode<WalletBalancesQuery, WalletBalancesQueryVariables>;
export const WalletEscrowsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"WalletEscrows"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"address"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"role"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"WalletRole"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"escrows"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"wallet"},"value":{"kind":"Variable","name":{"kind":"Name","value":"address"}}},{"kind":"Argument","name":{"kind":"Name","value":"role"},"value":{"kind":"Variable","name":{"kind":"Name","value":"role"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"10"}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobId"}},{"kind":"Field","name":{"kind":"Name","value":"jobType"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amountUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"fromWallet"}},{"kind":"Field","name":{"kind":"Name","value":"toWallet"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}}]}}]}}]} as unknown as DocumentNode<WalletEscrowsQuery, WalletEscrowsQueryVariables>;
export const WalletDepositsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"WalletDeposits"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"address"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"wallet"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"address"},"value":{"kind":"Variable","name":{"kind":"Name","value":"address"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"address"}},{"kind":"Field","name":{"kind":"Name","value":"deposits"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"10"}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"txHash"}},{"kind":"Field","name":{"kind":"Name","value":"fromAddress"}},{"kind":"Field","name":{"kind":"Name","value":"amountUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"seenAt"}},{"kind":"Field","name":{"kind":"Name","value":"creditedAt"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<WalletDepositsQuery, WalletDepositsQueryVariables>;
export const WalletWithdrawalsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"WalletWithdrawals"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"address"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"wallet"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"address"},"value":{"kind":"Variable","name":{"kind":"Name","value":"address"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"address"}},{"kind":"Field","name":{"kind":"Name","value":"withdrawals"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"10"}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"withdrawalId"}},{"kind":"Field","name":{"kind":"Name","value":"toAddress"}},{"kind":"Field","name":{"kind":"Name","value":"amountUrtc"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"txHash"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<WalletWithdrawalsQuery, WalletWithdrawalsQueryVariables>;