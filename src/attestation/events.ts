/**
 * Node events for inventory views: attested, offline, suspended (and reinstated, verified,
 * unverified, contested, assigned), numbered in the same log as escrow events and written in the change's transaction.
 */
import type Database from 'better-sqlite3';
import { CATCH_UP_PAGE, createEventRetention, type CatchUp } from '../subscriptions.js';

export type NodeChange =
  'attested' | 'offline' | 'suspended' | 'reinstated' | 'verified' | 'unverified' | 'contested' | 'assigned';

export interface NodeEventMessage {
  seq: number;
  change: NodeChange;
  at: number;
  minerId: string;
  /** The node's status and trust right after the change. */
  status: 'online' | 'offline' | 'suspended';
  trust: string;
}

export type NodeEventLog = ReturnType<typeof createNodeEventLog>;

export function createNodeEventLog(db: Database.Database) {
  const s = {
    insert: db.prepare("INSERT INTO market_events (topic, change, miner_id, payload, at) VALUES ('node', ?, ?, ?, ?)"),
    ofMiner: db.prepare(
      "SELECT * FROM market_events WHERE topic = 'node' AND miner_id = ? AND seq > ? ORDER BY seq LIMIT ?",
    ),
    all: db.prepare("SELECT * FROM market_events WHERE topic = 'node' AND seq > ? ORDER BY seq LIMIT ?"),
    lapsed: db.prepare(
      'SELECT miner_id, trust FROM gpu_attestations WHERE last_attestation < ? AND offline_announced = 0 AND suspended = 0',
    ),
    announce: db.prepare('UPDATE gpu_attestations SET offline_announced = 1 WHERE miner_id = ?'),
    // A node's first event is the attestation at its first_attestation.
    firstAttestation: db.prepare('SELECT first_attestation FROM gpu_attestations WHERE miner_id = ?').pluck(),
    oldestOfMiner: db.prepare(
      "SELECT change, at FROM market_events WHERE topic = 'node' AND miner_id = ? ORDER BY seq LIMIT 1",
    ),
  };
  const retention = createEventRetention(db);

  const toMessage = (r: Record<string, unknown>): NodeEventMessage => ({
    seq: Number(r.seq),
    change: r.change as NodeChange,
    at: Number(r.at),
    minerId: r.miner_id as string,
    ...(JSON.parse(r.payload as string) as { status: NodeEventMessage['status']; trust: string }),
  });

  function record(
    minerId: string,
    change: NodeChange,
    state: { status: NodeEventMessage['status']; trust: string },
    at: number,
  ): NodeEventMessage {
    const { lastInsertRowid } = s.insert.run(change, minerId, JSON.stringify(state), at);
    return { seq: Number(lastInsertRowid), change, at, minerId, ...state };
  }

  function after(afterSeq: number, minerId?: string, limit = CATCH_UP_PAGE): NodeEventMessage[] {
    const rows = minerId ? s.ofMiner.all(minerId, afterSeq, limit) : s.all.all(afterSeq, limit);
    return (rows as Record<string, unknown>[]).map(toMessage);
  }

  return {
    record,

    /**
     * Inside a write: marks the nodes whose attestation lapsed (before `onlineSince`) as announced and
     * records their `offline` events. The mark makes it once per lapse, whichever instance sweeps.
     */
    announceOffline(onlineSince: number, at: number): NodeEventMessage[] {
      const lapsed = s.lapsed.all(onlineSince) as { miner_id: string; trust: string }[];
      return lapsed.map((n) => {
        s.announce.run(n.miner_id);
        return record(n.miner_id, 'offline', { status: 'offline', trust: n.trust }, at);
      });
    },

    after,

    /** Every retained event of one node (or of all) after `afterSeq`. */
    catchUp(afterSeq: number, minerId?: string): CatchUp<NodeEventMessage> {
      const firstEventRetained = (miner: string) => {
        const began = s.firstAttestation.get(miner) as bigint | undefined;
        const oldest = s.oldestOfMiner.get(miner) as { change: string; at: bigint } | undefined;
        return began === undefined || (oldest?.change === 'attested' && oldest.at === began);
      };
      return {
        after: afterSeq,
        page: (seq, limit) => after(seq, minerId, limit),
        purgedAfter: (seq) => retention.purgedAfter(seq, minerId ? () => firstEventRetained(minerId) : undefined),
      };
    },
  };
}
