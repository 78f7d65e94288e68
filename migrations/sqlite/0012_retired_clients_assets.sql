-- 0012_retired_clients_assets (sqlite3): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.

ALTER TABLE `assets` ADD COLUMN `retired_at` datetime NULL;
ALTER TABLE `clients` ADD COLUMN `retired_at` datetime NULL;
