-- A document belongs to exactly one receivable, one financing or one voucher transfer (the
-- transfer certificate of an accepted transfer or issue). The unique index on the transfer and
-- the kind is what makes rendering once per transfer safe when an activity is retried or two
-- attempts race (ON CONFLICT DO NOTHING).
ALTER TABLE "document"
    ADD COLUMN "voucher_transfer_id" UUID,
    ADD CONSTRAINT "document_voucher_transfer_id_fkey" FOREIGN KEY ("voucher_transfer_id") REFERENCES "voucher_transfer"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    DROP CONSTRAINT "document_one_owner",
    ADD CONSTRAINT "document_one_owner" CHECK (num_nonnulls("receivable_id", "financing_id", "voucher_transfer_id") = 1);
CREATE UNIQUE INDEX "document_voucher_transfer_id_kind_key" ON "document"("voucher_transfer_id", "kind");
