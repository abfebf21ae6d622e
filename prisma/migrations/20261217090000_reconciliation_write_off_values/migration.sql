-- Resolving reconciliation differences by hand (docs/reconciliation.md, "Resolving an item").
-- The values are added on their own: PostgreSQL lets a new enum value be used only once the
-- transaction that added it has committed.

-- What the platform writes off: a shortage it absorbs (对账损失, an expense) and a surplus nobody
-- can claim (对账收益, income). Two accounts, because a loss and a gain are never netted.
ALTER TYPE "ledger_account_purpose" ADD VALUE 'RECONCILIATION_LOSS';
ALTER TYPE "ledger_account_purpose" ADD VALUE 'RECONCILIATION_GAIN';
-- Money parked in suspense may be written off (to the gain account), with four eyes.
ALTER TYPE "inbound_exception_resolution" ADD VALUE 'WRITE_OFF';
-- Money a reconciliation resolution parked in suspense: a bank line the feed never reported, or
-- a payout the ledger settled and the bank never executed.
ALTER TYPE "inbound_exception_reason" ADD VALUE 'RECONCILIATION';
