-- The whole schema as of the SQLite migrations up to 20261210000000_model_catalog, for PostgreSQL.
-- The first part is `prisma migrate diff --from-empty --to-schema-datamodel prisma/postgresql/schema.prisma
-- --script`, unchanged. The second part, by hand, is what Prisma cannot express and the SQLite migrations add:
-- every CHECK constraint, the append-only triggers and the partial index of the auto-release sweep.

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateTable
CREATE TABLE "wallets" (
    "address" TEXT NOT NULL,
    "available_urtc" BIGINT NOT NULL DEFAULT 0,
    "locked_urtc" BIGINT NOT NULL DEFAULT 0,
    "created_at" INTEGER NOT NULL,
    "updated_at" INTEGER NOT NULL,

    CONSTRAINT "wallets_pkey" PRIMARY KEY ("address")
);

-- CreateTable
CREATE TABLE "journal" (
    "id" SERIAL NOT NULL,
    "from_account" TEXT NOT NULL,
    "to_account" TEXT NOT NULL,
    "amount_urtc" BIGINT NOT NULL,
    "kind" TEXT NOT NULL,
    "job_id" TEXT,
    "reference" TEXT,
    "created_at" INTEGER NOT NULL,

    CONSTRAINT "journal_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "render_escrow" (
    "id" SERIAL NOT NULL,
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
    "units" BIGINT,
    "unit_price_urtc" BIGINT,
    "review_window_s" INTEGER NOT NULL DEFAULT 259200,
    "delivered_at" INTEGER,
    "review_until" INTEGER,
    "claimed_urtc" BIGINT,
    "result_hash" TEXT,
    "result_uri" TEXT,
    "disputed_at" INTEGER,
    "dispute_reason" TEXT,

    CONSTRAINT "render_escrow_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "used_nonces" (
    "signer" TEXT NOT NULL,
    "nonce" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "job_id" TEXT,
    "used_at" INTEGER NOT NULL,

    CONSTRAINT "used_nonces_pkey" PRIMARY KEY ("signer","nonce")
);

-- CreateTable
CREATE TABLE "deposits" (
    "id" SERIAL NOT NULL,
    "reference" TEXT NOT NULL,
    "wallet" TEXT NOT NULL,
    "amount_urtc" BIGINT NOT NULL,
    "created_at" INTEGER NOT NULL,

    CONSTRAINT "deposits_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gpu_attestations" (
    "miner_id" TEXT NOT NULL,
    "device_arch" TEXT NOT NULL,
    "gpu_model" TEXT NOT NULL,
    "gpu_count" INTEGER NOT NULL,
    "max_vram_mb" INTEGER NOT NULL,
    "total_vram_mb" INTEGER NOT NULL,
    "cuda_version" TEXT,
    "cuda_version_num" INTEGER,
    "rocm_version" TEXT,
    "metal_version" TEXT,
    "benchmark_score" DOUBLE PRECISION NOT NULL,
    "price_render_minute_urtc" BIGINT,
    "price_tts_1k_chars_urtc" BIGINT,
    "price_stt_minute_urtc" BIGINT,
    "price_llm_1k_tokens_urtc" BIGINT,
    "supports_render" BOOLEAN NOT NULL DEFAULT false,
    "supports_tts" BOOLEAN NOT NULL DEFAULT false,
    "supports_stt" BOOLEAN NOT NULL DEFAULT false,
    "supports_llm" BOOLEAN NOT NULL DEFAULT false,
    "tts_models" TEXT NOT NULL DEFAULT '[]',
    "stt_models" TEXT NOT NULL DEFAULT '[]',
    "llm_models" TEXT NOT NULL DEFAULT '[]',
    "trust" TEXT NOT NULL,
    "verified" BOOLEAN NOT NULL DEFAULT false,
    "suspended" BOOLEAN NOT NULL DEFAULT false,
    "fingerprint" TEXT NOT NULL,
    "flags" TEXT NOT NULL DEFAULT '[]',
    "offline_announced" BOOLEAN NOT NULL DEFAULT false,
    "first_attestation" INTEGER NOT NULL,
    "last_attestation" INTEGER NOT NULL,

    CONSTRAINT "gpu_attestations_pkey" PRIMARY KEY ("miner_id")
);

-- CreateTable
CREATE TABLE "gpu_devices" (
    "uuid" TEXT NOT NULL,
    "miner_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "model" TEXT NOT NULL,
    "vram_mb" INTEGER NOT NULL,
    "pci_id" TEXT,
    "driver_version" TEXT,
    "cuda_version" TEXT,
    "rocm_version" TEXT,
    "metal_version" TEXT,
    "benchmark_score" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "gpu_devices_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "gpu_node_models" (
    "miner_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "canonical" TEXT,
    "job_type" TEXT,
    "params_b" DOUBLE PRECISION,
    "quant" TEXT,
    "flags" TEXT NOT NULL DEFAULT '[]',

    CONSTRAINT "gpu_node_models_pkey" PRIMARY KEY ("miner_id","kind","name")
);

-- CreateTable
CREATE TABLE "attestation_challenges" (
    "challenge" TEXT NOT NULL,
    "miner_id" TEXT NOT NULL,
    "expires_at" INTEGER NOT NULL,
    "used_at" INTEGER,
    "client_address" TEXT,
    "created_at" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "attestation_challenges_pkey" PRIMARY KEY ("challenge")
);

-- CreateTable
CREATE TABLE "node_bonds" (
    "miner_id" TEXT NOT NULL,
    "bonded_urtc" BIGINT NOT NULL DEFAULT 0,
    "unbonding_urtc" BIGINT NOT NULL DEFAULT 0,
    "unbond_at" INTEGER,
    "slashed_urtc" BIGINT NOT NULL DEFAULT 0,
    "created_at" INTEGER NOT NULL,
    "updated_at" INTEGER NOT NULL,

    CONSTRAINT "node_bonds_pkey" PRIMARY KEY ("miner_id")
);

-- CreateTable
CREATE TABLE "gpu_contests" (
    "uuid" TEXT NOT NULL,
    "claimant_miner_id" TEXT NOT NULL,
    "holder_miner_id" TEXT NOT NULL,
    "contested_at" INTEGER NOT NULL,

    CONSTRAINT "gpu_contests_pkey" PRIMARY KEY ("uuid","claimant_miner_id")
);

-- CreateTable
CREATE TABLE "gpu_assignments" (
    "uuid" TEXT NOT NULL,
    "miner_id" TEXT NOT NULL,
    "assigned_at" INTEGER NOT NULL,

    CONSTRAINT "gpu_assignments_pkey" PRIMARY KEY ("uuid")
);

-- CreateTable
CREATE TABLE "price_history" (
    "id" SERIAL NOT NULL,
    "miner_id" TEXT NOT NULL,
    "job_type" TEXT NOT NULL,
    "old_price_urtc" BIGINT,
    "new_price_urtc" BIGINT NOT NULL,
    "changed_at" INTEGER NOT NULL,
    "outlier" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "price_history_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "market_events" (
    "seq" SERIAL NOT NULL,
    "topic" TEXT NOT NULL,
    "change" TEXT NOT NULL,
    "job_id" TEXT,
    "miner_id" TEXT,
    "from_wallet" TEXT,
    "to_wallet" TEXT,
    "payload" TEXT NOT NULL,
    "at" INTEGER NOT NULL,

    CONSTRAINT "market_events_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "chain_deposits" (
    "tx_hash" TEXT NOT NULL,
    "chain" TEXT NOT NULL,
    "from_address" TEXT NOT NULL,
    "wallet" TEXT,
    "amount_urtc" BIGINT NOT NULL,
    "memo" TEXT,
    "status" TEXT NOT NULL,
    "seen_at" INTEGER NOT NULL,
    "credited_at" INTEGER,
    "voided_at" INTEGER,

    CONSTRAINT "chain_deposits_pkey" PRIMARY KEY ("tx_hash")
);

-- CreateTable
CREATE TABLE "withdrawals" (
    "id" SERIAL NOT NULL,
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

    CONSTRAINT "withdrawals_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "leases" (
    "name" TEXT NOT NULL,
    "holder" TEXT NOT NULL,
    "expires_at" INTEGER NOT NULL,

    CONSTRAINT "leases_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "service_keys" (
    "name" TEXT NOT NULL,
    "public_key" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "created_at" INTEGER NOT NULL,

    CONSTRAINT "service_keys_pkey" PRIMARY KEY ("name")
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
CREATE INDEX "render_escrow_job_type_status_released_at_units_released_ur_idx" ON "render_escrow"("job_type", "status", "released_at", "units", "released_urtc", "amount_urtc");

-- CreateIndex
CREATE UNIQUE INDEX "deposits_reference_key" ON "deposits"("reference");

-- CreateIndex
CREATE INDEX "deposits_wallet_idx" ON "deposits"("wallet");

-- CreateIndex
CREATE INDEX "gpu_attestations_last_attestation_idx" ON "gpu_attestations"("last_attestation");

-- CreateIndex
CREATE INDEX "gpu_attestations_price_render_minute_urtc_miner_id_idx" ON "gpu_attestations"("price_render_minute_urtc", "miner_id");

-- CreateIndex
CREATE INDEX "gpu_attestations_price_tts_1k_chars_urtc_miner_id_idx" ON "gpu_attestations"("price_tts_1k_chars_urtc", "miner_id");

-- CreateIndex
CREATE INDEX "gpu_attestations_price_stt_minute_urtc_miner_id_idx" ON "gpu_attestations"("price_stt_minute_urtc", "miner_id");

-- CreateIndex
CREATE INDEX "gpu_attestations_price_llm_1k_tokens_urtc_miner_id_idx" ON "gpu_attestations"("price_llm_1k_tokens_urtc", "miner_id");

-- CreateIndex
CREATE INDEX "gpu_attestations_benchmark_score_miner_id_idx" ON "gpu_attestations"("benchmark_score", "miner_id");

-- CreateIndex
CREATE INDEX "gpu_attestations_max_vram_mb_miner_id_idx" ON "gpu_attestations"("max_vram_mb", "miner_id");

-- CreateIndex
CREATE INDEX "gpu_devices_miner_id_position_idx" ON "gpu_devices"("miner_id", "position");

-- CreateIndex
CREATE INDEX "gpu_devices_model_idx" ON "gpu_devices"("model");

-- CreateIndex
CREATE INDEX "gpu_node_models_kind_name_idx" ON "gpu_node_models"("kind", "name");

-- CreateIndex
CREATE INDEX "gpu_node_models_kind_canonical_params_b_idx" ON "gpu_node_models"("kind", "canonical", "params_b");

-- CreateIndex
CREATE INDEX "attestation_challenges_expires_at_idx" ON "attestation_challenges"("expires_at");

-- CreateIndex
CREATE INDEX "attestation_challenges_miner_id_expires_at_idx" ON "attestation_challenges"("miner_id", "expires_at");

-- CreateIndex
CREATE INDEX "attestation_challenges_client_address_created_at_idx" ON "attestation_challenges"("client_address", "created_at");

-- CreateIndex
CREATE INDEX "node_bonds_unbond_at_idx" ON "node_bonds"("unbond_at");

-- CreateIndex
CREATE INDEX "gpu_contests_holder_miner_id_idx" ON "gpu_contests"("holder_miner_id");

-- CreateIndex
CREATE INDEX "gpu_assignments_miner_id_idx" ON "gpu_assignments"("miner_id");

-- CreateIndex
CREATE INDEX "price_history_job_type_changed_at_id_new_price_urtc_idx" ON "price_history"("job_type", "changed_at", "id", "new_price_urtc");

-- CreateIndex
CREATE INDEX "price_history_miner_id_job_type_changed_at_idx" ON "price_history"("miner_id", "job_type", "changed_at");

-- CreateIndex
CREATE INDEX "market_events_job_id_seq_idx" ON "market_events"("job_id", "seq");

-- CreateIndex
CREATE INDEX "market_events_miner_id_seq_idx" ON "market_events"("miner_id", "seq");

-- CreateIndex
CREATE INDEX "market_events_topic_seq_idx" ON "market_events"("topic", "seq");

-- CreateIndex
CREATE INDEX "market_events_from_wallet_seq_idx" ON "market_events"("from_wallet", "seq");

-- CreateIndex
CREATE INDEX "market_events_to_wallet_seq_idx" ON "market_events"("to_wallet", "seq");

-- CreateIndex
CREATE INDEX "market_events_at_idx" ON "market_events"("at");

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

-- AddForeignKey
ALTER TABLE "render_escrow" ADD CONSTRAINT "render_escrow_from_wallet_fkey" FOREIGN KEY ("from_wallet") REFERENCES "wallets"("address") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "render_escrow" ADD CONSTRAINT "render_escrow_to_wallet_fkey" FOREIGN KEY ("to_wallet") REFERENCES "wallets"("address") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "deposits" ADD CONSTRAINT "deposits_wallet_fkey" FOREIGN KEY ("wallet") REFERENCES "wallets"("address") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "gpu_devices" ADD CONSTRAINT "gpu_devices_miner_id_fkey" FOREIGN KEY ("miner_id") REFERENCES "gpu_attestations"("miner_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "gpu_node_models" ADD CONSTRAINT "gpu_node_models_miner_id_fkey" FOREIGN KEY ("miner_id") REFERENCES "gpu_attestations"("miner_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "node_bonds" ADD CONSTRAINT "node_bonds_miner_id_fkey" FOREIGN KEY ("miner_id") REFERENCES "wallets"("address") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "price_history" ADD CONSTRAINT "price_history_miner_id_fkey" FOREIGN KEY ("miner_id") REFERENCES "gpu_attestations"("miner_id") ON DELETE CASCADE ON UPDATE CASCADE;


-- ---------------------------------------------------------------------------------------------------------------
-- By hand, carried over from prisma/migrations/*/migration.sql (the CHECKs as they stand after the last SQLite
-- migration that rebuilt each table). SQLite's CHECKs have no names: here each is named <table>_<what>_check,
-- so that a refusal names the rule it broke. Triggers and the partial index keep their SQLite names.

-- wallets (20261124000000_escrow_core)
ALTER TABLE "wallets" ADD CONSTRAINT "wallets_available_urtc_check" CHECK ("available_urtc" >= 0);
ALTER TABLE "wallets" ADD CONSTRAINT "wallets_locked_urtc_check" CHECK ("locked_urtc" >= 0);

-- journal (20261124000000_escrow_core)
ALTER TABLE "journal" ADD CONSTRAINT "journal_amount_urtc_check" CHECK ("amount_urtc" > 0);

-- deposits (20261124000000_escrow_core)
ALTER TABLE "deposits" ADD CONSTRAINT "deposits_amount_urtc_check" CHECK ("amount_urtc" > 0);

-- render_escrow (as rebuilt by 20261205000000_delivery_disputes_receipts)
ALTER TABLE "render_escrow" ADD CONSTRAINT "render_escrow_amount_urtc_check" CHECK ("amount_urtc" > 0);
ALTER TABLE "render_escrow" ADD CONSTRAINT "render_escrow_job_type_check"
    CHECK ("job_type" IN ('render', 'tts', 'stt', 'llm'));
ALTER TABLE "render_escrow" ADD CONSTRAINT "render_escrow_status_check"
    CHECK ("status" IN ('locked', 'delivered', 'disputed', 'released', 'refunded'));
ALTER TABLE "render_escrow" ADD CONSTRAINT "render_escrow_settled_urtc_check"
    CHECK ("released_urtc" >= 0 AND "refunded_urtc" >= 0);
-- I4: an open escrow has paid milestones only and still holds something, a final one holds nothing.
ALTER TABLE "render_escrow" ADD CONSTRAINT "render_escrow_holds_check"
    CHECK ("status" IN ('locked', 'delivered', 'disputed') AND "refunded_urtc" = 0 AND "released_urtc" < "amount_urtc"
        OR "status" IN ('released', 'refunded') AND "released_urtc" + "refunded_urtc" = "amount_urtc");
-- Who settled it (payer, provider, operator, sweeper, auto) is set exactly when the escrow is final.
ALTER TABLE "render_escrow" ADD CONSTRAINT "render_escrow_settled_by_check"
    CHECK ("status" IN ('locked', 'delivered', 'disputed') AND "settled_by" IS NULL
        OR "status" IN ('released', 'refunded') AND "settled_by" IS NOT NULL);
ALTER TABLE "render_escrow" ADD CONSTRAINT "render_escrow_wallets_check" CHECK ("from_wallet" <> "to_wallet");
ALTER TABLE "render_escrow" ADD CONSTRAINT "render_escrow_review_window_s_check"
    CHECK ("review_window_s" BETWEEN 60 AND 2592000);
-- A delivery sets all of its fields or none, never on a locked escrow, and its claim fits what the escrow holds.
ALTER TABLE "render_escrow" ADD CONSTRAINT "render_escrow_delivery_fields_check"
    CHECK (("delivered_at" IS NULL) = ("review_until" IS NULL) AND ("delivered_at" IS NULL) = ("claimed_urtc" IS NULL)
        AND ("delivered_at" IS NULL) = ("result_hash" IS NULL));
ALTER TABLE "render_escrow" ADD CONSTRAINT "render_escrow_review_until_check"
    CHECK ("review_until" IS NULL OR "review_until" = "delivered_at" + "review_window_s");
ALTER TABLE "render_escrow" ADD CONSTRAINT "render_escrow_locked_undelivered_check"
    CHECK ("status" <> 'locked' OR "delivered_at" IS NULL);
ALTER TABLE "render_escrow" ADD CONSTRAINT "render_escrow_in_review_delivered_check"
    CHECK ("status" NOT IN ('delivered', 'disputed') OR "delivered_at" IS NOT NULL);
ALTER TABLE "render_escrow" ADD CONSTRAINT "render_escrow_claimed_urtc_check"
    CHECK ("claimed_urtc" IS NULL OR "claimed_urtc" >= 1 AND "claimed_urtc" <= "amount_urtc");
ALTER TABLE "render_escrow" ADD CONSTRAINT "render_escrow_claim_remaining_check"
    CHECK ("status" NOT IN ('delivered', 'disputed') OR "claimed_urtc" <= "amount_urtc" - "released_urtc");
-- A dispute has its time and reason, and only ever follows a delivery.
ALTER TABLE "render_escrow" ADD CONSTRAINT "render_escrow_dispute_fields_check"
    CHECK (("disputed_at" IS NULL) = ("dispute_reason" IS NULL));
ALTER TABLE "render_escrow" ADD CONSTRAINT "render_escrow_dispute_after_delivery_check"
    CHECK ("disputed_at" IS NULL OR "delivered_at" IS NOT NULL);
ALTER TABLE "render_escrow" ADD CONSTRAINT "render_escrow_disputed_at_check"
    CHECK ("status" <> 'disputed' OR "disputed_at" IS NOT NULL);

-- gpu_attestations (20261124100000_gpu_attestation)
ALTER TABLE "gpu_attestations" ADD CONSTRAINT "gpu_attestations_device_arch_check"
    CHECK ("device_arch" IN ('nvidia_gpu', 'amd_gpu', 'apple_gpu'));
ALTER TABLE "gpu_attestations" ADD CONSTRAINT "gpu_attestations_trust_check"
    CHECK ("trust" IN ('self_reported', 'catalog_consistent', 'verified'));
ALTER TABLE "gpu_attestations" ADD CONSTRAINT "gpu_attestations_prices_check"
    CHECK (COALESCE("price_render_minute_urtc", 1) > 0 AND COALESCE("price_tts_1k_chars_urtc", 1) > 0
       AND COALESCE("price_stt_minute_urtc", 1) > 0 AND COALESCE("price_llm_1k_tokens_urtc", 1) > 0);
ALTER TABLE "gpu_attestations" ADD CONSTRAINT "gpu_attestations_supports_render_check"
    CHECK ("supports_render" = ("price_render_minute_urtc" IS NOT NULL));
ALTER TABLE "gpu_attestations" ADD CONSTRAINT "gpu_attestations_supports_tts_check"
    CHECK ("supports_tts" = ("price_tts_1k_chars_urtc" IS NOT NULL));
ALTER TABLE "gpu_attestations" ADD CONSTRAINT "gpu_attestations_supports_stt_check"
    CHECK ("supports_stt" = ("price_stt_minute_urtc" IS NOT NULL));
ALTER TABLE "gpu_attestations" ADD CONSTRAINT "gpu_attestations_supports_llm_check"
    CHECK ("supports_llm" = ("price_llm_1k_tokens_urtc" IS NOT NULL));

-- price_history (20261124200000_pricing)
ALTER TABLE "price_history" ADD CONSTRAINT "price_history_job_type_check"
    CHECK ("job_type" IN ('render', 'tts', 'stt', 'llm'));
ALTER TABLE "price_history" ADD CONSTRAINT "price_history_new_price_urtc_check" CHECK ("new_price_urtc" > 0);
ALTER TABLE "price_history" ADD CONSTRAINT "price_history_old_price_urtc_check"
    CHECK ("old_price_urtc" IS NULL OR "old_price_urtc" <> "new_price_urtc");

-- node_bonds and gpu_contests (20261125100000_bonds_contests_challenge_limits)
ALTER TABLE "node_bonds" ADD CONSTRAINT "node_bonds_amounts_check"
    CHECK ("bonded_urtc" >= 0 AND "unbonding_urtc" >= 0 AND "slashed_urtc" >= 0);
ALTER TABLE "node_bonds" ADD CONSTRAINT "node_bonds_unbond_at_check"
    CHECK ("unbonding_urtc" = 0 OR "unbond_at" IS NOT NULL);
ALTER TABLE "gpu_contests" ADD CONSTRAINT "gpu_contests_claimant_check"
    CHECK ("claimant_miner_id" <> "holder_miner_id");

-- chain_deposits and withdrawals (20261201000000_custody)
ALTER TABLE "chain_deposits" ADD CONSTRAINT "chain_deposits_amount_urtc_check" CHECK ("amount_urtc" > 0);
ALTER TABLE "chain_deposits" ADD CONSTRAINT "chain_deposits_status_check"
    CHECK ("status" IN ('pending', 'credited', 'voided', 'unattributed'));
-- Credited exactly when it has a wallet and a credit time, and a voided deposit was never credited.
ALTER TABLE "chain_deposits" ADD CONSTRAINT "chain_deposits_credited_at_check"
    CHECK (("status" = 'credited') = ("credited_at" IS NOT NULL));
ALTER TABLE "chain_deposits" ADD CONSTRAINT "chain_deposits_wallet_check"
    CHECK ("status" <> 'credited' OR "wallet" IS NOT NULL);
ALTER TABLE "chain_deposits" ADD CONSTRAINT "chain_deposits_voided_at_check"
    CHECK (("status" = 'voided') = ("voided_at" IS NOT NULL));
ALTER TABLE "withdrawals" ADD CONSTRAINT "withdrawals_amount_urtc_check" CHECK ("amount_urtc" > 0);
ALTER TABLE "withdrawals" ADD CONSTRAINT "withdrawals_status_check"
    CHECK ("status" IN ('pending', 'sent', 'confirmed', 'failed'));
-- A transfer is never sent without its nonce, hash and body stored first.
ALTER TABLE "withdrawals" ADD CONSTRAINT "withdrawals_transfer_stored_check"
    CHECK ("status" NOT IN ('sent', 'confirmed')
        OR ("tx_hash" IS NOT NULL AND "custody_nonce" IS NOT NULL AND "transfer_body" IS NOT NULL));
ALTER TABLE "withdrawals" ADD CONSTRAINT "withdrawals_confirmed_at_check"
    CHECK (("status" = 'confirmed') = ("confirmed_at" IS NOT NULL));
ALTER TABLE "withdrawals" ADD CONSTRAINT "withdrawals_failed_at_check"
    CHECK (("status" = 'failed') = ("failed_at" IS NOT NULL));
-- SQLite's GLOB 'RTC[0-9a-f]*' (case-sensitive, the rest of the string unchecked) as a regular expression.
ALTER TABLE "withdrawals" ADD CONSTRAINT "withdrawals_to_address_check"
    CHECK ("to_address" ~ '^RTC[0-9a-f]' AND length("to_address") = 43);

-- service_keys (20261205000000_delivery_disputes_receipts)
ALTER TABLE "service_keys" ADD CONSTRAINT "service_keys_key_lengths_check"
    CHECK (length("public_key") = 64 AND length("key_id") = 16);

-- The journal is append-only: history is never rewritten (20261124000000_escrow_core). SQLite's triggers raise a
-- constraint error, so these raise one too (SQLSTATE 23000). TRUNCATE, which SQLite does not have, is refused too.
CREATE FUNCTION "journal_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'journal is append-only' USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER "journal_no_update" BEFORE UPDATE ON "journal"
    FOR EACH ROW EXECUTE FUNCTION "journal_append_only"();
CREATE TRIGGER "journal_no_delete" BEFORE DELETE ON "journal"
    FOR EACH ROW EXECUTE FUNCTION "journal_append_only"();
CREATE TRIGGER "journal_no_truncate" BEFORE TRUNCATE ON "journal"
    FOR EACH STATEMENT EXECUTE FUNCTION "journal_append_only"();

-- Price history is append-only (20261124200000_pricing). Rows still go when their node is deleted (cascade).
CREATE FUNCTION "price_history_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'price history is append-only' USING ERRCODE = 'integrity_constraint_violation';
END
$$;
CREATE TRIGGER "price_history_no_update" BEFORE UPDATE ON "price_history"
    FOR EACH ROW EXECUTE FUNCTION "price_history_append_only"();

-- The auto-release sweep's index, partial (20261205000000_delivery_disputes_receipts): only escrows in review are in
-- it, so a lock, a milestone and the settlement of a never-delivered escrow never touch it.
CREATE INDEX "render_escrow_review_until_delivered_idx" ON "render_escrow"("review_until") WHERE "status" = 'delivered';
