-- The balance check once per commit, without the transaction-local settings a single posting
-- paid for (docs/ledger.md, "Performance").
--
-- 20261219080000 kept a count of writes and the lowest and highest sequence written in settings,
-- updated by the statement-level triggers on every insert, and queued a check of every entry
-- written after an early check (SET CONSTRAINTS ... IMMEDIATE) through a row trigger whose WHEN
-- clause ran on every entry. A single posting paid for all of it, about 137,000 instructions of
-- its 2.29M. Here the writes keep no settings, and there is no trigger on every entry:
--
-- * The deferred check (ledger_transaction_balanced, a constraint trigger on every
--   ledger_transaction row, unchanged) fires for the rows in the order they were written. A
--   firing that is not skipped checks every transaction this database transaction wrote with a
--   sequence from its own row's up to the session's last identity value (currval; or the highest
--   already checked, if higher), and notes that range in two settings (at commit, once). The
--   identity gives a session rising values, so the first firing's range holds every row written
--   since the last check. A firing whose row is in the range the last check covered returns at
--   once; any other row (one with a sequence chosen by the caller, or after a setval) is checked
--   by its own firing, so no row is taken for checked on an assumption about its sequence.
-- * Two things could still put a row that was not checked inside a checked range, both only
--   after an early check: a new row with a sequence at or below the highest checked (chosen by
--   the caller, or the identity set back), and entries added to a transaction already checked.
--   The statement-level triggers that run on every insert anyway refuse the first (LG018) and
--   check the second at once, after each such statement; both read the highest checked
--   sequence inside a statement they already run, which costs next to nothing.
--
-- A savepoint rolled back takes back the settings with the rows, and PostgreSQL fires again the
-- checks it fired inside it.

DROP TRIGGER "ledger_entry_balanced_after_early_check" ON "ledger_entry";
DROP FUNCTION "ledger_entry_check_balanced"();

CREATE OR REPLACE FUNCTION "ledger_refuse_closed_day"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_closed record;
    v_earliest timestamptz;
    v_day date;
BEGIN
    -- A row at or below the highest sequence the balance check has covered in this database
    -- transaction would be taken for checked (ledger_transaction_check_balanced). The identity
    -- never hands one out; a sequence chosen by the caller or a sequence set back can.
    SELECT CASE WHEN min(n."sequence") <= nullif(current_setting('ledger.checked_to', true), '')::bigint THEN
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

CREATE OR REPLACE FUNCTION "ledger_transaction_check_balanced"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_key varchar;
    v_entries bigint;
    v_unbalanced text;
    v_checked text;
BEGIN
    IF current_setting('ledger.checked_to', true) <> '' THEN
        -- A check ran before in this database transaction. If it covered this row, the row was
        -- written before it (a row written after it inside its range is refused, LG018) and has
        -- had no entries since that were not checked as they came (ledger_entry_apply).
        IF NEW."created_xact_id" = pg_current_xact_id()::text::bigint
           AND NEW."sequence" BETWEEN nullif(current_setting('ledger.checked_from', true), '')::bigint
                                  AND nullif(current_setting('ledger.checked_to', true), '')::bigint THEN
            RETURN NULL;
        END IF;
    ELSIF NEW."sequence" = currval('"ledger_transaction_sequence_seq"') THEN
        -- The first check, and this row holds the session's last identity value: the identity
        -- rises, so it is the only row of the range (a single posting). Checked by its id, the
        -- cheapest plan; noted as checked like a range.
        SELECT NEW."idempotency_key", coalesce(sum(s."entries"), 0), string_agg(s."currency" || ' ' || s."net"::text, ', ') FILTER (WHERE s."net" <> 0),
               set_config('ledger.checked_from', NEW."sequence"::text, true) || set_config('ledger.checked_to', NEW."sequence"::text, true)
        INTO v_key, v_entries, v_unbalanced, v_checked
        FROM (SELECT e."currency", count(*) AS "entries",
                     sum(CASE WHEN e."direction" = 'DEBIT' THEN e."amount" ELSE -e."amount" END) AS "net"
              FROM "ledger_entry" e WHERE e."transaction_id" = NEW."id" GROUP BY e."currency") s;
    END IF;
    IF v_checked IS NULL THEN
        -- A row no earlier check covered, or the first check of several rows (a batch, or more
        -- postings in one database transaction), checks a range: every transaction this database
        -- transaction wrote from this row's sequence up to the session's last identity value, or
        -- the highest already checked if higher (so that the
        -- checked range stays one interval), found by the sequence index; rows of concurrent
        -- writers in the range are passed over by created_xact_id. A row written with another
        -- created_xact_id than its writer's (the column has a default, not a guard) can never
        -- get entries: it is never skipped, so its own firing checks it, and refuses it. (A
        -- session that never drew from the identity has no last value: currval fails, and the
        -- transaction with it.)
        SELECT c."idempotency_key", c."entries", c."unbalanced",
               set_config('ledger.checked_from', r."low"::text, true) || set_config('ledger.checked_to', r."high"::text, true)
        INTO v_key, v_entries, v_unbalanced, v_checked
        FROM (SELECT NEW."sequence" AS "low",
                     greatest(NEW."sequence", currval('"ledger_transaction_sequence_seq"'),
                              nullif(current_setting('ledger.checked_to', true), '')::bigint) AS "high") r
        LEFT JOIN LATERAL (
            SELECT t."idempotency_key", c."entries", c."unbalanced"
            FROM "ledger_transaction" t
            CROSS JOIN LATERAL (
                SELECT coalesce(sum(s."entries"), 0) AS "entries",
                       string_agg(s."currency" || ' ' || s."net"::text, ', ') FILTER (WHERE s."net" <> 0) AS "unbalanced"
                FROM (SELECT e."currency", count(*) AS "entries",
                             sum(CASE WHEN e."direction" = 'DEBIT' THEN e."amount" ELSE -e."amount" END) AS "net"
                      FROM "ledger_entry" e WHERE e."transaction_id" = t."id" GROUP BY e."currency") s) c
            WHERE t."sequence" BETWEEN r."low" AND r."high" AND (t."created_xact_id" = pg_current_xact_id()::text::bigint OR t."id" = NEW."id")
              AND (c."entries" < 2 OR c."unbalanced" IS NOT NULL)
            ORDER BY t."sequence"
            LIMIT 1) c ON true;
    END IF;
    IF v_entries < 2 OR v_unbalanced IS NOT NULL THEN
        IF v_entries < 2 THEN
            RAISE EXCEPTION USING ERRCODE = 'LG013', MESSAGE = format('transaction %s has %s entries; at least two are required', v_key, v_entries);
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'LG002', MESSAGE = format('transaction %s does not balance: debits minus credits is %s', v_key, v_unbalanced);
    END IF;
    RETURN NULL;
END
$$;
