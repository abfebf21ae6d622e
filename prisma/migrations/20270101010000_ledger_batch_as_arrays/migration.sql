-- A batch of postings passed as arrays, one per field, instead of one JSON document
-- (docs/ledger.md, "Performance").
--
-- ledger_post_transactions(jsonb) parsed its argument into jsonb, then read it back in five
-- statements: jsonb_to_recordset over the whole batch in four, and each transaction's entries
-- again with one jsonb_to_recordset call per transaction, joined back to the inserted rows by
-- key through sorts, a merge join and a memoize. This function takes the same batch as the
-- single posting takes one transaction: a typed array per field, and the entries of all the
-- transactions in arrays of their own, in the transactions' order, with a count of entries per
-- transaction. The transaction ids are drawn before the insert, so an entry finds its
-- transaction's id and effective time by position (a subscript of a fixed-width array without
-- nulls), and a batch that replays nothing returns its rows from those arrays instead of
-- looking every key up again.
--
-- Nothing else changes: the rows written, the triggers that check them, the account locks in
-- id order, idempotency per transaction (a key already posted is reported as a replay, with
-- another request's hash refused, LG001), the same key twice in one call (LG014), and the
-- errors. ledger_post_transactions(jsonb) stays for callers that still send JSON.

CREATE FUNCTION "ledger_post_transactions"(
    p_keys varchar[], p_hashes char(64)[], p_codes varchar[], p_descriptions varchar[], p_effective_ats timestamptz[],
    p_metadata jsonb[], p_reverses uuid[],
    p_entry_counts integer[], p_accounts uuid[], p_directions "ledger_direction"[], p_amounts numeric[], p_currencies char(3)[])
RETURNS TABLE ("idempotency_key" varchar, "transaction_id" uuid, "replayed" boolean, "effective_at" timestamptz, "created_at" timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_count integer := coalesce(cardinality(p_keys), 0);
    v_entries integer := coalesce(cardinality(p_accounts), 0);
    v_existing integer;
    v_inserted integer := 0;
    v_accounts integer;
    v_locked integer;
    v_missing uuid;
    v_xact bigint;
    v_ids uuid[];
    v_effective_ats timestamptz[];
    v_first_entries integer[];
    v_entry_transactions integer[];
    v_counted bigint;
    v_distinct_keys integer;
BEGIN
    IF v_count = 0 THEN
        RETURN;
    END IF;
    IF coalesce(cardinality(p_hashes), 0) <> v_count OR coalesce(cardinality(p_codes), 0) <> v_count
       OR coalesce(cardinality(p_descriptions), 0) <> v_count OR coalesce(cardinality(p_effective_ats), 0) <> v_count
       OR coalesce(cardinality(p_metadata), 0) <> v_count OR coalesce(cardinality(p_reverses), 0) <> v_count
       OR coalesce(cardinality(p_entry_counts), 0) <> v_count OR coalesce(cardinality(p_directions), 0) <> v_entries
       OR coalesce(cardinality(p_amounts), 0) <> v_entries OR coalesce(cardinality(p_currencies), 0) <> v_entries THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'ledger_post_transactions: the transactions'' arrays, and the entries'' arrays, must each have one length';
    END IF;
    -- Where each transaction's entries start, and for each entry the position of its
    -- transaction. A transaction's entries are the next p_entry_counts[n] of the entries' arrays.
    SELECT array_agg(c."first" ORDER BY c."n"), sum(c."k")
    INTO v_first_entries, v_counted
    FROM (SELECT c."n", c."k", sum(c."k") OVER (ORDER BY c."n") - c."k" + 1 AS "first"
          FROM unnest(p_entry_counts) WITH ORDINALITY AS c("k", "n")) c;
    IF v_counted IS DISTINCT FROM v_entries OR EXISTS (SELECT 1 FROM unnest(p_entry_counts) AS c("k") WHERE c."k" IS NULL OR c."k" < 0) THEN
        RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'ledger_post_transactions: the entry counts must add up to the entries given';
    END IF;
    SELECT array_agg(c."n" ORDER BY c."n") INTO v_entry_transactions
    FROM unnest(p_entry_counts) WITH ORDINALITY AS c("k", "n"), generate_series(1, c."k");
    -- Every lookup below is a LATERAL (OFFSET 0) or = ANY index probe: the planner's guess for
    -- unnest is 10 rows per array, which must not talk it into scanning the transaction table.
    SELECT count(t."id"), count(DISTINCT k."k")
    INTO v_existing, v_distinct_keys
    FROM unnest(p_keys) AS k("k")
    LEFT JOIN LATERAL (SELECT t."id" FROM "ledger_transaction" t WHERE t."idempotency_key" = k."k" OFFSET 0) t ON true;
    IF v_distinct_keys < v_count THEN
        RAISE EXCEPTION USING ERRCODE = 'LG014', MESSAGE = 'the same idempotency key appears twice in one batch';
    END IF;

    IF v_existing < v_count THEN
        -- The ids are drawn here rather than by the column's default, so that the entries find
        -- their transaction's id, and its effective time, by position.
        SELECT array_agg(gen_random_uuid() ORDER BY e."n"), array_agg(coalesce(e."e", now()) ORDER BY e."n")
        INTO v_ids, v_effective_ats
        FROM unnest(p_effective_ats) WITH ORDINALITY AS e("e", "n");

        -- The transaction rows first, without the account locks: they change no account.
        -- Keys already posted are skipped here and reported as replays below. A concurrent
        -- call that inserts the same key first makes this INSERT wait for it and then fail
        -- with a unique violation on the key; the store retries, and the retry replays.
        WITH inserted AS (
            INSERT INTO "ledger_transaction" ("id", "idempotency_key", "request_hash", "code", "description", "book", "effective_at", "metadata", "reverses_transaction_id")
            SELECT b."id", b."k", b."h", b."c", b."d",
                   -- The book of the first entry's account; ledger_entry_apply holds every other entry to it.
                   coalesce((SELECT a."book" FROM "ledger_account" a
                             WHERE a."id" = p_accounts[v_first_entries[b."n"]]), 'MONEY'),
                   b."e", coalesce(b."m", '{}'::jsonb), b."r"
            FROM unnest(v_ids, p_keys, p_hashes, p_codes, p_descriptions, v_effective_ats, p_metadata, p_reverses)
                 WITH ORDINALITY AS b("id", "k", "h", "c", "d", "e", "m", "r", "n")
            WHERE v_existing = 0 OR NOT EXISTS (SELECT 1 FROM "ledger_transaction" t WHERE t."idempotency_key" = b."k")
            RETURNING 1
        )
        SELECT count(*) INTO v_inserted FROM inserted;

        -- Lock every account the batch touches, in id order: the one global order that makes
        -- concurrent postings over overlapping accounts wait for each other instead of
        -- deadlocking, and serialises the read-check-write of bounded balances (no lost
        -- update, no double spend). Taken here, just before the entries that change the
        -- totals, and held to commit.
        SELECT cardinality(w."ids"),
               (SELECT count(*) FROM (SELECT 1 FROM "ledger_account" a WHERE a."id" = ANY (w."ids") ORDER BY a."id" FOR UPDATE) l)
        INTO v_accounts, v_locked
        FROM (SELECT array_agg(DISTINCT x."a") AS "ids" FROM unnest(p_accounts) AS x("a")) w;
        IF v_locked < v_accounts THEN
            SELECT x."a" INTO v_missing FROM unnest(p_accounts) AS x("a")
            WHERE NOT EXISTS (SELECT 1 FROM "ledger_account" a WHERE a."id" = x."a") LIMIT 1;
            RAISE EXCEPTION USING ERRCODE = 'LG006', MESSAGE = format('account %s not found', v_missing), DETAIL = v_missing::text;
        END IF;

        -- The entries of the transactions inserted above, in the batch's order.
        INSERT INTO "ledger_entry" ("transaction_id", "account_id", "direction", "amount", "currency", "effective_at")
        SELECT v_ids[x."t"], x."a", x."d",
               -- The column would round a fifth decimal away silently; refuse it instead.
               CASE WHEN x."m" = trunc(x."m", 4) THEN x."m"
                    ELSE "ledger_fail"('LG004', format('transaction %s: amount %s has more decimals than any currency allows', p_keys[x."t"], x."m"), NULL, NULL::numeric) END,
               x."c", v_effective_ats[x."t"]
        FROM unnest(v_entry_transactions, p_accounts, p_directions, p_amounts, p_currencies) AS x("t", "a", "d", "m", "c")
        WHERE v_inserted = v_count
           OR EXISTS (SELECT 1 FROM "ledger_transaction" t WHERE t."id" = v_ids[x."t"]);
        v_xact := pg_current_xact_id()::text::bigint;
    END IF;

    IF v_inserted = v_count THEN
        -- Every transaction is this call's: none replayed, each with the hash it was written with.
        RETURN QUERY
        SELECT b."k", b."id", false, b."e", now()
        FROM unnest(p_keys, v_ids, v_effective_ats) AS b("k", "id", "e");
        RETURN;
    END IF;

    -- Every key now has a row: ours, or one committed before (or while we waited on) ours.
    -- A row carrying another request's hash is a reused key and undoes the whole call.
    RETURN QUERY
    SELECT t."idempotency_key", t."id",
           CASE WHEN t."request_hash" <> b."h"
                THEN "ledger_fail"('LG001', format('idempotency key %s was already used for a different transaction', b."k"), b."k", NULL::boolean)
                ELSE coalesce(t."created_xact_id" <> v_xact, true) END,
           t."effective_at", t."created_at"
    FROM unnest(p_keys, p_hashes) WITH ORDINALITY AS b("k", "h", "n")
    CROSS JOIN LATERAL (
        SELECT t."id", t."idempotency_key", t."request_hash", t."created_xact_id", t."effective_at", t."created_at"
        FROM "ledger_transaction" t WHERE t."idempotency_key" = b."k" OFFSET 0) t
    ORDER BY b."n";
END
$$;
