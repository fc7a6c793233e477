-- Custody on RustChain: deposits seen on the chain, withdrawals sent to it, and leases for the one sender.

-- CreateTable
CREATE TABLE "chain_deposits" (
    "tx_hash" TEXT NOT NULL PRIMARY KEY,
    "chain" TEXT NOT NULL,
    "from_address" TEXT NOT NULL,
    "wallet" TEXT,
    "amount_urtc" BIGINT NOT NULL,
    "memo" TEXT,
    "status" TEXT NOT NULL,
    "seen_at" INTEGER NOT NULL,
    "credited_at" INTEGER,
    "voided_at" INTEGER,
    CHECK ("amount_urtc" > 0),
    CHECK ("status" IN ('pending', 'credited', 'voided', 'unattributed')),
    -- credited exactly when it has a wallet and a credit time; a voided deposit was never credited
    CHECK (("status" = 'credited') = ("credited_at" IS NOT NULL)),
    CHECK ("status" <> 'credited' OR "wallet" IS NOT NULL),
    CHECK (("status" = 'voided') = ("voided_at" IS NOT NULL))
);

-- CreateTable
CREATE TABLE "withdrawals" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "wallet" TEXT NOT NULL,
    "to_address" TEXT NOT NULL,
    "amount_urtc" BIGINT NOT NULL,
    "status" TEXT NOT NULL,
    "custody_nonce" BIGINT,
    "tx_hash" TEXT,
    "transfer_body" TEXT,
    "failure_reason" TEXT,
    "created_at" INTEGER NOT NULL,
    "sent_at" INTEGER,
    "confirmed_at" INTEGER,
    "failed_at" INTEGER,
    CHECK ("amount_urtc" > 0),
    CHECK ("status" IN ('pending', 'sent', 'confirmed', 'failed')),
    -- a transfer is never sent without its nonce, hash and body stored first
    CHECK ("status" NOT IN ('sent', 'confirmed') OR ("tx_hash" IS NOT NULL AND "custody_nonce" IS NOT NULL AND "transfer_body" IS NOT NULL)),
    CHECK (("status" = 'confirmed') = ("confirmed_at" IS NOT NULL)),
    CHECK (("status" = 'failed') = ("failed_at" IS NOT NULL)),
    CHECK ("to_address" GLOB 'RTC[0-9a-f]*' AND length("to_address") = 43)
);

-- CreateTable
CREATE TABLE "leases" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "holder" TEXT NOT NULL,
    "expires_at" INTEGER NOT NULL
);

-- CreateIndex
CREATE INDEX "chain_deposits_wallet_seen_at_idx" ON "chain_deposits"("wallet", "seen_at");

-- CreateIndex
CREATE INDEX "chain_deposits_status_idx" ON "chain_deposits"("status");

-- CreateIndex
CREATE UNIQUE INDEX "withdrawals_custody_nonce_key" ON "withdrawals"("custody_nonce");

-- CreateIndex
CREATE UNIQUE INDEX "withdrawals_tx_hash_key" ON "withdrawals"("tx_hash");

-- CreateIndex
CREATE INDEX "withdrawals_wallet_id_idx" ON "withdrawals"("wallet", "id");

-- CreateIndex
CREATE INDEX "withdrawals_status_id_idx" ON "withdrawals"("status", "id");

-- CreateIndex
CREATE INDEX "withdrawals_wallet_created_at_idx" ON "withdrawals"("wallet", "created_at");
