-- Written by hand rather than by `migrate diff`, which redefines gpu_attestations for a new column
-- and would drop its CHECK constraints.
ALTER TABLE "gpu_attestations" ADD COLUMN "offline_announced" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "market_events" ADD COLUMN "miner_id" TEXT;

CREATE INDEX "market_events_miner_id_seq_idx" ON "market_events"("miner_id", "seq");
CREATE INDEX "market_events_topic_seq_idx" ON "market_events"("topic", "seq");
