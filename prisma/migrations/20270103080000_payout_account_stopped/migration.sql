-- An approved payout account change still cooling off can be stopped by a user of the party: the
-- row is REJECTED and keeps who approved it and from when it would have taken effect; who stopped
-- it, and when, are kept beside.
ALTER TABLE "party_bank_account" ADD COLUMN "stopped_by_user_id" UUID, ADD COLUMN "stopped_at" TIMESTAMPTZ(6);
ALTER TABLE "party_bank_account"
  ADD CONSTRAINT "party_bank_account_stopped_by_user_id_fkey" FOREIGN KEY ("stopped_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  DROP CONSTRAINT "party_bank_account_effective_when_approved",
  ADD CONSTRAINT "party_bank_account_effective_when_approved" CHECK (("status" = 'APPROVED' OR "stopped_at" IS NOT NULL) = ("effective_from" IS NOT NULL)),
  ADD CONSTRAINT "party_bank_account_stopped_when_rejected" CHECK (("stopped_at" IS NULL) = ("stopped_by_user_id" IS NULL) AND ("stopped_at" IS NULL OR ("status" = 'REJECTED' AND "stopped_at" < "effective_from")));
