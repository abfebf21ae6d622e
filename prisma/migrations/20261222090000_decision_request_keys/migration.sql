-- A payout account's proposal and the decisions on payout accounts, changes of roles and webhook
-- endpoints remember the request that made them (use-cases/request-key.ts: the operation, the
-- object, the caller and the request id), so that a client's retry of the same request is
-- answered with the first answer instead of proposing again or being refused in the state the
-- first copy left.
ALTER TABLE "party_bank_account" ADD COLUMN "request_key" VARCHAR(200);
ALTER TABLE "party_bank_account" ADD COLUMN "decision_request_key" VARCHAR(200);
CREATE UNIQUE INDEX "party_bank_account_request_key_key" ON "party_bank_account"("request_key");
ALTER TABLE "user_role_change" ADD COLUMN "decision_request_key" VARCHAR(200);
ALTER TABLE "webhook_endpoint" ADD COLUMN "decision_request_key" VARCHAR(200);
