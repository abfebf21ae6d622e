-- An offline repayment remembers the request that recorded it and the one that decided it
-- (use-cases/request-key.ts), so that copies of one request delivered at once record and decide
-- once, and every copy is answered with the first answer rather than DUPLICATE_BANK_REFERENCE or
-- WRONG_STATE.
ALTER TABLE "offline_repayment" ADD COLUMN "request_key" VARCHAR(200);
ALTER TABLE "offline_repayment" ADD COLUMN "decision_request_key" VARCHAR(200);
CREATE UNIQUE INDEX "offline_repayment_request_key_key" ON "offline_repayment"("request_key");
