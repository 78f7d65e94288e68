-- 0011_text_search (postgres): written by hand; ent cannot express these
-- indexes (the drift test ignores them by name: entdiff.Unmanaged).
-- Released migrations are never rewritten; change the schema with a new one.

-- The lists' text filters match with ILIKE '%…%', which no btree serves: a
-- rare text read every alert. Trigram indexes answer it from the index.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "alert_message_trgm" ON "alerts" USING gin ("message" gin_trgm_ops);
CREATE INDEX "alert_device_name_trgm" ON "alerts" USING gin ("device_name" gin_trgm_ops);
CREATE INDEX "ticket_title_trgm" ON "tickets" USING gin ("title" gin_trgm_ops);
