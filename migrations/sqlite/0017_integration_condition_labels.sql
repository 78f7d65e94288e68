-- 0017_integration_condition_labels (sqlite3): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.

ALTER TABLE `integrations` ADD COLUMN `condition_labels` json NULL;
