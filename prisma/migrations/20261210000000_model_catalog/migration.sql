-- Model names through the catalog (packages/agent/src/models): each model row keeps the name as the node
-- sent (and signed) it and gains what the catalog makes of it — canonical id, job type, parameters,
-- quantisation — and its flags (unknown_model, model_exceeds_vram). Prisma rebuilds the table; rows kept
-- from before have no canonical id until their node attests again, which a listed (online) node does
-- within the attestation lifetime.
-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_gpu_node_models" (
    "miner_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "canonical" TEXT,
    "job_type" TEXT,
    "params_b" REAL,
    "quant" TEXT,
    "flags" TEXT NOT NULL DEFAULT '[]',

    PRIMARY KEY ("miner_id", "kind", "name"),
    CONSTRAINT "gpu_node_models_miner_id_fkey" FOREIGN KEY ("miner_id") REFERENCES "gpu_attestations" ("miner_id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_gpu_node_models" ("kind", "miner_id", "name") SELECT "kind", "miner_id", "name" FROM "gpu_node_models";
DROP TABLE "gpu_node_models";
ALTER TABLE "new_gpu_node_models" RENAME TO "gpu_node_models";
CREATE INDEX "gpu_node_models_kind_name_idx" ON "gpu_node_models"("kind", "name");
CREATE INDEX "gpu_node_models_kind_canonical_params_b_idx" ON "gpu_node_models"("kind", "canonical", "params_b");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

