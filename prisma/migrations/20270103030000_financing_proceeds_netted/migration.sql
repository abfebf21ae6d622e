-- What a recourse claim netted of the financing's own proceeds awaiting a payout retry
-- (docs/workflows/financing.md, "Retry after recourse") is state of the financing: the retry
-- pays out only the rest, and the supplier's withdrawable balance counts only the rest as
-- awaiting the retry. It was read back from the RECOURSE posting's metadata, where it is also
-- recorded; from now on the financing holds it, of which payout attempt it was (0: disbursed
-- without a payout), and the posting's metadata stays the record of what that posting did.
ALTER TABLE "financing"
  ADD COLUMN "proceeds_netted" NUMERIC(24,4) NOT NULL DEFAULT 0,
  ADD COLUMN "netted_payout_attempt" INTEGER,
  ADD CONSTRAINT "financing_proceeds_netted_of_an_attempt" CHECK (
    "proceeds_netted" >= 0 AND ("proceeds_netted" > 0) = ("netted_payout_attempt" IS NOT NULL) AND ("netted_payout_attempt" IS NULL OR "netted_payout_attempt" >= 0));

UPDATE "financing" f
   SET "proceeds_netted" = (r."metadata"->>'proceedsNetted')::numeric,
       "netted_payout_attempt" = (r."metadata"->>'nettedPayoutAttempt')::integer
  FROM "ledger_transaction" r
 WHERE r."idempotency_key" = 'financing:' || f."id"::text || ':recourse'
   AND r."metadata" ? 'proceedsNetted'
   AND (r."metadata"->>'proceedsNetted')::numeric > 0;
