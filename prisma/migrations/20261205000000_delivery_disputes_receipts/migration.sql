-- Delivery, disputes and signed receipts.
-- render_escrow gains the delivery and dispute columns, and its CHECKs change (open escrows may have paid
-- milestones; new statuses): SQLite cannot alter a CHECK, so the table is rebuilt with every row, id and
-- index kept. No trigger or foreign key refers to render_escrow.

-- CreateTable
CREATE TABLE "service_keys" (
    "name" TEXT NOT NULL PRIMARY KEY,
    "public_key" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "created_at" INTEGER NOT NULL,
    CHECK (length("public_key") = 64 AND length("key_id") = 16)
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_render_escrow" (
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
    CHECK ("amount_urtc" > 0),
    CHECK ("job_type" IN ('render', 'tts', 'stt', 'llm')),
    CHECK ("status" IN ('locked', 'delivered', 'disputed', 'released', 'refunded')),
    CHECK ("released_urtc" >= 0 AND "refunded_urtc" >= 0),
    -- I4: an open escrow has paid milestones only and still holds something; a final one holds nothing.
    CHECK ("status" IN ('locked', 'delivered', 'disputed') AND "refunded_urtc" = 0 AND "released_urtc" < "amount_urtc"
        OR "status" IN ('released', 'refunded') AND "released_urtc" + "refunded_urtc" = "amount_urtc"),
    -- Who settled it (payer, provider, operator, sweeper, auto) is set exactly when the escrow is final.
    CHECK ("status" IN ('locked', 'delivered', 'disputed') AND "settled_by" IS NULL
        OR "status" IN ('released', 'refunded') AND "settled_by" IS NOT NULL),
    CHECK ("from_wallet" <> "to_wallet"),
    CHECK ("review_window_s" BETWEEN 60 AND 2592000),
    -- A delivery sets all of its fields or none, never on a locked escrow; its claim fits what the escrow holds.
    CHECK (("delivered_at" IS NULL) = ("review_until" IS NULL) AND ("delivered_at" IS NULL) = ("claimed_urtc" IS NULL)
        AND ("delivered_at" IS NULL) = ("result_hash" IS NULL)),
    CHECK ("review_until" IS NULL OR "review_until" = "delivered_at" + "review_window_s"),
    CHECK ("status" <> 'locked' OR "delivered_at" IS NULL),
    CHECK ("status" NOT IN ('delivered', 'disputed') OR "delivered_at" IS NOT NULL),
    CHECK ("claimed_urtc" IS NULL OR "claimed_urtc" >= 1 AND "claimed_urtc" <= "amount_urtc"),
    CHECK ("status" NOT IN ('delivered', 'disputed') OR "claimed_urtc" <= "amount_urtc" - "released_urtc"),
    -- A dispute has its time and reason, and only ever follows a delivery.
    CHECK (("disputed_at" IS NULL) = ("dispute_reason" IS NULL)),
    CHECK ("disputed_at" IS NULL OR "delivered_at" IS NOT NULL),
    CHECK ("status" <> 'disputed' OR "disputed_at" IS NOT NULL),
    CONSTRAINT "render_escrow_from_wallet_fkey" FOREIGN KEY ("from_wallet") REFERENCES "wallets" ("address") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "render_escrow_to_wallet_fkey" FOREIGN KEY ("to_wallet") REFERENCES "wallets" ("address") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_render_escrow" ("amount_urtc", "created_at", "expires_at", "from_wallet", "id", "job_id", "job_type", "metadata", "refund_reason", "refunded_at", "refunded_urtc", "released_at", "released_urtc", "settled_by", "status", "to_wallet", "unit_price_urtc", "units") SELECT "amount_urtc", "created_at", "expires_at", "from_wallet", "id", "job_id", "job_type", "metadata", "refund_reason", "refunded_at", "refunded_urtc", "released_at", "released_urtc", "settled_by", "status", "to_wallet", "unit_price_urtc", "units" FROM "render_escrow";
-- Ids are never reused: the new table continues the old one's AUTOINCREMENT sequence.
UPDATE "sqlite_sequence" SET "seq" = (SELECT "seq" FROM "sqlite_sequence" WHERE "name" = 'render_escrow')
  WHERE "name" = 'new_render_escrow' AND "seq" < (SELECT "seq" FROM "sqlite_sequence" WHERE "name" = 'render_escrow');
DROP TABLE "render_escrow";
ALTER TABLE "new_render_escrow" RENAME TO "render_escrow";
CREATE UNIQUE INDEX "render_escrow_job_id_key" ON "render_escrow"("job_id");
CREATE INDEX "render_escrow_from_wallet_id_idx" ON "render_escrow"("from_wallet", "id");
CREATE INDEX "render_escrow_to_wallet_id_idx" ON "render_escrow"("to_wallet", "id");
CREATE INDEX "render_escrow_status_expires_at_idx" ON "render_escrow"("status", "expires_at");
CREATE INDEX "render_escrow_job_type_status_released_at_units_released_urtc_amount_urtc_idx" ON "render_escrow"("job_type", "status", "released_at", "units", "released_urtc", "amount_urtc");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- The auto-release sweep's index, partial (Prisma cannot declare it): only escrows in review are in it, so a
-- lock, a milestone and the settlement of a never-delivered escrow never touch it. Open disputes are few; the
-- operator's report of them reads the status index.
CREATE INDEX "render_escrow_review_until_delivered_idx" ON "render_escrow"("review_until") WHERE "status" = 'delivered';
