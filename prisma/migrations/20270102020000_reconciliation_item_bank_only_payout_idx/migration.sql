-- Which bank lines of a payout's reference the ledger's payout does not explain (docs/reconciliation.md,
-- "Matching"): a payout the bank paid more than once (重复出款), or paid while the ledger still had it
-- in transit. A return found on a statement is booked to the payout only when there is none, so the
-- question is asked at every import for each return waiting to be booked. Few items are BANK_ONLY
-- and name a payout, so this index costs a busy day's matched items nothing.
CREATE INDEX "reconciliation_item_payout_bank_only_idx" ON "reconciliation_item"("payout_id", "kind") WHERE "outcome" = 'BANK_ONLY' AND "payout_id" IS NOT NULL;
