-- Recourse returned to the supplier is given back from the funder's funding account, which may
-- have spent or committed the money the claim paid it by the time the core enterprise's earlier
-- transfer is read. What the account cannot cover is owed by the funder, never taken from anyone
-- else's money: it goes back from the account's next credit, which finds it through the index.

-- AlterTable
ALTER TABLE "financing" ADD COLUMN     "recourse_return_owed" DECIMAL(24,4) NOT NULL DEFAULT 0;

ALTER TABLE "financing" ADD CONSTRAINT "financing_recourse_return_owed_not_negative" CHECK ("recourse_return_owed" >= 0);

CREATE INDEX "financing_recourse_return_owed_idx" ON "financing"("funder_party_id", "currency", "id") WHERE "recourse_return_owed" > 0;
