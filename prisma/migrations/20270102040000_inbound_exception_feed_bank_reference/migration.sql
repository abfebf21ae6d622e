-- A credit of a statement line that operators parked in suspense (a reconciliation resolution
-- SUSPENSE, docs/reconciliation.md "Resolving an item") is the same money as the feed's credit
-- that reports it later, under the statement's bank reference or, for a bank whose statement
-- references differ from its feed's, under its own. The feed's booking of that credit takes the
-- money out of suspense instead of from the bank a second time, and records here which of the
-- feed's bank lines it was: one bank line explains one parked credit, and a parked credit is
-- explained once (the unique index; the feed also holds the exception's row lock).

ALTER TABLE "inbound_exception" ADD COLUMN "feed_bank_reference" VARCHAR(64);

CREATE UNIQUE INDEX "inbound_exception_feed_bank_reference_key" ON "inbound_exception"("feed_bank_reference");
