-- The daily reconciliation report (余额调节表, docs/reconciliation.md "The identity, every day"):
-- one per accounting day and currency, computed once the day is closed and its statement
-- imported. Its figures are kept as computed (decimal strings in `figures`); it is computed again
-- only when what it was computed from changed (`inputs_sha256`: the statement, the open
-- reconciliation items and the day-end balances), each time with a new `version`.

CREATE TABLE "reconciliation_report" (
    "id"                     UUID NOT NULL DEFAULT gen_random_uuid(),
    "business_date"          DATE          NOT NULL,
    "currency"               CHAR(3)       NOT NULL,
    "statement_id"           UUID          NOT NULL,
    "inputs_sha256"          CHAR(64)      NOT NULL,
    "balanced"               BOOLEAN       NOT NULL,
    "closing_balance"        NUMERIC(24,4) NOT NULL,
    "unexplained_difference" NUMERIC(24,4) NOT NULL,
    "figures"                JSONB         NOT NULL,
    "version"                INTEGER       NOT NULL DEFAULT 1 CHECK ("version" >= 1),
    "computed_at"            TIMESTAMPTZ(6) NOT NULL DEFAULT now(),
    -- The PDF, rendered by the worker (never the API process) for the version it names.
    "pdf"                    BYTEA,
    "pdf_version"            INTEGER,
    CONSTRAINT "reconciliation_report_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "reconciliation_report_day_currency_key" UNIQUE ("business_date", "currency"),
    CONSTRAINT "reconciliation_report_statement_id_fkey" FOREIGN KEY ("statement_id") REFERENCES "bank_statement"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    -- A balanced report explains every cent.
    CONSTRAINT "reconciliation_report_balanced_check" CHECK (NOT "balanced" OR "unexplained_difference" = 0)
);
