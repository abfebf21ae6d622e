-- A repayment allocated again once earlier money is read gives back what the funder's funding
-- account was paid beyond its new share, to the supplier (surplus) or to suspense for the payer
-- (over-paid). The account may have spent or committed that money since: what it cannot cover is
-- owed by the funder, never taken from anyone else's money, and goes back from the account's next
-- credit, which finds it through the index.

-- AlterTable
ALTER TABLE "repayment_allocation" ADD COLUMN     "overpaid_owed" DECIMAL(24,4) NOT NULL DEFAULT 0,
ADD COLUMN     "surplus_owed" DECIMAL(24,4) NOT NULL DEFAULT 0;

ALTER TABLE "repayment_allocation" ADD CONSTRAINT "repayment_allocation_owed_not_negative" CHECK ("surplus_owed" >= 0 AND "overpaid_owed" >= 0);

CREATE INDEX "repayment_allocation_owed_idx" ON "repayment_allocation"("financing_id") WHERE "surplus_owed" > 0 OR "overpaid_owed" > 0;
