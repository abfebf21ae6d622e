-- Vouchers (数字债权凭证, docs/workflows/voucher.md): a core enterprise's confirmed payable,
-- issued to a first holder and passed down the supply chain in parts. The claims are kept in the
-- ledger's memo book (one VOUCHER_CLAIM account per part, one VOUCHER_ISSUED account per
-- voucher), so no amount can leave a part twice: the claim account refuses an overdraft, and a
-- pending transfer or financing is a hold counted against it. These tables keep the lineage,
-- the trade background and the decisions.
--
-- The new enum values are not used by anything else in this transaction (PostgreSQL refuses a
-- value added in the same transaction).

ALTER TYPE "ledger_account_purpose" ADD VALUE 'VOUCHER_ISSUED';
ALTER TYPE "ledger_account_purpose" ADD VALUE 'VOUCHER_CLAIM';
ALTER TYPE "ledger_account_purpose" ADD VALUE 'VOUCHER_ASSIGNED';

-- Claims are commitments, not money: the ledger's check of a new account admits the three voucher
-- purposes to the memo book (and only there), like the credit limits. The same check as before
-- with the three purposes added to the memo list; the values are compared as text at run time.
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
        -- Credit limits and accruals are commitments, not money: they live in the memo book.
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

CREATE TYPE "voucher_status" AS ENUM (
    'PENDING_APPROVAL', 'PENDING_ACCEPTANCE', 'ACTIVE', 'REJECTED', 'REFUSED', 'EXPIRED', 'PAID', 'DEFAULTED'
);
CREATE TYPE "voucher_part_status" AS ENUM (
    'PENDING_ACCEPTANCE', 'ACTIVE', 'REFUSED', 'EXPIRED', 'FINANCING', 'FINANCED', 'PAID'
);
CREATE TYPE "voucher_transfer_status" AS ENUM (
    'PENDING_APPROVAL', 'PENDING_ACCEPTANCE', 'ACCEPTED', 'REJECTED', 'CANCELLED', 'REFUSED', 'EXPIRED'
);

-- Voucher numbers are unique and increase; a rolled-back issue leaves a gap.
CREATE SEQUENCE "voucher_number_seq" AS BIGINT START 1;

CREATE TABLE "voucher" (
    "id"                     UUID           NOT NULL DEFAULT gen_random_uuid(),
    "voucher_number"         VARCHAR(32)    NOT NULL,
    "issuer_party_id"        UUID           NOT NULL,
    "currency"               CHAR(3)        NOT NULL,
    "amount"                 NUMERIC(24,4)  NOT NULL,
    "due_date"               DATE           NOT NULL,
    "status"                 "voucher_status" NOT NULL DEFAULT 'PENDING_APPROVAL',
    "issued_account_id"      UUID           NOT NULL,
    "collection_account_id"  UUID,
    "idempotency_key"        VARCHAR(200)   NOT NULL,
    "request_hash"           CHAR(64)       NOT NULL,
    "issued_by_user_id"      UUID           NOT NULL,
    "issued_at"              TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "accepted_at"            TIMESTAMPTZ(6),
    "closed_reason"          VARCHAR(500),
    "updated_at"             TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "voucher_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "voucher_issuer_party_id_fkey" FOREIGN KEY ("issuer_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_currency_fkey" FOREIGN KEY ("currency") REFERENCES "ledger_currency"("code") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_issued_account_id_fkey" FOREIGN KEY ("issued_account_id") REFERENCES "ledger_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_collection_account_id_fkey" FOREIGN KEY ("collection_account_id") REFERENCES "ledger_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_issued_by_user_id_fkey" FOREIGN KEY ("issued_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_amount_positive" CHECK ("amount" > 0),
    -- Accepted means the issuer pays into an account of its own: opened at acceptance.
    CONSTRAINT "voucher_collection_when_accepted" CHECK (
        ("accepted_at" IS NULL) = ("status"::text IN ('PENDING_APPROVAL', 'PENDING_ACCEPTANCE', 'REJECTED', 'REFUSED', 'EXPIRED'))
        AND ("accepted_at" IS NULL OR "collection_account_id" IS NOT NULL))
);
CREATE UNIQUE INDEX "voucher_voucher_number_key" ON "voucher"("voucher_number");
CREATE UNIQUE INDEX "voucher_issued_account_id_key" ON "voucher"("issued_account_id");
CREATE UNIQUE INDEX "voucher_collection_account_id_key" ON "voucher"("collection_account_id");
CREATE UNIQUE INDEX "voucher_issuer_party_id_idempotency_key_key" ON "voucher"("issuer_party_id", "idempotency_key");
CREATE INDEX "voucher_issuer_party_id_due_date_idx" ON "voucher"("issuer_party_id", "due_date");
CREATE INDEX "voucher_due_date_status_idx" ON "voucher"("due_date", "status");

CREATE TABLE "voucher_part" (
    "id"                UUID           NOT NULL DEFAULT gen_random_uuid(),
    "part_number"       VARCHAR(40)    NOT NULL,
    "voucher_id"        UUID           NOT NULL,
    "parent_part_id"    UUID,
    "tier"              INTEGER        NOT NULL,
    "holder_party_id"   UUID           NOT NULL,
    "currency"          CHAR(3)        NOT NULL,
    "original_amount"   NUMERIC(24,4)  NOT NULL,
    "held_amount"       NUMERIC(24,4)  NOT NULL DEFAULT 0,
    "status"            "voucher_part_status" NOT NULL DEFAULT 'PENDING_ACCEPTANCE',
    "claim_account_id"  UUID           NOT NULL,
    "created_at"        TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "accepted_at"       TIMESTAMPTZ(6),
    "updated_at"        TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "voucher_part_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "voucher_part_voucher_id_fkey" FOREIGN KEY ("voucher_id") REFERENCES "voucher"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_part_parent_part_id_fkey" FOREIGN KEY ("parent_part_id") REFERENCES "voucher_part"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_part_holder_party_id_fkey" FOREIGN KEY ("holder_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_part_currency_fkey" FOREIGN KEY ("currency") REFERENCES "ledger_currency"("code") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_part_claim_account_id_fkey" FOREIGN KEY ("claim_account_id") REFERENCES "ledger_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_part_amounts" CHECK ("original_amount" > 0 AND "held_amount" >= 0 AND "held_amount" <= "original_amount"),
    -- The root is tier 1; a transferred part sits one tier below its parent (checked by the trigger below).
    CONSTRAINT "voucher_part_tier" CHECK (("parent_part_id" IS NULL) = ("tier" = 1) AND "tier" >= 1),
    -- A part holds nothing until its holder accepts it.
    CONSTRAINT "voucher_part_held_when_accepted" CHECK (
        ("accepted_at" IS NULL) = ("status"::text IN ('PENDING_ACCEPTANCE', 'REFUSED', 'EXPIRED'))
        AND ("accepted_at" IS NOT NULL OR "held_amount" = 0))
);
CREATE UNIQUE INDEX "voucher_part_part_number_key" ON "voucher_part"("part_number");
CREATE UNIQUE INDEX "voucher_part_claim_account_id_key" ON "voucher_part"("claim_account_id");
CREATE INDEX "voucher_part_voucher_id_tier_idx" ON "voucher_part"("voucher_id", "tier");
CREATE INDEX "voucher_part_holder_party_id_status_idx" ON "voucher_part"("holder_party_id", "status");
CREATE INDEX "voucher_part_parent_part_id_idx" ON "voucher_part"("parent_part_id");

CREATE TABLE "voucher_transfer" (
    "id"                   UUID           NOT NULL DEFAULT gen_random_uuid(),
    "transfer_number"      VARCHAR(40)    NOT NULL,
    "voucher_id"           UUID           NOT NULL,
    "from_part_id"         UUID,
    "to_part_id"           UUID           NOT NULL,
    "from_party_id"        UUID           NOT NULL,
    "to_party_id"          UUID           NOT NULL,
    "currency"             CHAR(3)        NOT NULL,
    "amount"               NUMERIC(24,4)  NOT NULL,
    "contract_number"      VARCHAR(64)    NOT NULL,
    "status"               "voucher_transfer_status" NOT NULL DEFAULT 'PENDING_APPROVAL',
    "hold_id"              UUID           NOT NULL,
    "acceptance_deadline"  TIMESTAMPTZ(6) NOT NULL,
    "idempotency_key"      VARCHAR(200)   NOT NULL,
    "request_hash"         CHAR(64)       NOT NULL,
    "proposed_by_user_id"  UUID           NOT NULL,
    "proposed_at"          TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "approved_by_user_id"  UUID,
    "approved_at"          TIMESTAMPTZ(6),
    "decided_by_user_id"   UUID,
    "decided_at"           TIMESTAMPTZ(6),
    "closed_reason"        VARCHAR(500),
    "updated_at"           TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "voucher_transfer_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "voucher_transfer_voucher_id_fkey" FOREIGN KEY ("voucher_id") REFERENCES "voucher"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_transfer_from_part_id_fkey" FOREIGN KEY ("from_part_id") REFERENCES "voucher_part"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_transfer_to_part_id_fkey" FOREIGN KEY ("to_part_id") REFERENCES "voucher_part"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_transfer_from_party_id_fkey" FOREIGN KEY ("from_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_transfer_to_party_id_fkey" FOREIGN KEY ("to_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_transfer_currency_fkey" FOREIGN KEY ("currency") REFERENCES "ledger_currency"("code") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_transfer_hold_id_fkey" FOREIGN KEY ("hold_id") REFERENCES "ledger_hold"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_transfer_proposed_by_user_id_fkey" FOREIGN KEY ("proposed_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_transfer_approved_by_user_id_fkey" FOREIGN KEY ("approved_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_transfer_decided_by_user_id_fkey" FOREIGN KEY ("decided_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_transfer_amount_positive" CHECK ("amount" > 0),
    CONSTRAINT "voucher_transfer_not_to_oneself" CHECK ("from_party_id" <> "to_party_id"),
    -- Four eyes: the checker is never the maker; the decision is never the transferor's.
    CONSTRAINT "voucher_transfer_four_eyes" CHECK (
        ("approved_by_user_id" IS NULL) = ("approved_at" IS NULL)
        AND "approved_by_user_id" IS DISTINCT FROM "proposed_by_user_id"
        AND ("decided_by_user_id" IS NULL) = ("decided_at" IS NULL)
        AND ("status"::text NOT IN ('PENDING_ACCEPTANCE', 'ACCEPTED', 'REFUSED', 'EXPIRED') OR "approved_by_user_id" IS NOT NULL)
        AND (("status"::text IN ('ACCEPTED', 'REFUSED')) = ("decided_by_user_id" IS NOT NULL)))
);
CREATE UNIQUE INDEX "voucher_transfer_transfer_number_key" ON "voucher_transfer"("transfer_number");
CREATE UNIQUE INDEX "voucher_transfer_to_part_id_key" ON "voucher_transfer"("to_part_id");
CREATE UNIQUE INDEX "voucher_transfer_hold_id_key" ON "voucher_transfer"("hold_id");
CREATE UNIQUE INDEX "voucher_transfer_from_party_id_idempotency_key_key" ON "voucher_transfer"("from_party_id", "idempotency_key");
CREATE INDEX "voucher_transfer_voucher_id_idx" ON "voucher_transfer"("voucher_id");
CREATE INDEX "voucher_transfer_from_part_id_idx" ON "voucher_transfer"("from_part_id");
CREATE INDEX "voucher_transfer_to_party_id_status_idx" ON "voucher_transfer"("to_party_id", "status");
CREATE INDEX "voucher_transfer_status_acceptance_deadline_idx" ON "voucher_transfer"("status", "acceptance_deadline");

CREATE TABLE "voucher_transfer_invoice" (
    "id"              UUID           NOT NULL DEFAULT gen_random_uuid(),
    "transfer_id"     UUID           NOT NULL,
    "line_number"     INTEGER        NOT NULL,
    "invoice_code"    VARCHAR(20)    NOT NULL,
    "invoice_number"  VARCHAR(20)    NOT NULL,
    "amount"          NUMERIC(24,4)  NOT NULL,
    "issue_date"      DATE           NOT NULL,
    "fingerprint"     CHAR(64)       NOT NULL,
    CONSTRAINT "voucher_transfer_invoice_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "voucher_transfer_invoice_transfer_id_fkey" FOREIGN KEY ("transfer_id") REFERENCES "voucher_transfer"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_transfer_invoice_amount_positive" CHECK ("amount" > 0)
);
CREATE UNIQUE INDEX "voucher_transfer_invoice_transfer_id_fingerprint_key" ON "voucher_transfer_invoice"("transfer_id", "fingerprint");
CREATE UNIQUE INDEX "voucher_transfer_invoice_transfer_id_line_number_key" ON "voucher_transfer_invoice"("transfer_id", "line_number");

-- The registry encumbers an invoice for a registration or for a voucher transfer's trade
-- background; one active entry per invoice either way (the existing partial unique index).
ALTER TABLE "registry_entry"
  ALTER COLUMN "receivable_id" DROP NOT NULL,
  ADD COLUMN "voucher_transfer_id" UUID,
  ADD CONSTRAINT "registry_entry_voucher_transfer_id_fkey" FOREIGN KEY ("voucher_transfer_id") REFERENCES "voucher_transfer"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  ADD CONSTRAINT "registry_entry_one_holder" CHECK (("receivable_id" IS NULL) <> ("voucher_transfer_id" IS NULL));
CREATE INDEX "registry_entry_voucher_transfer_id_idx" ON "registry_entry"("voucher_transfer_id");

-- A receivable created to finance a voucher part: supplier = the part's holder, obligor = the issuer.
ALTER TABLE "receivable"
  ADD COLUMN "voucher_part_id" UUID,
  ADD CONSTRAINT "receivable_voucher_part_id_fkey" FOREIGN KEY ("voucher_part_id") REFERENCES "voucher_part"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE INDEX "receivable_voucher_part_id_idx" ON "receivable"("voucher_part_id");

-- A part's place in its voucher: same voucher and currency as its parent, one tier below it.
CREATE FUNCTION "voucher_part_lineage_check"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  parent RECORD;
BEGIN
  IF NEW."parent_part_id" IS NULL THEN
    IF EXISTS (SELECT 1 FROM "voucher_part" WHERE "voucher_id" = NEW."voucher_id" AND "parent_part_id" IS NULL AND "id" <> NEW."id") THEN
      RAISE EXCEPTION 'voucher % has a root part already', NEW."voucher_id" USING ERRCODE = '23514';
    END IF;
    RETURN NEW;
  END IF;
  SELECT "voucher_id", "tier", "currency" INTO parent FROM "voucher_part" WHERE "id" = NEW."parent_part_id";
  IF parent."voucher_id" <> NEW."voucher_id" OR parent."tier" + 1 <> NEW."tier" OR parent."currency" <> NEW."currency" THEN
    RAISE EXCEPTION 'voucher part % must sit one tier below its parent % in the same voucher and currency', NEW."id", NEW."parent_part_id" USING ERRCODE = '23514';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER "voucher_part_lineage" BEFORE INSERT OR UPDATE OF "parent_part_id", "voucher_id", "tier", "currency" ON "voucher_part"
    FOR EACH ROW EXECUTE FUNCTION "voucher_part_lineage_check"();

-- The parts of an accepted voucher add up to its amount, at every commit: a transfer's
-- acceptance lowers one part and raises another in the same transaction.
CREATE FUNCTION "voucher_parts_add_up_check"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  checked UUID;
  issued RECORD;
  held NUMERIC;
BEGIN
  IF TG_TABLE_NAME = 'voucher' THEN
    checked := NEW."id";
  ELSE
    checked := NEW."voucher_id";
  END IF;
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
-- Only a change of what a part holds can change the sum: a part changing state between its
-- holding states (financed, paid) does not, and a pending part holds nothing.
CREATE CONSTRAINT TRIGGER "voucher_parts_add_up_on_insert" AFTER INSERT ON "voucher_part"
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW."held_amount" <> 0)
    EXECUTE FUNCTION "voucher_parts_add_up_check"();
CREATE CONSTRAINT TRIGGER "voucher_parts_add_up" AFTER UPDATE OF "held_amount", "status" ON "voucher_part"
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD."held_amount" IS DISTINCT FROM NEW."held_amount"
          OR (OLD."status"::text IN ('PENDING_ACCEPTANCE', 'REFUSED', 'EXPIRED')) <> (NEW."status"::text IN ('PENDING_ACCEPTANCE', 'REFUSED', 'EXPIRED')))
    EXECUTE FUNCTION "voucher_parts_add_up_check"();
CREATE CONSTRAINT TRIGGER "voucher_parts_add_up_at_acceptance" AFTER UPDATE OF "status" ON "voucher"
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "voucher_parts_add_up_check"();

-- What was issued and decided is history: amounts, parties and lineage never change.
CREATE FUNCTION "voucher_facts_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE TRIGGER "voucher_immutable" BEFORE UPDATE OR DELETE ON "voucher" FOR EACH ROW EXECUTE FUNCTION "voucher_facts_immutable"();
CREATE TRIGGER "voucher_part_immutable" BEFORE UPDATE OR DELETE ON "voucher_part" FOR EACH ROW EXECUTE FUNCTION "voucher_facts_immutable"();
CREATE TRIGGER "voucher_transfer_immutable" BEFORE UPDATE OR DELETE ON "voucher_transfer" FOR EACH ROW EXECUTE FUNCTION "voucher_facts_immutable"();
