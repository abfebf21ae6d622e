-- A proposed change of a user's roles remembers the request that proposed it
-- (use-cases/request-key.ts), so that copies of one request delivered at once propose once and
-- every copy is answered with the first copy's change rather than ROLE_CHANGE_PENDING.
ALTER TABLE "user_role_change" ADD COLUMN "request_key" VARCHAR(200);
CREATE UNIQUE INDEX "user_role_change_request_key_key" ON "user_role_change"("request_key");
