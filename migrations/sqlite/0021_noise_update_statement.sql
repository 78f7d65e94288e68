-- 0021_noise_update_statement (sqlite): nothing to change. PostgreSQL's
-- 0021 moves the noise rollups once per UPDATE statement instead of once
-- per row; SQLite has only row triggers, and 0020's update trigger, which
-- runs only when a counted column changed, stays as it is.
SELECT 1;
