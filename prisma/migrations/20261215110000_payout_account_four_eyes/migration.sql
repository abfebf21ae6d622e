-- A party's payout account is changed with four eyes and a cooling-off period (docs/security.md,
-- "Payout accounts"): one user proposes, a second user of the same party approves, and an account
-- that replaces another takes effect only after PAYOUT_ACCOUNT_COOLING_OFF_HOURS, while the funders
-- and operators are told. Payouts go to the latest approved account already in effect.

CREATE TYPE "party_bank_account_status" AS ENUM ('PROPOSED', 'APPROVED', 'REJECTED');

-- Accounts registered before this change were in effect from their registration.
ALTER TABLE "party_bank_account"
  ADD COLUMN "status" "party_bank_account_status" NOT NULL DEFAULT 'APPROVED',
  ADD COLUMN "effective_from" TIMESTAMPTZ(6),
  ADD COLUMN "decided_by_user_id" UUID,
  ADD COLUMN "decided_at" TIMESTAMPTZ(6),
  ADD CONSTRAINT "party_bank_account_decided_by_user_id_fkey" FOREIGN KEY ("decided_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
UPDATE "party_bank_account" SET "effective_from" = "created_at", "decided_at" = "created_at";
ALTER TABLE "party_bank_account" ALTER COLUMN "status" SET DEFAULT 'PROPOSED';

-- An approved account has the time it takes effect; nothing else has one. The user who decides is
-- never the one who proposed.
ALTER TABLE "party_bank_account"
  ADD CONSTRAINT "party_bank_account_effective_when_approved" CHECK (("status" = 'APPROVED') = ("effective_from" IS NOT NULL)),
  ADD CONSTRAINT "party_bank_account_four_eyes" CHECK ("decided_by_user_id" IS NULL OR "decided_by_user_id" <> "created_by_user_id");

CREATE INDEX "party_bank_account_party_id_status_effective_from_idx" ON "party_bank_account"("party_id", "status", "effective_from");

-- A proposal and the accounts approved before it are not retired at once: which one payouts go to
-- is the latest approved one in effect. One proposal waits at a time.
DROP INDEX "party_bank_account_one_active";
CREATE UNIQUE INDEX "party_bank_account_one_proposal" ON "party_bank_account"("party_id") WHERE "status" = 'PROPOSED';
