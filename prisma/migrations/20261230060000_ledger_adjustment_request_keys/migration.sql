-- A manual adjustment's proposal and its decision remember the request that made them
-- (use-cases/request-key.ts: the operation, the proposal or adjustment, the caller and the request
-- id), so that copies of one request delivered at once make one proposal and one decision, and
-- every copy is answered with the first answer instead of a second proposal or WRONG_STATE.
ALTER TABLE "ledger_adjustment" ADD COLUMN "request_key" VARCHAR(200);
ALTER TABLE "ledger_adjustment" ADD COLUMN "decision_request_key" VARCHAR(200);
CREATE UNIQUE INDEX "ledger_adjustment_request_key_key" ON "ledger_adjustment"("request_key");
