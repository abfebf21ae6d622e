-- The voucher accounts (VOUCHER_ISSUED, VOUCHER_CLAIM, VOUCHER_ASSIGNED) are claims, not money:
-- like credit limits they live in the memo book (docs/workflows/voucher-acceptance.md). The rule
-- of new accounts is the one of the ledger migration, with the three purposes added to its memo list.
CREATE OR REPLACE FUNCTION "ledger_account_check_new"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_problem text;
BEGIN
    IF NEW."debits_pending" <> 0 OR NEW."debits_posted" <> 0 OR NEW."credits_pending" <> 0 OR NEW."credits_posted" <> 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'LG011',
            MESSAGE = 'ledger account ' || NEW."code" || ': a new account starts with zero totals; totals come only from entries and holds';
    END IF;
    v_problem := CASE
        WHEN NEW."code" !~ '^[A-Za-z0-9_:.-]+$' THEN
            format('code %L may contain only letters, digits and _ : . -', NEW."code")
        WHEN length(btrim(NEW."name")) = 0 THEN
            'the name must not be blank'
        -- TigerBeetle: the two bounds are mutually exclusive.
        WHEN NEW."debits_must_not_exceed_credits" AND NEW."credits_must_not_exceed_debits" THEN
            'debits_must_not_exceed_credits and credits_must_not_exceed_debits exclude each other'
        -- Assets and expenses grow with debits; liabilities, equity and revenue with credits.
        WHEN (NEW."type" IN ('ASSET', 'EXPENSE')) <> (NEW."normal_balance" = 'DEBIT') THEN
            format('a %s account has a %s normal balance', NEW."type", CASE WHEN NEW."type" IN ('ASSET', 'EXPENSE') THEN 'DEBIT' ELSE 'CREDIT' END)
        -- Credit limits, accruals and voucher claims are commitments, not money: they live in the memo book.
        WHEN (NEW."purpose" IN ('CREDIT_LIMIT', 'LIMIT_CONTROL', 'PENALTY_RECEIVABLE', 'ACCRUAL_CONTROL', 'VOUCHER_ISSUED', 'VOUCHER_CLAIM', 'VOUCHER_ASSIGNED')) <> (NEW."book" = 'MEMO') THEN
            format('a %s account belongs in the %s book', NEW."purpose", CASE WHEN NEW."book" = 'MEMO' THEN 'MONEY' ELSE 'MEMO' END)
        -- Customers' virtual accounts belong to a party; the platform's own accounts to nobody.
        WHEN NEW."purpose" IN ('SUPPLIER_SETTLEMENT', 'FUNDER_FUNDING', 'CORE_REPAYMENT') AND NEW."owner_party_id" IS NULL THEN
            format('a %s account needs an owner party', NEW."purpose")
        WHEN NEW."purpose" IN ('ESCROW_BANK', 'PAYOUT_IN_TRANSIT', 'INBOUND_CLEARING', 'FEE_INCOME', 'SUSPENSE', 'LIMIT_CONTROL', 'ACCRUAL_CONTROL')
             AND NEW."owner_party_id" IS NOT NULL THEN
            format('a %s account is the platform''s own and has no owner party', NEW."purpose")
        WHEN NEW."virtual_account_number" IS NOT NULL AND NOT "ledger_virtual_account_number_valid"(NEW."virtual_account_number") THEN
            format('virtual account number %s is not 19 digits ending in its Luhn check digit', NEW."virtual_account_number")
    END;
    IF v_problem IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = '23514', MESSAGE = 'ledger account ' || NEW."code" || ': ' || v_problem;
    END IF;
    RETURN NEW;
END
$$;

-- The parts-add-up check read NEW."voucher_id" on the voucher table too, where the row has no such
-- field (PL/pgSQL resolves both arms of the CASE): every update of a voucher failed. The voucher's id is
-- taken by table, in two statements.
CREATE OR REPLACE FUNCTION "voucher_parts_add_up_check"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  checked UUID;
  issued RECORD;
  held NUMERIC;
BEGIN
  IF TG_TABLE_NAME = 'voucher' THEN checked := NEW."id"; ELSE checked := NEW."voucher_id"; END IF;
  SELECT "amount", "status"::text AS "status" INTO issued FROM "voucher" WHERE "id" = checked;
  IF issued."status" NOT IN ('ACTIVE', 'PAID', 'DEFAULTED') THEN
    RETURN NULL;
  END IF;
  SELECT COALESCE(SUM("held_amount"), 0) INTO held FROM "voucher_part"
   WHERE "voucher_id" = checked AND "status"::text NOT IN ('PENDING_ACCEPTANCE', 'REFUSED', 'EXPIRED');
  IF held <> issued."amount" THEN
    RAISE EXCEPTION 'the parts of voucher % hold % but it was issued for %', checked, held, issued."amount" USING ERRCODE = '23514';
  END IF;
  RETURN NULL;
END $$;

-- The history guard had the same fault: a condition naming another table's columns is resolved
-- even when the table test before it is false. One branch per table, nested.
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
    IF (NEW."from_part_id", NEW."to_part_id", NEW."from_party_id", NEW."to_party_id", NEW."amount", NEW."contract_number", NEW."hold_id")
       IS DISTINCT FROM (OLD."from_part_id", OLD."to_part_id", OLD."from_party_id", OLD."to_party_id", OLD."amount", OLD."contract_number", OLD."hold_id") THEN
      RAISE EXCEPTION 'a voucher transfer''s parts, parties, amount, contract and hold never change' USING ERRCODE = '55000';
    END IF;
  END IF;
  RETURN NEW;
END $$;
