-- 0022_update_room (sqlite): nothing to do. On PostgreSQL this keeps room
-- in the pages of alerts, tickets and alert_conditions for updated
-- versions; SQLite rewrites rows in place.
SELECT 1;
