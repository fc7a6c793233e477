-- CreateTable
CREATE TABLE "market_events" (
    "seq" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "topic" TEXT NOT NULL,
    "change" TEXT NOT NULL,
    "job_id" TEXT,
    "from_wallet" TEXT,
    "to_wallet" TEXT,
    "payload" TEXT NOT NULL,
    "at" INTEGER NOT NULL
);

-- CreateIndex
CREATE INDEX "market_events_job_id_seq_idx" ON "market_events"("job_id", "seq");

-- CreateIndex
CREATE INDEX "market_events_from_wallet_seq_idx" ON "market_events"("from_wallet", "seq");

-- CreateIndex
CREATE INDEX "market_events_to_wallet_seq_idx" ON "market_events"("to_wallet", "seq");

-- CreateIndex
CREATE INDEX "market_events_at_idx" ON "market_events"("at");

