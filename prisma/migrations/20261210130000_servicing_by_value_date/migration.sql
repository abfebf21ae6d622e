-- Servicing by value date (docs/workflows/financing.md, "Servicing"): money counts from the day
-- the bank received it, whenever it was processed.
--
-- Each waterfall run records the value date it counted on and, when it allocated one inbound
-- credit, which one: a credit is allocated once, on its own value date, so a credit the bank
-- reported late is allocated as of the day it arrived. It also records the part of the surplus
-- that went beyond the receivable's confirmed amount (the payer's, held in suspense for a
-- refund) and the penalty its value date showed was not owed (reversed, never edited).

ALTER TABLE "repayment_allocation"
  ADD COLUMN "value_date" DATE,
  ADD COLUMN "inbound_credit_id" UUID,
  ADD COLUMN "overpaid" NUMERIC(24,4) NOT NULL DEFAULT 0,
  ADD COLUMN "penalty_reversed" NUMERIC(24,4) NOT NULL DEFAULT 0,
  ADD CONSTRAINT "repayment_allocation_inbound_credit_id_fkey" FOREIGN KEY ("inbound_credit_id") REFERENCES "inbound_credit"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  ADD CONSTRAINT "repayment_allocation_overpaid_not_negative" CHECK ("overpaid" >= 0),
  ADD CONSTRAINT "repayment_allocation_penalty_reversed_not_negative" CHECK ("penalty_reversed" >= 0);

-- What was collected is still exactly what went out, the payer's part included.
ALTER TABLE "repayment_allocation"
  DROP CONSTRAINT "repayment_allocation_adds_up",
  ADD CONSTRAINT "repayment_allocation_adds_up" CHECK ("collected" = "penalty" + "fees" + "interest" + "principal" + "surplus" + "overpaid" AND "collected" > 0);

-- One allocation per credit: a credit allocated twice would pay the funder twice.
CREATE UNIQUE INDEX "repayment_allocation_inbound_credit_id_key" ON "repayment_allocation"("inbound_credit_id");

-- Allocations made before this change counted on the business date (UTC+08:00) they were made.
UPDATE "repayment_allocation" SET "value_date" = (("allocated_at" AT TIME ZONE 'UTC') + INTERVAL '8 hours')::date;
ALTER TABLE "repayment_allocation" ALTER COLUMN "value_date" SET NOT NULL;

-- The financing's figures: penalty reversed because a repayment's value date showed it was not
-- owed, what is held for the payer beyond the receivable, and the days penalty was charged for.
ALTER TABLE "financing"
  ADD COLUMN "penalty_reversed" NUMERIC(24,4) NOT NULL DEFAULT 0,
  ADD COLUMN "overpayment_held" NUMERIC(24,4) NOT NULL DEFAULT 0,
  ADD COLUMN "penalty_days" INTEGER NOT NULL DEFAULT 0,
  ADD CONSTRAINT "financing_penalty_reversed_not_negative" CHECK ("penalty_reversed" >= 0),
  ADD CONSTRAINT "financing_overpayment_held_not_negative" CHECK ("overpayment_held" >= 0),
  ADD CONSTRAINT "financing_penalty_days_not_negative" CHECK ("penalty_days" >= 0);

-- Before this change every day from the due date through the last one charged was charged.
UPDATE "financing" SET "penalty_days" = "penalty_accrued_through" - "due_date"
  WHERE "penalty_accrued_through" IS NOT NULL AND "penalty_accrued" > 0;

-- Every day's penalty charge, with the reversal that undid it when a repayment's value date
-- showed it was not owed. The ledger holds the postings; this table finds a financing's
-- standing charge of a day without scanning the ledger, and says which charge a reversal undid.
CREATE TABLE "penalty_charge" (
    "id"                      UUID NOT NULL DEFAULT gen_random_uuid(),
    "financing_id"            UUID NOT NULL,
    "business_date"           DATE NOT NULL,
    "amount"                  NUMERIC(24,4) NOT NULL,
    "transaction_id"          UUID NOT NULL,
    "charged_at"              TIMESTAMPTZ(6) NOT NULL,
    "reversal_transaction_id" UUID,
    "reversed_at"             TIMESTAMPTZ(6),
    CONSTRAINT "penalty_charge_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "penalty_charge_financing_id_fkey" FOREIGN KEY ("financing_id") REFERENCES "financing"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "penalty_charge_amount_positive" CHECK ("amount" > 0),
    -- A reversal and its time come together.
    CONSTRAINT "penalty_charge_reversal_whole" CHECK (("reversal_transaction_id" IS NULL) = ("reversed_at" IS NULL))
);
CREATE UNIQUE INDEX "penalty_charge_transaction_id_key" ON "penalty_charge"("transaction_id");
CREATE UNIQUE INDEX "penalty_charge_reversal_transaction_id_key" ON "penalty_charge"("reversal_transaction_id");
CREATE INDEX "penalty_charge_financing_id_business_date_idx" ON "penalty_charge"("financing_id", "business_date");
-- At most one standing charge per financing and day: a day is never charged twice.
CREATE UNIQUE INDEX "penalty_charge_standing_once" ON "penalty_charge"("financing_id", "business_date") WHERE "reversal_transaction_id" IS NULL;

-- The charges posted before this change, from their ledger postings.
INSERT INTO "penalty_charge" ("financing_id", "business_date", "amount", "transaction_id", "charged_at")
SELECT (t."metadata"->>'financingId')::uuid, (t."metadata"->>'date')::date, e."amount", t."id", t."created_at"
  FROM "ledger_transaction" t
  JOIN "ledger_entry" e ON e."transaction_id" = t."id" AND e."direction" = 'DEBIT'
 WHERE t."code" = 'PENALTY_ACCRUAL' AND t."metadata" ? 'financingId' AND t."metadata" ? 'date';
