-- An inbound exception remembers the request that proposed its resolution and the one that
-- decided it (use-cases/request-key.ts), so that copies of one request delivered at once propose
-- or decide once, and every copy is answered with the first answer rather than WRONG_STATE.
ALTER TABLE "inbound_exception" ADD COLUMN "proposal_request_key" VARCHAR(200);
ALTER TABLE "inbound_exception" ADD COLUMN "decision_request_key" VARCHAR(200);
