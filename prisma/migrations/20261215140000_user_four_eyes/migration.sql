-- User administration is four-eyed (docs/security.md, "Four eyes"): a user created through the API
-- is PENDING until a second administrator of the proposer's party approves it, and it cannot
-- authenticate before. Who proposed and who approved are kept, and so is the list of users who
-- administered the user (its creation and role grants): none of them may be the maker of an act
-- the user checks. Users created before this change, and the cast the seed and tests create
-- through the store, are ACTIVE.

CREATE TYPE "user_status" AS ENUM ('PENDING', 'ACTIVE', 'REJECTED', 'DISABLED');

ALTER TABLE "app_user"
  ADD COLUMN "status" "user_status" NOT NULL DEFAULT 'ACTIVE',
  ADD COLUMN "created_by_user_id" UUID,
  ADD COLUMN "decided_by_user_id" UUID,
  ADD COLUMN "decided_at" TIMESTAMPTZ(6),
  ADD COLUMN "disabled_at" TIMESTAMPTZ(6),
  ADD COLUMN "administered_by" UUID[] NOT NULL DEFAULT '{}',
  ADD CONSTRAINT "app_user_created_by_user_id_fkey" FOREIGN KEY ("created_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  ADD CONSTRAINT "app_user_decided_by_user_id_fkey" FOREIGN KEY ("decided_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  -- The administrator who proposed a user never decides it.
  ADD CONSTRAINT "app_user_four_eyes" CHECK ("decided_by_user_id" IS NULL OR "decided_by_user_id" <> "created_by_user_id"),
  ADD CONSTRAINT "app_user_disabled_when_disabled" CHECK (("status" = 'DISABLED') = ("disabled_at" IS NOT NULL));

-- An e-mail address is unique within a party, not across the platform: a uniqueness error must not
-- tell one party that another party has a user with that address.
DROP INDEX "app_user_email_key";
CREATE UNIQUE INDEX "app_user_party_id_email_key" ON "app_user"("party_id", "email");

-- Keys have a maximum lifetime (90 days, API_KEY_LIFETIME_DAYS_DEFAULT): keys issued before this
-- change without an expiry expire 90 days after their issue.
UPDATE "api_key" SET "expires_at" = "created_at" + interval '90 days' WHERE "expires_at" IS NULL;
