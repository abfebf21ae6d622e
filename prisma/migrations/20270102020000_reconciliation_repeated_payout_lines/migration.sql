-- Bank lines of a payout's reference that the payout does not explain (docs/reconciliation.md,
-- "Matching"): the bank paying a payout, or showing its return, a second time (重复出款).
--
-- reconciliation_item_payout_matched_key keeps one payout's debit (and its return) from explaining
-- two bank movements. It held every resolved item naming the payout, so a second line of the
-- payout written off by hand (its own posting, not the payout's, explains it) broke the key. It now
-- holds the items the payout's own booking explains: a matched line, and a return booked from a
-- statement (RETURN_BOOKED).
DROP INDEX "reconciliation_item_payout_matched_key";
CREATE UNIQUE INDEX "reconciliation_item_payout_matched_key" ON "reconciliation_item"("payout_id", "kind")
  WHERE "payout_id" IS NOT NULL AND "status" = 'RESOLVED' AND ("outcome" = 'MATCHED' OR "rule" = 'RETURN_BOOKED');

-- Does a payout have a bank-only line? A return found on a statement is booked to its payout only
-- when there is none, and a return of a payout paid twice is resolved by hand: asked at every
-- import for each return waiting to be booked. Few items are BANK_ONLY and name a payout, so this
-- index costs a busy day's matched items nothing (the index of every item naming a payout was
-- dropped for that cost, migration 20261230070000).
CREATE INDEX "reconciliation_item_payout_bank_only_idx" ON "reconciliation_item"("payout_id", "kind") WHERE "outcome" = 'BANK_ONLY' AND "payout_id" IS NOT NULL;
