-- CreateTable
CREATE TABLE "gpu_attestations" (
    "miner_id" TEXT NOT NULL PRIMARY KEY,
    "device_arch" TEXT NOT NULL,
    "gpu_model" TEXT NOT NULL,
    "gpu_count" INTEGER NOT NULL,
    "max_vram_mb" INTEGER NOT NULL,
    "total_vram_mb" INTEGER NOT NULL,
    "cuda_version" TEXT,
    "cuda_version_num" INTEGER,
    "rocm_version" TEXT,
    "metal_version" TEXT,
    "benchmark_score" REAL NOT NULL,
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
    "first_attestation" INTEGER NOT NULL,
    "last_attestation" INTEGER NOT NULL,
    CHECK ("device_arch" IN ('nvidia_gpu', 'amd_gpu', 'apple_gpu')),
    CHECK ("trust" IN ('self_reported', 'catalog_consistent', 'verified')),
    CHECK (COALESCE("price_render_minute_urtc", 1) > 0 AND COALESCE("price_tts_1k_chars_urtc", 1) > 0
       AND COALESCE("price_stt_minute_urtc", 1) > 0 AND COALESCE("price_llm_1k_tokens_urtc", 1) > 0),
    CHECK ("supports_render" = ("price_render_minute_urtc" IS NOT NULL)),
    CHECK ("supports_tts" = ("price_tts_1k_chars_urtc" IS NOT NULL)),
    CHECK ("supports_stt" = ("price_stt_minute_urtc" IS NOT NULL)),
    CHECK ("supports_llm" = ("price_llm_1k_tokens_urtc" IS NOT NULL))
);

-- CreateTable
CREATE TABLE "gpu_devices" (
    "uuid" TEXT NOT NULL PRIMARY KEY,
    "miner_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "model" TEXT NOT NULL,
    "vram_mb" INTEGER NOT NULL,
    "pci_id" TEXT,
    "driver_version" TEXT,
    "cuda_version" TEXT,
    "rocm_version" TEXT,
    "metal_version" TEXT,
    "benchmark_score" REAL NOT NULL,
    CONSTRAINT "gpu_devices_miner_id_fkey" FOREIGN KEY ("miner_id") REFERENCES "gpu_attestations" ("miner_id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "gpu_node_models" (
    "miner_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,

    PRIMARY KEY ("miner_id", "kind", "name"),
    CONSTRAINT "gpu_node_models_miner_id_fkey" FOREIGN KEY ("miner_id") REFERENCES "gpu_attestations" ("miner_id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "attestation_challenges" (
    "challenge" TEXT NOT NULL PRIMARY KEY,
    "miner_id" TEXT NOT NULL,
    "expires_at" INTEGER NOT NULL,
    "used_at" INTEGER
);

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
CREATE INDEX "attestation_challenges_expires_at_idx" ON "attestation_challenges"("expires_at");

