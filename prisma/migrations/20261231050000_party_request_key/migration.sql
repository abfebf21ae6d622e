-- A registered party remembers the request that registered it (use-cases/request-key.ts), so that
-- copies of one createParty request delivered at once register one party and every copy is
-- answered with it rather than CREDIT_CODE_TAKEN.
ALTER TABLE "party" ADD COLUMN "request_key" VARCHAR(200);
CREATE UNIQUE INDEX "party_request_key_key" ON "party"("request_key");
