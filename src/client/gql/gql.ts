/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  mutation BotDeposit($input: DepositInput!) {\n    deposit(input: $input) {\n      __typename\n      ... on DepositSuccess { created wallet { availableRtc lockedRtc } }\n      ... on MarketError { code message }\n    }\n  }\n": typeof types.BotDepositDocument,
    "\n  mutation BotLockEscrow($input: LockEscrowInput!) {\n    lockEscrow(jobType: LLM, input: $input) {\n      __typename\n      ... on EscrowSuccess { changed escrow { jobId status amountRtc expiresAt payer { availableRtc lockedRtc } } }\n      ... on InsufficientFundsError { availableUrtc requiredUrtc }\n      ... on MarketError { code message }\n    }\n  }\n": typeof types.BotLockEscrowDocument,
    "\n  mutation BotReleaseEscrow($input: ReleaseEscrowInput!) {\n    releaseEscrow(jobType: LLM, input: $input) {\n      __typename\n      ... on EscrowSuccess { changed escrow { status releasedUrtc refundedUrtc remainingUrtc provider { address availableRtc } } }\n      ... on MarketError { code message }\n    }\n  }\n": typeof types.BotReleaseEscrowDocument,
    "\n  mutation BotDeliverEscrow($input: DeliverEscrowInput!) {\n    deliverEscrow(jobType: LLM, input: $input) {\n      __typename\n      ... on EscrowSuccess { escrow { status claimedUrtc resultHash reviewUntil } }\n      ... on MarketError { code message }\n    }\n  }\n": typeof types.BotDeliverEscrowDocument,
    "\n  query BotReceipt($jobId: String!) {\n    receiptKey { publicKey keyId }\n    escrow(jobId: $jobId) { receipt { json signature } }\n  }\n": typeof types.BotReceiptDocument,
    "\n  subscription BotEscrowStatusChanged($jobId: String!, $afterSeq: Int) {\n    escrowStatusChanged(jobId: $jobId, afterSeq: $afterSeq) {\n      seq\n      change\n      at\n      escrow { jobId status amountUrtc releasedUrtc refundedUrtc remainingUrtc }\n    }\n  }\n": typeof types.BotEscrowStatusChangedDocument,
    "\n  query InventoryByPrice($jobType: JobType!, $filter: GpuNodeFilter!, $first: Int!) {\n    gpuNodes(filter: $filter, orderBy: { field: PRICE, direction: ASC }, first: $first) {\n      totalCount\n      edges {\n        node {\n          minerId\n          trust\n          status\n          gpus { model vramMb }\n          prices { renderMinuteUrtc tts1kCharsUrtc sttMinuteUrtc llm1kTokensUrtc }\n        }\n      }\n    }\n    fairRate(jobType: $jobType) { unit fairUrtc fairRtc providers counted insufficientData }\n  }\n": typeof types.InventoryByPriceDocument,
    "\n  mutation Withdraw($input: WithdrawInput!) {\n    withdraw(input: $input) {\n      __typename\n      ... on WithdrawSuccess { withdrawal { withdrawalId status amountUrtc toAddress txHash } }\n      ... on MarketError { code message }\n    }\n  }\n": typeof types.WithdrawDocument,
    "\n  query CustodyAndWallet($address: String!) {\n    custody { enabled custodyAddress onchainUrtc liabilitiesUrtc incomingUrtc pendingWithdrawalsUrtc surplusUrtc }\n    wallet(address: $address) {\n      availableUrtc\n      deposits(first: 10) { edges { node { txHash status amountUrtc } } }\n      withdrawals(first: 10) { edges { node { withdrawalId status amountUrtc txHash } } }\n    }\n  }\n": typeof types.CustodyAndWalletDocument,
    "\n  subscription CustodyEvents($wallet: String!, $afterSeq: Int) {\n    walletEvents(wallet: $wallet, afterSeq: $afterSeq) { seq change deposit { txHash status } withdrawal { withdrawalId status txHash } }\n  }\n": typeof types.CustodyEventsDocument,
    "\n  mutation DeliveryFunds($input: DepositInput!) {\n    deposit(input: $input) { __typename }\n  }\n": typeof types.DeliveryFundsDocument,
    "\n  mutation DeliveryLock($input: LockEscrowInput!) {\n    lockEscrow(jobType: RENDER, input: $input) {\n      __typename\n      ... on EscrowSuccess { escrow { status reviewWindowS remainingUrtc } }\n      ... on MarketError { code message }\n    }\n  }\n": typeof types.DeliveryLockDocument,
    "\n  mutation DeliveryDeliver($jobType: JobType!, $input: DeliverEscrowInput!) {\n    deliverEscrow(jobType: $jobType, input: $input) {\n      __typename\n      ... on EscrowSuccess {\n        changed\n        escrow { status remainingUrtc deliveredAt reviewUntil claimedUrtc resultHash resultUri receipt { json } }\n      }\n      ... on MarketError { code message }\n    }\n  }\n": typeof types.DeliveryDeliverDocument,
    "\n  mutation DeliveryDispute($jobType: JobType!, $input: DisputeEscrowInput!) {\n    disputeEscrow(jobType: $jobType, input: $input) {\n      __typename\n      ... on EscrowSuccess { changed escrow { status disputedAt disputeReason } }\n      ... on MarketError { code message }\n    }\n  }\n": typeof types.DeliveryDisputeDocument,
    "\n  mutation DeliveryResolve($input: ResolveDisputeInput!) {\n    resolveDispute(input: $input) {\n      __typename\n      ... on EscrowSuccess { changed escrow { status releasedUrtc refundedUrtc remainingUrtc refundReason settledBy receipt { json signature publicKey } } }\n      ... on MarketError { code message }\n    }\n  }\n": typeof types.DeliveryResolveDocument,
    "\n  query DeliveryReports {\n    openDisputes(first: 50) { totalCount edges { node { jobId disputedAt } } }\n    escrowsAwaitingReview(first: 50) { totalCount edges { node { jobId reviewUntil } } }\n  }\n": typeof types.DeliveryReportsDocument,
    "\n  mutation Deposit($input: DepositInput!) {\n    deposit(input: $input) {\n      __typename\n      ... on DepositSuccess {\n        created\n        deposit { reference amountUrtc amountRtc }\n        wallet { address availableUrtc lockedUrtc }\n      }\n      ... on MarketError { code message }\n    }\n  }\n": typeof types.DepositDocument,
    "\n  mutation LockEscrow($jobType: JobType!, $input: LockEscrowInput!) {\n    lockEscrow(jobType: $jobType, input: $input) {\n      __typename\n      ... on EscrowSuccess {\n        changed\n        escrow { id jobId jobType status amountUrtc amountRtc fromWallet toWallet expiresAt metadata payer { address lockedUrtc } }\n      }\n      ... on InsufficientFundsError { availableUrtc requiredUrtc }\n      ... on MarketError { code message }\n    }\n  }\n": typeof types.LockEscrowDocument,
    "\n  mutation ReleaseEscrow($jobType: JobType!, $input: ReleaseEscrowInput!) {\n    releaseEscrow(jobType: $jobType, input: $input) {\n      __typename\n      ... on EscrowSuccess { changed escrow { status remainingUrtc releasedUrtc refundedUrtc settledBy provider { availableUrtc } } }\n      ... on MarketError { code message }\n    }\n  }\n": typeof types.ReleaseEscrowDocument,
    "\n  mutation RefundEscrow($jobType: JobType!, $input: RefundEscrowInput!) {\n    refundEscrow(jobType: $jobType, input: $input) {\n      __typename\n      ... on EscrowSuccess { changed escrow { status refundedUrtc refundReason settledBy } }\n      ... on MarketError { code message }\n    }\n  }\n": typeof types.RefundEscrowDocument,
    "\n  query EscrowByJob($jobId: String!) {\n    escrow(jobId: $jobId) { jobId status amountUrtc createdAt }\n  }\n": typeof types.EscrowByJobDocument,
    "\n  query EscrowsPage($wallet: String, $role: WalletRole, $status: EscrowStatus, $jobType: JobType, $first: Int, $after: String) {\n    escrows(wallet: $wallet, role: $role, status: $status, jobType: $jobType, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { cursor node { jobId jobType status } }\n    }\n  }\n": typeof types.EscrowsPageDocument,
    "\n  query WalletBalances($address: String!) {\n    wallet(address: $address) {\n      address availableUrtc availableRtc lockedUrtc lockedRtc\n      escrowsPaid(first: 10) { totalCount edges { node { jobId } } }\n      escrowsReceived(first: 10) { totalCount }\n    }\n  }\n": typeof types.WalletBalancesDocument,
    "\n  query GpuNodesPage($filter: GpuNodeFilter, $orderBy: GpuNodeOrder, $first: Int, $after: String) {\n    gpuNodes(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { minerId } }\n    }\n  }\n": typeof types.GpuNodesPageDocument,
    "\n  query GpuNodesNested($first: Int) {\n    gpuNodes(first: $first, filter: { includeOffline: true }) {\n      edges {\n        node {\n          minerId trust status prices { llm1kTokensUrtc }\n          gpus { uuid model vramMb }\n          earnings { releasedUrtc jobsPaid }\n          escrowHistory(first: 3) { jobId releasedUrtc }\n        }\n      }\n    }\n  }\n": typeof types.GpuNodesNestedDocument,
    "\n  query EscrowReceipt($jobId: String!) {\n    escrow(jobId: $jobId) { status receipt { json signature publicKey } }\n  }\n": typeof types.EscrowReceiptDocument,
    "\n  query ReceiptKeyQuery { receiptKey { publicKey keyId } }\n": typeof types.ReceiptKeyQueryDocument,
    "\n  subscription EscrowStatus($jobId: String!, $afterSeq: Int) {\n    escrowStatusChanged(jobId: $jobId, afterSeq: $afterSeq) { seq change at escrow { jobId status releasedUrtc refundedUrtc } }\n  }\n": typeof types.EscrowStatusDocument,
    "\n  subscription WalletEvents($wallet: String!, $afterSeq: Int) {\n    escrowEvents(wallet: $wallet, afterSeq: $afterSeq) { seq change escrow { jobId fromWallet toWallet status } }\n  }\n": typeof types.WalletEventsDocument,
};
const documents: Documents = {
    "\n  mutation BotDeposit($input: DepositInput!) {\n    deposit(input: $input) {\n      __typename\n      ... on DepositSuccess { created wallet { availableRtc lockedRtc } }\n      ... on MarketError { code message }\n    }\n  }\n": types.BotDepositDocument,
    "\n  mutation BotLockEscrow($input: LockEscrowInput!) {\n    lockEscrow(jobType: LLM, input: $input) {\n      __typename\n      ... on EscrowSuccess { changed escrow { jobId status amountRtc expiresAt payer { availableRtc lockedRtc } } }\n      ... on InsufficientFundsError { availableUrtc requiredUrtc }\n      ... on MarketError { code message }\n    }\n  }\n": types.BotLockEscrowDocument,
    "\n  mutation BotReleaseEscrow($input: ReleaseEscrowInput!) {\n    releaseEscrow(jobType: LLM, input: $input) {\n      __typename\n      ... on EscrowSuccess { changed escrow { status releasedUrtc refundedUrtc remainingUrtc provider { address availableRtc } } }\n      ... on MarketError { code message }\n    }\n  }\n": types.BotReleaseEscrowDocument,
    "\n  mutation BotDeliverEscrow($input: DeliverEscrowInput!) {\n    deliverEscrow(jobType: LLM, input: $input) {\n      __typename\n      ... on EscrowSuccess { escrow { status claimedUrtc resultHash reviewUntil } }\n      ... on MarketError { code message }\n    }\n  }\n": types.BotDeliverEscrowDocument,
    "\n  query BotReceipt($jobId: String!) {\n    receiptKey { publicKey keyId }\n    escrow(jobId: $jobId) { receipt { json signature } }\n  }\n": types.BotReceiptDocument,
    "\n  subscription BotEscrowStatusChanged($jobId: String!, $afterSeq: Int) {\n    escrowStatusChanged(jobId: $jobId, afterSeq: $afterSeq) {\n      seq\n      change\n      at\n      escrow { jobId status amountUrtc releasedUrtc refundedUrtc remainingUrtc }\n    }\n  }\n": types.BotEscrowStatusChangedDocument,
    "\n  query InventoryByPrice($jobType: JobType!, $filter: GpuNodeFilter!, $first: Int!) {\n    gpuNodes(filter: $filter, orderBy: { field: PRICE, direction: ASC }, first: $first) {\n      totalCount\n      edges {\n        node {\n          minerId\n          trust\n          status\n          gpus { model vramMb }\n          prices { renderMinuteUrtc tts1kCharsUrtc sttMinuteUrtc llm1kTokensUrtc }\n        }\n      }\n    }\n    fairRate(jobType: $jobType) { unit fairUrtc fairRtc providers counted insufficientData }\n  }\n": types.InventoryByPriceDocument,
    "\n  mutation Withdraw($input: WithdrawInput!) {\n    withdraw(input: $input) {\n      __typename\n      ... on WithdrawSuccess { withdrawal { withdrawalId status amountUrtc toAddress txHash } }\n      ... on MarketError { code message }\n    }\n  }\n": types.WithdrawDocument,
    "\n  query CustodyAndWallet($address: String!) {\n    custody { enabled custodyAddress onchainUrtc liabilitiesUrtc incomingUrtc pendingWithdrawalsUrtc surplusUrtc }\n    wallet(address: $address) {\n      availableUrtc\n      deposits(first: 10) { edges { node { txHash status amountUrtc } } }\n      withdrawals(first: 10) { edges { node { withdrawalId status amountUrtc txHash } } }\n    }\n  }\n": types.CustodyAndWalletDocument,
    "\n  subscription CustodyEvents($wallet: String!, $afterSeq: Int) {\n    walletEvents(wallet: $wallet, afterSeq: $afterSeq) { seq change deposit { txHash status } withdrawal { withdrawalId status txHash } }\n  }\n": types.CustodyEventsDocument,
    "\n  mutation DeliveryFunds($input: DepositInput!) {\n    deposit(input: $input) { __typename }\n  }\n": types.DeliveryFundsDocument,
    "\n  mutation DeliveryLock($input: LockEscrowInput!) {\n    lockEscrow(jobType: RENDER, input: $input) {\n      __typename\n      ... on EscrowSuccess { escrow { status reviewWindowS remainingUrtc } }\n      ... on MarketError { code message }\n    }\n  }\n": types.DeliveryLockDocument,
    "\n  mutation DeliveryDeliver($jobType: JobType!, $input: DeliverEscrowInput!) {\n    deliverEscrow(jobType: $jobType, input: $input) {\n      __typename\n      ... on EscrowSuccess {\n        changed\n        escrow { status remainingUrtc deliveredAt reviewUntil claimedUrtc resultHash resultUri receipt { json } }\n      }\n      ... on MarketError { code message }\n    }\n  }\n": types.DeliveryDeliverDocument,
    "\n  mutation DeliveryDispute($jobType: JobType!, $input: DisputeEscrowInput!) {\n    disputeEscrow(jobType: $jobType, input: $input) {\n      __typename\n      ... on EscrowSuccess { changed escrow { status disputedAt disputeReason } }\n      ... on MarketError { code message }\n    }\n  }\n": types.DeliveryDisputeDocument,
    "\n  mutation DeliveryResolve($input: ResolveDisputeInput!) {\n    resolveDispute(input: $input) {\n      __typename\n      ... on EscrowSuccess { changed escrow { status releasedUrtc refundedUrtc remainingUrtc refundReason settledBy receipt { json signature publicKey } } }\n      ... on MarketError { code message }\n    }\n  }\n": types.DeliveryResolveDocument,
    "\n  query DeliveryReports {\n    openDisputes(first: 50) { totalCount edges { node { jobId disputedAt } } }\n    escrowsAwaitingReview(first: 50) { totalCount edges { node { jobId reviewUntil } } }\n  }\n": types.DeliveryReportsDocument,
    "\n  mutation Deposit($input: DepositInput!) {\n    deposit(input: $input) {\n      __typename\n      ... on DepositSuccess {\n        created\n        deposit { reference amountUrtc amountRtc }\n        wallet { address availableUrtc lockedUrtc }\n      }\n      ... on MarketError { code message }\n    }\n  }\n": types.DepositDocument,
    "\n  mutation LockEscrow($jobType: JobType!, $input: LockEscrowInput!) {\n    lockEscrow(jobType: $jobType, input: $input) {\n      __typename\n      ... on EscrowSuccess {\n        changed\n        escrow { id jobId jobType status amountUrtc amountRtc fromWallet toWallet expiresAt metadata payer { address lockedUrtc } }\n      }\n      ... on InsufficientFundsError { availableUrtc requiredUrtc }\n      ... on MarketError { code message }\n    }\n  }\n": types.LockEscrowDocument,
    "\n  mutation ReleaseEscrow($jobType: JobType!, $input: ReleaseEscrowInput!) {\n    releaseEscrow(jobType: $jobType, input: $input) {\n      __typename\n      ... on EscrowSuccess { changed escrow { status remainingUrtc releasedUrtc refundedUrtc settledBy provider { availableUrtc } } }\n      ... on MarketError { code message }\n    }\n  }\n": types.ReleaseEscrowDocument,
    "\n  mutation RefundEscrow($jobType: JobType!, $input: RefundEscrowInput!) {\n    refundEscrow(jobType: $jobType, input: $input) {\n      __typename\n      ... on EscrowSuccess { changed escrow { status refundedUrtc refundReason settledBy } }\n      ... on MarketError { code message }\n    }\n  }\n": types.RefundEscrowDocument,
    "\n  query EscrowByJob($jobId: String!) {\n    escrow(jobId: $jobId) { jobId status amountUrtc createdAt }\n  }\n": types.EscrowByJobDocument,
    "\n  query EscrowsPage($wallet: String, $role: WalletRole, $status: EscrowStatus, $jobType: JobType, $first: Int, $after: String) {\n    escrows(wallet: $wallet, role: $role, status: $status, jobType: $jobType, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { cursor node { jobId jobType status } }\n    }\n  }\n": types.EscrowsPageDocument,
    "\n  query WalletBalances($address: String!) {\n    wallet(address: $address) {\n      address availableUrtc availableRtc lockedUrtc lockedRtc\n      escrowsPaid(first: 10) { totalCount edges { node { jobId } } }\n      escrowsReceived(first: 10) { totalCount }\n    }\n  }\n": types.WalletBalancesDocument,
    "\n  query GpuNodesPage($filter: GpuNodeFilter, $orderBy: GpuNodeOrder, $first: Int, $after: String) {\n    gpuNodes(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { minerId } }\n    }\n  }\n": types.GpuNodesPageDocument,
    "\n  query GpuNodesNested($first: Int) {\n    gpuNodes(first: $first, filter: { includeOffline: true }) {\n      edges {\n        node {\n          minerId trust status prices { llm1kTokensUrtc }\n          gpus { uuid model vramMb }\n          earnings { releasedUrtc jobsPaid }\n          escrowHistory(first: 3) { jobId releasedUrtc }\n        }\n      }\n    }\n  }\n": types.GpuNodesNestedDocument,
    "\n  query EscrowReceipt($jobId: String!) {\n    escrow(jobId: $jobId) { status receipt { json signature publicKey } }\n  }\n": types.EscrowReceiptDocument,
    "\n  query ReceiptKeyQuery { receiptKey { publicKey keyId } }\n": types.ReceiptKeyQueryDocument,
    "\n  subscription EscrowStatus($jobId: String!, $afterSeq: Int) {\n    escrowStatusChanged(jobId: $jobId, afterSeq: $afterSeq) { seq change at escrow { jobId status releasedUrtc refundedUrtc } }\n  }\n": types.EscrowStatusDocument,
    "\n  subscription WalletEvents($wallet: String!, $afterSeq: Int) {\n    escrowEvents(wallet: $wallet, afterSeq: $afterSeq) { seq change escrow { jobId fromWallet toWallet status } }\n  }\n": types.WalletEventsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BotDeposit($input: DepositInput!) {\n    deposit(input: $input) {\n      __typename\n      ... on DepositSuccess { created wallet { availableRtc lockedRtc } }\n      ... on MarketError { code message }\n    }\n  }\n"): typeof import('./graphql.js').BotDepositDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BotLockEscrow($input: LockEscrowInput!) {\n    lockEscrow(jobType: LLM, input: $input) {\n      __typename\n      ... on EscrowSuccess { changed escrow { jobId status amountRtc expiresAt payer { availableRtc lockedRtc } } }\n      ... on InsufficientFundsError { availableUrtc requiredUrtc }\n      ... on MarketError { code message }\n    }\n  }\n"): typeof import('./graphql.js').BotLockEscrowDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BotReleaseEscrow($input: ReleaseEscrowInput!) {\n    releaseEscrow(jobType: LLM, input: $input) {\n      __typename\n      ... on EscrowSuccess { changed escrow { status releasedUrtc refundedUrtc remainingUrtc provider { address availableRtc } } }\n      ... on MarketError { code message }\n    }\n  }\n"): typeof import('./graphql.js').BotReleaseEscrowDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BotDeliverEscrow($input: DeliverEscrowInput!) {\n    deliverEscrow(jobType: LLM, input: $input) {\n      __typename\n      ... on EscrowSuccess { escrow { status claimedUrtc resultHash reviewUntil } }\n      ... on MarketError { code message }\n    }\n  }\n"): typeof import('./graphql.js').BotDeliverEscrowDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BotReceipt($jobId: String!) {\n    receiptKey { publicKey keyId }\n    escrow(jobId: $jobId) { receipt { json signature } }\n  }\n"): typeof import('./graphql.js').BotReceiptDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription BotEscrowStatusChanged($jobId: String!, $afterSeq: Int) {\n    escrowStatusChanged(jobId: $jobId, afterSeq: $afterSeq) {\n      seq\n      change\n      at\n      escrow { jobId status amountUrtc releasedUrtc refundedUrtc remainingUrtc }\n    }\n  }\n"): typeof import('./graphql.js').BotEscrowStatusChangedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query InventoryByPrice($jobType: JobType!, $filter: GpuNodeFilter!, $first: Int!) {\n    gpuNodes(filter: $filter, orderBy: { field: PRICE, direction: ASC }, first: $first) {\n      totalCount\n      edges {\n        node {\n          minerId\n          trust\n          status\n          gpus { model vramMb }\n          prices { renderMinuteUrtc tts1kCharsUrtc sttMinuteUrtc llm1kTokensUrtc }\n        }\n      }\n    }\n    fairRate(jobType: $jobType) { unit fairUrtc fairRtc providers counted insufficientData }\n  }\n"): typeof import('./graphql.js').InventoryByPriceDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Withdraw($input: WithdrawInput!) {\n    withdraw(input: $input) {\n      __typename\n      ... on WithdrawSuccess { withdrawal { withdrawalId status amountUrtc toAddress txHash } }\n      ... on MarketError { code message }\n    }\n  }\n"): typeof import('./graphql.js').WithdrawDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CustodyAndWallet($address: String!) {\n    custody { enabled custodyAddress onchainUrtc liabilitiesUrtc incomingUrtc pendingWithdrawalsUrtc surplusUrtc }\n    wallet(address: $address) {\n      availableUrtc\n      deposits(first: 10) { edges { node { txHash status amountUrtc } } }\n      withdrawals(first: 10) { edges { node { withdrawalId status amountUrtc txHash } } }\n    }\n  }\n"): typeof import('./graphql.js').CustodyAndWalletDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription CustodyEvents($wallet: String!, $afterSeq: Int) {\n    walletEvents(wallet: $wallet, afterSeq: $afterSeq) { seq change deposit { txHash status } withdrawal { withdrawalId status txHash } }\n  }\n"): typeof import('./graphql.js').CustodyEventsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeliveryFunds($input: DepositInput!) {\n    deposit(input: $input) { __typename }\n  }\n"): typeof import('./graphql.js').DeliveryFundsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeliveryLock($input: LockEscrowInput!) {\n    lockEscrow(jobType: RENDER, input: $input) {\n      __typename\n      ... on EscrowSuccess { escrow { status reviewWindowS remainingUrtc } }\n      ... on MarketError { code message }\n    }\n  }\n"): typeof import('./graphql.js').DeliveryLockDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeliveryDeliver($jobType: JobType!, $input: DeliverEscrowInput!) {\n    deliverEscrow(jobType: $jobType, input: $input) {\n      __typename\n      ... on EscrowSuccess {\n        changed\n        escrow { status remainingUrtc deliveredAt reviewUntil claimedUrtc resultHash resultUri receipt { json } }\n      }\n      ... on MarketError { code message }\n    }\n  }\n"): typeof import('./graphql.js').DeliveryDeliverDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeliveryDispute($jobType: JobType!, $input: DisputeEscrowInput!) {\n    disputeEscrow(jobType: $jobType, input: $input) {\n      __typename\n      ... on EscrowSuccess { changed escrow { status disputedAt disputeReason } }\n      ... on MarketError { code message }\n    }\n  }\n"): typeof import('./graphql.js').DeliveryDisputeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeliveryResolve($input: ResolveDisputeInput!) {\n    resolveDispute(input: $input) {\n      __typename\n      ... on EscrowSuccess { changed escrow { status releasedUrtc refundedUrtc remainingUrtc refundReason settledBy receipt { json signature publicKey } } }\n      ... on MarketError { code message }\n    }\n  }\n"): typeof import('./graphql.js').DeliveryResolveDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DeliveryReports {\n    openDisputes(first: 50) { totalCount edges { node { jobId disputedAt } } }\n    escrowsAwaitingReview(first: 50) { totalCount edges { node { jobId reviewUntil } } }\n  }\n"): typeof import('./graphql.js').DeliveryReportsDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Deposit($input: DepositInput!) {\n    deposit(input: $input) {\n      __typename\n      ... on DepositSuccess {\n        created\n        deposit { reference amountUrtc amountRtc }\n        wallet { address availableUrtc lockedUrtc }\n      }\n      ... on MarketError { code message }\n    }\n  }\n"): typeof import('./graphql.js').DepositDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation LockEscrow($jobType: JobType!, $input: LockEscrowInput!) {\n    lockEscrow(jobType: $jobType, input: $input) {\n      __typename\n      ... on EscrowSuccess {\n        changed\n        escrow { id jobId jobType status amountUrtc amountRtc fromWallet toWallet expiresAt metadata payer { address lockedUrtc } }\n      }\n      ... on InsufficientFundsError { availableUrtc requiredUrtc }\n      ... on MarketError { code message }\n    }\n  }\n"): typeof import('./graphql.js').LockEscrowDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReleaseEscrow($jobType: JobType!, $input: ReleaseEscrowInput!) {\n    releaseEscrow(jobType: $jobType, input: $input) {\n      __typename\n      ... on EscrowSuccess { changed escrow { status remainingUrtc releasedUrtc refundedUrtc settledBy provider { availableUrtc } } }\n      ... on MarketError { code message }\n    }\n  }\n"): typeof import('./graphql.js').ReleaseEscrowDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RefundEscrow($jobType: JobType!, $input: RefundEscrowInput!) {\n    refundEscrow(jobType: $jobType, input: $input) {\n      __typename\n      ... on EscrowSuccess { changed escrow { status refundedUrtc refundReason settledBy } }\n      ... on MarketError { code message }\n    }\n  }\n"): typeof import('./graphql.js').RefundEscrowDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EscrowByJob($jobId: String!) {\n    escrow(jobId: $jobId) { jobId status amountUrtc createdAt }\n  }\n"): typeof import('./graphql.js').EscrowByJobDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EscrowsPage($wallet: String, $role: WalletRole, $status: EscrowStatus, $jobType: JobType, $first: Int, $after: String) {\n    escrows(wallet: $wallet, role: $role, status: $status, jobType: $jobType, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { cursor node { jobId jobType status } }\n    }\n  }\n"): typeof import('./graphql.js').EscrowsPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WalletBalances($address: String!) {\n    wallet(address: $address) {\n      address availableUrtc availableRtc lockedUrtc lockedRtc\n      escrowsPaid(first: 10) { totalCount edges { node { jobId } } }\n      escrowsReceived(first: 10) { totalCount }\n    }\n  }\n"): typeof import('./graphql.js').WalletBalancesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GpuNodesPage($filter: GpuNodeFilter, $orderBy: GpuNodeOrder, $first: Int, $after: String) {\n    gpuNodes(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {\n      totalCount\n      pageInfo { hasNextPage endCursor }\n      edges { node { minerId } }\n    }\n  }\n"): typeof import('./graphql.js').GpuNodesPageDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query GpuNodesNested($first: Int) {\n    gpuNodes(first: $first, filter: { includeOffline: true }) {\n      edges {\n        node {\n          minerId trust status prices { llm1kTokensUrtc }\n          gpus { uuid model vramMb }\n          earnings { releasedUrtc jobsPaid }\n          escrowHistory(first: 3) { jobId releasedUrtc }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').GpuNodesNestedDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query EscrowReceipt($jobId: String!) {\n    escrow(jobId: $jobId) { status receipt { json signature publicKey } }\n  }\n"): typeof import('./graphql.js').EscrowReceiptDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ReceiptKeyQuery { receiptKey { publicKey keyId } }\n"): typeof import('./graphql.js').ReceiptKeyQueryDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription EscrowStatus($jobId: String!, $afterSeq: Int) {\n    escrowStatusChanged(jobId: $jobId, afterSeq: $afterSeq) { seq change at escrow { jobId status releasedUrtc refundedUrtc } }\n  }\n"): typeof import('./graphql.js').EscrowStatusDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription WalletEvents($wallet: String!, $afterSeq: Int) {\n    escrowEvents(wallet: $wallet, afterSeq: $afterSeq) { seq change escrow { jobId fromWallet toWallet status } }\n  }\n"): typeof import('./graphql.js').WalletEventsDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
