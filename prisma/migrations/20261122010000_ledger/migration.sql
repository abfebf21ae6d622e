-- The escrow ledger: currencies, accounts, transactions, entries, holds (two-phase transfers)
-- and maker-checker adjustments. docs/ledger.md explains the model; this file is where the
-- invariants live, so that no code path (a bug, a script, a person with psql) can break them:
--
--   * every transaction balances per currency and has at least two entries (a deferred
--     constraint trigger on ledger_transaction, checked at commit; entries can only be added
--     by the database transaction that wrote their transaction, so the check is final);
--   * transactions, entries and currencies are never updated or deleted; holds only move
--     from PENDING to one final state; accounts are never deleted;
--   * amounts are positive with at most the currency's minor units;
--   * account totals are written only by the triggers below, from the entries and holds they
--     sum, so they cannot drift; the balance flags are CHECK constraints on those totals and
--     hold after every statement.
--
-- Errors raised here use SQLSTATE class "LG" (unused by PostgreSQL); the store maps each to a
-- typed domain error:
--   LG001 idempotency key reused with different content   LG010 post exceeds the hold amount
--   LG002 transaction unbalanced                          LG011 immutable row, or totals written
--   LG003 currency mismatch                                     other than by these triggers
--   LG004 amount not positive or too many decimals        LG012 books mixed in one transaction
--   LG005 account closed                                  LG013 fewer than two entries
--   LG006 account not found                               LG014 idempotency key twice in a batch
--   LG007 hold not found                                  LG016 entry added to a transaction
--   LG008 hold already resolved                                 another database transaction wrote
--   LG009 hold expired                                    LG017 entry effective time differs
-- Balance bounds surface as check_violation (23514) on ledger_account_debits_within_credits
-- or ledger_account_credits_within_debits; a second reversal as unique_violation (23505) on
-- ledger_transaction_reverses_once.

CREATE TYPE "ledger_account_type" AS ENUM ('ASSET', 'LIABILITY', 'EQUITY', 'REVENUE', 'EXPENSE');
CREATE TYPE "ledger_direction" AS ENUM ('DEBIT', 'CREDIT');
CREATE TYPE "ledger_book" AS ENUM ('MONEY', 'MEMO');
CREATE TYPE "ledger_account_purpose" AS ENUM (
    'ESCROW_BANK', 'SUPPLIER_SETTLEMENT', 'FUNDER_FUNDING', 'CORE_REPAYMENT', 'COLLECTION',
    'PAYOUT_IN_TRANSIT', 'INBOUND_CLEARING', 'FEE_INCOME', 'SUSPENSE',
    'CREDIT_LIMIT', 'LIMIT_CONTROL', 'PENALTY_RECEIVABLE', 'ACCRUAL_CONTROL'
);
CREATE TYPE "ledger_hold_status" AS ENUM ('PENDING', 'POSTED', 'VOIDED', 'EXPIRED');
CREATE TYPE "ledger_adjustment_status" AS ENUM ('PENDING', 'APPROVED', 'REJECTED');

-- ---------------------------------------------------------------------------------------
-- Currencies: the same table as CURRENCIES in workflows/domain/money.ts.

CREATE TABLE "ledger_currency" (
    "code"        CHAR(3)  NOT NULL,
    "minor_units" SMALLINT NOT NULL,
    CONSTRAINT "ledger_currency_pkey" PRIMARY KEY ("code"),
    CONSTRAINT "ledger_currency_code_shape" CHECK ("code" ~ '^[A-Z]{3}$'),
    -- Amount columns keep four decimals; a currency cannot claim more.
    CONSTRAINT "ledger_currency_minor_units_range" CHECK ("minor_units" BETWEEN 0 AND 4)
);
INSERT INTO "ledger_currency" ("code", "minor_units") VALUES ('CNY', 2), ('USD', 2), ('EUR', 2), ('HKD', 2), ('JPY', 0);

-- ---------------------------------------------------------------------------------------
-- Virtual account numbers: 19 digits, the last a Luhn check digit (as bank card and
-- account numbers are), so a mistyped number is caught before money is matched to it.

CREATE FUNCTION "ledger_luhn_check_digit"(p_payload text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ((10 - sum(CASE WHEN (length(p_payload) - i) % 2 = 0
                           THEN (d * 2) - CASE WHEN d * 2 > 9 THEN 9 ELSE 0 END
                           ELSE d END) % 10) % 10)::integer
    FROM (SELECT i, substr(p_payload, i, 1)::integer AS d FROM generate_series(1, length(p_payload)) AS i) AS digits
$$;

CREATE FUNCTION "ledger_virtual_account_number_valid"(p_number text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT p_number ~ '^[0-9]{19}$'
       AND "ledger_luhn_check_digit"(left(p_number, 18)) = right(p_number, 1)::integer
$$;

CREATE SEQUENCE "ledger_virtual_account_serial" AS bigint MINVALUE 1 MAXVALUE 999999999999;

-- 955880 is the platform's number range; the serial makes each number unique.
CREATE FUNCTION "ledger_next_virtual_account_number"() RETURNS text
LANGUAGE sql VOLATILE AS $$
    SELECT payload || "ledger_luhn_check_digit"(payload)::text
    FROM (SELECT '955880' || lpad(nextval('"ledger_virtual_account_serial"')::text, 12, '0') AS payload) AS p
$$;

-- ---------------------------------------------------------------------------------------
-- Accounts. Totals follow TigerBeetle: posted and pending, debits and credits, each only
-- ever growing or (pending) shrinking through the triggers below.

CREATE TABLE "ledger_account" (
    "id"                             UUID          NOT NULL DEFAULT gen_random_uuid(),
    "code"                           VARCHAR(200)  NOT NULL,
    "name"                           VARCHAR(200)  NOT NULL,
    "type"                           "ledger_account_type" NOT NULL,
    "normal_balance"                 "ledger_direction" NOT NULL,
    "book"                           "ledger_book" NOT NULL DEFAULT 'MONEY',
    "currency"                       CHAR(3)       NOT NULL,
    "owner_party_id"                 UUID,
    "purpose"                        "ledger_account_purpose" NOT NULL,
    "debits_must_not_exceed_credits" BOOLEAN       NOT NULL DEFAULT false,
    "credits_must_not_exceed_debits" BOOLEAN       NOT NULL DEFAULT false,
    "closed_at"                      TIMESTAMPTZ(6),
    "virtual_account_number"         VARCHAR(19),
    "debits_pending"                 NUMERIC(24,4) NOT NULL DEFAULT 0,
    "debits_posted"                  NUMERIC(24,4) NOT NULL DEFAULT 0,
    "credits_pending"                NUMERIC(24,4) NOT NULL DEFAULT 0,
    "credits_posted"                 NUMERIC(24,4) NOT NULL DEFAULT 0,
    "created_at"                     TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ledger_account_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "ledger_account_currency_fkey" FOREIGN KEY ("currency") REFERENCES "ledger_currency"("code") ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT "ledger_account_owner_party_id_fkey" FOREIGN KEY ("owner_party_id") REFERENCES "party"("id") ON DELETE RESTRICT ON UPDATE RESTRICT,
    -- Only the rules on the totals are CHECK constraints: PostgreSQL prepares every CHECK
    -- expression again for each statement that updates the table, and every posting updates
    -- accounts. The rest is checked by triggers that postings never fire: the identity (type,
    -- book, purpose, owner, code, virtual account number) once, when the account is opened
    -- (ledger_account_check_new), after which it cannot change; the name and flags on every
    -- direct update (ledger_account_check_direct_update).
    CONSTRAINT "ledger_account_totals_not_negative" CHECK ("debits_pending" >= 0 AND "debits_posted" >= 0 AND "credits_pending" >= 0 AND "credits_posted" >= 0),
    -- The balance bounds, checked on every change of the totals. Pending debits count against
    -- the bound (money on its way out is not available); pending credits do not (money on its
    -- way in is not there yet). Mirror image for the other flag.
    CONSTRAINT "ledger_account_debits_within_credits" CHECK (NOT "debits_must_not_exceed_credits" OR "debits_posted" + "debits_pending" <= "credits_posted"),
    CONSTRAINT "ledger_account_credits_within_debits" CHECK (NOT "credits_must_not_exceed_debits" OR "credits_posted" + "credits_pending" <= "debits_posted")
);
CREATE UNIQUE INDEX "ledger_account_code_key" ON "ledger_account"("code");
CREATE UNIQUE INDEX "ledger_account_virtual_account_number_key" ON "ledger_account"("virtual_account_number");
CREATE INDEX "ledger_account_owner_party_id_idx" ON "ledger_account"("owner_party_id");

-- ---------------------------------------------------------------------------------------
-- Transactions and entries.

CREATE TABLE "ledger_transaction" (
    "id"                      UUID          NOT NULL DEFAULT gen_random_uuid(),
    "idempotency_key"         VARCHAR(200)  NOT NULL,
    "request_hash"            CHAR(64)      NOT NULL,
    "code"                    VARCHAR(64)   NOT NULL,
    "description"             VARCHAR(500),
    -- Every entry's account is in this book (checked as entries are written).
    "book"                    "ledger_book" NOT NULL DEFAULT 'MONEY',
    "effective_at"            TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "created_at"              TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "metadata"                JSONB         NOT NULL DEFAULT '{}',
    "reverses_transaction_id" UUID,
    -- The database transaction that wrote the row. Entries may only be added by that same
    -- database transaction, so the balance checked at its commit is final.
    "created_xact_id"         BIGINT        NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    CONSTRAINT "ledger_transaction_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "ledger_transaction_reverses_transaction_id_fkey" FOREIGN KEY ("reverses_transaction_id") REFERENCES "ledger_transaction"("id") ON DELETE RESTRICT ON UPDATE RESTRICT,
    -- The shapes of keys, hashes, codes and metadata are validated by the store
    -- (workflows/domain/ledger-rules.ts); a CHECK here would be prepared again for every
    -- posting, and none of them protects money. The constraints that do are below and on
    -- ledger_entry and ledger_account.
    -- Back-dating is allowed (bank value dates); dating into the future is not, beyond clock skew.
    CONSTRAINT "ledger_transaction_not_future" CHECK ("effective_at" <= "created_at" + interval '5 minutes'),
    CONSTRAINT "ledger_transaction_not_self_reversing" CHECK ("reverses_transaction_id" IS DISTINCT FROM "id")
);
CREATE UNIQUE INDEX "ledger_transaction_idempotency_key_key" ON "ledger_transaction"("idempotency_key");
-- A transaction is reversed at most once. Partial, so that ordinary transactions (nearly
-- all of them) do not pay for an index entry.
CREATE UNIQUE INDEX "ledger_transaction_reverses_once" ON "ledger_transaction"("reverses_transaction_id") WHERE "reverses_transaction_id" IS NOT NULL;

CREATE TABLE "ledger_entry" (
    "id"             BIGSERIAL     NOT NULL,
    "transaction_id" UUID          NOT NULL,
    "account_id"     UUID          NOT NULL,
    "direction"      "ledger_direction" NOT NULL,
    "amount"         NUMERIC(24,4) NOT NULL,
    "currency"       CHAR(3)       NOT NULL,
    -- Copied from the transaction (and checked to be equal) so that balances as of a time
    -- and statements read one index.
    "effective_at"   TIMESTAMPTZ(6) NOT NULL,
    CONSTRAINT "ledger_entry_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "ledger_entry_amount_positive" CHECK ("amount" > 0)
    -- No FOREIGN KEY constraints on purpose: their per-row checks were a third of the cost of
    -- a posting. ledger_entry_apply checks, once per statement, that every entry's account
    -- and transaction exist; neither can be deleted afterwards (see the triggers below), so
    -- the reference stays valid for ever.
);
CREATE INDEX "ledger_entry_transaction_id_idx" ON "ledger_entry"("transaction_id");
-- Statements and balances as of a time: one range scan, read from the index alone.
CREATE INDEX "ledger_entry_account_id_effective_at_id_idx" ON "ledger_entry"("account_id", "effective_at", "id") INCLUDE ("direction", "amount");

-- ---------------------------------------------------------------------------------------
-- Holds: two-phase transfers. Reserving raises the pending totals; posting (all or part)
-- writes an ordinary transaction and releases the whole reservation; voiding and expiry
-- release it.

CREATE TABLE "ledger_hold" (
    "id"                        UUID          NOT NULL DEFAULT gen_random_uuid(),
    "idempotency_key"           VARCHAR(200)  NOT NULL,
    "request_hash"              CHAR(64)      NOT NULL,
    "debit_account_id"          UUID          NOT NULL,
    "credit_account_id"         UUID          NOT NULL,
    "amount"                    NUMERIC(24,4) NOT NULL,
    "currency"                  CHAR(3)       NOT NULL,
    "code"                      VARCHAR(64)   NOT NULL,
    "metadata"                  JSONB         NOT NULL DEFAULT '{}',
    "status"                    "ledger_hold_status" NOT NULL DEFAULT 'PENDING',
    "posted_amount"             NUMERIC(24,4),
    "expires_at"                TIMESTAMPTZ(6),
    "created_at"                TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at"               TIMESTAMPTZ(6),
    "resolution_key"            VARCHAR(200),
    "resolution_request_hash"   CHAR(64),
    "resolution_transaction_id" UUID,
    CONSTRAINT "ledger_hold_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "ledger_hold_debit_account_id_fkey" FOREIGN KEY ("debit_account_id") REFERENCES "ledger_account"("id") ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT "ledger_hold_credit_account_id_fkey" FOREIGN KEY ("credit_account_id") REFERENCES "ledger_account"("id") ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT "ledger_hold_currency_fkey" FOREIGN KEY ("currency") REFERENCES "ledger_currency"("code") ON DELETE RESTRICT ON UPDATE RESTRICT,
    -- Deferred: the hold is marked posted (releasing its reservation) before the posting
    -- transaction exists, so that the posting is not counted twice against the bound.
    CONSTRAINT "ledger_hold_resolution_transaction_id_fkey" FOREIGN KEY ("resolution_transaction_id") REFERENCES "ledger_transaction"("id") ON DELETE RESTRICT ON UPDATE RESTRICT DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT "ledger_hold_idempotency_key_not_blank" CHECK (length(btrim("idempotency_key")) > 0),
    CONSTRAINT "ledger_hold_request_hash_shape" CHECK ("request_hash" ~ '^[0-9a-f]{64}$'),
    CONSTRAINT "ledger_hold_code_shape" CHECK ("code" ~ '^[A-Z][A-Z0-9_]*$'),
    CONSTRAINT "ledger_hold_metadata_object" CHECK (jsonb_typeof("metadata") = 'object'),
    CONSTRAINT "ledger_hold_accounts_differ" CHECK ("debit_account_id" <> "credit_account_id"),
    CONSTRAINT "ledger_hold_amount_positive" CHECK ("amount" > 0),
    CONSTRAINT "ledger_hold_expires_after_creation" CHECK ("expires_at" IS NULL OR "expires_at" > "created_at"),
    CONSTRAINT "ledger_hold_resolved_iff_not_pending" CHECK (("status" = 'PENDING') = ("resolved_at" IS NULL)),
    CONSTRAINT "ledger_hold_posted_shape" CHECK (
        ("status" = 'POSTED') = ("posted_amount" IS NOT NULL)
        AND ("status" = 'POSTED') = ("resolution_transaction_id" IS NOT NULL)
        AND ("posted_amount" IS NULL OR ("posted_amount" > 0 AND "posted_amount" <= "amount"))),
    -- Posting and voiding carry the caller's idempotency key; expiry is the system's own act.
    CONSTRAINT "ledger_hold_resolution_key_shape" CHECK (
        ("status" IN ('POSTED', 'VOIDED')) = ("resolution_key" IS NOT NULL)
        AND ("resolution_key" IS NULL) = ("resolution_request_hash" IS NULL))
);
CREATE UNIQUE INDEX "ledger_hold_idempotency_key_key" ON "ledger_hold"("idempotency_key");
CREATE UNIQUE INDEX "ledger_hold_resolution_key_key" ON "ledger_hold"("resolution_key");
CREATE UNIQUE INDEX "ledger_hold_resolution_transaction_id_key" ON "ledger_hold"("resolution_transaction_id");
CREATE INDEX "ledger_hold_debit_account_id_created_at_idx" ON "ledger_hold"("debit_account_id", "created_at");
CREATE INDEX "ledger_hold_credit_account_id_created_at_idx" ON "ledger_hold"("credit_account_id", "created_at");
CREATE INDEX "ledger_hold_due_idx" ON "ledger_hold"("expires_at") WHERE "status" = 'PENDING' AND "expires_at" IS NOT NULL;

-- ---------------------------------------------------------------------------------------
-- Manual adjustments: proposed by one operator, approved by another (four eyes).

CREATE TABLE "ledger_adjustment" (
    "id"              UUID          NOT NULL DEFAULT gen_random_uuid(),
    "status"          "ledger_adjustment_status" NOT NULL DEFAULT 'PENDING',
    "reason"          VARCHAR(500)  NOT NULL,
    "entries"         JSONB         NOT NULL,
    "effective_at"    TIMESTAMPTZ(6),
    "maker_user_id"   UUID          NOT NULL,
    "checker_user_id" UUID,
    "decision_note"   VARCHAR(500),
    "transaction_id"  UUID,
    "created_at"      TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decided_at"      TIMESTAMPTZ(6),
    CONSTRAINT "ledger_adjustment_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "ledger_adjustment_maker_user_id_fkey" FOREIGN KEY ("maker_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT "ledger_adjustment_checker_user_id_fkey" FOREIGN KEY ("checker_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT "ledger_adjustment_transaction_id_fkey" FOREIGN KEY ("transaction_id") REFERENCES "ledger_transaction"("id") ON DELETE RESTRICT ON UPDATE RESTRICT,
    CONSTRAINT "ledger_adjustment_reason_not_blank" CHECK (length(btrim("reason")) > 0),
    CONSTRAINT "ledger_adjustment_entries_array" CHECK (jsonb_typeof("entries") = 'array'),
    -- Four eyes: whoever proposed an adjustment cannot approve or reject it.
    CONSTRAINT "ledger_adjustment_four_eyes" CHECK ("checker_user_id" IS DISTINCT FROM "maker_user_id"),
    CONSTRAINT "ledger_adjustment_decision_shape" CHECK (
        ("status" = 'PENDING') = ("checker_user_id" IS NULL)
        AND ("status" = 'PENDING') = ("decided_at" IS NULL)
        AND ("status" = 'APPROVED') = ("transaction_id" IS NOT NULL))
);
CREATE UNIQUE INDEX "ledger_adjustment_transaction_id_key" ON "ledger_adjustment"("transaction_id");
CREATE INDEX "ledger_adjustment_status_created_at_idx" ON "ledger_adjustment"("status", "created_at");

-- =======================================================================================
-- Immutability.

CREATE FUNCTION "ledger_refuse_change"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'LG011',
        MESSAGE = format('%s on %s is not allowed: the ledger is append-only; correct it with a reversing transaction', TG_OP, TG_TABLE_NAME);
END
$$;

CREATE TRIGGER "ledger_currency_immutable" BEFORE UPDATE OR DELETE ON "ledger_currency" FOR EACH ROW EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "ledger_currency_no_truncate" BEFORE TRUNCATE ON "ledger_currency" FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "ledger_transaction_immutable" BEFORE UPDATE OR DELETE ON "ledger_transaction" FOR EACH ROW EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "ledger_transaction_no_truncate" BEFORE TRUNCATE ON "ledger_transaction" FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "ledger_entry_immutable" BEFORE UPDATE OR DELETE ON "ledger_entry" FOR EACH ROW EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "ledger_entry_no_truncate" BEFORE TRUNCATE ON "ledger_entry" FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "ledger_account_no_delete" BEFORE DELETE ON "ledger_account" FOR EACH ROW EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "ledger_account_no_truncate" BEFORE TRUNCATE ON "ledger_account" FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "ledger_hold_no_delete" BEFORE DELETE ON "ledger_hold" FOR EACH ROW EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "ledger_hold_no_truncate" BEFORE TRUNCATE ON "ledger_hold" FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "ledger_adjustment_no_delete" BEFORE DELETE ON "ledger_adjustment" FOR EACH ROW EXECUTE FUNCTION "ledger_refuse_change"();
CREATE TRIGGER "ledger_adjustment_no_truncate" BEFORE TRUNCATE ON "ledger_adjustment" FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_change"();

-- An account's identity never changes once opened; its name, flags and closed_at may.
-- Its totals change only from inside the ledger's triggers (trigger depth 1 or more), so
-- no statement, the store's included, can set a balance that its entries do not add up to.
-- The WHEN clause is deliberately tiny: it is prepared for every statement that updates an
-- account, and postings update accounts all the time.
CREATE FUNCTION "ledger_account_check_direct_update"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW."id", NEW."code", NEW."type", NEW."normal_balance", NEW."book", NEW."currency", NEW."owner_party_id",
        NEW."purpose", NEW."virtual_account_number", NEW."created_at")
       IS DISTINCT FROM
       (OLD."id", OLD."code", OLD."type", OLD."normal_balance", OLD."book", OLD."currency", OLD."owner_party_id",
        OLD."purpose", OLD."virtual_account_number", OLD."created_at") THEN
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

CREATE TRIGGER "ledger_account_direct_update" BEFORE UPDATE ON "ledger_account" FOR EACH ROW
    WHEN (pg_trigger_depth() = 0)
    EXECUTE FUNCTION "ledger_account_check_direct_update"();

-- The rules on an account's identity, checked once when it is opened (see the note on the
-- CHECK constraints above). Violations use SQLSTATE 23514, like a CHECK constraint would;
-- opening with totals is LG011, like any other direct write of them.
CREATE FUNCTION "ledger_account_check_new"() RETURNS trigger
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
        WHEN (NEW."purpose" IN ('CREDIT_LIMIT', 'LIMIT_CONTROL', 'PENALTY_RECEIVABLE', 'ACCRUAL_CONTROL')) <> (NEW."book" = 'MEMO') THEN
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

CREATE TRIGGER "ledger_account_check_new" BEFORE INSERT ON "ledger_account" FOR EACH ROW EXECUTE FUNCTION "ledger_account_check_new"();

-- Raises an error from inside an SQL expression, so that a check can ride along with the
-- statement that needs it instead of costing a query of its own. p_type picks the type the
-- expression would have had.
CREATE FUNCTION "ledger_fail"(p_sqlstate text, p_message text, p_detail text, p_type anyelement) RETURNS anyelement
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = p_sqlstate, MESSAGE = p_message, DETAIL = coalesce(p_detail, '');
END
$$;

-- =======================================================================================
-- Entries: validated and applied to the account totals once per statement, so that a
-- batch of a thousand transfers updates each account once rather than a thousand times.

CREATE FUNCTION "ledger_entry_apply"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_xact bigint := pg_current_xact_id()::text::bigint;
    v_accounts integer;
    v_updated integer;
    v_missing uuid;
BEGIN
    -- One statement validates and applies. Per account: the entries are in the account's
    -- currency with no more decimals than it has, the account is open and in the book of
    -- every transaction it appears in, and each transaction exists, was written by this
    -- database transaction and has the entry's effective time. The CHECK constraints on
    -- ledger_account then enforce the balance flags on the new totals. The transaction
    -- lookup is LATERAL with OFFSET 0 so that it stays an index probe.
    WITH d AS (
        SELECT e."account_id",
               coalesce(sum(e."amount") FILTER (WHERE e."direction" = 'DEBIT'), 0) AS "debits",
               coalesce(sum(e."amount") FILTER (WHERE e."direction" = 'CREDIT'), 0) AS "credits",
               min(e."currency") AS "currency_low", max(e."currency") AS "currency_high",
               coalesce(bool_and(e."amount" = trunc(e."amount", c."minor_units")), false) AS "decimals_ok",
               min(t."book") AS "book_low", max(t."book") AS "book_high",
               coalesce(bool_and(t."created_xact_id" = v_xact), false) AS "own_transactions",
               coalesce(bool_and(t."effective_at" = e."effective_at"), false) AS "same_effective_time",
               min(e."transaction_id"::text) AS "some_transaction"
        FROM "ledger_new_entries" e
        LEFT JOIN LATERAL (
            SELECT t."created_xact_id", t."effective_at", t."book" FROM "ledger_transaction" t WHERE t."id" = e."transaction_id" OFFSET 0) t ON true
        LEFT JOIN "ledger_currency" c ON c."code" = e."currency"
        GROUP BY e."account_id"
    ), u AS (
        UPDATE "ledger_account" a
        SET "debits_posted" = CASE
                WHEN d."currency_low" <> a."currency" OR d."currency_high" <> a."currency" THEN
                    "ledger_fail"('LG003', format('entry in %s on account %s, which is kept in %s',
                        CASE WHEN d."currency_low" <> a."currency" THEN d."currency_low" ELSE d."currency_high" END, a."id", a."currency"), a."id"::text, NULL::numeric)
                WHEN a."closed_at" IS NOT NULL THEN
                    "ledger_fail"('LG005', format('account %s is closed', a."id"), a."id"::text, NULL::numeric)
                WHEN NOT d."decimals_ok" THEN
                    "ledger_fail"('LG004', format('an entry on account %s has more decimals than %s allows', a."id", a."currency"), a."id"::text, NULL::numeric)
                WHEN NOT d."own_transactions" THEN
                    "ledger_fail"('LG016', format('transaction %s does not exist or was written by another database transaction; entries cannot be added to it', d."some_transaction"), NULL, NULL::numeric)
                WHEN NOT d."same_effective_time" THEN
                    "ledger_fail"('LG017', format('an entry of transaction %s has another effective time than its transaction', d."some_transaction"), NULL, NULL::numeric)
                WHEN d."book_low" <> a."book" OR d."book_high" <> a."book" THEN
                    "ledger_fail"('LG012', format('account %s is in the %s book; transaction %s is not', a."id", a."book", d."some_transaction"), a."id"::text, NULL::numeric)
                ELSE a."debits_posted" + d."debits" END,
            "credits_posted" = a."credits_posted" + d."credits"
        FROM d
        WHERE a."id" = d."account_id"
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM u) INTO v_accounts, v_updated;
    IF v_updated < v_accounts THEN
        SELECT e."account_id" INTO v_missing FROM "ledger_new_entries" e
        WHERE NOT EXISTS (SELECT 1 FROM "ledger_account" a WHERE a."id" = e."account_id") LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'LG006', MESSAGE = format('account %s not found', v_missing), DETAIL = v_missing::text;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER "ledger_entry_apply" AFTER INSERT ON "ledger_entry"
    REFERENCING NEW TABLE AS "ledger_new_entries"
    FOR EACH STATEMENT EXECUTE FUNCTION "ledger_entry_apply"();

-- Checked at commit, once per transaction: at least two entries, and debits equal credits
-- in every currency. Entries can only be added by the database transaction that wrote the
-- ledger transaction (see ledger_entry_apply), so this check sees the final set.
CREATE FUNCTION "ledger_transaction_check_balanced"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_entries bigint;
    v_unbalanced text;
BEGIN
    SELECT coalesce(sum(s."entries"), 0), string_agg(s."currency" || ' ' || s."net"::text, ', ') FILTER (WHERE s."net" <> 0)
    INTO v_entries, v_unbalanced
    FROM (SELECT e."currency", count(*) AS "entries",
                 sum(CASE WHEN e."direction" = 'DEBIT' THEN e."amount" ELSE -e."amount" END) AS "net"
          FROM "ledger_entry" e WHERE e."transaction_id" = NEW."id" GROUP BY e."currency") s;
    IF v_entries < 2 THEN
        RAISE EXCEPTION USING ERRCODE = 'LG013', MESSAGE = format('transaction %s has %s entries; at least two are required', NEW."idempotency_key", v_entries);
    END IF;
    IF v_unbalanced IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LG002', MESSAGE = format('transaction %s does not balance: debits minus credits is %s', NEW."idempotency_key", v_unbalanced);
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER "ledger_transaction_balanced" AFTER INSERT ON "ledger_transaction"
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION "ledger_transaction_check_balanced"();

-- =======================================================================================
-- Holds.

CREATE FUNCTION "ledger_hold_reserve"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_minor_units smallint;
    v_debit record;
    v_credit record;
BEGIN
    IF NEW."status" <> 'PENDING' THEN
        RAISE EXCEPTION USING ERRCODE = 'LG008', MESSAGE = 'a hold starts PENDING';
    END IF;
    SELECT "minor_units" INTO v_minor_units FROM "ledger_currency" WHERE "code" = NEW."currency";
    IF NEW."amount" <> trunc(NEW."amount", v_minor_units) THEN
        RAISE EXCEPTION USING ERRCODE = 'LG004', MESSAGE = format('amount %s has more decimals than %s allows (%s)', NEW."amount", NEW."currency", v_minor_units);
    END IF;
    SELECT "currency", "closed_at", "book" INTO v_debit FROM "ledger_account" WHERE "id" = NEW."debit_account_id";
    SELECT "currency", "closed_at", "book" INTO v_credit FROM "ledger_account" WHERE "id" = NEW."credit_account_id";
    IF v_debit."currency" <> NEW."currency" OR v_credit."currency" <> NEW."currency" THEN
        RAISE EXCEPTION USING ERRCODE = 'LG003', MESSAGE = format('hold in %s between accounts kept in %s and %s', NEW."currency", v_debit."currency", v_credit."currency");
    END IF;
    IF v_debit."closed_at" IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LG005', MESSAGE = format('account %s is closed', NEW."debit_account_id"), DETAIL = NEW."debit_account_id"::text;
    END IF;
    IF v_credit."closed_at" IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LG005', MESSAGE = format('account %s is closed', NEW."credit_account_id"), DETAIL = NEW."credit_account_id"::text;
    END IF;
    IF v_debit."book" <> v_credit."book" THEN
        RAISE EXCEPTION USING ERRCODE = 'LG012', MESSAGE = 'a hold cannot join the money and memo books';
    END IF;
    UPDATE "ledger_account" SET "debits_pending" = "debits_pending" + NEW."amount" WHERE "id" = NEW."debit_account_id";
    UPDATE "ledger_account" SET "credits_pending" = "credits_pending" + NEW."amount" WHERE "id" = NEW."credit_account_id";
    RETURN NULL;
END
$$;

CREATE TRIGGER "ledger_hold_reserve" AFTER INSERT ON "ledger_hold" FOR EACH ROW EXECUTE FUNCTION "ledger_hold_reserve"();

-- A hold resolves once: PENDING becomes POSTED, VOIDED or EXPIRED, and nothing else about
-- it changes, ever (a second post would move the money twice).
CREATE FUNCTION "ledger_hold_check_transition"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD."status" <> 'PENDING' THEN
        RAISE EXCEPTION USING ERRCODE = 'LG008', MESSAGE = format('hold %s is already %s', OLD."id", OLD."status"), DETAIL = OLD."status"::text;
    END IF;
    IF NEW."status" = 'PENDING' THEN
        RAISE EXCEPTION USING ERRCODE = 'LG011', MESSAGE = format('hold %s: a pending hold can only be posted, voided or expired', OLD."id");
    END IF;
    IF (NEW."id", NEW."idempotency_key", NEW."request_hash", NEW."debit_account_id", NEW."credit_account_id", NEW."amount",
        NEW."currency", NEW."code", NEW."metadata", NEW."expires_at", NEW."created_at")
       IS DISTINCT FROM
       (OLD."id", OLD."idempotency_key", OLD."request_hash", OLD."debit_account_id", OLD."credit_account_id", OLD."amount",
        OLD."currency", OLD."code", OLD."metadata", OLD."expires_at", OLD."created_at") THEN
        RAISE EXCEPTION USING ERRCODE = 'LG011', MESSAGE = format('hold %s: only its resolution can be recorded', OLD."id");
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER "ledger_hold_check_transition" BEFORE UPDATE ON "ledger_hold" FOR EACH ROW EXECUTE FUNCTION "ledger_hold_check_transition"();

CREATE FUNCTION "ledger_hold_release"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE "ledger_account" SET "debits_pending" = "debits_pending" - OLD."amount" WHERE "id" = OLD."debit_account_id";
    UPDATE "ledger_account" SET "credits_pending" = "credits_pending" - OLD."amount" WHERE "id" = OLD."credit_account_id";
    RETURN NULL;
END
$$;

CREATE TRIGGER "ledger_hold_release" AFTER UPDATE ON "ledger_hold" FOR EACH ROW EXECUTE FUNCTION "ledger_hold_release"();

-- =======================================================================================
-- Adjustments decide once.

CREATE FUNCTION "ledger_adjustment_check_transition"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD."status" <> 'PENDING' THEN
        RAISE EXCEPTION USING ERRCODE = 'LG011', MESSAGE = format('adjustment %s is already %s', OLD."id", OLD."status"), DETAIL = OLD."status"::text;
    END IF;
    IF (NEW."id", NEW."reason", NEW."entries", NEW."effective_at", NEW."maker_user_id", NEW."created_at")
       IS DISTINCT FROM (OLD."id", OLD."reason", OLD."entries", OLD."effective_at", OLD."maker_user_id", OLD."created_at") THEN
        RAISE EXCEPTION USING ERRCODE = 'LG011', MESSAGE = format('adjustment %s: only the decision can be recorded', OLD."id");
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER "ledger_adjustment_check_transition" BEFORE UPDATE ON "ledger_adjustment" FOR EACH ROW EXECUTE FUNCTION "ledger_adjustment_check_transition"();

-- =======================================================================================
-- Operations. Each is one round trip: lock the accounts involved in id order (so that two
-- postings over the same accounts queue instead of deadlocking), settle idempotency,
-- insert, and let the triggers above validate and apply.

-- One transaction, its entries as parallel arrays (cheaper to pass and unpack than JSON):
-- the hot path of the ledger, two statements in all. Returns the transaction, and whether
-- this call was a replay of an earlier one with the same key and content (LG001 if the
-- content differs).
CREATE FUNCTION "ledger_post_transaction"(
    p_key varchar, p_hash char(64), p_code varchar, p_description varchar, p_effective_at timestamptz,
    p_metadata jsonb, p_reverses uuid,
    p_accounts uuid[], p_directions "ledger_direction"[], p_amounts numeric[], p_currencies char(3)[],
    OUT "transaction_id" uuid, OUT "replayed" boolean, OUT "effective_at" timestamptz, OUT "created_at" timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_locked integer;
    v_accounts integer;
    v_existing_hash text;
    v_missing uuid;
BEGIN
    -- Lock the accounts in id order: the one global order that makes concurrent postings
    -- over overlapping accounts queue instead of deadlocking, and serialises the
    -- read-check-write of bounded balances (no lost update, no double spend). A concurrent
    -- twin with the same key that commits while this call waits for the locks makes the
    -- INSERT below fail with a unique violation on the key; the store retries, and the
    -- retry replays.
    SELECT (SELECT count(*) FROM (SELECT 1 FROM "ledger_account" a WHERE a."id" = ANY (p_accounts) ORDER BY a."id" FOR UPDATE) l),
           (SELECT count(DISTINCT x) FROM unnest(p_accounts) AS x),
           t."request_hash", t."id", t."effective_at", t."created_at"
    INTO v_locked, v_accounts, v_existing_hash, transaction_id, effective_at, created_at
    FROM (SELECT 1) AS one
    LEFT JOIN "ledger_transaction" t ON t."idempotency_key" = p_key;
    IF transaction_id IS NOT NULL THEN
        IF v_existing_hash <> p_hash THEN
            RAISE EXCEPTION USING ERRCODE = 'LG001',
                MESSAGE = format('idempotency key %s was already used for a different transaction', p_key), DETAIL = p_key;
        END IF;
        replayed := true;
        RETURN;
    END IF;
    IF v_locked < v_accounts THEN
        SELECT x INTO v_missing FROM unnest(p_accounts) AS x WHERE NOT EXISTS (SELECT 1 FROM "ledger_account" a WHERE a."id" = x) LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'LG006', MESSAGE = format('account %s not found', v_missing), DETAIL = v_missing::text;
    END IF;

    WITH inserted AS (
        INSERT INTO "ledger_transaction" ("idempotency_key", "request_hash", "code", "description", "book", "effective_at", "metadata", "reverses_transaction_id")
        VALUES (p_key, p_hash, p_code, p_description,
                -- The book of the first entry's account; ledger_entry_apply holds every other entry to it.
                (SELECT a."book" FROM "ledger_account" a WHERE a."id" = p_accounts[1]),
                coalesce(p_effective_at, now()), coalesce(p_metadata, '{}'::jsonb), p_reverses)
        RETURNING "id", "effective_at", "created_at"
    ), entries AS (
        INSERT INTO "ledger_entry" ("transaction_id", "account_id", "direction", "amount", "currency", "effective_at")
        SELECT i."id", u."a", u."d",
               -- The column would round a fifth decimal away silently; refuse it instead.
               CASE WHEN u."m" = trunc(u."m", 4) THEN u."m"
                    ELSE "ledger_fail"('LG004', format('amount %s has more decimals than any currency allows', u."m"), NULL, NULL::numeric) END,
               u."c", i."effective_at"
        FROM inserted i, unnest(p_accounts, p_directions, p_amounts, p_currencies) WITH ORDINALITY AS u("a", "d", "m", "c", "n")
        ORDER BY u."n"
    )
    SELECT i."id", false, i."effective_at", i."created_at" INTO transaction_id, replayed, effective_at, created_at FROM inserted i;
END
$$;

-- p_batch: [{"k": key, "h": request hash, "c": code, "d": description, "e": effective_at,
--            "m": metadata, "r": reverses transaction id,
--            "x": [{"a": account id, "d": "DEBIT"|"CREDIT", "m": amount, "c": currency}]}]
-- All or nothing. A key already posted with the same content is returned as a replay and
-- not posted again; with different content the whole call fails (LG001).
CREATE FUNCTION "ledger_post_transactions"(p_batch jsonb)
RETURNS TABLE ("idempotency_key" varchar, "transaction_id" uuid, "replayed" boolean, "effective_at" timestamptz, "created_at" timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_keys varchar[];
    v_existing integer;
    v_accounts integer;
    v_locked integer;
    v_missing uuid;
    v_xact bigint;
BEGIN
    -- Every lookup below is a LATERAL (OFFSET 0) or = ANY index probe: the planner's guess
    -- for a JSON set-returning function is 100 rows, which would otherwise talk it into
    -- scanning the whole transaction table for a single posting.
    SELECT array_agg(b."k" ORDER BY b."n"), count(t."id")
    INTO v_keys, v_existing
    FROM ROWS FROM (jsonb_to_recordset(p_batch) AS ("k" varchar)) WITH ORDINALITY AS b("k", "n")
    LEFT JOIN LATERAL (SELECT t."id" FROM "ledger_transaction" t WHERE t."idempotency_key" = b."k" OFFSET 0) t ON true;
    IF v_keys IS NULL THEN
        RETURN;
    END IF;
    IF cardinality(v_keys) > 1 AND (SELECT count(DISTINCT k) FROM unnest(v_keys) AS k) < cardinality(v_keys) THEN
        RAISE EXCEPTION USING ERRCODE = 'LG014', MESSAGE = 'the same idempotency key appears twice in one batch';
    END IF;

    IF v_existing < cardinality(v_keys) THEN
        -- Lock every account the batch touches, in id order: the one global order that makes
        -- concurrent postings over overlapping accounts wait for each other instead of
        -- deadlocking, and serialises the read-check-write of bounded balances (no lost
        -- update, no double spend).
        SELECT cardinality(w."ids"),
               (SELECT count(*) FROM (SELECT 1 FROM "ledger_account" a WHERE a."id" = ANY (w."ids") ORDER BY a."id" FOR UPDATE) l)
        INTO v_accounts, v_locked
        FROM (SELECT array_agg(DISTINCT x."a") AS "ids" FROM jsonb_array_elements(p_batch) AS b, jsonb_to_recordset(b -> 'x') AS x("a" uuid)) w;
        IF v_locked < v_accounts THEN
            SELECT x."a" INTO v_missing FROM jsonb_array_elements(p_batch) AS b, jsonb_to_recordset(b -> 'x') AS x("a" uuid)
            WHERE NOT EXISTS (SELECT 1 FROM "ledger_account" a WHERE a."id" = x."a") LIMIT 1;
            RAISE EXCEPTION USING ERRCODE = 'LG006', MESSAGE = format('account %s not found', v_missing), DETAIL = v_missing::text;
        END IF;

        -- Keys already posted are skipped here and reported as replays below. A concurrent
        -- call that inserts the same key first makes this INSERT fail with a unique violation
        -- on the key; the store retries, and the retry finds the key and replays it.
        WITH b AS (
            SELECT * FROM jsonb_to_recordset(p_batch) AS b("k" varchar, "h" char(64), "c" varchar, "d" varchar, "e" timestamptz, "m" jsonb, "r" uuid, "x" jsonb)
        ), inserted AS (
            INSERT INTO "ledger_transaction" ("idempotency_key", "request_hash", "code", "description", "book", "effective_at", "metadata", "reverses_transaction_id")
            SELECT b."k", b."h", b."c", b."d",
                   -- The book of the first entry's account; ledger_entry_apply holds every other entry to it.
                   coalesce((SELECT a."book" FROM "ledger_account" a WHERE a."id" = (b."x" -> 0 ->> 'a')::uuid), 'MONEY'),
                   coalesce(b."e", now()), coalesce(b."m", '{}'::jsonb), b."r"
            FROM b
            WHERE v_existing = 0 OR NOT EXISTS (SELECT 1 FROM "ledger_transaction" t WHERE t."idempotency_key" = b."k")
            RETURNING "id", "idempotency_key", "effective_at"
        )
        INSERT INTO "ledger_entry" ("transaction_id", "account_id", "direction", "amount", "currency", "effective_at")
        SELECT i."id", x."a", x."d"::"ledger_direction",
               -- The column would round a fifth decimal away silently; refuse it instead.
               CASE WHEN x."m" = trunc(x."m", 4) THEN x."m"
                    ELSE "ledger_fail"('LG004', format('transaction %s: amount %s has more decimals than any currency allows', i."idempotency_key", x."m"), NULL, NULL::numeric) END,
               x."c", i."effective_at"
        FROM inserted i JOIN b ON b."k" = i."idempotency_key",
             ROWS FROM (jsonb_to_recordset(b."x") AS ("a" uuid, "d" text, "m" numeric, "c" char(3))) WITH ORDINALITY AS x("a", "d", "m", "c", "n")
        ORDER BY i."idempotency_key", x."n";
        v_xact := pg_current_xact_id()::text::bigint;
    END IF;

    -- Every key now has a row: ours, or one committed before (or while we waited on) ours.
    -- A row carrying another request's hash is a reused key and undoes the whole call.
    RETURN QUERY
    SELECT t."idempotency_key", t."id",
           CASE WHEN t."request_hash" <> b."h"
                THEN "ledger_fail"('LG001', format('idempotency key %s was already used for a different transaction', b."k"), b."k", NULL::boolean)
                ELSE coalesce(t."created_xact_id" <> v_xact, true) END,
           t."effective_at", t."created_at"
    FROM ROWS FROM (jsonb_to_recordset(p_batch) AS ("k" varchar, "h" text)) WITH ORDINALITY AS b("k", "h", "n")
    CROSS JOIN LATERAL (
        SELECT t."id", t."idempotency_key", t."request_hash", t."created_xact_id", t."effective_at", t."created_at"
        FROM "ledger_transaction" t WHERE t."idempotency_key" = b."k" OFFSET 0) t
    ORDER BY b."n";
END
$$;

-- Reserves p_amount from p_debit towards p_credit. Replays by idempotency key.
CREATE FUNCTION "ledger_reserve_hold"(
    p_key varchar, p_hash char(64), p_code varchar, p_debit uuid, p_credit uuid, p_amount numeric, p_currency char(3),
    p_expires_at timestamptz, p_metadata jsonb)
RETURNS TABLE ("hold_id" uuid, "replayed" boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_existing record;
    v_locked integer;
    v_id uuid;
BEGIN
    SELECT h."id", h."request_hash" INTO v_existing FROM "ledger_hold" h WHERE h."idempotency_key" = p_key;
    IF NOT FOUND THEN
        SELECT count(*) INTO v_locked FROM (
            SELECT a."id" FROM "ledger_account" a WHERE a."id" IN (p_debit, p_credit) ORDER BY a."id" FOR UPDATE) l;
        IF v_locked < 2 THEN
            RAISE EXCEPTION USING ERRCODE = 'LG006', MESSAGE = format('account %s or %s not found', p_debit, p_credit);
        END IF;
        INSERT INTO "ledger_hold" ("idempotency_key", "request_hash", "code", "debit_account_id", "credit_account_id", "amount", "currency", "expires_at", "metadata")
        VALUES (p_key, p_hash, p_code, p_debit, p_credit, p_amount, p_currency, p_expires_at, coalesce(p_metadata, '{}'::jsonb))
        ON CONFLICT ("idempotency_key") DO NOTHING
        RETURNING "id" INTO v_id;
        IF v_id IS NOT NULL THEN
            RETURN QUERY SELECT v_id, false;
            RETURN;
        END IF;
        SELECT h."id", h."request_hash" INTO v_existing FROM "ledger_hold" h WHERE h."idempotency_key" = p_key;
    END IF;
    IF v_existing."request_hash" <> p_hash THEN
        RAISE EXCEPTION USING ERRCODE = 'LG001', MESSAGE = format('idempotency key %s was already used for a different hold', p_key), DETAIL = p_key;
    END IF;
    RETURN QUERY SELECT v_existing."id", true;
END
$$;

-- Shared by post and void: locks the hold's accounts (id order) and then the hold, and says
-- whether this call is a replay of the resolution recorded under p_key.
CREATE FUNCTION "ledger_lock_hold_for_resolution"(p_hold_id uuid, p_key varchar, p_hash char(64), p_now timestamptz)
RETURNS "ledger_hold"
LANGUAGE plpgsql AS $$
DECLARE
    v_hold "ledger_hold";
BEGIN
    SELECT * INTO v_hold FROM "ledger_hold" WHERE "id" = p_hold_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'LG007', MESSAGE = format('hold %s not found', p_hold_id), DETAIL = p_hold_id::text;
    END IF;
    -- Accounts before the hold, as everywhere else (see ledger_expire_holds).
    PERFORM 1 FROM "ledger_account" a WHERE a."id" IN (v_hold."debit_account_id", v_hold."credit_account_id") ORDER BY a."id" FOR UPDATE;
    SELECT * INTO v_hold FROM "ledger_hold" WHERE "id" = p_hold_id FOR UPDATE;
    IF v_hold."status" <> 'PENDING' THEN
        IF v_hold."resolution_key" = p_key THEN
            IF v_hold."resolution_request_hash" <> p_hash THEN
                RAISE EXCEPTION USING ERRCODE = 'LG001', MESSAGE = format('idempotency key %s was already used for a different resolution of hold %s', p_key, p_hold_id), DETAIL = p_key;
            END IF;
            RETURN v_hold;
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'LG008', MESSAGE = format('hold %s is already %s', p_hold_id, v_hold."status"), DETAIL = v_hold."status"::text;
    END IF;
    IF v_hold."expires_at" IS NOT NULL AND v_hold."expires_at" <= p_now THEN
        RAISE EXCEPTION USING ERRCODE = 'LG009', MESSAGE = format('hold %s expired at %s', p_hold_id, v_hold."expires_at"), DETAIL = 'EXPIRED';
    END IF;
    RETURN v_hold;
END
$$;

-- Posts p_amount (NULL: the full amount) of a pending hold as a transaction keyed p_key,
-- and releases the whole reservation.
CREATE FUNCTION "ledger_post_hold"(
    p_hold_id uuid, p_key varchar, p_hash char(64), p_amount numeric, p_now timestamptz, p_description varchar, p_metadata jsonb)
RETURNS TABLE ("transaction_id" uuid, "replayed" boolean, "posted_amount" numeric)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_hold "ledger_hold";
    v_existing record;
    v_amount numeric;
    v_minor_units smallint;
    v_transaction_id uuid := gen_random_uuid();
BEGIN
    SELECT t."id", t."request_hash" INTO v_existing FROM "ledger_transaction" t WHERE t."idempotency_key" = p_key;
    IF FOUND THEN
        IF v_existing."request_hash" <> p_hash THEN
            RAISE EXCEPTION USING ERRCODE = 'LG001', MESSAGE = format('idempotency key %s was already used for a different transaction', p_key), DETAIL = p_key;
        END IF;
        RETURN QUERY SELECT h."resolution_transaction_id", true, h."posted_amount" FROM "ledger_hold" h WHERE h."resolution_transaction_id" = v_existing."id";
        RETURN;
    END IF;

    v_hold := "ledger_lock_hold_for_resolution"(p_hold_id, p_key, p_hash, p_now);
    IF v_hold."status" = 'POSTED' THEN
        RETURN QUERY SELECT v_hold."resolution_transaction_id", true, v_hold."posted_amount";
        RETURN;
    ELSIF v_hold."status" <> 'PENDING' THEN
        RAISE EXCEPTION USING ERRCODE = 'LG001', MESSAGE = format('idempotency key %s was already used to void hold %s', p_key, p_hold_id), DETAIL = p_key;
    END IF;

    v_amount := coalesce(p_amount, v_hold."amount");
    SELECT "minor_units" INTO v_minor_units FROM "ledger_currency" WHERE "code" = v_hold."currency";
    IF v_amount <= 0 OR v_amount <> trunc(v_amount, v_minor_units) THEN
        RAISE EXCEPTION USING ERRCODE = 'LG004', MESSAGE = format('amount %s is not positive, or has more decimals than %s allows', v_amount, v_hold."currency");
    END IF;
    IF v_amount > v_hold."amount" THEN
        RAISE EXCEPTION USING ERRCODE = 'LG010', MESSAGE = format('cannot post %s of hold %s, which reserves %s', v_amount, p_hold_id, v_hold."amount");
    END IF;

    -- Release first, then post: the posted amount must not count twice against a bound.
    UPDATE "ledger_hold"
    SET "status" = 'POSTED', "posted_amount" = v_amount, "resolved_at" = now(),
        "resolution_key" = p_key, "resolution_request_hash" = p_hash, "resolution_transaction_id" = v_transaction_id
    WHERE "id" = p_hold_id;
    INSERT INTO "ledger_transaction" ("id", "idempotency_key", "request_hash", "code", "description", "book", "metadata")
    VALUES (v_transaction_id, p_key, p_hash, v_hold."code", p_description,
            (SELECT a."book" FROM "ledger_account" a WHERE a."id" = v_hold."debit_account_id"),
            v_hold."metadata" || coalesce(p_metadata, '{}'::jsonb) || jsonb_build_object('holdId', p_hold_id));
    INSERT INTO "ledger_entry" ("transaction_id", "account_id", "direction", "amount", "currency", "effective_at")
    VALUES (v_transaction_id, v_hold."debit_account_id", 'DEBIT', v_amount, v_hold."currency", now()),
           (v_transaction_id, v_hold."credit_account_id", 'CREDIT', v_amount, v_hold."currency", now());
    RETURN QUERY SELECT v_transaction_id, false, v_amount;
END
$$;

CREATE FUNCTION "ledger_void_hold"(p_hold_id uuid, p_key varchar, p_hash char(64), p_now timestamptz)
RETURNS TABLE ("replayed" boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_hold "ledger_hold";
BEGIN
    v_hold := "ledger_lock_hold_for_resolution"(p_hold_id, p_key, p_hash, p_now);
    IF v_hold."status" = 'VOIDED' THEN
        RETURN QUERY SELECT true;
        RETURN;
    ELSIF v_hold."status" <> 'PENDING' THEN
        RAISE EXCEPTION USING ERRCODE = 'LG001', MESSAGE = format('idempotency key %s was already used to post hold %s', p_key, p_hold_id), DETAIL = p_key;
    END IF;
    UPDATE "ledger_hold" SET "status" = 'VOIDED', "resolved_at" = now(), "resolution_key" = p_key, "resolution_request_hash" = p_hash
    WHERE "id" = p_hold_id;
    RETURN QUERY SELECT false;
END
$$;

-- Marks up to p_limit holds due at p_now EXPIRED and releases them. Locks their accounts in
-- id order first, like every other writer, then re-checks each hold under its lock.
CREATE FUNCTION "ledger_expire_holds"(p_now timestamptz, p_limit integer)
RETURNS TABLE ("hold_id" uuid)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_holds uuid[];
    v_accounts uuid[];
BEGIN
    SELECT array_agg(d."id"), array_agg(d."debit_account_id") || array_agg(d."credit_account_id")
    INTO v_holds, v_accounts
    FROM (SELECT h."id", h."debit_account_id", h."credit_account_id" FROM "ledger_hold" h
          WHERE h."status" = 'PENDING' AND h."expires_at" <= p_now
          ORDER BY h."expires_at", h."id" LIMIT p_limit) d;
    IF v_holds IS NULL THEN
        RETURN;
    END IF;
    PERFORM 1 FROM "ledger_account" a WHERE a."id" = ANY (v_accounts) ORDER BY a."id" FOR UPDATE;
    RETURN QUERY
    UPDATE "ledger_hold" h SET "status" = 'EXPIRED', "resolved_at" = now()
    WHERE h."id" = ANY (v_holds) AND h."status" = 'PENDING' AND h."expires_at" <= p_now
    RETURNING h."id";
END
$$;
