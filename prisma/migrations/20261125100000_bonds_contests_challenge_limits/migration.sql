-- Written by hand from `migrate diff`: node_bonds carries CHECK constraints Prisma cannot express, and
-- the challenge columns are added in place rather than by redefining the table.

-- CreateTable
CREATE TABLE "node_bonds" (
    "miner_id" TEXT NOT NULL PRIMARY KEY,
    "bonded_urtc" BIGINT NOT NULL DEFAULT 0,
    "unbonding_urtc" BIGINT NOT NULL DEFAULT 0,
    "unbond_at" INTEGER,
    "slashed_urtc" BIGINT NOT NULL DEFAULT 0,
    "created_at" INTEGER NOT NULL,
    "updated_at" INTEGER NOT NULL,
    CHECK ("bonded_urtc" >= 0 AND "unbonding_urtc" >= 0 AND "slashed_urtc" >= 0),
    CHECK ("unbonding_urtc" = 0 OR "unbond_at" IS NOT NULL),
    CONSTRAINT "node_bonds_miner_id_fkey" FOREIGN KEY ("miner_id") REFERENCES "wallets" ("address") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "gpu_contests" (
    "uuid" TEXT NOT NULL,
    "claimant_miner_id" TEXT NOT NULL,
    "holder_miner_id" TEXT NOT NULL,
    "contested_at" INTEGER NOT NULL,

    PRIMARY KEY ("uuid", "claimant_miner_id"),
    CHECK ("claimant_miner_id" <> "holder_miner_id")
);

-- CreateTable
CREATE TABLE "gpu_assignments" (
    "uuid" TEXT NOT NULL PRIMARY KEY,
    "miner_id" TEXT NOT NULL,
    "assigned_at" INTEGER NOT NULL
);

ALTER TABLE "attestation_challenges" ADD COLUMN "client_address" TEXT;
ALTER TABLE "attestation_challenges" ADD COLUMN "created_at" INTEGER NOT NULL DEFAULT 0;

CREATE INDEX "attestation_challenges_miner_id_expires_at_idx" ON "attestation_challenges"("miner_id", "expires_at");
CREATE INDEX "attestation_challenges_client_address_created_at_idx" ON "attestation_challenges"("client_address", "created_at");
CREATE INDEX "node_bonds_unbond_at_idx" ON "node_bonds"("unbond_at");
CREATE INDEX "gpu_contests_holder_miner_id_idx" ON "gpu_contests"("holder_miner_id");
CREATE INDEX "gpu_assignments_miner_id_idx" ON "gpu_assignments"("miner_id");
