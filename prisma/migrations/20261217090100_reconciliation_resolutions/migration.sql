-- A reconciliation item resolved by hand, with four eyes: one operator proposes, another
-- approves (one ledger transaction, linked to the item) or rejects. Every proposal is kept.
CREATE TYPE "reconciliation_resolution_kind" AS ENUM ('SUSPENSE', 'WRITE_OFF');
CREATE TYPE "reconciliation_resolution_status" AS ENUM ('PROPOSED', 'APPROVED', 'REJECTED');

CREATE TABLE "reconciliation_resolution" (
    "id"               UUID NOT NULL DEFAULT gen_random_uuid(),
    "item_id"          UUID NOT NULL,
    "kind"             "reconciliation_resolution_kind" NOT NULL,
    "status"           "reconciliation_resolution_status" NOT NULL DEFAULT 'PROPOSED',
    -- The item's effect on the bank's balance the maker confirmed: positive when the bank holds
    -- more than the ledger, negative when less. The posting moves the ledger's escrow by it.
    "amount"           NUMERIC(24,4) NOT NULL,
    "currency"         CHAR(3)       NOT NULL,
    "note"             VARCHAR(500)  NOT NULL,
    "maker_user_id"    UUID          NOT NULL,
    "proposed_at"      TIMESTAMPTZ(6) NOT NULL,
    "checker_user_id"  UUID,
    "decided_at"       TIMESTAMPTZ(6),
    "transaction_id"   UUID,
    -- SUSPENSE: the inbound exception that holds the money for its own resolution.
    "exception_id"     UUID,
    CONSTRAINT "reconciliation_resolution_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "reconciliation_resolution_item_id_fkey" FOREIGN KEY ("item_id") REFERENCES "reconciliation_item"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "reconciliation_resolution_amount_not_zero" CHECK ("amount" <> 0),
    -- Four eyes: the checker is never the maker.
    CONSTRAINT "reconciliation_resolution_four_eyes" CHECK ("checker_user_id" IS NULL OR "checker_user_id" <> "maker_user_id"),
    -- A decision names its checker and time; an approval its posting.
    CONSTRAINT "reconciliation_resolution_decided" CHECK (("status" = 'PROPOSED') = ("decided_at" IS NULL) AND ("status" = 'PROPOSED') = ("checker_user_id" IS NULL)),
    CONSTRAINT "reconciliation_resolution_posted" CHECK (("status" = 'APPROVED') = ("transaction_id" IS NOT NULL))
);
-- One proposal waits at a time per item: a second one would let two checkers approve two postings.
CREATE UNIQUE INDEX "reconciliation_resolution_one_pending_key" ON "reconciliation_resolution"("item_id") WHERE "status" = 'PROPOSED';
-- An item is resolved once: one approved resolution per item.
CREATE UNIQUE INDEX "reconciliation_resolution_one_approved_key" ON "reconciliation_resolution"("item_id") WHERE "status" = 'APPROVED';
CREATE INDEX "reconciliation_resolution_item_idx" ON "reconciliation_resolution"("item_id", "proposed_at");

-- The approved resolution of an item resolved by hand.
ALTER TABLE "reconciliation_item" ADD COLUMN "resolution_id" UUID;
ALTER TABLE "reconciliation_item" ADD CONSTRAINT "reconciliation_item_resolution_id_fkey" FOREIGN KEY ("resolution_id") REFERENCES "reconciliation_resolution"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE UNIQUE INDEX "reconciliation_item_resolution_id_key" ON "reconciliation_item"("resolution_id");

-- Money a reconciliation resolution parks in suspense has no inbound credit of its own: the
-- resolution's posting booked it (RECONCILIATION), as an allocation books an over-payment.
ALTER TABLE "inbound_exception"
  DROP CONSTRAINT "inbound_exception_booked",
  ADD CONSTRAINT "inbound_exception_booked" CHECK (
    ("held_amount" IS NULL) = ("reason"::text = 'NOT_BOOKABLE')
    AND ("inbound_credit_id" IS NULL) = ("reason"::text IN ('NOT_BOOKABLE', 'OVERPAID', 'RECONCILIATION'))
    AND ("held_amount" IS NULL OR "held_amount" > 0));
