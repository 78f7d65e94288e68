-- 0011_text_search (sqlite): nothing. PostgreSQL adds trigram indexes for
-- the lists' text filters; an embedded installation's tables are small
-- enough for LIKE to scan.
SELECT 1;
