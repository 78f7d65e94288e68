-- 0022_update_room (postgres): written by hand; ent cannot express
-- storage parameters. Released migrations are never rewritten; change the
-- schema with a new one.

-- Every firing of a condition on its open ticket updates the ticket
-- (updated_at), the condition's row and its first alert (the occurrence
-- count), none of them in an indexed column. Such an update stays on its
-- page (HOT) and writes no index entry, if the page has room for the new
-- version; on a large table, filled to the brim by years of inserts, it
-- rarely has, and each update then adds an entry to every index of the
-- table: 16 on alerts, two of them trigram indexes, 11 on tickets. Pages
-- written from now on keep room for an updated version (an alert written
-- from a webhook is about 2 kB); pages already full stay as they are
-- until rewritten (VACUUM FULL, pg_repack).
ALTER TABLE "alerts" SET (fillfactor = 70);
ALTER TABLE "tickets" SET (fillfactor = 90);
ALTER TABLE "alert_conditions" SET (fillfactor = 90);
