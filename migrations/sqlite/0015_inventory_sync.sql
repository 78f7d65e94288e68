-- 0015_inventory_sync (sqlite3): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.
-- The generated table rebuilds of assets and integrations were replaced by
-- ADD COLUMN: a rebuild would drop the assets' config_version triggers.

ALTER TABLE `assets` ADD COLUMN `kind` text NOT NULL DEFAULT ('');
ALTER TABLE `assets` ADD COLUMN `os` text NOT NULL DEFAULT ('');
ALTER TABLE `assets` ADD COLUMN `online` bool NULL;
ALTER TABLE `assets` ADD COLUMN `last_contact_at` datetime NULL;
ALTER TABLE `assets` ADD COLUMN `rmm_gone_at` datetime NULL;
ALTER TABLE `integrations` ADD COLUMN `last_inventory_sync_at` datetime NULL;
ALTER TABLE `integrations` ADD COLUMN `last_inventory_sync_error` text NOT NULL DEFAULT ('');
ALTER TABLE `integrations` ADD COLUMN `last_inventory_sync_counts` json NULL;
CREATE TABLE `rmm_organizations` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `external_organization_id` text NOT NULL, `name` text NOT NULL DEFAULT (''), `synced_at` datetime NOT NULL, `tenant_id` integer NOT NULL, `integration_id` integer NOT NULL, CONSTRAINT `rmm_organizations_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION, CONSTRAINT `rmm_organizations_integrations_integration` FOREIGN KEY (`integration_id`) REFERENCES `integrations` (`id`) ON DELETE NO ACTION);
CREATE UNIQUE INDEX `rmmorganization_tenant_id_integ_1d91842f765d78d6810a95bff91463c5` ON `rmm_organizations` (`tenant_id`, `integration_id`, `external_organization_id`);
