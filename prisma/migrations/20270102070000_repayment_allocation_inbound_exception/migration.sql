-- Money an operator applies to a financing's collection account out of suspense (an inbound
-- exception's four-eyes apply: a payer's credit parked for a wrong account number, a statement
-- line parked by reconciliation, an over-payment) is the payer's money received on the bank's
-- day, like any inbound credit (docs/workflows/financing.md, "Servicing"). The waterfall
-- allocates it on its own, as of the exception's received_at, and records which exception it
-- allocated: one allocation per exception, as one per inbound credit, so it is allocated once,
-- and the allocation knows the payer an over-payment is refunded to.

ALTER TABLE "repayment_allocation"
  ADD COLUMN "inbound_exception_id" UUID,
  ADD CONSTRAINT "repayment_allocation_inbound_exception_id_fkey" FOREIGN KEY ("inbound_exception_id") REFERENCES "inbound_exception"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  -- An allocation is of one piece of money at most: an inbound credit or an applied exception.
  ADD CONSTRAINT "repayment_allocation_one_piece" CHECK (num_nonnulls("inbound_credit_id", "inbound_exception_id") <= 1);

-- One allocation per applied exception: an exception allocated twice would pay the funder twice.
CREATE UNIQUE INDEX "repayment_allocation_inbound_exception_id_key" ON "repayment_allocation"("inbound_exception_id");

-- Each servicing step asks which postings into the collection account were exceptions applied:
-- from the posting to the exception it resolved.
CREATE INDEX "inbound_exception_resolution_transaction_id_idx" ON "inbound_exception"("resolution_transaction_id");
