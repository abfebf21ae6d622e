-- A message in a party's inbox about a voucher transfer (or issue): the offer to its recipient,
-- the outcome to its transferor (docs/workflows/voucher-acceptance.md).
ALTER TABLE "notification"
  ADD COLUMN "voucher_transfer_id" UUID,
  ADD CONSTRAINT "notification_voucher_transfer_id_fkey" FOREIGN KEY ("voucher_transfer_id") REFERENCES "voucher_transfer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE INDEX "notification_voucher_transfer_id_idx" ON "notification"("voucher_transfer_id");
