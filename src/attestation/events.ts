/**
 * Node events for inventory views: attested, offline, suspended (and reinstated, verified,
 * unverified, contested, assigned), numbered in the same log as escrow events and written in the change's transaction.
 */
import { sql, type SqlEngine, type Work } from '../sql/statement.js';
import { CATCH_UP_PAGE, eventLog, type CatchUp } from '../event-log.js';

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

const s = {
  insert: sql("INSERT INTO market_events (topic, change, miner_id, payload, at) VALUES ('node', ?, ?, ?, ?)", {
    returningKey: 'seq',
  }),
  ofMiner: sql("SELECT * FROM market_events WHERE topic = 'node' AND miner_id = ? AND seq > ? ORDER BY seq LIMIT ?"),
  all: sql("SELECT * FROM market_events WHERE topic = 'node' AND seq > ? ORDER BY seq LIMIT ?"),
  // Locked: two instances sweeping at once announce each lapse once.
  lapsed: sql(
    {
      sqlite:
        'SELECT miner_id, trust FROM gpu_attestations WHERE last_attestation < ? AND offline_announced = 0 AND suspended = 0',
      postgres:
        'SELECT miner_id, trust FROM gpu_attestations WHERE last_attestation < ? AND offline_announced = false AND suspended = false ORDER BY miner_id',
    },
    { forUpdate: true },
  ),
  announce: sql({
    sqlite: 'UPDATE gpu_attestations SET offline_announced = 1 WHERE miner_id = ?',
    postgres: 'UPDATE gpu_attestations SET offline_announced = true WHERE miner_id = ?',
  }),
  // A node's first event is the attestation at its first_attestation.
  firstAttestation: sql('SELECT first_attestation FROM gpu_attestations WHERE miner_id = ?'),
  oldestOfMiner: sql("SELECT change, at FROM market_events WHERE topic = 'node' AND miner_id = ? ORDER BY seq LIMIT 1"),
};

const toMessage = (r: Record<string, unknown>): NodeEventMessage => ({
  seq: Number(r.seq),
  change: r.change as NodeChange,
  at: Number(r.at),
  minerId: r.miner_id as string,
  ...(JSON.parse(r.payload as string) as { status: NodeEventMessage['status']; trust: string }),
});

/** Whether the node (if there is one) still has its first event. */
function* firstEventRetained(minerId: string): Work<boolean> {
  const began = yield* s.firstAttestation.value<unknown>([minerId]);
  const oldest = yield* s.oldestOfMiner.get<{ change: string; at: unknown }>([minerId]);
  return began === undefined || (oldest?.change === 'attested' && Number(oldest.at) === Number(began));
}

export function createNodeEventLog(engine: SqlEngine) {
  /** Inside the change's transaction: appends its event and returns the message to publish after commit. */
  function* record(
    minerId: string,
    change: NodeChange,
    state: { status: NodeEventMessage['status']; trust: string },
    at: number,
  ): Work<NodeEventMessage> {
    yield* eventLog.beforeAppend();
    const seq = yield* s.insert.insert([change, minerId, JSON.stringify(state), at]);
    return { seq: Number(seq), change, at, minerId, ...state };
  }

  function after(afterSeq: number, minerId?: string, limit = CATCH_UP_PAGE): Promise<NodeEventMessage[]> {
    return engine.read(function* () {
      const rows = minerId ? yield* s.ofMiner.all([minerId, afterSeq, limit]) : yield* s.all.all([afterSeq, limit]);
      return rows.map(toMessage);
    });
  }

  return {
    record,

    /**
     * Inside a write: marks the nodes whose attestation lapsed (before `onlineSince`) as announced and
     * records their `offline` events. The mark makes it once per lapse, whichever instance sweeps.
     */
    *announceOffline(onlineSince: number, at: number): Work<NodeEventMessage[]> {
      const lapsed = yield* s.lapsed.all<{ miner_id: string; trust: string }>([onlineSince]);
      for (const n of lapsed) yield* s.announce.run([n.miner_id]);
      const events: NodeEventMessage[] = [];
      for (const n of lapsed)
        events.push(yield* record(n.miner_id, 'offline', { status: 'offline', trust: n.trust }, at));
      return events;
    },

    after,

    /** Every retained event of one node (or of all) after `afterSeq`. */
    catchUp(afterSeq: number, minerId?: string): CatchUp<NodeEventMessage> {
      return {
        after: afterSeq,
        page: (seq, limit) => after(seq, minerId, limit),
        purgedAfter: (seq) =>
          eventLog.purgedAfter(engine, seq, minerId ? () => firstEventRetained(minerId) : undefined),
      };
    },
  };
}
