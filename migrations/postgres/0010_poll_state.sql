-- 0010_poll_state (postgres): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.

ALTER TABLE "integrations" ADD COLUMN "poll_failures" bigint NOT NULL DEFAULT 0, ADD COLUMN "poll_failing_since" timestamptz NULL, ADD COLUMN "poll_requested_at" timestamptz NULL, ADD COLUMN "poll_grace_seconds" bigint NOT NULL DEFAULT 120;
