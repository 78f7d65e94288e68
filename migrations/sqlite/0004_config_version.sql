-- 0004_config_version (sqlite3): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.

CREATE TABLE `new_tenants` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` text NOT NULL, `slug` text NOT NULL, `created_at` datetime NOT NULL, `config_version` integer NOT NULL DEFAULT (0));
INSERT INTO `new_tenants` (`id`, `name`, `slug`, `created_at`) SELECT `id`, `name`, `slug`, `created_at` FROM `tenants`;
DROP TABLE `tenants`;
ALTER TABLE `new_tenants` RENAME TO `tenants`;
CREATE UNIQUE INDEX `tenants_slug_key` ON `tenants` (`slug`);


-- The alert pipeline caches each tenant's routing configuration; these
-- triggers advance tenants.config_version in the writing transaction, so
-- no write path (API, seed, SQL by hand) can leave a cache stale.
-- SQLite drops a table's triggers when a migration rebuilds it: recreate
-- them there (pipeline.TestConfigVersionTriggers checks every table).
CREATE TRIGGER `alert_rules_config_version_insert` AFTER INSERT ON `alert_rules` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = NEW.`tenant_id`; END;
CREATE TRIGGER `alert_rules_config_version_update` AFTER UPDATE ON `alert_rules` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` IN (OLD.`tenant_id`, NEW.`tenant_id`); END;
CREATE TRIGGER `alert_rules_config_version_delete` AFTER DELETE ON `alert_rules` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = OLD.`tenant_id`; END;
CREATE TRIGGER `maintenance_windows_config_version_insert` AFTER INSERT ON `maintenance_windows` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = NEW.`tenant_id`; END;
CREATE TRIGGER `maintenance_windows_config_version_update` AFTER UPDATE ON `maintenance_windows` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` IN (OLD.`tenant_id`, NEW.`tenant_id`); END;
CREATE TRIGGER `maintenance_windows_config_version_delete` AFTER DELETE ON `maintenance_windows` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = OLD.`tenant_id`; END;
CREATE TRIGGER `boards_config_version_insert` AFTER INSERT ON `boards` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = NEW.`tenant_id`; END;
CREATE TRIGGER `boards_config_version_update` AFTER UPDATE ON `boards` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` IN (OLD.`tenant_id`, NEW.`tenant_id`); END;
CREATE TRIGGER `boards_config_version_delete` AFTER DELETE ON `boards` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = OLD.`tenant_id`; END;
CREATE TRIGGER `ticket_status_config_version_insert` AFTER INSERT ON `ticket_status` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = NEW.`tenant_id`; END;
CREATE TRIGGER `ticket_status_config_version_update` AFTER UPDATE ON `ticket_status` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` IN (OLD.`tenant_id`, NEW.`tenant_id`); END;
CREATE TRIGGER `ticket_status_config_version_delete` AFTER DELETE ON `ticket_status` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = OLD.`tenant_id`; END;
CREATE TRIGGER `priorities_config_version_insert` AFTER INSERT ON `priorities` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = NEW.`tenant_id`; END;
CREATE TRIGGER `priorities_config_version_update` AFTER UPDATE ON `priorities` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` IN (OLD.`tenant_id`, NEW.`tenant_id`); END;
CREATE TRIGGER `priorities_config_version_delete` AFTER DELETE ON `priorities` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = OLD.`tenant_id`; END;
CREATE TRIGGER `users_config_version_insert` AFTER INSERT ON `users` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = NEW.`tenant_id`; END;
CREATE TRIGGER `users_config_version_update` AFTER UPDATE ON `users` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` IN (OLD.`tenant_id`, NEW.`tenant_id`); END;
CREATE TRIGGER `users_config_version_delete` AFTER DELETE ON `users` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = OLD.`tenant_id`; END;
CREATE TRIGGER `clients_config_version_insert` AFTER INSERT ON `clients` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = NEW.`tenant_id`; END;
CREATE TRIGGER `clients_config_version_update` AFTER UPDATE ON `clients` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` IN (OLD.`tenant_id`, NEW.`tenant_id`); END;
CREATE TRIGGER `clients_config_version_delete` AFTER DELETE ON `clients` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = OLD.`tenant_id`; END;
CREATE TRIGGER `assets_config_version_insert` AFTER INSERT ON `assets` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = NEW.`tenant_id`; END;
CREATE TRIGGER `assets_config_version_update` AFTER UPDATE ON `assets` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` IN (OLD.`tenant_id`, NEW.`tenant_id`); END;
CREATE TRIGGER `assets_config_version_delete` AFTER DELETE ON `assets` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = OLD.`tenant_id`; END;
CREATE TRIGGER `asset_devices_config_version_insert` AFTER INSERT ON `asset_devices` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = NEW.`tenant_id`; END;
CREATE TRIGGER `asset_devices_config_version_update` AFTER UPDATE ON `asset_devices` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` IN (OLD.`tenant_id`, NEW.`tenant_id`); END;
CREATE TRIGGER `asset_devices_config_version_delete` AFTER DELETE ON `asset_devices` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = OLD.`tenant_id`; END;
CREATE TRIGGER `organization_mappings_config_version_insert` AFTER INSERT ON `organization_mappings` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = NEW.`tenant_id`; END;
CREATE TRIGGER `organization_mappings_config_version_update` AFTER UPDATE ON `organization_mappings` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` IN (OLD.`tenant_id`, NEW.`tenant_id`); END;
CREATE TRIGGER `organization_mappings_config_version_delete` AFTER DELETE ON `organization_mappings` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = OLD.`tenant_id`; END;
