-- Every Int column becomes bigint, the 64-bit integer SQLite's INTEGER is: a Unix time after 2038-01-19 (2^31 - 1)
-- was refused as out of range for integer. Written from `prisma migrate diff`, except for the autoincrement
-- columns: Prisma writes `SET DATA TYPE BIGSERIAL` (not a type PostgreSQL can alter a column to) between dropping
-- and adding the primary key again; here the column becomes bigint in place (its primary key index is rebuilt with
-- it) and its sequence counts as far as a bigint goes, as a fresh bigserial's would.

ALTER TABLE "attestation_challenges" ALTER COLUMN "expires_at" SET DATA TYPE BIGINT,
    ALTER COLUMN "used_at" SET DATA TYPE BIGINT,
    ALTER COLUMN "created_at" SET DATA TYPE BIGINT;

ALTER TABLE "chain_deposits" ALTER COLUMN "seen_at" SET DATA TYPE BIGINT,
    ALTER COLUMN "credited_at" SET DATA TYPE BIGINT,
    ALTER COLUMN "voided_at" SET DATA TYPE BIGINT;

ALTER TABLE "deposits" ALTER COLUMN "id" SET DATA TYPE BIGINT,
    ALTER COLUMN "created_at" SET DATA TYPE BIGINT;

ALTER TABLE "gpu_assignments" ALTER COLUMN "assigned_at" SET DATA TYPE BIGINT;

ALTER TABLE "gpu_attestations" ALTER COLUMN "gpu_count" SET DATA TYPE BIGINT,
    ALTER COLUMN "max_vram_mb" SET DATA TYPE BIGINT,
    ALTER COLUMN "total_vram_mb" SET DATA TYPE BIGINT,
    ALTER COLUMN "cuda_version_num" SET DATA TYPE BIGINT,
    ALTER COLUMN "first_attestation" SET DATA TYPE BIGINT,
    ALTER COLUMN "last_attestation" SET DATA TYPE BIGINT;

ALTER TABLE "gpu_contests" ALTER COLUMN "contested_at" SET DATA TYPE BIGINT;

ALTER TABLE "gpu_devices" ALTER COLUMN "position" SET DATA TYPE BIGINT,
    ALTER COLUMN "vram_mb" SET DATA TYPE BIGINT;

ALTER TABLE "journal" ALTER COLUMN "id" SET DATA TYPE BIGINT,
    ALTER COLUMN "created_at" SET DATA TYPE BIGINT;

ALTER TABLE "leases" ALTER COLUMN "expires_at" SET DATA TYPE BIGINT;

ALTER TABLE "market_events" ALTER COLUMN "seq" SET DATA TYPE BIGINT,
    ALTER COLUMN "at" SET DATA TYPE BIGINT;

ALTER TABLE "node_bonds" ALTER COLUMN "unbond_at" SET DATA TYPE BIGINT,
    ALTER COLUMN "created_at" SET DATA TYPE BIGINT,
    ALTER COLUMN "updated_at" SET DATA TYPE BIGINT;

ALTER TABLE "price_history" ALTER COLUMN "id" SET DATA TYPE BIGINT,
    ALTER COLUMN "changed_at" SET DATA TYPE BIGINT;

ALTER TABLE "render_escrow" ALTER COLUMN "id" SET DATA TYPE BIGINT,
    ALTER COLUMN "created_at" SET DATA TYPE BIGINT,
    ALTER COLUMN "expires_at" SET DATA TYPE BIGINT,
    ALTER COLUMN "released_at" SET DATA TYPE BIGINT,
    ALTER COLUMN "refunded_at" SET DATA TYPE BIGINT,
    ALTER COLUMN "review_window_s" SET DATA TYPE BIGINT,
    ALTER COLUMN "delivered_at" SET DATA TYPE BIGINT,
    ALTER COLUMN "review_until" SET DATA TYPE BIGINT,
    ALTER COLUMN "disputed_at" SET DATA TYPE BIGINT;

ALTER TABLE "service_keys" ALTER COLUMN "created_at" SET DATA TYPE BIGINT;

ALTER TABLE "used_nonces" ALTER COLUMN "used_at" SET DATA TYPE BIGINT;

ALTER TABLE "wallets" ALTER COLUMN "created_at" SET DATA TYPE BIGINT,
    ALTER COLUMN "updated_at" SET DATA TYPE BIGINT;

ALTER TABLE "withdrawals" ALTER COLUMN "id" SET DATA TYPE BIGINT,
    ALTER COLUMN "created_at" SET DATA TYPE BIGINT,
    ALTER COLUMN "sent_at" SET DATA TYPE BIGINT,
    ALTER COLUMN "confirmed_at" SET DATA TYPE BIGINT,
    ALTER COLUMN "failed_at" SET DATA TYPE BIGINT;

ALTER SEQUENCE "deposits_id_seq" AS BIGINT;
ALTER SEQUENCE "journal_id_seq" AS BIGINT;
ALTER SEQUENCE "market_events_seq_seq" AS BIGINT;
ALTER SEQUENCE "price_history_id_seq" AS BIGINT;
ALTER SEQUENCE "render_escrow_id_seq" AS BIGINT;
ALTER SEQUENCE "withdrawals_id_seq" AS BIGINT;
