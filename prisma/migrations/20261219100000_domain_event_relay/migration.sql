-- The outbox without NOTIFY in the writers' transactions (docs/integrations.md, "How an event
-- comes to be"). PostgreSQL serialises the commits of every transaction that sent a NOTIFY, so
-- the triggers of 20261219090000_domain_event_outbox made each ledger posting wait its turn to
-- commit: single postings went about three times slower. Now:
--   * a posting writes nothing extra: account activity is read by the relay from the ledger's
--     own append-only rows (ledger_transaction.created_xact_id says which database transaction
--     wrote each), so the trigger on ledger_entry goes;
--   * the other triggers (few per financing) write their rows into domain_event_outbox, without
--     NOTIFY, with the writing transaction's id;
--   * one API process at a time, the relay (api/event-relay.ts), copies the rows of transactions
--     that have certainly ended into domain_event, in its own transactions, so the ids
--     subscribers see are handed out in the order the events are published and never fill in
--     behind an id already sent; it sends one NOTIFY per batch.

DROP TRIGGER "ledger_entry_domain_event" ON "ledger_entry";
DROP FUNCTION "domain_event_ledger_entry"();
DROP TRIGGER "domain_event_notify" ON "domain_event";
DROP FUNCTION "domain_event_notify"();

-- What the triggers write, waiting for the relay: the columns of domain_event, and the id of the
-- database transaction that wrote the row (as ledger_transaction.created_xact_id, a bigint), so
-- the relay takes a row only once that transaction is older than every running one and thus can
-- no longer commit an earlier row after it. A relayed row is deleted in the relay's transaction.
CREATE TABLE "domain_event_outbox" (
    "id" BIGSERIAL NOT NULL,
    "xact_id" BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    "type" VARCHAR(40) NOT NULL,
    "subject_id" UUID NOT NULL,
    "financing_id" UUID,
    "receivable_id" UUID,
    "account_id" UUID,
    "party_ids" UUID[] NOT NULL,
    "operators" BOOLEAN NOT NULL,
    "subject_status" VARCHAR(40),
    "occurred_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),

    CONSTRAINT "domain_event_outbox_pkey" PRIMARY KEY ("id")
);

-- The status the event's own transaction committed (a financing's or a receivable's), kept with
-- the event: the relay publishes it a moment later, when the object may already have moved on.
ALTER TABLE "domain_event" ADD COLUMN "subject_status" VARCHAR(40);

CREATE INDEX "domain_event_outbox_xact_id_idx" ON "domain_event_outbox" ("xact_id");

-- The relay's cursor, one row: every database transaction with a lower id has ended and its
-- events are in domain_event. It starts at the migration's own snapshot: the ledger's earlier
-- postings happened before there were subscribers.
CREATE TABLE "domain_event_relay" (
    "id" SMALLINT NOT NULL DEFAULT 1,
    "relayed_below_xact_id" BIGINT NOT NULL,
    "relayed_at" TIMESTAMPTZ(6) NOT NULL DEFAULT now(),

    CONSTRAINT "domain_event_relay_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "domain_event_relay_one_row" CHECK ("id" = 1)
);

INSERT INTO "domain_event_relay" ("relayed_below_xact_id") VALUES (pg_snapshot_xmin(pg_current_snapshot())::text::bigint);

-- The relay reads the ledger transactions of a range of database transaction ids. A BRIN index:
-- the ids grow with the table's physical order, and a posting pays next to nothing for it (a
-- B-tree would add an index insertion to every posting). Its newest pages are not yet
-- summarised, so they are always read, which is where the relay looks.
CREATE INDEX "ledger_transaction_created_xact_id_idx" ON "ledger_transaction" USING brin ("created_xact_id") WITH (autosummarize = on);

-- The triggers of 20261219090000_domain_event_outbox, unchanged but for the table they write and
-- the status they keep.
CREATE OR REPLACE FUNCTION "domain_event_financing_transition"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "domain_event_outbox" ("type", "subject_id", "financing_id", "receivable_id", "party_ids", "operators", "subject_status")
    SELECT 'FINANCING_UPDATED', f."id", f."id", f."receivable_id",
           array_remove(ARRAY[f."supplier_party_id", f."funder_party_id", CASE WHEN t."assignment_mode" = 'OPEN' THEN f."obligor_party_id" END], NULL),
           true, n."to_status"::text
    FROM "domain_event_new_rows" n
    JOIN "financing" f ON f."id" = n."financing_id"
    JOIN "program_terms" t ON t."id" = f."program_terms_id"
    ORDER BY n."id";
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION "domain_event_receivable_transition"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "domain_event_outbox" ("type", "subject_id", "financing_id", "receivable_id", "party_ids", "operators", "subject_status")
    SELECT 'RECEIVABLE_UPDATED', r."id", n."financing_id", r."id",
           array_remove(
               ARRAY[r."supplier_party_id",
                     CASE WHEN EXISTS (
                         SELECT 1 FROM "financing" f JOIN "program_terms" t ON t."id" = f."program_terms_id"
                         WHERE f."id" = n."financing_id" AND t."assignment_mode" = 'SILENT'
                           AND f."supplier_party_id" <> r."obligor_party_id" AND f."funder_party_id" <> r."obligor_party_id"
                     ) THEN NULL ELSE r."obligor_party_id" END]
               || ARRAY(SELECT DISTINCT f."funder_party_id" FROM "financing" f WHERE f."receivable_id" = r."id"),
               NULL),
           true, n."to_status"::text
    FROM "domain_event_new_rows" n
    JOIN "receivable" r ON r."id" = n."receivable_id"
    ORDER BY n."id";
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION "domain_event_repayment_allocation"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "domain_event_outbox" ("type", "subject_id", "financing_id", "receivable_id", "party_ids", "operators", "subject_status")
    SELECT 'REPAYMENT_RECEIVED', n."id", f."id", f."receivable_id",
           array_remove(ARRAY[f."supplier_party_id", f."funder_party_id", CASE WHEN t."assignment_mode" = 'OPEN' THEN f."obligor_party_id" END], NULL),
           true, f."status"::text
    FROM "domain_event_new_rows" n
    JOIN "financing" f ON f."id" = n."financing_id"
    JOIN "program_terms" t ON t."id" = f."program_terms_id"
    ORDER BY n."allocated_at", n."id";
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION "domain_event_notification"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "domain_event_outbox" ("type", "subject_id", "financing_id", "receivable_id", "party_ids", "operators")
    SELECT 'NOTIFICATION_ADDED', n."id", n."financing_id", n."receivable_id", ARRAY[n."party_id"], false
    FROM "domain_event_new_rows" n
    ORDER BY n."created_at", n."id";
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION "domain_event_inbound_exception"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "domain_event_outbox" ("type", "subject_id", "financing_id", "party_ids", "operators")
    SELECT 'INBOUND_EXCEPTION_RAISED', n."id", n."financing_id", '{}', true
    FROM "domain_event_new_rows" n
    ORDER BY n."created_at", n."id";
    RETURN NULL;
END;
$$;

CREATE OR REPLACE FUNCTION "domain_event_reconciliation_item"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "domain_event_outbox" ("type", "subject_id", "party_ids", "operators")
    SELECT 'RECONCILIATION_ITEM_RAISED', n."id", '{}', true
    FROM "domain_event_new_rows" n
    WHERE n."outcome" <> 'MATCHED'
    ORDER BY n."created_at", n."id";
    RETURN NULL;
END;
$$;
