-- The statement lines a day's import writes name their statement, and the reconciliation items
-- name their line, the credit or payout it matched, an expected payment and a resolution. As
-- foreign keys, each name was checked row by row: some 300,000 lookups for a day of 100,000
-- lines, each locking the row it found (FOR KEY SHARE: a write of that row and a record in the
-- write-ahead log), and a trigger call for each of the 400,000 names left empty; about half of
-- what writing the items cost (docs/performance.md, recon.day). They are now checked once per
-- statement, over the statement's new rows, by the triggers below, under the constraints' names
-- and with the SQLSTATE a foreign key raises (23503).
--
-- A foreign key's lock exists so that the row it found cannot be deleted before the commit. The
-- rows named here are records of money that moved or of decisions about it (a statement and its
-- lines, a credit the bank booked, a payout, an operator's recorded receipt, a resolution) and are
-- never deleted or renumbered, so deleting, truncating or changing the id of one is refused
-- outright instead: a name checked once stays good for ever.

ALTER TABLE "reconciliation_item"
    DROP CONSTRAINT "reconciliation_item_statement_line_id_fkey",
    DROP CONSTRAINT "reconciliation_item_inbound_credit_id_fkey",
    DROP CONSTRAINT "reconciliation_item_payout_id_fkey",
    DROP CONSTRAINT "reconciliation_item_offline_repayment_id_fkey",
    DROP CONSTRAINT "reconciliation_item_resolution_id_fkey";
ALTER TABLE "bank_statement_line"
    DROP CONSTRAINT "bank_statement_line_statement_id_fkey",
    DROP CONSTRAINT "bank_statement_line_duplicate_of_id_fkey";

-- One pass over the statement's new rows finds a row with a name that does not exist (each name
-- an index probe, taken only when the name is set); which name it is is asked of that row alone.
-- Five passes, one per name, took several times as long for a day's 100,000 items.
CREATE FUNCTION "reconciliation_item_references_check"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    "item" record;
BEGIN
    SELECT n."statement_line_id", n."inbound_credit_id", n."payout_id", n."offline_repayment_id", n."resolution_id"
      INTO "item" FROM "reconciliation_item_new_rows" n
     WHERE (n."statement_line_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "bank_statement_line" l WHERE l."id" = n."statement_line_id"))
        OR (n."inbound_credit_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "inbound_credit" c WHERE c."id" = n."inbound_credit_id"))
        OR (n."payout_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "payout" p WHERE p."id" = n."payout_id"))
        OR (n."offline_repayment_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "offline_repayment" o WHERE o."id" = n."offline_repayment_id"))
        OR (n."resolution_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "reconciliation_resolution" r WHERE r."id" = n."resolution_id"))
     LIMIT 1;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF "item"."statement_line_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "bank_statement_line" l WHERE l."id" = "item"."statement_line_id") THEN
        RAISE EXCEPTION 'reconciliation_item names statement line %, which does not exist', "item"."statement_line_id"
            USING ERRCODE = 'foreign_key_violation', TABLE = 'reconciliation_item', CONSTRAINT = 'reconciliation_item_statement_line_id_fkey';
    END IF;
    IF "item"."inbound_credit_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "inbound_credit" c WHERE c."id" = "item"."inbound_credit_id") THEN
        RAISE EXCEPTION 'reconciliation_item names inbound credit %, which does not exist', "item"."inbound_credit_id"
            USING ERRCODE = 'foreign_key_violation', TABLE = 'reconciliation_item', CONSTRAINT = 'reconciliation_item_inbound_credit_id_fkey';
    END IF;
    IF "item"."payout_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "payout" p WHERE p."id" = "item"."payout_id") THEN
        RAISE EXCEPTION 'reconciliation_item names payout %, which does not exist', "item"."payout_id"
            USING ERRCODE = 'foreign_key_violation', TABLE = 'reconciliation_item', CONSTRAINT = 'reconciliation_item_payout_id_fkey';
    END IF;
    IF "item"."offline_repayment_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "offline_repayment" o WHERE o."id" = "item"."offline_repayment_id") THEN
        RAISE EXCEPTION 'reconciliation_item names offline repayment %, which does not exist', "item"."offline_repayment_id"
            USING ERRCODE = 'foreign_key_violation', TABLE = 'reconciliation_item', CONSTRAINT = 'reconciliation_item_offline_repayment_id_fkey';
    END IF;
    RAISE EXCEPTION 'reconciliation_item names resolution %, which does not exist', "item"."resolution_id"
        USING ERRCODE = 'foreign_key_violation', TABLE = 'reconciliation_item', CONSTRAINT = 'reconciliation_item_resolution_id_fkey';
END;
$$;

CREATE TRIGGER "reconciliation_item_references_inserted" AFTER INSERT ON "reconciliation_item"
REFERENCING NEW TABLE AS "reconciliation_item_new_rows"
FOR EACH STATEMENT EXECUTE FUNCTION "reconciliation_item_references_check"();
CREATE TRIGGER "reconciliation_item_references_updated" AFTER UPDATE ON "reconciliation_item"
REFERENCING NEW TABLE AS "reconciliation_item_new_rows"
FOR EACH STATEMENT EXECUTE FUNCTION "reconciliation_item_references_check"();

-- The same for lines: one pass; a repeated entry names the first of its bank reference, written
-- by the same statement or before it.
CREATE FUNCTION "bank_statement_line_references_check"() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    "line" record;
BEGIN
    SELECT n."statement_id", n."duplicate_of_id" INTO "line" FROM "bank_statement_line_new_rows" n
     WHERE NOT EXISTS (SELECT 1 FROM "bank_statement" s WHERE s."id" = n."statement_id")
        OR (n."duplicate_of_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "bank_statement_line" l WHERE l."id" = n."duplicate_of_id"))
     LIMIT 1;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM "bank_statement" s WHERE s."id" = "line"."statement_id") THEN
        RAISE EXCEPTION 'bank_statement_line names statement %, which does not exist', "line"."statement_id"
            USING ERRCODE = 'foreign_key_violation', TABLE = 'bank_statement_line', CONSTRAINT = 'bank_statement_line_statement_id_fkey';
    END IF;
    RAISE EXCEPTION 'bank_statement_line names line %, which does not exist, as its first', "line"."duplicate_of_id"
        USING ERRCODE = 'foreign_key_violation', TABLE = 'bank_statement_line', CONSTRAINT = 'bank_statement_line_duplicate_of_id_fkey';
END;
$$;

CREATE TRIGGER "bank_statement_line_references_inserted" AFTER INSERT ON "bank_statement_line"
REFERENCING NEW TABLE AS "bank_statement_line_new_rows"
FOR EACH STATEMENT EXECUTE FUNCTION "bank_statement_line_references_check"();
CREATE TRIGGER "bank_statement_line_references_updated" AFTER UPDATE ON "bank_statement_line"
REFERENCING NEW TABLE AS "bank_statement_line_new_rows"
FOR EACH STATEMENT EXECUTE FUNCTION "bank_statement_line_references_check"();

-- What the checks above rely on: a row they found is never taken away.
CREATE FUNCTION "money_record_kept"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW."id" = OLD."id" THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '% of %: a record of money that moved is kept as it was written (reconciliation items name it)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation', TABLE = TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER "bank_statement_kept" BEFORE DELETE OR UPDATE OF "id" ON "bank_statement" FOR EACH ROW EXECUTE FUNCTION "money_record_kept"();
CREATE TRIGGER "bank_statement_truncate_refused" BEFORE TRUNCATE ON "bank_statement" FOR EACH STATEMENT EXECUTE FUNCTION "money_record_kept"();
CREATE TRIGGER "bank_statement_line_kept" BEFORE DELETE OR UPDATE OF "id" ON "bank_statement_line" FOR EACH ROW EXECUTE FUNCTION "money_record_kept"();
CREATE TRIGGER "bank_statement_line_truncate_refused" BEFORE TRUNCATE ON "bank_statement_line" FOR EACH STATEMENT EXECUTE FUNCTION "money_record_kept"();
CREATE TRIGGER "inbound_credit_kept" BEFORE DELETE OR UPDATE OF "id" ON "inbound_credit" FOR EACH ROW EXECUTE FUNCTION "money_record_kept"();
CREATE TRIGGER "inbound_credit_truncate_refused" BEFORE TRUNCATE ON "inbound_credit" FOR EACH STATEMENT EXECUTE FUNCTION "money_record_kept"();
CREATE TRIGGER "payout_kept" BEFORE DELETE OR UPDATE OF "id" ON "payout" FOR EACH ROW EXECUTE FUNCTION "money_record_kept"();
CREATE TRIGGER "payout_truncate_refused" BEFORE TRUNCATE ON "payout" FOR EACH STATEMENT EXECUTE FUNCTION "money_record_kept"();
CREATE TRIGGER "offline_repayment_kept" BEFORE DELETE OR UPDATE OF "id" ON "offline_repayment" FOR EACH ROW EXECUTE FUNCTION "money_record_kept"();
CREATE TRIGGER "offline_repayment_truncate_refused" BEFORE TRUNCATE ON "offline_repayment" FOR EACH STATEMENT EXECUTE FUNCTION "money_record_kept"();
CREATE TRIGGER "reconciliation_resolution_kept" BEFORE DELETE OR UPDATE OF "id" ON "reconciliation_resolution" FOR EACH ROW EXECUTE FUNCTION "money_record_kept"();
CREATE TRIGGER "reconciliation_resolution_truncate_refused" BEFORE TRUNCATE ON "reconciliation_resolution" FOR EACH STATEMENT EXECUTE FUNCTION "money_record_kept"();

-- Which items name a payout or a credit, whatever their outcome: the ledger-only question now asks
-- it once per outcome, each answered by the partial unique index of that outcome, so these two
-- indexes of every matched item (two of the nine each item's row was written into) go.
DROP INDEX "reconciliation_item_payout_idx";
DROP INDEX "reconciliation_item_inbound_credit_idx";
