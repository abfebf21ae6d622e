-- A bank's reversal of a credit is resolved by taking the money back from the account the credit
-- reached (RECOVER), as well as by writing the shortage off.
ALTER TYPE "reconciliation_resolution_kind" ADD VALUE 'RECOVER';
