-- 0019_integration_health (sqlite3): written by hand as columns added in
-- place (as 0017), not the generator's rebuild of the table.
-- Released migrations are never rewritten; change the schema with a new one.

ALTER TABLE `integrations` ADD COLUMN `last_webhook_at` datetime NULL;
ALTER TABLE `integrations` ADD COLUMN `webhook_missed_polls` integer NOT NULL DEFAULT (0);
ALTER TABLE `integrations` ADD COLUMN `webhook_missed_since` datetime NULL;
ALTER TABLE `integrations` ADD COLUMN `credentials_rejected_at` datetime NULL;
ALTER TABLE `integrations` ADD COLUMN `credentials_expire_at` datetime NULL;
ALTER TABLE `integrations` ADD COLUMN `health_state` text NOT NULL DEFAULT ('healthy');
ALTER TABLE `integrations` ADD COLUMN `health_reasons` json NULL;
ALTER TABLE `integrations` ADD COLUMN `health_since` datetime NULL;
ALTER TABLE `integrations` ADD COLUMN `health_version` integer NOT NULL DEFAULT (0);
