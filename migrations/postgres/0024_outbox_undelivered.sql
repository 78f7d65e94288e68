-- 0024_outbox_undelivered (postgres): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.

DROP INDEX "outboxentry_delivered_at_available_at";
CREATE INDEX "outboxentry_undelivered" ON "outbox_entries" ("id") WHERE delivered_at IS NULL;
