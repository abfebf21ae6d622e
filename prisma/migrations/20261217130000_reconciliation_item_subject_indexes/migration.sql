-- Which reconciliation items name a payout or a credit, whatever their outcome and status.
-- Finding the ledger activity no statement shows asks this of every payout and credit of the
-- days statements cover (100,000 on a busy day); the partial unique indexes each hold one
-- outcome only, so without these the question was a scan of every item per payout (a minute
-- for one day of 100,000 lines, docs/performance.md).
CREATE INDEX "reconciliation_item_payout_idx" ON "reconciliation_item"("payout_id", "kind") WHERE "payout_id" IS NOT NULL;
CREATE INDEX "reconciliation_item_inbound_credit_idx" ON "reconciliation_item"("inbound_credit_id") WHERE "inbound_credit_id" IS NOT NULL;
