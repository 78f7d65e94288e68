-- 0013_retired_desk (sqlite3): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.

ALTER TABLE `boards` ADD COLUMN `retired_at` datetime NULL;
ALTER TABLE `priorities` ADD COLUMN `retired_at` datetime NULL;
ALTER TABLE `ticket_status` ADD COLUMN `retired_at` datetime NULL;
