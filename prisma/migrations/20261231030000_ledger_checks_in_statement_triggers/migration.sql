-- The ledger's CHECK constraints, checked inside the statements that already run on every
-- posting (docs/ledger.md, "Performance").
--
-- PostgreSQL reads every CHECK expression of a table from its stored text, plans it and
-- compiles it again for each statement that writes the table: a single posting writes
-- ledger_transaction, ledger_entry and ledger_account in statements of their own, and paid
-- about 306,000 instructions of its 2.23M for six small expressions (counted under callgrind,
-- single-user PostgreSQL 17, the difference between 250 and 50 postings). The same rules now
-- ride along with the statement-level triggers and updates that every such write runs anyway,
-- planned once per session; nothing else changes:
--
-- * ledger_transaction_not_future and ledger_transaction_not_self_reversing: in the closed-day
--   trigger (ledger_refuse_closed_day), over the statement's new rows. Transactions are never
--   updated (ledger_transaction_immutable), so an insert is the only write to check.
-- * ledger_entry_amount_positive: in ledger_entry_apply, per account, before its other checks.
--   Entries are never updated either.
-- * ledger_account_debits_within_credits, ledger_account_credits_within_debits and
--   ledger_account_totals_not_negative: the totals change only inside the ledger's triggers
--   (ledger_account_direct_update refuses any other write of them), and each of those checks the
--   totals it writes: ledger_entry_apply and ledger_hold_reserve the bounds, ledger_hold_release
--   that pending totals stay at or above zero. A direct update (trigger depth 0) can change only
--   the flags, and ledger_account_check_direct_update checks the bounds against the new flags.
--
-- Each raises what the constraint raised: SQLSTATE 23514, the constraint's name and the same
-- message, and for a bound the account's id and code first in the detail, so the store maps
-- them as before (to-domain-error.ts).

-- Raises a check violation from inside an SQL expression, the way a CHECK constraint would.
CREATE FUNCTION "ledger_fail_check"(p_table text, p_constraint text, p_detail text, p_type anyelement) RETURNS anyelement
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = '23514',
        MESSAGE = format('new row for relation "%s" violates check constraint "%s"', p_table, p_constraint),
        CONSTRAINT = p_constraint, TABLE = p_table, DETAIL = coalesce(p_detail, '');
END
$$;

ALTER TABLE "ledger_transaction" DROP CONSTRAINT "ledger_transaction_not_future",
                                 DROP CONSTRAINT "ledger_transaction_not_self_reversing";
ALTER TABLE "ledger_entry" DROP CONSTRAINT "ledger_entry_amount_positive";
ALTER TABLE "ledger_account" DROP CONSTRAINT "ledger_account_debits_within_credits",
                             DROP CONSTRAINT "ledger_account_credits_within_debits",
                             DROP CONSTRAINT "ledger_account_totals_not_negative";

CREATE OR REPLACE FUNCTION "ledger_refuse_closed_day"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_closed record;
    v_earliest timestamptz;
    v_day date;
BEGIN
    -- What the table's CHECK constraints said, once per statement: no row dated more than
    -- ledger_effective_at_lead_max() after its writing, none reversing itself. Then: a row at or
    -- below the highest sequence the balance check has covered in this database transaction
    -- would be taken for checked (ledger_transaction_check_balanced). The identity never hands
    -- one out; a sequence chosen by the caller or a sequence set back can.
    SELECT CASE WHEN bool_or(n."effective_at" > n."created_at" + "ledger_effective_at_lead_max"()) THEN
                "ledger_fail_check"('ledger_transaction', 'ledger_transaction_not_future', NULL, NULL::timestamptz)
                WHEN bool_or(n."reverses_transaction_id" = n."id") THEN
                "ledger_fail_check"('ledger_transaction', 'ledger_transaction_not_self_reversing', NULL, NULL::timestamptz)
                WHEN min(n."sequence") <= nullif(current_setting('ledger.checked_to', true), '')::bigint THEN
                "ledger_fail"('LG018', 'a ledger transaction''s sequence is at or below one whose balance was already checked in this database transaction: the sequence is the database''s to assign', NULL, NULL::timestamptz)
           ELSE min(n."effective_at") END
    INTO v_earliest FROM "ledger_new_transactions" n;
    IF v_earliest IS NULL THEN
        RETURN NULL;
    END IF;
    -- ledger_closed_through(), written out: a nested PL/pgSQL call cost more than the lookup,
    -- on every posting. The shared lock keeps the answer true until this transaction ends.
    PERFORM pg_advisory_xact_lock_shared("ledger_cut_off_lock_key"());
    SELECT d."cut_off_at" AS "closed_through", d."business_date" INTO v_closed
    FROM "accounting_day" d WHERE d."status" = 'CLOSED' ORDER BY d."cut_off_at" DESC LIMIT 1;
    IF FOUND AND v_earliest < v_closed."closed_through" THEN
        SELECT d."business_date" INTO v_day FROM "accounting_day" d
        WHERE d."status" = 'CLOSED' AND v_earliest < d."cut_off_at" AND (d."opens_at" IS NULL OR v_earliest >= d."opens_at")
        ORDER BY d."cut_off_at" LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'LG015',
            MESSAGE = format('accounting day %s is closed: a posting effective at %s cannot be booked into it; correct it with entries dated in an open day (from %s)',
                             coalesce(v_day, v_closed."business_date"), v_earliest, v_closed."closed_through"),
            DETAIL = coalesce(v_day, v_closed."business_date")::text;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION "ledger_entry_apply"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_xact bigint := pg_current_xact_id()::text::bigint;
    v_accounts integer;
    v_updated integer;
    v_missing uuid;
    v_key varchar;
    v_entries bigint;
    v_unbalanced text;
BEGIN
    -- One statement validates and applies. Per account: the entries are positive, in the
    -- account's currency with no more decimals than it has, the account is open and in the
    -- book of every transaction it appears in, each transaction exists, was written by this
    -- database transaction and has the entry's effective time, and the new totals keep the
    -- account's balance bounds. The transaction lookup is LATERAL with OFFSET 0 so that it
    -- stays an index probe.
    WITH d AS (
        SELECT e."account_id",
               coalesce(sum(e."amount") FILTER (WHERE e."direction" = 'DEBIT'), 0) AS "debits",
               coalesce(sum(e."amount") FILTER (WHERE e."direction" = 'CREDIT'), 0) AS "credits",
               min(e."currency") AS "currency_low", max(e."currency") AS "currency_high",
               coalesce(bool_and(e."amount" > 0), false) AS "amounts_positive",
               coalesce(bool_and(e."amount" = trunc(e."amount", c."minor_units")), false) AS "decimals_ok",
               min(t."book") AS "book_low", max(t."book") AS "book_high",
               coalesce(bool_and(t."created_xact_id" = v_xact), false) AS "own_transactions",
               coalesce(bool_and(t."effective_at" = e."effective_at"), false) AS "same_effective_time",
               min(t."sequence") AS "sequence_low",
               min(e."transaction_id"::text) AS "some_transaction"
        FROM "ledger_new_entries" e
        LEFT JOIN LATERAL (
            SELECT t."created_xact_id", t."effective_at", t."book", t."sequence" FROM "ledger_transaction" t WHERE t."id" = e."transaction_id" OFFSET 0) t ON true
        LEFT JOIN "ledger_currency" c ON c."code" = e."currency"
        GROUP BY e."account_id"
    ), u AS (
        UPDATE "ledger_account" a
        SET "debits_posted" = CASE
                WHEN NOT d."amounts_positive" THEN
                    "ledger_fail_check"('ledger_entry', 'ledger_entry_amount_positive', format('an entry on account %s is not positive', a."id"), NULL::numeric)
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
                -- The balance bounds on the new totals (TigerBeetle's flags; pending debits count
                -- against the no-overdraft bound). Entries only raise posted totals, so none
                -- can turn negative here.
                WHEN a."debits_must_not_exceed_credits" AND a."debits_posted" + d."debits" + a."debits_pending" > a."credits_posted" + d."credits" THEN
                    "ledger_fail_check"('ledger_account', 'ledger_account_debits_within_credits', format('Failing row contains (%s, %s, ...).', a."id", a."code"), NULL::numeric)
                WHEN a."credits_must_not_exceed_debits" AND a."credits_posted" + d."credits" + a."credits_pending" > a."debits_posted" + d."debits" THEN
                    "ledger_fail_check"('ledger_account', 'ledger_account_credits_within_debits', format('Failing row contains (%s, %s, ...).', a."id", a."code"), NULL::numeric)
                ELSE a."debits_posted" + d."debits" END,
            "credits_posted" = a."credits_posted" + d."credits"
        FROM d
        WHERE a."id" = d."account_id"
        RETURNING 1
    )
    -- Whether an entry went to a transaction whose balance was already checked in this database
    -- transaction (SET CONSTRAINTS ... IMMEDIATE): its deferred check has fired and does not
    -- fire again (ledger_transaction_check_balanced).
    -- (counted twice, so that both take the one branch below).
    SELECT (SELECT count(*) + count(*) FILTER (WHERE d."sequence_low" <= nullif(current_setting('ledger.checked_to', true), '')::bigint) FROM d),
           (SELECT count(*) FROM u)
    INTO v_accounts, v_updated;
    IF v_updated < v_accounts THEN
        SELECT e."account_id" INTO v_missing FROM "ledger_new_entries" e
        WHERE NOT EXISTS (SELECT 1 FROM "ledger_account" a WHERE a."id" = e."account_id") LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'LG006', MESSAGE = format('account %s not found', v_missing), DETAIL = v_missing::text;
        END IF;
        -- Such a transaction is checked now, after each statement that adds to it: whatever is
        -- rolled back to later, it is left as a check saw it.
        SELECT t."idempotency_key", c."entries", c."unbalanced"
        INTO v_key, v_entries, v_unbalanced
        FROM (SELECT DISTINCT e."transaction_id" FROM "ledger_new_entries" e) n
        JOIN "ledger_transaction" t ON t."id" = n."transaction_id"
        CROSS JOIN LATERAL (
            SELECT coalesce(sum(s."entries"), 0) AS "entries",
                   string_agg(s."currency" || ' ' || s."net"::text, ', ') FILTER (WHERE s."net" <> 0) AS "unbalanced"
            FROM (SELECT e."currency", count(*) AS "entries",
                         sum(CASE WHEN e."direction" = 'DEBIT' THEN e."amount" ELSE -e."amount" END) AS "net"
                  FROM "ledger_entry" e WHERE e."transaction_id" = t."id" GROUP BY e."currency") s) c
        WHERE t."sequence" <= nullif(current_setting('ledger.checked_to', true), '')::bigint
          AND (c."entries" < 2 OR c."unbalanced" IS NOT NULL)
        ORDER BY t."sequence"
        LIMIT 1;
        IF v_entries < 2 THEN
            RAISE EXCEPTION USING ERRCODE = 'LG013', MESSAGE = format('transaction %s has %s entries; at least two are required', v_key, v_entries);
        END IF;
        IF v_unbalanced IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'LG002', MESSAGE = format('transaction %s does not balance: debits minus credits is %s', v_key, v_unbalanced);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

-- A hold's reservation raises the pending totals; the bounds are checked on the totals it writes.
CREATE OR REPLACE FUNCTION "ledger_hold_reserve"() RETURNS trigger
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
    -- Pending debits count against the no-overdraft bound; pending credits count against the
    -- reverse bound. The hold's amount is positive (ledger_hold_amount_positive).
    UPDATE "ledger_account" a SET "debits_pending" = CASE
            WHEN a."debits_must_not_exceed_credits" AND a."debits_posted" + a."debits_pending" + NEW."amount" > a."credits_posted" THEN
                "ledger_fail_check"('ledger_account', 'ledger_account_debits_within_credits', format('Failing row contains (%s, %s, ...).', a."id", a."code"), NULL::numeric)
            ELSE a."debits_pending" + NEW."amount" END
    WHERE a."id" = NEW."debit_account_id";
    UPDATE "ledger_account" a SET "credits_pending" = CASE
            WHEN a."credits_must_not_exceed_debits" AND a."credits_posted" + a."credits_pending" + NEW."amount" > a."debits_posted" THEN
                "ledger_fail_check"('ledger_account', 'ledger_account_credits_within_debits', format('Failing row contains (%s, %s, ...).', a."id", a."code"), NULL::numeric)
            ELSE a."credits_pending" + NEW."amount" END
    WHERE a."id" = NEW."credit_account_id";
    RETURN NULL;
END
$$;

-- Releasing lowers pending totals, which can break no bound; they must not fall below zero.
CREATE OR REPLACE FUNCTION "ledger_hold_release"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE "ledger_account" a SET "debits_pending" = CASE
            WHEN a."debits_pending" - OLD."amount" < 0 THEN
                "ledger_fail_check"('ledger_account', 'ledger_account_totals_not_negative', format('Failing row contains (%s, %s, ...).', a."id", a."code"), NULL::numeric)
            ELSE a."debits_pending" - OLD."amount" END
    WHERE a."id" = OLD."debit_account_id";
    UPDATE "ledger_account" a SET "credits_pending" = CASE
            WHEN a."credits_pending" - OLD."amount" < 0 THEN
                "ledger_fail_check"('ledger_account', 'ledger_account_totals_not_negative', format('Failing row contains (%s, %s, ...).', a."id", a."code"), NULL::numeric)
            ELSE a."credits_pending" - OLD."amount" END
    WHERE a."id" = OLD."credit_account_id";
    RETURN NULL;
END
$$;

-- A direct update (trigger depth 0) changes no totals, but may turn a bound on: the totals must
-- then already meet it.
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
    IF NEW."debits_must_not_exceed_credits" AND NEW."debits_posted" + NEW."debits_pending" > NEW."credits_posted" THEN
        PERFORM "ledger_fail_check"('ledger_account', 'ledger_account_debits_within_credits', format('Failing row contains (%s, %s, ...).', NEW."id", NEW."code"), NULL::numeric);
    END IF;
    IF NEW."credits_must_not_exceed_debits" AND NEW."credits_posted" + NEW."credits_pending" > NEW."debits_posted" THEN
        PERFORM "ledger_fail_check"('ledger_account', 'ledger_account_credits_within_debits', format('Failing row contains (%s, %s, ...).', NEW."id", NEW."code"), NULL::numeric);
    END IF;
    RETURN NEW;
END
$$;
