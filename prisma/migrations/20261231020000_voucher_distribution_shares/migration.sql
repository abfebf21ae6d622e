-- A distribution's money postings per batch rather than per part (docs/workflows/voucher-maturity.md).
--
-- A plan written before this migration posts one money transaction per part under the part's
-- own key; a plan written after it posts, per batch, one balanced multi-leg transaction per 63
-- receiving accounts (the collection account debited once, one credit leg per holder's settlement
-- account, a holder's parts in the batch sharing its leg). The two shapes use different keys, so a
-- plan must be posted in the shape it was planned in, to the end: a plan half posted per part and
-- finished per holder would pay its first batches twice. `money_postings` records the shape with
-- the plan; every existing row is PER_PART, and only the code that writes PER_HOLDER plans says so.
ALTER TABLE "voucher_distribution"
    ADD COLUMN "money_postings" VARCHAR(16) NOT NULL DEFAULT 'PER_PART',
    ADD CONSTRAINT "voucher_distribution_money_postings" CHECK ("money_postings" IN ('PER_PART', 'PER_HOLDER'));

-- Each part's share as posted: its amount, the money transaction and leg (the account credited in
-- it) that carried it, and the memo transaction that settled its claim. With a holder's parts
-- sharing a credit leg, this row is what says what the holder received for which part. Written in
-- the batch's database transaction, with the postings; a replayed batch finds its rows and writes
-- none (the primary key).
CREATE TABLE "voucher_distribution_share" (
    "distribution_id"      UUID          NOT NULL,
    "part_id"              UUID          NOT NULL,
    "amount"               NUMERIC(24,4) NOT NULL,
    "account_id"           UUID          NOT NULL,
    "transaction_id"       UUID          NOT NULL,
    "claim_transaction_id" UUID          NOT NULL,
    CONSTRAINT "voucher_distribution_share_pkey" PRIMARY KEY ("distribution_id", "part_id"),
    CONSTRAINT "voucher_distribution_share_distribution_id_fkey" FOREIGN KEY ("distribution_id") REFERENCES "voucher_distribution"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_distribution_share_part_id_fkey" FOREIGN KEY ("part_id") REFERENCES "voucher_part"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_distribution_share_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "ledger_account"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_distribution_share_transaction_id_fkey" FOREIGN KEY ("transaction_id") REFERENCES "ledger_transaction"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_distribution_share_claim_transaction_id_fkey" FOREIGN KEY ("claim_transaction_id") REFERENCES "ledger_transaction"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "voucher_distribution_share_amount" CHECK ("amount" > 0)
);
-- A part's shares across the voucher's payments, and a transaction's parts.
CREATE INDEX "voucher_distribution_share_part_id_idx" ON "voucher_distribution_share"("part_id");
CREATE INDEX "voucher_distribution_share_transaction_id_idx" ON "voucher_distribution_share"("transaction_id");
