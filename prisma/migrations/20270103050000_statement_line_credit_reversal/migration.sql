-- A bank takes back a credit it booked in error (冲正) with a debit on its statement (camt.053
-- RvslInd): a kind of line of its own, always a debit. The other kinds keep their one direction.
ALTER TYPE "statement_line_kind" ADD VALUE 'INBOUND_CREDIT_REVERSAL';

-- Compared as text: a value added to an enum cannot be used as one in the transaction that adds it.
ALTER TABLE "bank_statement_line" ADD CONSTRAINT "bank_statement_line_kind_direction"
    CHECK (("kind"::text IN ('PAYOUT', 'INBOUND_CREDIT_REVERSAL')) = ("direction" = 'DEBIT'));
