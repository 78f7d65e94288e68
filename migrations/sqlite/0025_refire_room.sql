-- 0025_refire_room (sqlite): nothing to do. On PostgreSQL this keeps more
-- room in the pages of tickets, alert_conditions and
-- alert_noise_condition_days for updated versions; SQLite rewrites rows in
-- place.
SELECT 1;
