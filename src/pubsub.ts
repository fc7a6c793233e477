/**
 * In-process publish/subscribe for committed changes. Payloads carry ids and strings only (no BigInt),
 * so they could cross a process boundary as JSON; subscribers read the current row themselves.
 */
import { createPubSub } from 'graphql-yoga';
import type { NodeChange } from './attestation/service.js';
import type { JobType } from './domain/fields.js';
import type { EscrowChange } from './escrow/service.js';

export interface EscrowChangedEvent {
  jobId: string;
  change: EscrowChange;
  at: number;
}

export interface NodeChangedEvent {
  minerId: string;
  change: NodeChange;
  at: number;
}

export interface PriceUpdatedEvent {
  jobType: JobType;
  at: number;
}

export function createMarketPubSub() {
  return createPubSub<{
    escrowChanged: [jobId: string, event: EscrowChangedEvent];
    nodeChanged: [event: NodeChangedEvent];
    priceUpdated: [event: PriceUpdatedEvent];
  }>();
}

export type MarketPubSub = ReturnType<typeof createMarketPubSub>;
