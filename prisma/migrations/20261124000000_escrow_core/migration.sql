-- CreateTable
CREATE TABLE "wallets" (
    "address" TEXT NOT NULL PRIMARY KEY,
    "available_urtc" BIGINT NOT NULL DEFAULT 0,
    "locked_urtc" BIGINT NOT NULL DEFAULT 0,
    "created_at" INTEGER NOT NULL,
    "updated_at" INTEGER NOT NULL,
    CHECK ("available_urtc" >= 0),
    CHECK ("locked_urtc" >= 0)
);

-- CreateTable
CREATE TABLE "journal" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "from_account" TEXT NOT NULL,
    "to_account" TEXT NOT NULL,
    "amount_urtc" BIGINT NOT NULL,
    "kind" TEXT NOT NULL,
    "job_id" TEXT,
    "reference" TEXT,
    "created_at" INTEGER NOT NULL,
    CHECK ("amount_urtc" > 0)
);

-- CreateTable
CREATE TABLE "render_escrow" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "job_id" TEXT NOT NULL,
    "job_type" TEXT NOT NULL,
    "from_wallet" TEXT NOT NULL,
    "to_wallet" TEXT NOT NULL,
    "amount_urtc" BIGINT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'locked',
    "created_at" INTEGER NOT NULL,
    "expires_at" INTEGER NOT NULL,
    "released_at" INTEGER,
    "refunded_at" INTEGER,
    "released_urtc" BIGINT NOT NULL DEFAULT 0,
    "refunded_urtc" BIGINT NOT NULL DEFAULT 0,
    "refund_reason" TEXT,
    "settled_by" TEXT,
    "metadata" TEXT,
    CHECK ("amount_urtc" > 0),
    CHECK ("job_type" IN ('render', 'tts', 'stt', 'llm')),
    CHECK ("status" IN ('locked', 'released', 'refunded')),
    CHECK ("released_urtc" >= 0 AND "refunded_urtc" >= 0),
    CHECK ("status" = 'locked' AND "released_urtc" = 0 AND "refunded_urtc" = 0
        OR "status" <> 'locked' AND "released_urtc" + "refunded_urtc" = "amount_urtc"),
    CHECK ("from_wallet" <> "to_wallet"),
    CONSTRAINT "render_escrow_from_wallet_fkey" FOREIGN KEY ("from_wallet") REFERENCES "wallets" ("address") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "render_escrow_to_wallet_fkey" FOREIGN KEY ("to_wallet") REFERENCES "wallets" ("address") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "used_nonces" (
    "signer" TEXT NOT NULL,
    "nonce" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "job_id" TEXT,
    "used_at" INTEGER NOT NULL,

    PRIMARY KEY ("signer", "nonce")
);

-- CreateTable
CREATE TABLE "deposits" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "reference" TEXT NOT NULL,
    "wallet" TEXT NOT NULL,
    "amount_urtc" BIGINT NOT NULL,
    "created_at" INTEGER NOT NULL,
    CHECK ("amount_urtc" > 0),
    CONSTRAINT "deposits_wallet_fkey" FOREIGN KEY ("wallet") REFERENCES "wallets" ("address") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "journal_from_account_idx" ON "journal"("from_account");

-- CreateIndex
CREATE INDEX "journal_to_account_idx" ON "journal"("to_account");

-- CreateIndex
CREATE INDEX "journal_job_id_idx" ON "journal"("job_id");

-- CreateIndex
CREATE UNIQUE INDEX "render_escrow_job_id_key" ON "render_escrow"("job_id");

-- CreateIndex
CREATE INDEX "render_escrow_from_wallet_id_idx" ON "render_escrow"("from_wallet", "id");

-- CreateIndex
CREATE INDEX "render_escrow_to_wallet_id_idx" ON "render_escrow"("to_wallet", "id");

-- CreateIndex
CREATE INDEX "render_escrow_status_expires_at_idx" ON "render_escrow"("status", "expires_at");

-- CreateIndex
CREATE UNIQUE INDEX "deposits_reference_key" ON "deposits"("reference");

-- CreateIndex
CREATE INDEX "deposits_wallet_idx" ON "deposits"("wallet");


-- The journal is append-only: history is never rewritten.
CREATE TRIGGER "journal_no_update" BEFORE UPDATE ON "journal"
BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;
CREATE TRIGGER "journal_no_delete" BEFORE DELETE ON "journal"
BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;
