-- The simulator no longer plays outages (setUnavailable): nothing outside its own test used
-- them. The counter of calls left to refuse goes with it; an account's payouts, credits,
-- scripts and balances are untouched.

ALTER TABLE "bank_simulator"."account"
    DROP CONSTRAINT "account_unavailable_calls_not_negative",
    DROP COLUMN "unavailable_calls";
