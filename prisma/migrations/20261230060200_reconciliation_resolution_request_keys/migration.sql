-- A reconciliation item's resolution remembers the request that proposed it and the one that
-- decided it (use-cases/request-key.ts), so that copies of one request delivered at once propose
-- or decide once and every copy is answered with the first answer, rather than
-- RESOLUTION_ALREADY_PROPOSED or WRONG_STATE.
ALTER TABLE "reconciliation_resolution" ADD COLUMN "request_key" VARCHAR(200);
ALTER TABLE "reconciliation_resolution" ADD COLUMN "decision_request_key" VARCHAR(200);
CREATE UNIQUE INDEX "reconciliation_resolution_request_key_key" ON "reconciliation_resolution"("request_key");
