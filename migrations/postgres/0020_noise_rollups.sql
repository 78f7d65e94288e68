-- 0020_noise_rollups (postgres): written by hand; ent cannot express
-- triggers (the drift test ignores these tables: entdiff.Unmanaged).
-- Released migrations are never rewritten; change the schema with a new one.

-- alertNoiseReport's rollups, per UTC day of triggered_at (day = days
-- since 1970-01-01). Triggers on alerts keep them equal to what grouping
-- the alerts would give, in the transaction that writes the alert: every
-- writer (pipeline, ticket close, bulk loads) moves them alike.

-- Per condition over all time: the report's rankings take as candidates
-- only the conditions that could reach the period's top (alerts and
-- resets never fewer than in any period). last_day only grows.
CREATE TABLE "alert_noise_conditions" ("tenant_id" bigint NOT NULL, "integration_id" bigint NOT NULL,
	"dedup_key" character varying NOT NULL, "alerts" bigint NOT NULL, "resets" bigint NOT NULL, "last_day" integer NOT NULL,
	PRIMARY KEY ("tenant_id", "integration_id", "dedup_key"));
CREATE INDEX "alert_noise_conditions_alerts" ON "alert_noise_conditions" ("tenant_id", "alerts")
	INCLUDE ("last_day", "integration_id", "dedup_key");
CREATE INDEX "alert_noise_conditions_resets" ON "alert_noise_conditions" ("tenant_id", "resets")
	INCLUDE ("last_day", "integration_id", "dedup_key");
-- Per condition and day: the candidates' counts in the period.
CREATE TABLE "alert_noise_condition_days" ("tenant_id" bigint NOT NULL, "integration_id" bigint NOT NULL,
	"dedup_key" character varying NOT NULL, "day" integer NOT NULL, "alerts" bigint NOT NULL, "resets" bigint NOT NULL,
	PRIMARY KEY ("tenant_id", "integration_id", "dedup_key", "day"));
-- Per day and kind: 0 the totals, 2 an asset, 3 a client, 4 a rule (alerts,
-- resets, resets by ticket close, tickets opened), 5 the resolved alerts
-- whose time to resolve rounds to key seconds. Totals, clients, rules and times are
-- spread over 16 shards (alert id % 16) so concurrent events of a tenant
-- do not queue on one row.
CREATE TABLE "alert_noise_days" ("tenant_id" bigint NOT NULL, "kind" smallint NOT NULL, "day" integer NOT NULL,
	"key" bigint NOT NULL, "shard" smallint NOT NULL, "alerts" bigint NOT NULL, "resets" bigint NOT NULL,
	"closed" bigint NOT NULL, "tickets" bigint NOT NULL, PRIMARY KEY ("tenant_id", "kind", "day", "key", "shard"));

-- Inserts and deletes: one statement per statement on alerts (transition
-- tables), so a bulk INSERT costs one grouped upsert, not one per row.
CREATE FUNCTION "alert_noise_apply"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
	WITH e AS (
		SELECT s, tenant_id, integration_id, dedup_key, (floor(extract(epoch FROM triggered_at) / 86400))::int AS day,
			(resolved_at IS NOT NULL)::int AS r,
			(resolved_at IS NOT NULL AND coalesce(metadata->>'origin' = 'ticket-closed', false))::int AS c,
			auto_ticket_created::int AS t, (id % 16)::smallint AS shard, asset_id, client_id, matched_rule_id,
			round(extract(epoch FROM resolved_at - triggered_at))::bigint AS secs
		FROM (SELECT 1 AS s, n.* FROM n) d WHERE triggered_at IS NOT NULL
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
	ELSE
	WITH e AS (
		SELECT s, tenant_id, integration_id, dedup_key, (floor(extract(epoch FROM triggered_at) / 86400))::int AS day,
			(resolved_at IS NOT NULL)::int AS r,
			(resolved_at IS NOT NULL AND coalesce(metadata->>'origin' = 'ticket-closed', false))::int AS c,
			auto_ticket_created::int AS t, (id % 16)::smallint AS shard, asset_id, client_id, matched_rule_id,
			round(extract(epoch FROM resolved_at - triggered_at))::bigint AS secs
		FROM (SELECT -1 AS s, o.* FROM o) d WHERE triggered_at IS NOT NULL
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
	END IF;
	RETURN NULL;
END
$$;
CREATE TRIGGER "alert_noise_insert" AFTER INSERT ON "alerts" REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION "alert_noise_apply"();
CREATE TRIGGER "alert_noise_delete" AFTER DELETE ON "alerts" REFERENCING OLD TABLE AS o
	FOR EACH STATEMENT EXECUTE FUNCTION "alert_noise_apply"();
-- Updates: per row, and only of the columns counted (transition tables
-- admit no column list); most updates of an alert change none of them.
CREATE FUNCTION "alert_noise_update"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	WITH e AS (
		SELECT s, tenant_id, integration_id, dedup_key, (floor(extract(epoch FROM triggered_at) / 86400))::int AS day,
			(resolved_at IS NOT NULL)::int AS r,
			(resolved_at IS NOT NULL AND coalesce(metadata->>'origin' = 'ticket-closed', false))::int AS c,
			auto_ticket_created::int AS t, (id % 16)::smallint AS shard, asset_id, client_id, matched_rule_id,
			round(extract(epoch FROM resolved_at - triggered_at))::bigint AS secs
		FROM (SELECT 1 AS s, (NEW).* UNION ALL SELECT -1, (OLD).*) d WHERE triggered_at IS NOT NULL
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
CREATE TRIGGER "alert_noise_update" AFTER UPDATE ON "alerts" FOR EACH ROW WHEN (
	OLD.tenant_id IS DISTINCT FROM NEW.tenant_id OR OLD.integration_id IS DISTINCT FROM NEW.integration_id OR
	OLD.dedup_key IS DISTINCT FROM NEW.dedup_key OR OLD.triggered_at IS DISTINCT FROM NEW.triggered_at OR
	OLD.resolved_at IS DISTINCT FROM NEW.resolved_at OR OLD.auto_ticket_created IS DISTINCT FROM NEW.auto_ticket_created OR
	OLD.asset_id IS DISTINCT FROM NEW.asset_id OR OLD.client_id IS DISTINCT FROM NEW.client_id OR
	OLD.matched_rule_id IS DISTINCT FROM NEW.matched_rule_id OR
	(OLD.metadata->>'origin') IS DISTINCT FROM (NEW.metadata->>'origin'))
	EXECUTE FUNCTION "alert_noise_update"();

-- Adds the alerts of p_tenant (every tenant when NULL) with ids above
-- p_after to the rollups: the backfill below, and bulk loads that write
-- alerts with these triggers off.
CREATE FUNCTION "alert_noise_backfill"(p_tenant bigint, p_after bigint) RETURNS void LANGUAGE sql AS $$
WITH e AS (
	SELECT s, tenant_id, integration_id, dedup_key, (floor(extract(epoch FROM triggered_at) / 86400))::int AS day,
		(resolved_at IS NOT NULL)::int AS r,
		(resolved_at IS NOT NULL AND coalesce(metadata->>'origin' = 'ticket-closed', false))::int AS c,
		auto_ticket_created::int AS t, (id % 16)::smallint AS shard, asset_id, client_id, matched_rule_id,
		round(extract(epoch FROM resolved_at - triggered_at))::bigint AS secs
	FROM (SELECT 1 AS s, a.* FROM alerts a WHERE (p_tenant IS NULL OR a.tenant_id = p_tenant) AND a.id > p_after) d
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
$$;

-- The alerts already there.
SELECT alert_noise_backfill(NULL, 0);
