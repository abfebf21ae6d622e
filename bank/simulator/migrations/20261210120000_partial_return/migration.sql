-- A return (退汇) of part of a payout: the beneficiary's bank sends back less than it received
-- (a fee deducted on the way back, or part of a batch refused). RETURN_AFTER may be scripted
-- with the amount that comes back; the payout keeps its amount, the return line carries what
-- came back. NULL means the whole payout, as before.

ALTER TABLE "bank_simulator"."script"
    ADD COLUMN "return_amount" NUMERIC(24,4),
    ADD CONSTRAINT "script_return_amount_positive" CHECK ("return_amount" IS NULL OR ("return_amount" > 0 AND "return_amount" = trunc("return_amount", 2))),
    ADD CONSTRAINT "script_return_amount_only_returning" CHECK ("return_amount" IS NULL OR "behaviour" = 'RETURN_AFTER');

ALTER TABLE "bank_simulator"."payout"
    ADD COLUMN "return_amount" NUMERIC(24,4),
    ADD CONSTRAINT "payout_return_amount_within" CHECK ("return_amount" IS NULL OR ("return_amount" > 0 AND "return_amount" <= "amount" AND "return_amount" = trunc("return_amount", 2) AND "return_due_at" IS NOT NULL));

-- The return amount is planned when the payout is taken, like the other outcome columns, and
-- never changes afterwards.
CREATE OR REPLACE FUNCTION "bank_simulator"."payout_guard"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'bank_simulator.payout rows are never deleted' USING ERRCODE = 'BS001';
    END IF;
    IF (NEW."id", NEW."account_number", NEW."payout_reference", NEW."bank_reference", NEW."amount", NEW."currency",
        NEW."beneficiary_account_name", NEW."beneficiary_account_number", NEW."beneficiary_bank_name",
        NEW."remittance_information", NEW."behaviour", NEW."received_at", NEW."settle_due_at", NEW."fail_due_at",
        NEW."return_due_at", NEW."reason", NEW."return_amount")
       IS DISTINCT FROM
       (OLD."id", OLD."account_number", OLD."payout_reference", OLD."bank_reference", OLD."amount", OLD."currency",
        OLD."beneficiary_account_name", OLD."beneficiary_account_number", OLD."beneficiary_bank_name",
        OLD."remittance_information", OLD."behaviour", OLD."received_at", OLD."settle_due_at", OLD."fail_due_at",
        OLD."return_due_at", OLD."reason", OLD."return_amount") THEN
        RAISE EXCEPTION 'payout % may change only its status and outcome times', OLD."payout_reference" USING ERRCODE = 'BS001';
    END IF;
    IF NEW."status" <> OLD."status" AND NOT (
        (OLD."status" = 'PENDING' AND NEW."status" IN ('SETTLED', 'FAILED'))
        OR (OLD."status" = 'SETTLED' AND NEW."status" = 'RETURNED')
    ) THEN
        RAISE EXCEPTION 'payout % cannot go from % to %', OLD."payout_reference", OLD."status", NEW."status" USING ERRCODE = 'BS001';
    END IF;
    IF NEW."status" = OLD."status" AND (NEW."settled_at", NEW."failed_at", NEW."returned_at") IS DISTINCT FROM (OLD."settled_at", OLD."failed_at", OLD."returned_at") THEN
        RAISE EXCEPTION 'payout % outcome times change only with its status', OLD."payout_reference" USING ERRCODE = 'BS001';
    END IF;
    RETURN NEW;
END $$;
