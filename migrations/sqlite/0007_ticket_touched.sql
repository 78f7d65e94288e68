-- 0007_ticket_touched (sqlite3): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.

DROP INDEX `alert_tenant_id_ticket_id`;
-- Conditions have their own table now: nothing looks alerts up by dedup key.
DROP INDEX `alert_tenant_id_integration_id_dedup_key`;
CREATE INDEX `alert_tenant_id_ticket_id_status` ON `alerts` (`tenant_id`, `ticket_id`, `status`);
ALTER TABLE `tickets` ADD COLUMN `touched_at` datetime NULL;

-- A ticket a person worked before this column keeps counting as touched.
UPDATE tickets SET touched_at = (SELECT max(at) FROM (
		SELECT created_at AS at FROM comments WHERE author_kind = 'human' AND ticket_id = tickets.id
		UNION ALL SELECT created_at FROM time_entries WHERE ticket_id = tickets.id
		UNION ALL SELECT created_at FROM status_changes WHERE actor_kind = 'human' AND ticket_id = tickets.id));
