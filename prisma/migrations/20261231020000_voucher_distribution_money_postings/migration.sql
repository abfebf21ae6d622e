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
