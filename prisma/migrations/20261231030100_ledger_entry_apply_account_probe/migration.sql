-- The entries' trigger finds the accounts it updates by their ids (docs/ledger.md, "Performance").
--
-- ledger_entry_apply's UPDATE joined the statement's accounts to ledger_account, and the plan
-- PL/pgSQL caches for a session was a hash join over a sequential scan of ledger_account: for a
-- single posting the planner guesses two new entries, and on a small account table a scan looks
-- cheaper than two index probes. Each posting then read every page of the table, and every dead
-- version of the accounts' rows left by the postings before it. The same rows are updated, with
-- the same checks, found by the primary key.

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
        -- The accounts are found by their ids, an index probe, whatever the planner guesses
        -- for the transition table: joined by hash instead, it read the whole account table,
        -- and every version of every row updated since its pages were last pruned, for each
        -- posting.
        WHERE a."id" = ANY (ARRAY(SELECT d2."account_id" FROM d d2)) AND a."id" = d."account_id"
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
