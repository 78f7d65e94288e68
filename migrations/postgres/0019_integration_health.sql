-- 0019_integration_health (postgres): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.

ALTER TABLE "integrations" ADD COLUMN "last_webhook_at" timestamptz NULL, ADD COLUMN "webhook_missed_polls" bigint NOT NULL DEFAULT 0, ADD COLUMN "webhook_missed_since" timestamptz NULL, ADD COLUMN "credentials_rejected_at" timestamptz NULL, ADD COLUMN "credentials_expire_at" timestamptz NULL, ADD COLUMN "health_state" character varying NOT NULL DEFAULT 'healthy', ADD COLUMN "health_reasons" jsonb NULL, ADD COLUMN "health_since" timestamptz NULL, ADD COLUMN "health_version" bigint NOT NULL DEFAULT 0;
