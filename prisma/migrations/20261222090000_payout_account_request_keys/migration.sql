-- A payout account's proposal and its decision remember the request that made them, so that a
-- client's retry of the same request (same caller, same request id) is answered with the first
-- answer instead of proposing again or being refused in the state the first copy left.
ALTER TABLE "party_bank_account" ADD COLUMN "request_key" VARCHAR(200);
ALTER TABLE "party_bank_account" ADD COLUMN "decision_request_key" VARCHAR(200);
CREATE UNIQUE INDEX "party_bank_account_request_key_key" ON "party_bank_account"("request_key");
