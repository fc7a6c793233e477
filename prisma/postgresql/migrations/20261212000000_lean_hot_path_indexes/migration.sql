-- Fewer index entries per payment: every lock and settlement writes one render_escrow row and one market_events
-- row, and each index on them is one more B-tree insert inside the group commit, on the event loop.
--
-- The event indexes by subject become partial (Prisma cannot declare them): an event enters only the indexes of
-- the subjects it has. An escrow event has no miner, a node event no job and no wallets, a price event none of
-- them. Every query on them names its subject (`miner_id = ?`, ...), which implies IS NOT NULL, so each still
-- reads through its index.
DROP INDEX "market_events_job_id_seq_idx";
CREATE INDEX "market_events_job_id_seq_idx" ON "market_events"("job_id", "seq") WHERE "job_id" IS NOT NULL;
DROP INDEX "market_events_miner_id_seq_idx";
CREATE INDEX "market_events_miner_id_seq_idx" ON "market_events"("miner_id", "seq") WHERE "miner_id" IS NOT NULL;
DROP INDEX "market_events_from_wallet_seq_idx";
CREATE INDEX "market_events_from_wallet_seq_idx" ON "market_events"("from_wallet", "seq") WHERE "from_wallet" IS NOT NULL;
DROP INDEX "market_events_to_wallet_seq_idx";
CREATE INDEX "market_events_to_wallet_seq_idx" ON "market_events"("to_wallet", "seq") WHERE "to_wallet" IS NOT NULL;

-- The purge removes the oldest events by seq (src/escrow/events.ts), which also keeps its promise to subscribers
-- (everything up to the purged seq is gone, nothing after it) when clocks disagree; it needs no index on `at`.
DROP INDEX "market_events_at_idx";

-- The realised-rate sums read released, quoted escrows only (src/pricing/store.ts): a lock, and the settlement
-- of an escrow without a quote, no longer touch their covering index.
DROP INDEX "render_escrow_job_type_status_released_at_units_released_ur_idx";
CREATE INDEX "render_escrow_released_quoted_idx" ON "render_escrow"("job_type", "released_at", "units", "released_urtc", "amount_urtc") WHERE "status" = 'released' AND "units" IS NOT NULL;
