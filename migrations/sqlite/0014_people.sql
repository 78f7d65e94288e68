-- 0014_people (sqlite3): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.

CREATE TABLE `new_users` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `email` text NOT NULL, `name` text NOT NULL DEFAULT (''), `role` text NOT NULL DEFAULT ('technician'), `notification_preferences` json NULL, `password_hash` text NOT NULL DEFAULT (''), `deactivated_at` datetime NULL, `tenant_id` integer NOT NULL, CONSTRAINT `users_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
INSERT INTO `new_users` (`id`, `created_at`, `email`, `name`, `role`, `notification_preferences`, `tenant_id`) SELECT `id`, `created_at`, `email`, `name`, `role`, `notification_preferences`, `tenant_id` FROM `users`;
DROP TABLE `users`;
ALTER TABLE `new_users` RENAME TO `users`;
CREATE UNIQUE INDEX `user_tenant_id_email` ON `users` (`tenant_id`, `email`);
CREATE TABLE `login_sessions` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `token_hash` text NOT NULL, `expires_at` datetime NOT NULL, `ended_at` datetime NULL, `method` text NOT NULL DEFAULT ('password'), `tenant_id` integer NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `login_sessions_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION, CONSTRAINT `login_sessions_users_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
CREATE UNIQUE INDEX `loginsession_token_hash` ON `login_sessions` (`token_hash`);
CREATE INDEX `loginsession_tenant_id_user_id` ON `login_sessions` (`tenant_id`, `user_id`);
CREATE TABLE `user_links` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `kind` text NOT NULL, `token_hash` text NOT NULL, `expires_at` datetime NOT NULL, `used_at` datetime NULL, `tenant_id` integer NOT NULL, `user_id` integer NOT NULL, CONSTRAINT `user_links_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION, CONSTRAINT `user_links_users_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
CREATE UNIQUE INDEX `userlink_token_hash` ON `user_links` (`token_hash`);
CREATE INDEX `userlink_tenant_id_user_id` ON `user_links` (`tenant_id`, `user_id`);
-- Rebuilding users dropped its triggers (migration 0004): routing reads users.
CREATE TRIGGER `users_config_version_insert` AFTER INSERT ON `users` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = NEW.`tenant_id`; END;
CREATE TRIGGER `users_config_version_update` AFTER UPDATE ON `users` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` IN (OLD.`tenant_id`, NEW.`tenant_id`); END;
CREATE TRIGGER `users_config_version_delete` AFTER DELETE ON `users` BEGIN UPDATE `tenants` SET `config_version` = `config_version` + 1 WHERE `id` = OLD.`tenant_id`; END;
