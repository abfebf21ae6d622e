-- Batches of postings spend less time holding the account locks (docs/ledger.md, "Performance").
--
-- 1. The closed accounting day is checked once per statement that inserts ledger
--    transactions, against the earliest effective time the statement writes, instead of once
--    per row: a batch of a thousand took the cut-off's shared lock and read the latest closed
--    day a thousand times, under the account locks. The rule is the same: no row of the
--    statement may be effective in a closed day, whatever wrote it; the error names the row's
--    day as before.
-- 2. ledger_post_transactions writes its transaction rows first and locks the accounts after,
--    just before the entries. Only the entries change the accounts' totals, so only they need
--    the locks; two batches over the same accounts now overlap their parsing and transaction
--    inserts instead of queueing for the whole of each other. A twin batch with a key in
--    common still waits for the first one's key and then fails with a unique violation, which
--    the store retries into a replay, as before.

DROP TRIGGER "ledger_transaction_open_day" ON "ledger_transaction";
DROP FUNCTION "ledger_refuse_closed_day"();

CREATE FUNCTION "ledger_refuse_closed_day"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_closed record;
    v_earliest timestamptz;
    v_day date;
BEGIN
    SELECT min(n."effective_at") INTO v_earliest FROM "ledger_new_transactions" n;
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

CREATE TRIGGER "ledger_transaction_open_day" AFTER INSERT ON "ledger_transaction"
    REFERENCING NEW TABLE AS "ledger_new_transactions"
    FOR EACH STATEMENT EXECUTE FUNCTION "ledger_refuse_closed_day"();

CREATE OR REPLACE FUNCTION "ledger_post_transactions"(p_batch jsonb)
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
    v_ids uuid[];
    v_inserted_keys varchar[];
    v_effective_ats timestamptz[];
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
        -- The transaction rows first, without the account locks: they change no account.
        -- Keys already posted are skipped here and reported as replays below. A concurrent
        -- call that inserts the same key first makes this INSERT wait for it and then fail
        -- with a unique violation on the key; the store retries, and the retry replays.
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
        SELECT array_agg(i."id"), array_agg(i."idempotency_key"), array_agg(i."effective_at")
        INTO v_ids, v_inserted_keys, v_effective_ats
        FROM inserted i;

        -- Lock every account the batch touches, in id order: the one global order that makes
        -- concurrent postings over overlapping accounts wait for each other instead of
        -- deadlocking, and serialises the read-check-write of bounded balances (no lost
        -- update, no double spend). Taken here, just before the entries that change the
        -- totals, and held to commit.
        SELECT cardinality(w."ids"),
               (SELECT count(*) FROM (SELECT 1 FROM "ledger_account" a WHERE a."id" = ANY (w."ids") ORDER BY a."id" FOR UPDATE) l)
        INTO v_accounts, v_locked
        FROM (SELECT array_agg(DISTINCT x."a") AS "ids" FROM jsonb_array_elements(p_batch) AS b, jsonb_to_recordset(b -> 'x') AS x("a" uuid)) w;
        IF v_locked < v_accounts THEN
            SELECT x."a" INTO v_missing FROM jsonb_array_elements(p_batch) AS b, jsonb_to_recordset(b -> 'x') AS x("a" uuid)
            WHERE NOT EXISTS (SELECT 1 FROM "ledger_account" a WHERE a."id" = x."a") LIMIT 1;
            RAISE EXCEPTION USING ERRCODE = 'LG006', MESSAGE = format('account %s not found', v_missing), DETAIL = v_missing::text;
        END IF;

        INSERT INTO "ledger_entry" ("transaction_id", "account_id", "direction", "amount", "currency", "effective_at")
        SELECT i."id", x."a", x."d"::"ledger_direction",
               -- The column would round a fifth decimal away silently; refuse it instead.
               CASE WHEN x."m" = trunc(x."m", 4) THEN x."m"
                    ELSE "ledger_fail"('LG004', format('transaction %s: amount %s has more decimals than any currency allows', i."idempotency_key", x."m"), NULL, NULL::numeric) END,
               x."c", i."effective_at"
        FROM unnest(v_ids, v_inserted_keys, v_effective_ats) AS i("id", "idempotency_key", "effective_at")
        JOIN jsonb_to_recordset(p_batch) AS b("k" varchar, "x" jsonb) ON b."k" = i."idempotency_key",
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
