-- Interest runs from the day the money moves (docs/pricing.md, "Repricing at disbursement").
-- An application is quoted assuming its own day as the value date; the disbursement reprices
-- the financing to the day it happens, and the quote is kept beside the final figures as what
-- was quoted.

-- The shortest tenor a program finances, counted from the day the money moves: a financing
-- closer than that to its due date when it would be disbursed expires instead. Versions written
-- before it asked for one day, the least any financing runs.
ALTER TABLE "program_terms"
  ADD COLUMN "tenor_days_min" INTEGER NOT NULL DEFAULT 1,
  ADD CONSTRAINT "program_terms_tenor_days_min_range" CHECK ("tenor_days_min" >= 1 AND "tenor_days_min" <= "tenor_days_max");

-- The quote as the application priced it. The figures beside them (value_date, tenor_days,
-- interest, ...) become the final ones at disbursement; before it the two are the same.
ALTER TABLE "financing"
  ADD COLUMN "quoted_value_date" DATE,
  ADD COLUMN "quoted_tenor_days" INTEGER,
  ADD COLUMN "quoted_interest" NUMERIC(24,4),
  ADD COLUMN "quoted_fees" NUMERIC(24,4),
  ADD COLUMN "quoted_net_disbursement" NUMERIC(24,4),
  ADD COLUMN "quoted_repayment_at_maturity" NUMERIC(24,4),
  ADD COLUMN "quoted_effective_annual_rate" NUMERIC(12,6);

-- Financings written before were never repriced: what they show is what they were quoted.
UPDATE "financing" SET
  "quoted_value_date" = "value_date",
  "quoted_tenor_days" = "tenor_days",
  "quoted_interest" = "interest",
  "quoted_fees" = "fees",
  "quoted_net_disbursement" = "net_disbursement",
  "quoted_repayment_at_maturity" = "repayment_at_maturity",
  "quoted_effective_annual_rate" = "effective_annual_rate";

ALTER TABLE "financing"
  ALTER COLUMN "quoted_value_date" SET NOT NULL,
  ALTER COLUMN "quoted_tenor_days" SET NOT NULL,
  ALTER COLUMN "quoted_interest" SET NOT NULL,
  ALTER COLUMN "quoted_fees" SET NOT NULL,
  ALTER COLUMN "quoted_net_disbursement" SET NOT NULL,
  ALTER COLUMN "quoted_repayment_at_maturity" SET NOT NULL,
  ALTER COLUMN "quoted_effective_annual_rate" SET NOT NULL,
  -- The same sums as the financing's own figures ("financing_figures"); the dates are the
  -- quote's as written, so the quote stays what it was whatever happens to the financing.
  ADD CONSTRAINT "financing_quoted_figures" CHECK (
    "quoted_interest" >= 0 AND "quoted_fees" >= 0 AND "quoted_net_disbursement" > 0
    AND "quoted_net_disbursement" <= "principal" AND "quoted_repayment_at_maturity" >= "principal"
    AND "quoted_tenor_days" > 0
  );

-- The disbursement advice (放款通知书): the final figures beside the quoted ones.
ALTER TYPE "document_kind" ADD VALUE 'DISBURSEMENT_ADVICE';
