-- 0018_noise_report (postgres): written by hand; ent cannot express these
-- indexes (the drift test ignores them by name: entdiff.Unmanaged).
-- Released migrations are never rewritten; change the schema with a new one.

-- alertNoiseReport groups a period's alerts (by when they fired) by
-- condition, asset, client and rule in one pass: an index-only scan of
-- this range, whatever the tenant's other alerts.
CREATE INDEX "alert_noise_period" ON "alerts" ("tenant_id", "triggered_at")
	INCLUDE ("integration_id", "dedup_key", "asset_id", "client_id", "matched_rule_id", "auto_ticket_created", "resolved_at");
-- The few alerts cleared because their ticket closed, counted apart.
CREATE INDEX "alert_noise_ticket_closed" ON "alerts" ("tenant_id", "triggered_at") INCLUDE ("resolved_at")
	WHERE (metadata->>'origin') = 'ticket-closed';
