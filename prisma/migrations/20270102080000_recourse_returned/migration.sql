-- Recourse answered by the core enterprise's own money (docs/workflows/financing.md, "Recourse
-- and money the bank received before it"): a credit the bank received before the recourse claim
-- but that the feed read after it is applied as the core enterprise's repayment on its own value
-- date, and the recourse claim keeps only what is still owed once it counts. The rest goes back
-- to the supplier.
--
-- The recourse allocation then shows what the claim finally covers (its buckets, what it
-- collected) and records what went back to the supplier; the ledger keeps the claim and the
-- return as the postings they were. A claim the core enterprise's money covered in full has
-- collected nothing in the end: such a row is still the record of the claim and its return.

ALTER TABLE "repayment_allocation"
  ADD COLUMN "recourse_returned" NUMERIC(24,4) NOT NULL DEFAULT 0,
  ADD CONSTRAINT "repayment_allocation_recourse_returned_not_negative" CHECK ("recourse_returned" >= 0),
  ADD CONSTRAINT "repayment_allocation_recourse_returned_of_recourse" CHECK ("recourse_returned" = 0 OR "source" = 'RECOURSE');

ALTER TABLE "repayment_allocation"
  DROP CONSTRAINT "repayment_allocation_adds_up",
  ADD CONSTRAINT "repayment_allocation_adds_up" CHECK ("collected" = "penalty" + "fees" + "interest" + "principal" + "surplus" + "overpaid" AND ("collected" > 0 OR "recourse_returned" > 0));
