-- 0005_alert_conditions (sqlite3): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.

CREATE TABLE `alert_conditions` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `dedup_key` text NOT NULL, `head_alert_id` integer NOT NULL, `occurrence_count` integer NOT NULL DEFAULT (1), `first_occurrence_at` datetime NOT NULL, `last_occurrence_at` datetime NOT NULL, `tenant_id` integer NOT NULL, `integration_id` integer NOT NULL, `ticket_id` integer NULL, CONSTRAINT `alert_conditions_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION, CONSTRAINT `alert_conditions_integrations_integration` FOREIGN KEY (`integration_id`) REFERENCES `integrations` (`id`) ON DELETE NO ACTION, CONSTRAINT `alert_conditions_tickets_ticket` FOREIGN KEY (`ticket_id`) REFERENCES `tickets` (`id`) ON DELETE SET NULL);
CREATE UNIQUE INDEX `alertcondition_tenant_id_integration_id_dedup_key` ON `alert_conditions` (`tenant_id`, `integration_id`, `dedup_key`);
CREATE INDEX `alertcondition_tenant_id_ticket_id` ON `alert_conditions` (`tenant_id`, `ticket_id`);

-- Every condition whose alerts are on an open ticket gets its row: the
-- first such alert by id carries the count, as the trigger path read it
-- before this table.
INSERT INTO alert_conditions (tenant_id, created_at, integration_id, dedup_key, ticket_id, head_alert_id,
	occurrence_count, first_occurrence_at, last_occurrence_at)
SELECT a.tenant_id, a.created_at, a.integration_id, a.dedup_key, a.ticket_id, a.id,
	a.occurrence_count, a.created_at, COALESCE(a.last_occurrence_at, a.created_at)
FROM alerts a
WHERE a.id IN (
	SELECT min(g.id) FROM alerts g JOIN tickets t ON t.id = g.ticket_id
	WHERE t.closed_at IS NULL
	GROUP BY g.tenant_id, g.integration_id, g.dedup_key);
