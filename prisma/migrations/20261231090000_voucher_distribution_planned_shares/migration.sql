-- A distribution plan's shares move to a column the earlier distribution code does not know.
--
-- The earlier code posts every plan per part and does not read `money_postings`
-- (20261231020000): had it kept reading the shares, a worker of it still running during a deploy
-- could post a PER_HOLDER plan's batch per part under the parts' own keys, paying that batch a
-- second time. After this rename each of its reads of a plan fails ("column shares does not
-- exist"), so its activity fails and is retried until a worker of the current code takes it:
-- an earlier worker cannot pay anything, whatever order the deploy takes.
ALTER TABLE "voucher_distribution" RENAME COLUMN "shares" TO "planned_shares";
