-- Granting a role is four-eyed like creating a user (docs/security.md, "Four eyes"): a change of a
-- user's roles is proposed by one administrator and applied only when a second administrator of the
-- proposer's side approves it. Both then administer the user. Each user also keeps the users it
-- administered (`administers`), so that a check refuses a maker whose creation or roles the checker
-- brought about, as well as a checker whose creation or roles the maker brought about.

CREATE TYPE "user_role_change_status" AS ENUM ('PENDING', 'APPLIED', 'REJECTED');

ALTER TABLE "app_user" ADD COLUMN "administers" UUID[] NOT NULL DEFAULT '{}';

-- The other side of every administration recorded so far.
UPDATE "app_user" AS admin
   SET "administers" = sub.users
  FROM (SELECT a.admin_id, array_agg(DISTINCT u."id") AS users
          FROM "app_user" u, unnest(u."administered_by") AS a(admin_id)
         GROUP BY a.admin_id) AS sub
 WHERE admin."id" = sub.admin_id;

CREATE TABLE "user_role_change" (
  "id" UUID NOT NULL DEFAULT gen_random_uuid(),
  "user_id" UUID NOT NULL,
  "previous_roles" "user_role"[] NOT NULL,
  "roles" "user_role"[] NOT NULL,
  "status" "user_role_change_status" NOT NULL DEFAULT 'PENDING',
  "proposed_by_user_id" UUID NOT NULL,
  "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "decided_by_user_id" UUID,
  "decided_at" TIMESTAMPTZ(6),
  CONSTRAINT "user_role_change_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "user_role_change_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT "user_role_change_proposed_by_user_id_fkey" FOREIGN KEY ("proposed_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT "user_role_change_decided_by_user_id_fkey" FOREIGN KEY ("decided_by_user_id") REFERENCES "app_user"("id") ON DELETE RESTRICT ON UPDATE CASCADE,
  CONSTRAINT "user_role_change_roles_not_empty" CHECK (cardinality("roles") > 0),
  -- Nobody decides a change they proposed, and nobody decides a change of their own roles.
  CONSTRAINT "user_role_change_four_eyes" CHECK ("decided_by_user_id" IS NULL OR ("decided_by_user_id" <> "proposed_by_user_id" AND "decided_by_user_id" <> "user_id")),
  CONSTRAINT "user_role_change_decided" CHECK (("status" = 'PENDING') = ("decided_at" IS NULL))
);

CREATE INDEX "user_role_change_user_id_idx" ON "user_role_change"("user_id");
-- One pending change per user: a second proposal would race the first.
CREATE UNIQUE INDEX "user_role_change_one_pending" ON "user_role_change"("user_id") WHERE "status" = 'PENDING';
