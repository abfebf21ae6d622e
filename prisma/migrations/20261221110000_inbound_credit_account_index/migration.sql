-- The credits booked into one account: the worker looks for the credits of vouchers' collection
-- accounts that no distribution has been planned for (voucher-distribution-store.ts,
-- undistributedVoucherCredits) at every pass, by account, rather than reading every credit.
CREATE INDEX "inbound_credit_account_id_idx" ON "inbound_credit"("account_id");
