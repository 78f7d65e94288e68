-- 0010_poll_state (sqlite3): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.
-- The rebuilt table keeps 0009's webhook_secret_sealed (added by hand: this
-- file was generated on a tree without 0009).

CREATE TABLE `new_integrations` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `provider` text NOT NULL, `name` text NOT NULL, `connection_state` text NOT NULL DEFAULT ('disconnected'), `credentials` blob NULL, `webhook_secret` text NOT NULL DEFAULT (''), `webhook_secret_sealed` blob NULL, `base_url` text NOT NULL DEFAULT (''), `region` text NOT NULL DEFAULT (''), `polling_enabled` bool NOT NULL DEFAULT (true), `polling_interval_minutes` integer NOT NULL DEFAULT (15), `last_polled_at` datetime NULL, `last_poll_error` text NOT NULL DEFAULT (''), `last_poll_counts` json NULL, `poll_failures` integer NOT NULL DEFAULT (0), `poll_failing_since` datetime NULL, `poll_requested_at` datetime NULL, `poll_grace_seconds` integer NOT NULL DEFAULT (120), `tenant_id` integer NOT NULL, CONSTRAINT `integrations_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
INSERT INTO `new_integrations` (`id`, `created_at`, `provider`, `name`, `connection_state`, `credentials`, `webhook_secret`, `webhook_secret_sealed`, `base_url`, `region`, `polling_enabled`, `polling_interval_minutes`, `last_polled_at`, `last_poll_error`, `last_poll_counts`, `tenant_id`) SELECT `id`, `created_at`, `provider`, `name`, `connection_state`, `credentials`, `webhook_secret`, `webhook_secret_sealed`, `base_url`, `region`, `polling_enabled`, `polling_interval_minutes`, `last_polled_at`, `last_poll_error`, `last_poll_counts`, `tenant_id` FROM `integrations`;
DROP TABLE `integrations`;
ALTER TABLE `new_integrations` RENAME TO `integrations`;
CREATE INDEX `integration_tenant_id_provider` ON `integrations` (`tenant_id`, `provider`);
