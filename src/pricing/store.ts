/**
 * Price reads and price-history writes, as units of work on either engine (src/sql). The fair rate is
 * recomputed from the online nodes' current prices (an indexed scan of at most the online nodes, whatever
 * the history's length); history is read by (job type, time) index ranges.
 */
import { JOB_TYPES, type JobType } from '../domain/fields.js';
import { isEligibleProvider } from './eligibility.js';
import { CATCH_UP_PAGE, eventLog, type CatchUp } from '../event-log.js';
import type { Quote } from './fair-rate.js';
import { bool, numberOrNull, sql, type SqlEngine, type Work } from '../sql/statement.js';

export const PRICE_COLUMN_SQL: Record<JobType, string> = {
  render: 'price_render_minute_urtc',
  tts: 'price_tts_1k_chars_urtc',
  stt: 'price_stt_minute_urtc',
  llm: 'price_llm_1k_tokens_urtc',
};

/** The flag that marks a node's current quote for a job type as far outside the band. */
export const outlierFlag = (jobType: JobType) => `price_outlier:${jobType}`;

/** A moved fair rate, numbered; subscribers read the rate itself. */
export interface PriceEventMessage {
  seq: number;
  jobType: JobType;
  at: number;
}

export interface PriceChangeRow {
  minerId: string;
  jobType: JobType;
  oldPriceUrtc: bigint | null;
  newPriceUrtc: bigint;
  changedAt: number;
  outlier: boolean;
}

const NO_FLAGS: readonly string[] = [];

export interface OnlineQuotes {
  eligible: Record<JobType, Quote[]>;
  quoted: Record<JobType, bigint[]>;
}

export type PricingStore = ReturnType<typeof createPricingStore>;

export interface NodePrice {
  priceUrtc: bigint | null;
  suspended: boolean;
  lastAttestation: number;
}

/** The statements that run inside writes (a lock reads the node's price; an attestation records its changes). */
const w = {
  lastChange: sql('SELECT MAX(changed_at) FROM price_history WHERE miner_id = ? AND job_type = ?'),
  insertChange: sql(
    'INSERT INTO price_history (miner_id, job_type, old_price_urtc, new_price_urtc, changed_at, outlier) VALUES (?, ?, ?, ?, ?, ?)',
  ),
  // For price events, `change` names the job type whose rate moved.
  insertPriceEvent: sql("INSERT INTO market_events (topic, change, payload, at) VALUES ('price', ?, ?, ?)", {
    returningKey: 'seq',
  }),
  nodePrice: Object.fromEntries(
    (Object.entries(PRICE_COLUMN_SQL) as [JobType, string][]).map(([jobType, column]) => [
      jobType,
      sql(`SELECT ${column} AS price, suspended, last_attestation FROM gpu_attestations WHERE miner_id = ?`),
    ]),
  ) as Record<JobType, ReturnType<typeof sql>>,
};

/** A node's current price for a job type, null when there is no such node. */
export function* nodePrice(minerId: string, jobType: JobType): Work<NodePrice | null> {
  const r = yield* w.nodePrice[jobType].get<{ price: bigint | null; suspended: unknown; last_attestation: unknown }>([
    minerId,
  ]);
  return r ? { priceUrtc: r.price, suspended: bool(r.suspended), lastAttestation: Number(r.last_attestation) } : null;
}

/** A price column of gpu_attestations per job type, in JOB_TYPES order. */
const PRICE_COLUMNS = JOB_TYPES.map((jobType) => PRICE_COLUMN_SQL[jobType]);

interface OnlineRow {
  fingerprint: string;
  flags: string;
  verified: unknown;
  bonded_urtc: bigint;
  [price: string]: unknown;
}

// One pass over the online nodes reads all four prices (measured: 14 ms instead of 32 ms for four passes at
// 10,000 nodes) and what eligibility needs. `suspended` is 0/1 in SQLite, a boolean in PostgreSQL.
const onlineColumns = `SELECT g.miner_id, g.fingerprint, g.flags, g.verified, COALESCE(b.bonded_urtc, 0) AS bonded_urtc, g.price_render_minute_urtc,
         g.price_tts_1k_chars_urtc, g.price_stt_minute_urtc, g.price_llm_1k_tokens_urtc
       FROM gpu_attestations g LEFT JOIN node_bonds b ON b.miner_id = g.miner_id WHERE g.last_attestation >= ?`;

/** The statements of reads: the fair rate's inputs, a job type's history and realised payments, the price events. */
const reads = {
  online: sql({
    sqlite: `${onlineColumns} AND g.suspended = 0`,
    postgres: `${onlineColumns} AND g.suspended = false`,
  }),
  earliestOnline: sql({
    sqlite: 'SELECT MIN(last_attestation) FROM gpu_attestations WHERE last_attestation >= ? AND suspended = 0',
    postgres: 'SELECT MIN(last_attestation) FROM gpu_attestations WHERE last_attestation >= ? AND suspended = false',
  }),
  lastChangeOfType: sql('SELECT MAX(changed_at) FROM price_history WHERE job_type = ?'),
  bucketPrices: sql(
    'SELECT new_price_urtc FROM price_history WHERE job_type = ? AND changed_at >= ? AND changed_at < ? ORDER BY changed_at, id',
  ),
  // The units a partial release paid for: its share of the quoted units, in floating point on both engines.
  realisedSums: sql({
    sqlite: `SELECT COALESCE(SUM(released_urtc), 0) AS volume, COALESCE(SUM(CAST(units AS REAL) * released_urtc / amount_urtc), 0) AS delivered FROM render_escrow
         WHERE job_type = ? AND status = 'released' AND released_at >= ? AND released_at < ? AND units IS NOT NULL`,
    postgres: `SELECT COALESCE(SUM(released_urtc), 0) AS volume, COALESCE(SUM(units::double precision * released_urtc / amount_urtc), 0) AS delivered FROM render_escrow
         WHERE job_type = ? AND status = 'released' AND released_at >= ? AND released_at < ? AND units IS NOT NULL`,
  }),
  // CAST: PostgreSQL cannot tell a parameter's type from `IS NULL` alone.
  priceEventsAfter: sql(
    `SELECT seq, change, at FROM market_events WHERE topic = 'price' AND seq > @after AND (CAST(@jobType AS TEXT) IS NULL OR change = @jobType)
       ORDER BY seq LIMIT @limit`,
  ),
};

export function createPricingStore(engine: SqlEngine) {
  function priceEventsAfter(afterSeq: number, jobType?: JobType, limit = CATCH_UP_PAGE): Promise<PriceEventMessage[]> {
    return engine.read(function* () {
      const rows = yield* reads.priceEventsAfter.all<{ seq: unknown; change: JobType; at: unknown }>({
        after: afterSeq,
        jobType: jobType ?? null,
        limit,
      });
      return rows.map((row) => ({ seq: Number(row.seq), jobType: row.change, at: Number(row.at) }));
    });
  }

  return {
    /**
     * Current quotes of online, unsuspended nodes per job type: `eligible` (./eligibility.ts, leaving out
     * quotes marked as outliers), what the fair rate is taken over, and `quoted`, every one of them.
     */
    *onlineQuotes(onlineSince: number, bondMinUrtc: bigint): Work<OnlineQuotes> {
      const eligible: Record<JobType, Quote[]> = { render: [], tts: [], stt: [], llm: [] };
      const quoted: Record<JobType, bigint[]> = { render: [], tts: [], stt: [], llm: [] };
      for (const row of yield* reads.online.all<OnlineRow>([onlineSince])) {
        const { fingerprint, flags: flagsJson, verified, bonded_urtc: bondedUrtc } = row;
        const flags = flagsJson === '[]' ? NO_FLAGS : (JSON.parse(flagsJson) as string[]);
        const counts = isEligibleProvider({ verified: bool(verified), bondedUrtc, flags }, bondMinUrtc);
        for (const [i, jobType] of JOB_TYPES.entries()) {
          const price = row[PRICE_COLUMNS[i]!] as bigint | null;
          if (price === null) continue;
          quoted[jobType].push(price);
          if (counts && !flags.includes(outlierFlag(jobType)))
            eligible[jobType].push({ fingerprint, priceUrtc: price });
        }
      }
      return { eligible, quoted };
    },

    /** Inside a write: numbers a moved rate in the shared event sequence (appended last, as every event is). */
    *recordPriceEvent(jobType: JobType, fairUrtc: bigint | null, at: number): Work<PriceEventMessage> {
      yield* eventLog.beforeAppend();
      const seq = yield* w.insertPriceEvent.insert([
        jobType,
        JSON.stringify({ fairUrtc: fairUrtc?.toString() ?? null }),
        at,
      ]);
      return { seq: Number(seq), jobType, at };
    },

    priceEventsAfter,

    /** Every retained move of one job type's rate (or of all) after `afterSeq`. */
    priceCatchUp(afterSeq: number, jobType?: JobType): CatchUp<PriceEventMessage> {
      return {
        after: afterSeq,
        page: (seq, limit) => priceEventsAfter(seq, jobType, limit),
        purgedAfter: (seq) => eventLog.purgedAfter(engine, seq),
      };
    },

    /** The oldest attestation still online: when it lapses, the set of online quotes changes. */
    *earliestOnline(onlineSince: number): Work<number | null> {
      return numberOrNull(yield* reads.earliestOnline.value([onlineSince]));
    },

    *lastChangeAt(minerId: string, jobType: JobType): Work<number | null> {
      return numberOrNull(yield* w.lastChange.value([minerId, jobType]));
    },

    *lastChangeOfType(jobType: JobType): Work<number | null> {
      return numberOrNull(yield* reads.lastChangeOfType.value([jobType]));
    },

    *recordChange(c: PriceChangeRow): Work<void> {
      yield* w.insertChange.run([c.minerId, c.jobType, c.oldPriceUrtc, c.newPriceUrtc, c.changedAt, c.outlier ? 1 : 0]);
    },

    /** The new prices of a job type's changes in [from, to), oldest first. */
    *pricesBetween(jobType: JobType, from: number, to: number): Work<bigint[]> {
      return yield* reads.bucketPrices.values<bigint>([jobType, from, to]);
    },

    /** Released escrows that carried a quote in [from, to): µRTC paid and the units delivered for it. */
    *realisedBetween(jobType: JobType, from: number, to: number): Work<{ volumeUrtc: bigint; deliveredUnits: number }> {
      const sums = (yield* reads.realisedSums.get<{ volume: bigint; delivered: unknown }>([jobType, from, to]))!;
      return { volumeUrtc: sums.volume, deliveredUnits: Number(sums.delivered) };
    },

    /** A node's current price for a job type, null when it does not serve it. */
    nodePrice,
  };
}
