-- 0008_condition_bursts (postgres): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.

ALTER TABLE "alert_conditions" ADD COLUMN "burst_comments" bigint NOT NULL DEFAULT 0, ADD COLUMN "summary_comment_id" bigint NULL, ADD COLUMN "summary_count" bigint NOT NULL DEFAULT 0, ADD COLUMN "summary_since" timestamptz NULL;
