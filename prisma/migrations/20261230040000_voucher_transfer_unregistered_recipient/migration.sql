-- A voucher transfer (or issue) to a company not yet registered on the platform
-- (docs/workflows/voucher-acceptance.md#a-recipient-not-yet-registered). The transferor names it
-- by its unified social credit code and registered name; the transfer is proposed, approved and
-- held as any other, and waits without a recipient party or a new part until an operator creates
-- the party with that code, which attaches it (the new part is created then, for the new party).
--
-- What the database keeps:
-- - a part's holder is a party (voucher_part is unchanged: no part exists before its holder);
-- - the recipient is a party or a named credit code, never neither, and a transfer has its new
--   part exactly when it has its recipient party;
-- - the name and code given never change, and the recipient is set once, from nothing to the
--   party with that very code;
-- - the new part's claim account (opened at proposal, to receive the hold) has no owner until the
--   recipient exists, and gets it once: the only change of an account's identity ever admitted.

ALTER TABLE "voucher_transfer"
  ALTER COLUMN "to_party_id" DROP NOT NULL,
  ALTER COLUMN "to_part_id" DROP NOT NULL,
  ADD COLUMN "recipient_credit_code" CHAR(18),
  ADD COLUMN "recipient_name" VARCHAR(200),
  ADD CONSTRAINT "voucher_transfer_recipient_named" CHECK (
    ("to_party_id" IS NULL) = ("to_part_id" IS NULL)
    AND ("recipient_credit_code" IS NULL) = ("recipient_name" IS NULL)
    AND ("to_party_id" IS NOT NULL OR "recipient_credit_code" IS NOT NULL)
    AND ("recipient_name" IS NULL OR length(btrim("recipient_name")) > 0)
    AND ("recipient_credit_code" IS NULL OR "recipient_credit_code" ~ '^[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}$')),
  -- An offer nobody has accepted cannot be accepted by nobody: acceptance needs the recipient.
  ADD CONSTRAINT "voucher_transfer_accepted_by_a_party" CHECK ("status"::text <> 'ACCEPTED' OR "to_party_id" IS NOT NULL);

-- The offers waiting for a company to register, found when its party is created.
CREATE INDEX "voucher_transfer_recipient_credit_code_idx" ON "voucher_transfer"("recipient_credit_code") WHERE "to_party_id" IS NULL;

-- The same function as in 20261221090000_vouchers, with the transfer's recipient set once.
CREATE OR REPLACE FUNCTION "voucher_facts_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION '% rows are never deleted', TG_TABLE_NAME USING ERRCODE = '55000';
  END IF;
  IF TG_TABLE_NAME = 'voucher' THEN
    IF (NEW."issuer_party_id", NEW."currency", NEW."amount", NEW."due_date", NEW."voucher_number", NEW."issued_account_id")
         IS DISTINCT FROM (OLD."issuer_party_id", OLD."currency", OLD."amount", OLD."due_date", OLD."voucher_number", OLD."issued_account_id") THEN
      RAISE EXCEPTION 'a voucher''s issuer, amount, currency, due date and number never change' USING ERRCODE = '55000';
    END IF;
  ELSIF TG_TABLE_NAME = 'voucher_part' THEN
    IF (NEW."holder_party_id", NEW."original_amount", NEW."part_number", NEW."claim_account_id")
         IS DISTINCT FROM (OLD."holder_party_id", OLD."original_amount", OLD."part_number", OLD."claim_account_id") THEN
      RAISE EXCEPTION 'a voucher part''s holder, amount received, number and claim account never change' USING ERRCODE = '55000';
    END IF;
  ELSIF TG_TABLE_NAME = 'voucher_transfer' THEN
    IF (NEW."from_part_id", NEW."from_party_id", NEW."amount", NEW."contract_number", NEW."hold_id", NEW."recipient_credit_code", NEW."recipient_name")
         IS DISTINCT FROM (OLD."from_part_id", OLD."from_party_id", OLD."amount", OLD."contract_number", OLD."hold_id", OLD."recipient_credit_code", OLD."recipient_name") THEN
      RAISE EXCEPTION 'a voucher transfer''s parts, parties, amount, contract, hold and named recipient never change' USING ERRCODE = '55000';
    END IF;
    IF (NEW."to_party_id", NEW."to_part_id") IS DISTINCT FROM (OLD."to_party_id", OLD."to_part_id") THEN
      -- The one change admitted: a transfer to an unregistered company gets its recipient once,
      -- the party registered with the code the transferor gave, while the offer is still open.
      IF OLD."to_party_id" IS NOT NULL OR OLD."to_part_id" IS NOT NULL THEN
        RAISE EXCEPTION 'a voucher transfer''s recipient never changes once set' USING ERRCODE = '55000';
      END IF;
      IF OLD."status"::text NOT IN ('PENDING_APPROVAL', 'PENDING_ACCEPTANCE') THEN
        RAISE EXCEPTION 'a voucher transfer that is % gets no recipient', OLD."status" USING ERRCODE = '55000';
      END IF;
      IF NOT EXISTS (SELECT 1 FROM "party" WHERE "id" = NEW."to_party_id" AND "credit_code" = OLD."recipient_credit_code") THEN
        RAISE EXCEPTION 'voucher transfer % is for credit code %, not for party %', OLD."id", OLD."recipient_credit_code", NEW."to_party_id" USING ERRCODE = '55000';
      END IF;
    END IF;
  END IF;
  RETURN NEW;
END $$;

-- The same function as in 20261122010000_ledger, with one change of identity admitted: a voucher
-- part's claim account opened for a company not yet registered gets its owner once, when the
-- company's party attaches the transfer. Every other column of the identity stays fixed.
CREATE OR REPLACE FUNCTION "ledger_account_check_direct_update"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW."id", NEW."code", NEW."type", NEW."normal_balance", NEW."book", NEW."currency",
        NEW."purpose", NEW."virtual_account_number", NEW."created_at")
       IS DISTINCT FROM
       (OLD."id", OLD."code", OLD."type", OLD."normal_balance", OLD."book", OLD."currency",
        OLD."purpose", OLD."virtual_account_number", OLD."created_at")
       OR (NEW."owner_party_id" IS DISTINCT FROM OLD."owner_party_id"
           AND NOT (OLD."owner_party_id" IS NULL AND OLD."purpose"::text = 'VOUCHER_CLAIM')) THEN
        RAISE EXCEPTION USING ERRCODE = 'LG011', MESSAGE = format('ledger account %s: its identity cannot change once opened', OLD."id");
    END IF;
    IF (NEW."debits_pending", NEW."debits_posted", NEW."credits_pending", NEW."credits_posted")
       IS DISTINCT FROM (OLD."debits_pending", OLD."debits_posted", OLD."credits_pending", OLD."credits_posted") THEN
        RAISE EXCEPTION USING ERRCODE = 'LG011',
            MESSAGE = format('ledger account %s: totals change only through entries and holds', OLD."id");
    END IF;
    IF length(btrim(NEW."name")) = 0 THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = format('ledger account %s: the name must not be blank', OLD."id");
    END IF;
    -- TigerBeetle: the two bounds are mutually exclusive.
    IF NEW."debits_must_not_exceed_credits" AND NEW."credits_must_not_exceed_debits" THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = format('ledger account %s: debits_must_not_exceed_credits and credits_must_not_exceed_debits exclude each other', OLD."id");
    END IF;
    RETURN NEW;
END
$$;
