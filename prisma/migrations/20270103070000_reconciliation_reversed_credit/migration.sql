-- A bank's reversal of a credit is linked to the credit it takes back (inbound_credit_id), and a
-- credit is taken back by one reversal only: a second reversal line of the same credit (the
-- bank's mistake) links none, and is never recovered from the credit's owner a second time.
CREATE UNIQUE INDEX "reconciliation_item_reversed_credit_key" ON "reconciliation_item"("inbound_credit_id")
    WHERE "kind" = 'INBOUND_CREDIT_REVERSAL' AND "inbound_credit_id" IS NOT NULL;
