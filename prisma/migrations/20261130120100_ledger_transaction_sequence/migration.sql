-- A total order of ledger transactions. created_at is the time the database transaction
-- began, so every ledger transaction written by one database transaction (a disbursement
-- posts five or more) has the same created_at, and the id is a random UUID: "oldest first"
-- came back in any order within it. "sequence" numbers transactions in the order they were
-- written, filled by the database at insert and never by a caller.

ALTER TABLE "ledger_transaction" ADD COLUMN "sequence" BIGINT;

-- Transactions already written are numbered in the order of their first entry: entries have
-- increasing ids and are written with their transaction (a batch writes its entries in the
-- order of the transactions' keys, so within one batch that is the order). The immutability
-- trigger is held off for this one statement only, inside this migration's transaction,
-- which holds the table's exclusive lock throughout.
ALTER TABLE "ledger_transaction" DISABLE TRIGGER "ledger_transaction_immutable";
UPDATE "ledger_transaction" t
SET "sequence" = o."n"
FROM (SELECT e."transaction_id", row_number() OVER (ORDER BY min(e."id")) AS "n"
      FROM "ledger_entry" e GROUP BY e."transaction_id") o
WHERE o."transaction_id" = t."id";
ALTER TABLE "ledger_transaction" ENABLE TRIGGER "ledger_transaction_immutable";

ALTER TABLE "ledger_transaction" ALTER COLUMN "sequence" SET NOT NULL;
ALTER TABLE "ledger_transaction" ALTER COLUMN "sequence" ADD GENERATED ALWAYS AS IDENTITY;
SELECT setval(pg_get_serial_sequence('"ledger_transaction"', 'sequence'), coalesce(max("sequence"), 0) + 1, false) FROM "ledger_transaction";
CREATE UNIQUE INDEX "ledger_transaction_sequence_key" ON "ledger_transaction"("sequence");
