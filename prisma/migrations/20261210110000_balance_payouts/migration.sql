-- Money leaves the escrow bank account through payouts, and now for three purposes
-- (docs/ledger.md, "Payouts of a balance"): a financing's proceeds to its supplier
-- (DISBURSEMENT, as before), a supplier's withdrawal of its settlement account to its
-- registered bank account (WITHDRAWAL), and the platform's fee income swept to the platform's
-- own bank account (FEE_SWEEP). One table, so every payment the bank makes for the platform
-- has one reference, one status and one place for reconciliation to look.

CREATE TYPE "payout_purpose" AS ENUM ('DISBURSEMENT', 'WITHDRAWAL', 'FEE_SWEEP');

-- Returns recorded before partial returns were booked returned the whole payout.
ALTER TABLE "payout" ADD COLUMN "returned_amount" NUMERIC(24,4);
UPDATE "payout" SET "returned_amount" = "amount" WHERE "status" = 'RETURNED';

ALTER TABLE "payout"
  ALTER COLUMN "financing_id" DROP NOT NULL,
  ADD COLUMN "purpose" "payout_purpose" NOT NULL DEFAULT 'DISBURSEMENT',
  -- Whose money leaves (the supplier, or the platform party sweeping its fees) and the ledger
  -- account it leaves from; a disbursement's are its financing's.
  ADD COLUMN "party_id" UUID,
  ADD COLUMN "source_account_id" UUID,
  -- The hash of the request a withdrawal or sweep was made with: its request_key again with
  -- another amount is a conflict, never a second payout.
  ADD COLUMN "request_hash" CHAR(64),
  -- A step of the payout's workflow that reached its bound waits for an operator (as a
  -- financing's does); all three or none.
  ADD COLUMN "attention_step" VARCHAR(200),
  ADD COLUMN "attention_reason" VARCHAR(1000),
  ADD COLUMN "attention_since" TIMESTAMPTZ(6),
  ADD CONSTRAINT "payout_party_id_fkey" FOREIGN KEY ("party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  ADD CONSTRAINT "payout_source_account_id_fkey" FOREIGN KEY ("source_account_id") REFERENCES "ledger_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  ADD CONSTRAINT "payout_owner" CHECK (
    CASE "purpose"
      WHEN 'DISBURSEMENT' THEN "financing_id" IS NOT NULL
      ELSE "financing_id" IS NULL AND "party_id" IS NOT NULL AND "source_account_id" IS NOT NULL AND "request_key" IS NOT NULL AND "request_hash" IS NOT NULL AND "attempt" = 1
    END
  ),
  -- What came back is known once the payout is RETURNED, and never more than was paid.
  ADD CONSTRAINT "payout_returned_amount" CHECK (
    ("status" = 'RETURNED') = ("returned_amount" IS NOT NULL)
    AND ("returned_amount" IS NULL OR ("returned_amount" > 0 AND "returned_amount" <= "amount"))
  ),
  ADD CONSTRAINT "payout_attention_whole" CHECK (("attention_step" IS NULL) = ("attention_reason" IS NULL) AND ("attention_step" IS NULL) = ("attention_since" IS NULL));

CREATE INDEX "payout_party_id_idx" ON "payout"("party_id") WHERE "party_id" IS NOT NULL;

-- Withdrawal and sweep references: WDR-<year>-<number>, FSW-<year>-<number>.
CREATE SEQUENCE "payout_number_seq" AS BIGINT START 1;
