-- Registration, financing and voucher numbers and payout references are drawn at random among
-- the year's free serials (prisma/stores/drawn-numbers.ts): a sequence let a party count what the
-- other parties did between two of its own numbers. The numbers already given keep their value.
DROP SEQUENCE "receivable_registration_seq";
DROP SEQUENCE "financing_number_seq";
DROP SEQUENCE "voucher_number_seq";
DROP SEQUENCE "payout_number_seq";
