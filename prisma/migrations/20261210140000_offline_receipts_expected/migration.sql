-- An offline receipt is an expected payment, not money (docs/ledger.md, "Offline receipts"): its
-- approval posts nothing; the bank line that brings the money is booked as every bank line is,
-- and the receipt is matched to it. So one bank line can never be booked twice, whichever of the
-- operator and the feed saw it first.

ALTER TABLE "offline_repayment"
  ADD COLUMN "matched_credit_id" UUID,
  ADD COLUMN "matched_at" TIMESTAMPTZ(6),
  ADD COLUMN "escalated_at" TIMESTAMPTZ(6),
  ADD CONSTRAINT "offline_repayment_matched_credit_id_fkey" FOREIGN KEY ("matched_credit_id") REFERENCES "inbound_credit"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  -- A match and its time come together.
  ADD CONSTRAINT "offline_repayment_match_whole" CHECK (("matched_credit_id" IS NULL) = ("matched_at" IS NULL));

CREATE UNIQUE INDEX "offline_repayment_matched_credit_id_key" ON "offline_repayment"("matched_credit_id");
CREATE INDEX "offline_repayment_status_decided_at_idx" ON "offline_repayment"("status", "decided_at");

-- Receipts approved before this change were booked at their approval under OFFLINE:<reference>:
-- that booking is the bank line they were matched to.
UPDATE "offline_repayment" o
   SET "status" = 'MATCHED', "matched_credit_id" = c."id", "matched_at" = COALESCE(o."decided_at", c."created_at")
  FROM "inbound_credit" c
 WHERE o."status" = 'APPROVED' AND c."bank_reference" = 'OFFLINE:' || o."bank_reference";
