-- AlterTable
ALTER TABLE "render_escrow" ADD COLUMN "unit_price_urtc" BIGINT;
ALTER TABLE "render_escrow" ADD COLUMN "units" BIGINT;

-- CreateTable
CREATE TABLE "price_history" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "miner_id" TEXT NOT NULL,
    "job_type" TEXT NOT NULL,
    "old_price_urtc" BIGINT,
    "new_price_urtc" BIGINT NOT NULL,
    "changed_at" INTEGER NOT NULL,
    "outlier" BOOLEAN NOT NULL DEFAULT false,
    CHECK ("job_type" IN ('render', 'tts', 'stt', 'llm')),
    CHECK ("new_price_urtc" > 0),
    CHECK ("old_price_urtc" IS NULL OR "old_price_urtc" <> "new_price_urtc"),
    CONSTRAINT "price_history_miner_id_fkey" FOREIGN KEY ("miner_id") REFERENCES "gpu_attestations" ("miner_id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "price_history_job_type_changed_at_idx" ON "price_history"("job_type", "changed_at");

-- CreateIndex
CREATE INDEX "price_history_miner_id_job_type_changed_at_idx" ON "price_history"("miner_id", "job_type", "changed_at");

-- CreateIndex
CREATE INDEX "render_escrow_job_type_status_released_at_idx" ON "render_escrow"("job_type", "status", "released_at");


-- Price history is append-only.
CREATE TRIGGER "price_history_no_update" BEFORE UPDATE ON "price_history"
BEGIN SELECT RAISE(ABORT, 'price history is append-only'); END;
