/**
 * Publish/subscribe for committed changes. In-process by default; with REDIS_URL, events travel
 * through Redis so that every API instance behind a load balancer delivers every event. Payloads carry
 * no BigInt (amounts travel as digit strings), so they cross Redis as JSON.
 */
import { setMaxListeners } from 'node:events';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { createPubSub } from 'graphql-yoga';
import { Redis } from 'ioredis';
import type { NodeEventMessage } from './attestation/events.js';
import type { EscrowEventMessage } from './escrow/events.js';
import type { PriceEventMessage } from './pricing/store.js';
import type { WalletEventMessage } from './custody/events.js';

type MarketEvents = {
  /** Every committed change of one escrow, numbered. */
  escrowOfJob: [jobId: string, event: EscrowEventMessage];
  /** Every committed change of an escrow the wallet pays or is paid by. */
  escrowOfWallet: [wallet: string, event: EscrowEventMessage];
  nodeChanged: [event: NodeEventMessage];
  priceUpdated: [event: PriceEventMessage];
  /** Deposits and withdrawals of one wallet, numbered. */
  walletEvent: [wallet: string, event: WalletEventMessage];
  /** Every committed event of the market (escrow, node, price, wallet), by its seq: wakes the market-wide feed. */
  marketEvent: [event: { seq: number }];
};

export function createMarketPubSub(redisUrl?: string) {
  if (!redisUrl) {
    // Many subscribers of one escrow listen on one topic: that is the design, not a leak.
    const eventTarget = new EventTarget();
    setMaxListeners(0, eventTarget);
    return { pubsub: createPubSub<MarketEvents>({ eventTarget }), close: async () => {} };
  }
  // Subscribing puts a Redis connection in subscriber mode, so publishing needs a second one.
  const publishClient = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const subscribeClient = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const eventTarget = createRedisEventTarget<CustomEvent>({ publishClient, subscribeClient });
  return {
    pubsub: createPubSub<MarketEvents>({ eventTarget: eventTarget as never }),
    close: async () => {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    },
  };
}

export type MarketPubSub = ReturnType<typeof createMarketPubSub>['pubsub'];
