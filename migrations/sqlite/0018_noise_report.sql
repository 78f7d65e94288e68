-- 0018_noise_report (sqlite): written by hand; ent cannot express these
-- indexes (the drift test ignores them by name: entdiff.Unmanaged).
-- Released migrations are never rewritten; change the schema with a new one.

-- alertNoiseReport groups a period's alerts (by when they fired): the
-- range of this index, never another tenant's alerts.
CREATE INDEX "alert_noise_period" ON "alerts" ("tenant_id", "triggered_at");
