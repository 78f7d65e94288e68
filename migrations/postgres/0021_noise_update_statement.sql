-- 0021_noise_update_statement (postgres): written by hand, as 0020.
-- Released migrations are never rewritten; change the schema with a new one.

-- Updates of alerts move the noise rollups once per statement, as inserts
-- and deletes do (0020), instead of once per row: a statement resolving
-- a page of 500 alerts ran 500 × 3 upserts, holding its days' rollup rows
-- from the first of them to COMMIT; now it runs three grouped upserts,
-- taking the rows in order as every other writer does.
--
-- An old row and a new row of the same id whose counted columns are all
-- equal count the same (+1 and −1 in the same groups), so they are left
-- out: an update that changes no counted column, the most common one,
-- writes nothing. Any other pairing is summed (new +1, old −1) per group,
-- which is exact whatever the update did, ids included.
DROP TRIGGER "alert_noise_update" ON "alerts";
DROP FUNCTION "alert_noise_update"();

CREATE FUNCTION "alert_noise_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	-- Most updates: one probe, then nothing to write.
	IF NOT EXISTS (SELECT 1 FROM n FULL JOIN o ON o.id = n.id
		WHERE n.id IS NULL OR o.id IS NULL OR
			(n.tenant_id, n.integration_id, n.dedup_key, n.triggered_at, n.resolved_at, n.auto_ticket_created,
				n.asset_id, n.client_id, n.matched_rule_id, n.metadata->>'origin') IS DISTINCT FROM
			(o.tenant_id, o.integration_id, o.dedup_key, o.triggered_at, o.resolved_at, o.auto_ticket_created,
				o.asset_id, o.client_id, o.matched_rule_id, o.metadata->>'origin')) THEN
		RETURN NULL;
	END IF;
	WITH ch AS (
		SELECT n.id AS nid, o.id AS oid FROM n FULL JOIN o ON o.id = n.id
		WHERE n.id IS NULL OR o.id IS NULL OR
			(n.tenant_id, n.integration_id, n.dedup_key, n.triggered_at, n.resolved_at, n.auto_ticket_created,
				n.asset_id, n.client_id, n.matched_rule_id, n.metadata->>'origin') IS DISTINCT FROM
			(o.tenant_id, o.integration_id, o.dedup_key, o.triggered_at, o.resolved_at, o.auto_ticket_created,
				o.asset_id, o.client_id, o.matched_rule_id, o.metadata->>'origin')
	), e AS (
		SELECT s, tenant_id, integration_id, dedup_key, (floor(extract(epoch FROM triggered_at) / 86400))::int AS day,
			(resolved_at IS NOT NULL)::int AS r,
			(resolved_at IS NOT NULL AND coalesce(metadata->>'origin' = 'ticket-closed', false))::int AS c,
			auto_ticket_created::int AS t, (id % 16)::smallint AS shard, asset_id, client_id, matched_rule_id,
			round(extract(epoch FROM resolved_at - triggered_at))::bigint AS secs
		FROM (SELECT 1 AS s, n.* FROM n WHERE n.id IN (SELECT nid FROM ch)
			UNION ALL SELECT -1, o.* FROM o WHERE o.id IN (SELECT oid FROM ch)) d
		WHERE triggered_at IS NOT NULL
	), x1 AS (
		INSERT INTO alert_noise_conditions AS t (tenant_id, integration_id, dedup_key, alerts, resets, last_day)
		SELECT tenant_id, integration_id, dedup_key, sum(s), sum(s * r), coalesce(max(day) FILTER (WHERE s > 0), -1)
		FROM e GROUP BY 1, 2, 3
		HAVING sum(s) <> 0 OR sum(s * r) <> 0 OR max(day) FILTER (WHERE s > 0) > coalesce(max(day) FILTER (WHERE s < 0), -1)
		ORDER BY 1, 2, 3
		ON CONFLICT (tenant_id, integration_id, dedup_key) DO UPDATE SET alerts = t.alerts + excluded.alerts,
			resets = t.resets + excluded.resets, last_day = greatest(t.last_day, excluded.last_day)
		RETURNING 1
	), x2 AS (
		INSERT INTO alert_noise_condition_days AS t (tenant_id, integration_id, dedup_key, day, alerts, resets)
		SELECT tenant_id, integration_id, dedup_key, day, sum(s), sum(s * r)
		FROM e GROUP BY 1, 2, 3, 4 HAVING sum(s) <> 0 OR sum(s * r) <> 0
		ORDER BY 1, 2, 3, 4
		ON CONFLICT (tenant_id, integration_id, dedup_key, day) DO UPDATE SET alerts = t.alerts + excluded.alerts,
			resets = t.resets + excluded.resets
		RETURNING 1
	)
	INSERT INTO alert_noise_days AS t (tenant_id, kind, day, key, shard, alerts, resets, closed, tickets)
	SELECT e.tenant_id, k.kind, e.day, k.key, k.shard, sum(e.s), sum(e.s * k.r), sum(e.s * k.c), sum(e.s * k.t)
	FROM e CROSS JOIN LATERAL (VALUES
		(0::smallint, 0::bigint, e.shard, e.r, e.c, e.t),
		(2::smallint, e.asset_id, 0::smallint, e.r, e.c, e.t),
		(3::smallint, e.client_id, e.shard, e.r, e.c, e.t),
		(4::smallint, e.matched_rule_id, e.shard, e.r, e.c, e.t),
		(5::smallint, e.secs, e.shard, 0, 0, 0)) AS k (kind, key, shard, r, c, t)
	WHERE k.key IS NOT NULL
	GROUP BY 1, 2, 3, 4, 5 HAVING sum(e.s) <> 0 OR sum(e.s * k.r) <> 0 OR sum(e.s * k.c) <> 0 OR sum(e.s * k.t) <> 0
	ORDER BY 1, 2, 3, 4, 5
	ON CONFLICT (tenant_id, kind, day, key, shard) DO UPDATE SET alerts = t.alerts + excluded.alerts,
		resets = t.resets + excluded.resets, closed = t.closed + excluded.closed, tickets = t.tickets + excluded.tickets;
	RETURN NULL;
END
$$;
CREATE TRIGGER "alert_noise_update" AFTER UPDATE ON "alerts" REFERENCING OLD TABLE AS o NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION "alert_noise_update"();
