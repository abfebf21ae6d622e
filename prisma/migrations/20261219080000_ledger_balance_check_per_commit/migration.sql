-- The balance check at commit looks at every ledger transaction the database transaction
-- wrote at once, instead of once per ledger transaction (docs/ledger.md, "Performance").
--
-- The check stays a deferred constraint trigger on every ledger_transaction row, so that no
-- way of writing rows escapes it. What changes is what one firing does: the first firing at
-- commit checks, in one statement, every ledger transaction this database transaction wrote
-- (at least two entries, debits equal credits in each currency) and notes how many writes it
-- has seen; the firings after it, with no write in between, have nothing left to check and
-- return. A batch of a thousand postings ran the check's statement a thousand times, under the
-- account locks, at commit.
--
-- "Writes" are counted by the statement-level triggers that already run on every insert into
-- ledger_transaction (ledger_refuse_closed_day) and ledger_entry (ledger_entry_apply), in
-- transaction-local settings: a savepoint rolled back takes its counts back with its rows, and
-- SET CONSTRAINTS ... IMMEDIATE followed by more writes makes the next firing check again. The
-- same triggers note the lowest and highest "sequence" written, so that the check reads this
-- database transaction's rows by the sequence index (rows of concurrent writers in that range
-- are skipped by created_xact_id).

CREATE OR REPLACE FUNCTION "ledger_refuse_closed_day"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_closed record;
    v_earliest timestamptz;
    v_day date;
    v_first bigint;
    v_last bigint;
BEGIN
    SELECT min(n."effective_at"), min(n."sequence"), max(n."sequence") INTO v_earliest, v_first, v_last FROM "ledger_new_transactions" n;
    IF v_earliest IS NULL THEN
        RETURN NULL;
    END IF;
    -- Where the commit-time balance check finds the transactions this database transaction
    -- wrote (ledger_transaction_check_balanced), and a write it has not seen yet.
    PERFORM set_config('ledger.writes', (coalesce(nullif(current_setting('ledger.writes', true), ''), '0')::bigint + 1)::text, true),
            set_config('ledger.first_sequence', least(v_first, nullif(current_setting('ledger.first_sequence', true), '')::bigint)::text, true),
            set_config('ledger.last_sequence', greatest(v_last, nullif(current_setting('ledger.last_sequence', true), '')::bigint)::text, true);
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
BEGIN
    -- A write the commit-time balance check has not seen yet (ledger_transaction_check_balanced).
    PERFORM set_config('ledger.writes', (coalesce(nullif(current_setting('ledger.writes', true), ''), '0')::bigint + 1)::text, true);
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

CREATE OR REPLACE FUNCTION "ledger_transaction_check_balanced"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_writes text := coalesce(nullif(current_setting('ledger.writes', true), ''), '0');
    v_xact bigint := pg_current_xact_id()::text::bigint;
    v_first bigint;
    v_last bigint;
    v_key varchar;
    v_entries bigint;
    v_unbalanced text;
BEGIN
    IF NEW."created_xact_id" = v_xact AND current_setting('ledger.balanced_through', true) = v_writes THEN
        -- An earlier firing checked every transaction written so far, and nothing was written since.
        RETURN NULL;
    END IF;
    -- This row is always in the range, whatever the settings say.
    v_first := least(NEW."sequence", nullif(current_setting('ledger.first_sequence', true), '')::bigint);
    v_last := greatest(NEW."sequence", nullif(current_setting('ledger.last_sequence', true), '')::bigint);
    SELECT t."idempotency_key", c."entries", c."unbalanced"
    INTO v_key, v_entries, v_unbalanced
    FROM "ledger_transaction" t
    CROSS JOIN LATERAL (
        SELECT coalesce(sum(s."entries"), 0) AS "entries",
               string_agg(s."currency" || ' ' || s."net"::text, ', ') FILTER (WHERE s."net" <> 0) AS "unbalanced"
        FROM (SELECT e."currency", count(*) AS "entries",
                     sum(CASE WHEN e."direction" = 'DEBIT' THEN e."amount" ELSE -e."amount" END) AS "net"
              FROM "ledger_entry" e WHERE e."transaction_id" = t."id" GROUP BY e."currency") s) c
    -- A row written with another created_xact_id than its writer's (the column has a default,
    -- not a guard) can never get entries: it is checked, and refused, like any other.
    WHERE t."sequence" BETWEEN v_first AND v_last AND (t."created_xact_id" = v_xact OR t."id" = NEW."id")
      AND (c."entries" < 2 OR c."unbalanced" IS NOT NULL)
    ORDER BY t."sequence"
    LIMIT 1;
    IF v_entries < 2 THEN
        RAISE EXCEPTION USING ERRCODE = 'LG013', MESSAGE = format('transaction %s has %s entries; at least two are required', v_key, v_entries);
    END IF;
    IF v_unbalanced IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LG002', MESSAGE = format('transaction %s does not balance: debits minus credits is %s', v_key, v_unbalanced);
    END IF;
    PERFORM set_config('ledger.balanced_through', v_writes, true);
    RETURN NULL;
END
$$;

-- Entries written after the check already ran in this database transaction (SET CONSTRAINTS
-- ... IMMEDIATE, which fires the queued checks early and consumes them) get a check of their
-- own transaction at commit: without it, entries added to a transaction already checked were
-- never checked again. Queued only then (the WHEN clause is evaluated as each entry is
-- written), so ordinary postings, checked once at commit, do not pay for it.
CREATE FUNCTION "ledger_entry_check_balanced"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_key varchar;
    v_entries bigint;
    v_unbalanced text;
BEGIN
    IF current_setting('ledger.balanced_through', true) = coalesce(nullif(current_setting('ledger.writes', true), ''), '0') THEN
        -- A later firing checked every transaction written so far, and nothing was written since.
        RETURN NULL;
    END IF;
    SELECT t."idempotency_key", coalesce(sum(s."entries"), 0),
           string_agg(s."currency" || ' ' || s."net"::text, ', ') FILTER (WHERE s."net" <> 0)
    INTO v_key, v_entries, v_unbalanced
    FROM "ledger_transaction" t
    LEFT JOIN (SELECT e."currency", count(*) AS "entries",
                      sum(CASE WHEN e."direction" = 'DEBIT' THEN e."amount" ELSE -e."amount" END) AS "net"
               FROM "ledger_entry" e WHERE e."transaction_id" = NEW."transaction_id" GROUP BY e."currency") s ON true
    WHERE t."id" = NEW."transaction_id"
    GROUP BY t."idempotency_key";
    IF v_entries < 2 THEN
        RAISE EXCEPTION USING ERRCODE = 'LG013', MESSAGE = format('transaction %s has %s entries; at least two are required', v_key, v_entries);
    END IF;
    IF v_unbalanced IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'LG002', MESSAGE = format('transaction %s does not balance: debits minus credits is %s', v_key, v_unbalanced);
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER "ledger_entry_balanced_after_early_check" AFTER INSERT ON "ledger_entry"
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (current_setting('ledger.balanced_through', true) <> '')
    EXECUTE FUNCTION "ledger_entry_check_balanced"();
