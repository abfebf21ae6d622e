-- Money held for a payer can go back to the payer (docs/ledger.md, "Exceptions"). A parked bank
-- credit, or what a payer paid beyond the receivable's confirmed amount (OVERPAID), is an inbound
-- exception; one operator proposes to apply it to a virtual account (as before) or to refund it
-- to the payer's account, another approves. An approved refund is a payout (purpose REFUND) out
-- of suspense; a refund the bank fails or returns brings the money back to suspense and the
-- exception is OPEN again.
--
-- The new enum values are not used by anything else in this transaction (PostgreSQL refuses a
-- value added in the same transaction): the constraints below compare the enums as text.

ALTER TYPE "payout_purpose" ADD VALUE 'REFUND';
-- Paid beyond the receivable's confirmed amount: the payer's, for a refund (or to apply).
ALTER TYPE "inbound_exception_reason" ADD VALUE 'OVERPAID';

-- What the maker proposes: apply the money to a virtual account, or refund it to the payer.
CREATE TYPE "inbound_exception_resolution" AS ENUM ('APPLY', 'REFUND');

ALTER TABLE "inbound_exception"
  -- What suspense holds for this exception, the amount a resolution moves: the bank credit's,
  -- the over-payment's, or what came back of a refund returned in part. Null only when nothing
  -- is booked (NOT_BOOKABLE).
  ADD COLUMN "held_amount" NUMERIC(24,4),
  ADD COLUMN "resolution_kind" "inbound_exception_resolution",
  -- A refund proposal names the id its payout will have, so that approving it twice starts
  -- (and finds) one payout.
  ADD COLUMN "refund_payout_id" UUID,
  -- Why an approved refund came back (failed or returned by the bank): the exception is OPEN again.
  ADD COLUMN "reopen_reason" VARCHAR(500);

UPDATE "inbound_exception" e SET "held_amount" = c."amount" FROM "inbound_credit" c WHERE c."id" = e."inbound_credit_id";
UPDATE "inbound_exception" SET "resolution_kind" = 'APPLY' WHERE "status" <> 'OPEN';

ALTER TABLE "inbound_exception"
  DROP CONSTRAINT "inbound_exception_booked",
  DROP CONSTRAINT "inbound_exception_proposal_whole",
  -- Money the ledger can hold is in suspense; a bank line is booked there by its credit, an
  -- over-payment by its allocation (it has no credit of its own).
  ADD CONSTRAINT "inbound_exception_booked" CHECK (
    ("held_amount" IS NULL) = ("reason"::text = 'NOT_BOOKABLE')
    AND ("inbound_credit_id" IS NULL) = ("reason"::text IN ('NOT_BOOKABLE', 'OVERPAID'))
    AND ("held_amount" IS NULL OR "held_amount" > 0)),
  -- A proposal names its kind, a maker and a time; an application names its account, a refund
  -- its payout's id; only money that is booked can have one.
  ADD CONSTRAINT "inbound_exception_proposal_whole" CHECK (
    ("status" = 'OPEN') = ("resolution_kind" IS NULL)
    AND ("resolution_kind" IS NULL) = ("maker_user_id" IS NULL)
    AND ("resolution_kind" IS NULL) = ("proposed_at" IS NULL)
    AND (COALESCE("resolution_kind"::text, '') = 'APPLY') = ("apply_to_account_id" IS NOT NULL)
    AND (COALESCE("resolution_kind"::text, '') = 'REFUND') = ("refund_payout_id" IS NOT NULL)
    AND ("resolution_kind" IS NULL OR "held_amount" IS NOT NULL));

ALTER TABLE "payout"
  -- The inbound exception a refund pays back to its payer.
  ADD COLUMN "inbound_exception_id" UUID,
  ADD CONSTRAINT "payout_inbound_exception_id_fkey" FOREIGN KEY ("inbound_exception_id") REFERENCES "inbound_exception"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  DROP CONSTRAINT "payout_owner",
  -- A refund's payee is not a party: its money leaves suspense for the payer of its exception.
  ADD CONSTRAINT "payout_owner" CHECK (
    CASE "purpose"::text
      WHEN 'DISBURSEMENT' THEN "financing_id" IS NOT NULL AND "inbound_exception_id" IS NULL
      WHEN 'REFUND' THEN "financing_id" IS NULL AND "party_id" IS NULL AND "source_account_id" IS NOT NULL AND "inbound_exception_id" IS NOT NULL AND "request_key" IS NOT NULL AND "request_hash" IS NOT NULL AND "attempt" = 1
      ELSE "financing_id" IS NULL AND "party_id" IS NOT NULL AND "source_account_id" IS NOT NULL AND "request_key" IS NOT NULL AND "request_hash" IS NOT NULL AND "attempt" = 1 AND "inbound_exception_id" IS NULL
    END
  );

CREATE INDEX "payout_inbound_exception_id_idx" ON "payout"("inbound_exception_id") WHERE "inbound_exception_id" IS NOT NULL;
