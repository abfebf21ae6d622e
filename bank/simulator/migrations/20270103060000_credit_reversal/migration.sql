-- A bank takes back (冲正) a credit it booked in error with a debit line of its own, naming the
-- credit it reverses. A credit is reversed at most once. Kinds are compared as text: a value added
-- to an enum cannot be used as one in the transaction that adds it.
ALTER TYPE "bank_simulator"."booking_kind" ADD VALUE 'INBOUND_CREDIT_REVERSAL';

ALTER TABLE "bank_simulator"."booking_line"
    DROP CONSTRAINT "booking_line_kind_shape",
    ADD CONSTRAINT "booking_line_kind_shape" CHECK (
        ("kind"::text = 'PAYOUT'                  AND "direction" = 'DEBIT'  AND "payout_id" IS NOT NULL AND "inbound_credit_id" IS NULL)
     OR ("kind"::text = 'PAYOUT_RETURN'           AND "direction" = 'CREDIT' AND "payout_id" IS NOT NULL AND "inbound_credit_id" IS NULL)
     OR ("kind"::text = 'INBOUND_CREDIT'          AND "direction" = 'CREDIT' AND "payout_id" IS NULL     AND "inbound_credit_id" IS NOT NULL)
     OR ("kind"::text = 'INBOUND_CREDIT_REVERSAL' AND "direction" = 'DEBIT'  AND "payout_id" IS NULL     AND "inbound_credit_id" IS NOT NULL)
    );

DROP INDEX "bank_simulator"."booking_line_inbound_credit_id_key";
CREATE UNIQUE INDEX "booking_line_inbound_credit_id_kind_key" ON "bank_simulator"."booking_line"("inbound_credit_id", "kind") WHERE "inbound_credit_id" IS NOT NULL;
