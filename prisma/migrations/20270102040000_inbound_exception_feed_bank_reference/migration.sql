-- A credit of a statement line that operators parked in suspense (a reconciliation resolution
-- SUSPENSE, docs/reconciliation.md "Resolving an item") is the same money as the feed's credit
-- that reports it later, under the statement's bank reference or, for a bank whose statement
-- references differ from its feed's, under its own. The feed's booking of that credit takes the
-- money out of suspense instead of from the bank a second time, and records here which of the
-- feed's bank lines it was: one bank line explains one parked credit, and a parked credit is
-- explained once (the unique index; the feed also holds the exception's row lock).

ALTER TABLE "inbound_exception" ADD COLUMN "feed_bank_reference" VARCHAR(64);

CREATE UNIQUE INDEX "inbound_exception_feed_bank_reference_key" ON "inbound_exception"("feed_bank_reference");

-- Every credit the feed books asks whether a parked statement credit is its money: the question
-- starts from the few parked credits no feed line has explained yet, oldest first.
CREATE INDEX "inbound_exception_unexplained_parked_idx" ON "inbound_exception"("created_at", "id") WHERE "reason" = 'RECONCILIATION' AND "feed_bank_reference" IS NULL;

-- A parked statement credit the feed's booking moved out of suspense is resolved by that booking,
-- with no proposal and no person: the bank's own line said which account was paid. It is RESOLVED
-- as an APPLY to that account with its posting, no maker, no proposal time and no checker, and
-- it names the feed's line. Every other resolution still has a maker and a checker.
ALTER TABLE "inbound_exception"
  DROP CONSTRAINT "inbound_exception_proposal_whole",
  ADD CONSTRAINT "inbound_exception_proposal_whole" CHECK (
    ("status" = 'OPEN') = ("resolution_kind" IS NULL)
    AND (("resolution_kind" IS NULL) = ("maker_user_id" IS NULL) OR "maker_user_id" IS NULL AND "feed_bank_reference" IS NOT NULL AND "status" = 'RESOLVED')
    AND (("resolution_kind" IS NULL) = ("proposed_at" IS NULL) OR "proposed_at" IS NULL AND "feed_bank_reference" IS NOT NULL AND "status" = 'RESOLVED')
    AND (COALESCE("resolution_kind"::text, '') = 'APPLY') = ("apply_to_account_id" IS NOT NULL)
    AND (COALESCE("resolution_kind"::text, '') = 'REFUND') = ("refund_payout_id" IS NOT NULL)
    AND ("resolution_kind" IS NULL OR "held_amount" IS NOT NULL)),
  DROP CONSTRAINT "inbound_exception_resolved",
  ADD CONSTRAINT "inbound_exception_resolved" CHECK (
    ("status" = 'RESOLVED') = ("resolved_at" IS NOT NULL)
    AND (("status" = 'RESOLVED') = ("checker_user_id" IS NOT NULL)
         OR "status" = 'RESOLVED' AND "checker_user_id" IS NULL AND "maker_user_id" IS NULL AND "resolution_kind" = 'APPLY' AND "feed_bank_reference" IS NOT NULL)
    AND ("status" = 'RESOLVED') = ("resolution_transaction_id" IS NOT NULL));
