-- A settlement statement drawn while recourse was returned (figures read, PDF not stored yet) must
-- not be stored as current: the return found no statement to supersede. Each return moves this
-- revision on under the financing's row lock; a statement is stored only if the revision it was
-- drawn at still stands, so the need to issue it again never depends on a stored row.

-- AlterTable
ALTER TABLE "financing" ADD COLUMN     "statement_revision" INTEGER NOT NULL DEFAULT 0;
