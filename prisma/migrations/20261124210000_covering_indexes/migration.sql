-- DropIndex
DROP INDEX "render_escrow_job_type_status_released_at_idx";

-- DropIndex
DROP INDEX "price_history_job_type_changed_at_idx";

-- CreateIndex
CREATE INDEX "render_escrow_job_type_status_released_at_units_released_urtc_amount_urtc_idx" ON "render_escrow"("job_type", "status", "released_at", "units", "released_urtc", "amount_urtc");

-- CreateIndex
CREATE INDEX "price_history_job_type_changed_at_id_new_price_urtc_idx" ON "price_history"("job_type", "changed_at", "id", "new_price_urtc");

