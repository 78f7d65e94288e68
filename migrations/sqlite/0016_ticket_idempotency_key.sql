-- 0016_ticket_idempotency_key (sqlite3): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.

CREATE TABLE `new_tickets` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `number` integer NOT NULL, `title` text NOT NULL, `description` text NOT NULL DEFAULT (''), `source` text NOT NULL DEFAULT (''), `source_reference` text NOT NULL DEFAULT (''), `updated_at` datetime NOT NULL, `closed_at` datetime NULL, `touched_at` datetime NULL, `idempotency_key` text NULL, `tenant_id` integer NOT NULL, `client_id` integer NULL, `asset_id` integer NULL, `board_id` integer NOT NULL, `status_id` integer NOT NULL, `priority_id` integer NULL, `assignee_id` integer NULL, CONSTRAINT `tickets_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION, CONSTRAINT `tickets_clients_client` FOREIGN KEY (`client_id`) REFERENCES `clients` (`id`) ON DELETE SET NULL, CONSTRAINT `tickets_assets_asset` FOREIGN KEY (`asset_id`) REFERENCES `assets` (`id`) ON DELETE SET NULL, CONSTRAINT `tickets_boards_board` FOREIGN KEY (`board_id`) REFERENCES `boards` (`id`) ON DELETE NO ACTION, CONSTRAINT `tickets_ticket_status_status` FOREIGN KEY (`status_id`) REFERENCES `ticket_status` (`id`) ON DELETE NO ACTION, CONSTRAINT `tickets_priorities_priority` FOREIGN KEY (`priority_id`) REFERENCES `priorities` (`id`) ON DELETE SET NULL, CONSTRAINT `tickets_users_assignee` FOREIGN KEY (`assignee_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
INSERT INTO `new_tickets` (`id`, `created_at`, `number`, `title`, `description`, `source`, `source_reference`, `updated_at`, `closed_at`, `touched_at`, `tenant_id`, `client_id`, `asset_id`, `board_id`, `status_id`, `priority_id`, `assignee_id`) SELECT `id`, `created_at`, `number`, `title`, `description`, `source`, `source_reference`, `updated_at`, `closed_at`, `touched_at`, `tenant_id`, `client_id`, `asset_id`, `board_id`, `status_id`, `priority_id`, `assignee_id` FROM `tickets`;
DROP TABLE `tickets`;
ALTER TABLE `new_tickets` RENAME TO `tickets`;
CREATE UNIQUE INDEX `ticket_tenant_id_number` ON `tickets` (`tenant_id`, `number`);
CREATE UNIQUE INDEX `ticket_tenant_id_idempotency_key` ON `tickets` (`tenant_id`, `idempotency_key`);
CREATE INDEX `ticket_tenant_id_closed_at` ON `tickets` (`tenant_id`, `closed_at`);
CREATE INDEX `ticket_tenant_id_id_open` ON `tickets` (`tenant_id`, `id`) WHERE closed_at IS NULL;
CREATE INDEX `ticket_tenant_id_id` ON `tickets` (`tenant_id`, `id`);
CREATE INDEX `ticket_tenant_id_assignee_id_id` ON `tickets` (`tenant_id`, `assignee_id`, `id`);
CREATE INDEX `ticket_tenant_id_client_id_id` ON `tickets` (`tenant_id`, `client_id`, `id`);
CREATE INDEX `ticket_tenant_id_asset_id_id` ON `tickets` (`tenant_id`, `asset_id`, `id`);
CREATE INDEX `ticket_tenant_id_status_id_id` ON `tickets` (`tenant_id`, `status_id`, `id`);
