-- 0007_ticket_touched (postgres): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.

DROP INDEX "alert_tenant_id_ticket_id";
-- Conditions have their own table now: nothing looks alerts up by dedup key.
DROP INDEX "alert_tenant_id_integration_id_dedup_key";
CREATE INDEX "alert_tenant_id_ticket_id_status" ON "alerts" ("tenant_id", "ticket_id", "status");
ALTER TABLE "tickets" ADD COLUMN "touched_at" timestamptz NULL;

-- A ticket a person worked before this column keeps counting as touched.
UPDATE tickets t SET touched_at = w.at
FROM (SELECT ticket_id, max(at) AS at FROM (
		SELECT ticket_id, created_at AS at FROM comments WHERE author_kind = 'human'
		UNION ALL SELECT ticket_id, created_at FROM time_entries
		UNION ALL SELECT ticket_id, created_at FROM status_changes WHERE actor_kind = 'human') x
	GROUP BY ticket_id) w
WHERE w.ticket_id = t.id;
