-- The platform's escrow bank account of each currency (docs/reconciliation.md, "Importing"):
-- the real account behind the ledger's ESCROW_BANK account, whose statements alone are
-- reconciled. The worker registers its bank adapter's account when it starts. Before, nothing
-- recorded it: a statement of any account number was imported, and a day's report was built
-- from whichever statement of the day and currency had the lowest account number.
CREATE TABLE "escrow_bank_account" (
    "currency" CHAR(3) NOT NULL,
    "account_number" VARCHAR(32) NOT NULL,
    "registered_at" TIMESTAMPTZ(6) NOT NULL,
    CONSTRAINT "escrow_bank_account_pkey" PRIMARY KEY ("currency"),
    CONSTRAINT "escrow_bank_account_account_number_digits" CHECK ("account_number" ~ '^[0-9]{8,32}$')
);
