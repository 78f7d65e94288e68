-- 0013_retired_desk (postgres): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.

ALTER TABLE "boards" ADD COLUMN "retired_at" timestamptz NULL;
ALTER TABLE "priorities" ADD COLUMN "retired_at" timestamptz NULL;
ALTER TABLE "ticket_status" ADD COLUMN "retired_at" timestamptz NULL;
