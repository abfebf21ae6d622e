-- A decided user remembers the request that decided it (use-cases/request-key.ts), so that copies
-- of one rejectUser request delivered at once decide once and every copy is
-- answered with the decided user rather than WRONG_STATE.
ALTER TABLE "app_user" ADD COLUMN "decision_request_key" VARCHAR(200);
