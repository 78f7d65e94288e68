-- 0025_refire_room (postgres): written by hand; ent cannot express
-- storage parameters. Released migrations are never rewritten; change the
-- schema with a new one.

-- A condition that fires again on its open ticket updates the ticket
-- (updated_at), its row in alert_conditions and in the noise rollups (the
-- counts), none of them in an indexed column of these tables but
-- alert_noise_conditions'. Tickets opened together (one outage, one poll)
-- sit on the same pages and fire again together, each update while the
-- others' transactions still run, so no version they replace can be
-- pruned yet: 0022's 10 % of a page held two ticket versions, and the rest
-- moved to another page with an entry in each of the 11 indexes of
-- tickets. 30 % holds six ticket versions (about 400 bytes) and thirteen of a condition's
-- row. As with 0022, pages already full keep until rewritten.
ALTER TABLE "tickets" SET (fillfactor = 70);
ALTER TABLE "alert_conditions" SET (fillfactor = 70);
ALTER TABLE "alert_noise_condition_days" SET (fillfactor = 70);
