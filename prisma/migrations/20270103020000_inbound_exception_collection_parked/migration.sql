-- A financing that ends without disbursement moves everything its collection account holds to
-- suspense, one FINANCING_ENDED exception per ledger transaction that brought it there
-- (docs/ledger.md, "Parked from a collection account"). A credit the feed booked there is the
-- exception's credit, as before. Money that came another way (applied there from suspense by
-- operators, or posted there by a person) has no inbound credit of that account: the parking's
-- own posting books it in suspense, under the derived bank reference collection:<transaction id>,
-- as an allocation books an over-payment. Every other exception keeps the rule it had.
ALTER TABLE "inbound_exception"
  DROP CONSTRAINT "inbound_exception_booked",
  ADD CONSTRAINT "inbound_exception_booked" CHECK (
    ("held_amount" IS NULL) = ("reason"::text = 'NOT_BOOKABLE')
    AND ("inbound_credit_id" IS NULL OR "reason"::text NOT IN ('NOT_BOOKABLE', 'OVERPAID', 'RECONCILIATION'))
    AND ("inbound_credit_id" IS NOT NULL
         OR "reason"::text IN ('NOT_BOOKABLE', 'OVERPAID', 'RECONCILIATION')
         OR "reason"::text = 'FINANCING_ENDED' AND "bank_reference" LIKE 'collection:%')
    AND ("held_amount" IS NULL OR "held_amount" > 0));
