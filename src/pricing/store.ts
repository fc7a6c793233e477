/**
 * Price reads and price-history writes on the direct SQLite connection. The fair rate is recomputed
 * from the online nodes' current prices (an indexed scan of at most the online nodes, whatever the
 * history's length); history is read by (job type, time) index ranges.
 */
import type Database from 'better-sqlite3';
import type { JobType } from '../domain/fields.js';
import type { Quote } from './fair-rate.js';

export const PRICE_COLUMN_SQL: Record<JobType, string> = {
  render: 'price_render_minute_urtc',
  tts: 'price_tts_1k_chars_urtc',
  stt: 'price_stt_minute_urtc',
  llm: 'price_llm_1k_tokens_urtc',
};

/** The flag that marks a node's current quote for a job type as far outside the band. */
export const outlierFlag = (jobType: JobType) => `price_outlier:${jobType}`;

export interface PriceChangeRow {
  minerId: string;
  jobType: JobType;
  oldPriceUrtc: bigint | null;
  newPriceUrtc: bigint;
  changedAt: number;
  outlier: boolean;
}

export type PricingStore = ReturnType<typeof createPricingStore>;

export function createPricingStore(db: Database.Database) {
  const onlineQuotes = Object.fromEntries(
    (Object.entries(PRICE_COLUMN_SQL) as [JobType, string][]).map(([jobType, column]) => [
      jobType,
      db.prepare(
        `SELECT miner_id, fingerprint, ${column} AS price FROM gpu_attestations
         WHERE last_attestation >= ? AND suspended = 0 AND ${column} IS NOT NULL AND instr(flags, ?) = 0`,
      ),
    ]),
  ) as Record<JobType, Database.Statement>;

  const s = {
    lastChange: db.prepare('SELECT MAX(changed_at) FROM price_history WHERE miner_id = ? AND job_type = ?').pluck(),
    lastChangeOfType: db.prepare('SELECT MAX(changed_at) FROM price_history WHERE job_type = ?').pluck(),
    insertChange: db.prepare(
      'INSERT INTO price_history (miner_id, job_type, old_price_urtc, new_price_urtc, changed_at, outlier) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    historyRange: db.prepare(
      'SELECT changed_at, new_price_urtc FROM price_history WHERE job_type = ? AND changed_at >= ? AND changed_at < ? ORDER BY changed_at, id',
    ),
    realisedRange: db.prepare(
      `SELECT released_at, released_urtc, units, amount_urtc FROM render_escrow
       WHERE job_type = ? AND status = 'released' AND released_at >= ? AND released_at < ? AND units IS NOT NULL`,
    ),
    nodePrice: Object.fromEntries(
      (Object.entries(PRICE_COLUMN_SQL) as [JobType, string][]).map(([jobType, column]) => [
        jobType,
        db.prepare(`SELECT ${column} AS price, suspended, last_attestation FROM gpu_attestations WHERE miner_id = ?`),
      ]),
    ) as Record<JobType, Database.Statement>,
  };

  return {
    /** Current quotes of online, unsuspended nodes, leaving out quotes marked as outliers and `excludeMiner`. */
    onlineQuotes(jobType: JobType, onlineSince: number, excludeMiner?: string): Quote[] {
      const rows = onlineQuotes[jobType].all(onlineSince, `"${outlierFlag(jobType)}"`) as { miner_id: string; fingerprint: string; price: bigint }[];
      const quotes: Quote[] = [];
      for (const r of rows) if (r.miner_id !== excludeMiner) quotes.push({ fingerprint: r.fingerprint, priceUrtc: r.price });
      return quotes;
    },

    lastChangeAt(minerId: string, jobType: JobType): number | null {
      const v = s.lastChange.get(minerId, jobType) as bigint | null;
      return v === null ? null : Number(v);
    },

    lastChangeOfType(jobType: JobType): number | null {
      const v = s.lastChangeOfType.get(jobType) as bigint | null;
      return v === null ? null : Number(v);
    },

    recordChange(c: PriceChangeRow): void {
      s.insertChange.run(c.minerId, c.jobType, c.oldPriceUrtc, c.newPriceUrtc, c.changedAt, c.outlier ? 1 : 0);
    },

    /** Price changes of a job type in [from, to), oldest first. */
    history(jobType: JobType, from: number, to: number): { at: number; price: bigint }[] {
      return (s.historyRange.all(jobType, from, to) as { changed_at: bigint; new_price_urtc: bigint }[]).map((r) => ({
        at: Number(r.changed_at),
        price: r.new_price_urtc,
      }));
    },

    /** Released escrows that carried a quote's unit count, in [from, to). */
    realised(jobType: JobType, from: number, to: number): { at: number; releasedUrtc: bigint; units: bigint; amountUrtc: bigint }[] {
      return (s.realisedRange.all(jobType, from, to) as { released_at: bigint; released_urtc: bigint; units: bigint; amount_urtc: bigint }[]).map((r) => ({
        at: Number(r.released_at),
        releasedUrtc: r.released_urtc,
        units: r.units,
        amountUrtc: r.amount_urtc,
      }));
    },

    /** A node's current price for a job type, null when it does not serve it. */
    nodePrice(minerId: string, jobType: JobType): { priceUrtc: bigint | null; suspended: boolean; lastAttestation: number } | null {
      const r = s.nodePrice[jobType].get(minerId) as { price: bigint | null; suspended: bigint; last_attestation: bigint } | undefined;
      return r ? { priceUrtc: r.price, suspended: Number(r.suspended) === 1, lastAttestation: Number(r.last_attestation) } : null;
    },
  };
}
