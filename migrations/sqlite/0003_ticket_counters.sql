-- 0003_ticket_counters (sqlite3): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.

CREATE TABLE `ticket_counters` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `last_number` integer NOT NULL DEFAULT (0), `tenant_id` integer NOT NULL, CONSTRAINT `ticket_counters_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION);
CREATE UNIQUE INDEX `ticketcounter_tenant_id` ON `ticket_counters` (`tenant_id`);
-- Existing tenants continue after their highest ticket number.
INSERT INTO `ticket_counters` (`created_at`, `last_number`, `tenant_id`)
SELECT CURRENT_TIMESTAMP, MAX(`number`), `tenant_id` FROM `tickets` GROUP BY `tenant_id`;
