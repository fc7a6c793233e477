/**
 * In-process publish/subscribe for committed changes. Payloads carry no BigInt (amounts travel as digit
 * strings), so they can cross a process boundary as JSON.
 */
import { createPubSub } from 'graphql-yoga';
import type { NodeChange } from './attestation/service.js';
import type { JobType } from './domain/fields.js';
import type { EscrowEventMessage } from './escrow/events.js';


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
    /** Every committed escrow change, numbered; subscribers filter by job or wallet. */
    escrowEvent: [event: EscrowEventMessage];
    nodeChanged: [event: NodeChangedEvent];
    priceUpdated: [event: PriceUpdatedEvent];
  }>();
}

export type MarketPubSub = ReturnType<typeof createMarketPubSub>;
