-- The worker asks every few seconds which settlement statements were superseded and wait for their
-- next version (statementsAwaitingReissue): the question starts from the few superseded documents,
-- not from every document ever stored, whose count grows with the financings.
CREATE INDEX "document_superseded_idx" ON "document"("superseded_at", "id") WHERE "superseded_at" IS NOT NULL;
