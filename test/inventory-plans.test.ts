/**
 * The inventory's filter by model name (src/attestation/inventory.ts): each node the page walks has its model rows
 * looked up by its own key (miner_id, kind), never through the index by model, which would read every node serving
 * the model for each node walked. SQLite's plans, on the migrated template (PostgreSQL plans by its statistics).
 */
import Database from 'better-sqlite3';
import { describe, expect, inject, it } from 'vitest';
import { inventoryOrderBy, inventoryWhere, type InventoryFilter } from '../src/attestation/inventory.js';
import { onPostgres } from './support/market.js';

function planOf(filter: InventoryFilter): string[] {
  const order = { field: 'price', jobType: 'llm', direction: 'asc' } as const;
  const where = inventoryWhere(filter, order, 1_800_000_000, 3600, 'sqlite');
  const text = `SELECT g.* FROM gpu_attestations g WHERE ${where.and.join(' AND ')} ORDER BY ${inventoryOrderBy(order, filter)} LIMIT 21`;
  const db = new Database(inject('templateDatabase'), { readonly: true });
  try {
    return db
      .prepare(`EXPLAIN QUERY PLAN ${text}`)
      .all(...where.params)
      .map((row) => (row as { detail: string }).detail);
  } finally {
    db.close();
  }
}

describe.skipIf(onPostgres)('inventory by model name (SQLite query plans)', () => {
  it.each<[string, InventoryFilter]>([
    ['a catalog name, matched on its canonical id', { llmModel: 'llama-3.1-8b' }],
    ['a name unknown to the catalog, matched as sent', { ttsModel: 'no-such-voice-model' }],
    ['a name with a size and a quantisation', { llmModel: 'qwen2.5-72b', minParamsB: 70, quant: 'q4_k_m' }],
  ])('%s: the node’s model rows by its key', (_, filter) => {
    const models = planOf(filter).filter((detail) => / m\b/.test(detail));
    expect(models).toEqual([
      expect.stringMatching(
        /^SEARCH m USING (COVERING )?INDEX sqlite_autoindex_gpu_node_models_1 \(miner_id=\? AND kind=\?\)$/,
      ),
    ]);
  });
});
