-- 0020_noise_rollups (sqlite): written by hand; ent cannot express
-- triggers (the drift test ignores these tables: entdiff.Unmanaged).
-- Released migrations are never rewritten; change the schema with a new one.

-- alertNoiseReport's rollups, per UTC day of triggered_at (day = days
-- since 1970-01-01), as on PostgreSQL (see its 0020 for the tables).
-- Triggers on alerts keep them equal to what grouping the alerts would
-- give, in the transaction that writes the alert. Times are stored as Go
-- formats them ("2006-01-02 15:04:05.999999999 -0700 MST"): julianday
-- reads them once the offset is rewritten as ±HH:MM.
CREATE TABLE `alert_noise_conditions` (`tenant_id` integer NOT NULL, `integration_id` integer NOT NULL,
	`dedup_key` text NOT NULL, `alerts` integer NOT NULL, `resets` integer NOT NULL, `last_day` integer NOT NULL,
	PRIMARY KEY (`tenant_id`, `integration_id`, `dedup_key`));
CREATE INDEX `alert_noise_conditions_alerts` ON `alert_noise_conditions` (`tenant_id`, `alerts`, `last_day`);
CREATE INDEX `alert_noise_conditions_resets` ON `alert_noise_conditions` (`tenant_id`, `resets`, `last_day`);
CREATE TABLE `alert_noise_condition_days` (`tenant_id` integer NOT NULL, `integration_id` integer NOT NULL,
	`dedup_key` text NOT NULL, `day` integer NOT NULL, `alerts` integer NOT NULL, `resets` integer NOT NULL,
	PRIMARY KEY (`tenant_id`, `integration_id`, `dedup_key`, `day`));
CREATE TABLE `alert_noise_days` (`tenant_id` integer NOT NULL, `kind` integer NOT NULL, `day` integer NOT NULL,
	`key` integer NOT NULL, `shard` integer NOT NULL, `alerts` integer NOT NULL, `resets` integer NOT NULL,
	`closed` integer NOT NULL, `tickets` integer NOT NULL, PRIMARY KEY (`tenant_id`, `kind`, `day`, `key`, `shard`));

CREATE TRIGGER `alert_noise_insert` AFTER INSERT ON `alerts` WHEN NEW.triggered_at IS NOT NULL BEGIN
	INSERT INTO alert_noise_conditions (tenant_id, integration_id, dedup_key, alerts, resets, last_day)
	SELECT NEW.tenant_id, NEW.integration_id, NEW.dedup_key, 1, 1 * (NEW.resolved_at IS NOT NULL),
		CASE WHEN 1 > 0 THEN CAST(julianday(substr(NEW.triggered_at, 1, (11 + instr(substr(NEW.triggered_at, 12), ' ')) - 1) || substr(NEW.triggered_at, (11 + instr(substr(NEW.triggered_at, 12), ' ')) + 1, 3) || ':' || substr(NEW.triggered_at, (11 + instr(substr(NEW.triggered_at, 12), ' ')) + 4, 2)) - 2440587.5 AS INTEGER) ELSE -1 END
	WHERE NEW.triggered_at IS NOT NULL
	ON CONFLICT (tenant_id, integration_id, dedup_key) DO UPDATE SET alerts = alerts + excluded.alerts,
		resets = resets + excluded.resets, last_day = max(last_day, excluded.last_day);
	INSERT INTO alert_noise_condition_days (tenant_id, integration_id, dedup_key, day, alerts, resets)
	SELECT NEW.tenant_id, NEW.integration_id, NEW.dedup_key, CAST(julianday(substr(NEW.triggered_at, 1, (11 + instr(substr(NEW.triggered_at, 12), ' ')) - 1) || substr(NEW.triggered_at, (11 + instr(substr(NEW.triggered_at, 12), ' ')) + 1, 3) || ':' || substr(NEW.triggered_at, (11 + instr(substr(NEW.triggered_at, 12), ' ')) + 4, 2)) - 2440587.5 AS INTEGER), 1, 1 * (NEW.resolved_at IS NOT NULL)
	WHERE NEW.triggered_at IS NOT NULL
	ON CONFLICT (tenant_id, integration_id, dedup_key, day) DO UPDATE SET alerts = alerts + excluded.alerts,
		resets = resets + excluded.resets;
	INSERT INTO alert_noise_days (tenant_id, kind, day, key, shard, alerts, resets, closed, tickets)
	SELECT tenant_id, kind, day, key, shard, 1, 1 * r, 1 * c, 1 * t FROM (
		SELECT NEW.tenant_id AS tenant_id, k.kind AS kind, v.day AS day,
			CASE k.kind WHEN 0 THEN 0 WHEN 2 THEN NEW.asset_id WHEN 3 THEN NEW.client_id WHEN 4 THEN NEW.matched_rule_id
				ELSE v.secs END AS key,
			CASE WHEN k.kind IN (0, 3, 4, 5) THEN NEW.id % 16 ELSE 0 END AS shard,
			CASE WHEN k.kind = 5 THEN 0 ELSE v.r END AS r, CASE WHEN k.kind = 5 THEN 0 ELSE v.c END AS c,
			CASE WHEN k.kind = 5 THEN 0 ELSE v.t END AS t
		FROM (SELECT CAST(julianday(substr(NEW.triggered_at, 1, (11 + instr(substr(NEW.triggered_at, 12), ' ')) - 1) || substr(NEW.triggered_at, (11 + instr(substr(NEW.triggered_at, 12), ' ')) + 1, 3) || ':' || substr(NEW.triggered_at, (11 + instr(substr(NEW.triggered_at, 12), ' ')) + 4, 2)) - 2440587.5 AS INTEGER) AS day, NEW.resolved_at IS NOT NULL AS r,
			NEW.resolved_at IS NOT NULL AND ifnull(json_extract(NEW.metadata, '$.origin') = 'ticket-closed', 0) AS c,
			NEW.auto_ticket_created AS t,
			CASE WHEN NEW.resolved_at IS NOT NULL THEN CAST(round((julianday(substr(NEW.resolved_at, 1, (11 + instr(substr(NEW.resolved_at, 12), ' ')) - 1) || substr(NEW.resolved_at, (11 + instr(substr(NEW.resolved_at, 12), ' ')) + 1, 3) || ':' || substr(NEW.resolved_at, (11 + instr(substr(NEW.resolved_at, 12), ' ')) + 4, 2)) - julianday(substr(NEW.triggered_at, 1, (11 + instr(substr(NEW.triggered_at, 12), ' ')) - 1) || substr(NEW.triggered_at, (11 + instr(substr(NEW.triggered_at, 12), ' ')) + 1, 3) || ':' || substr(NEW.triggered_at, (11 + instr(substr(NEW.triggered_at, 12), ' ')) + 4, 2))) * 86400) AS INTEGER) END AS secs) v,
			(SELECT 0 AS kind UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5) k
		WHERE NEW.triggered_at IS NOT NULL
	) WHERE key IS NOT NULL
	ON CONFLICT (tenant_id, kind, day, key, shard) DO UPDATE SET alerts = alerts + excluded.alerts,
		resets = resets + excluded.resets, closed = closed + excluded.closed, tickets = tickets + excluded.tickets;
END;
CREATE TRIGGER `alert_noise_delete` AFTER DELETE ON `alerts` WHEN OLD.triggered_at IS NOT NULL BEGIN
	INSERT INTO alert_noise_conditions (tenant_id, integration_id, dedup_key, alerts, resets, last_day)
	SELECT OLD.tenant_id, OLD.integration_id, OLD.dedup_key, -1, -1 * (OLD.resolved_at IS NOT NULL),
		CASE WHEN -1 > 0 THEN CAST(julianday(substr(OLD.triggered_at, 1, (11 + instr(substr(OLD.triggered_at, 12), ' ')) - 1) || substr(OLD.triggered_at, (11 + instr(substr(OLD.triggered_at, 12), ' ')) + 1, 3) || ':' || substr(OLD.triggered_at, (11 + instr(substr(OLD.triggered_at, 12), ' ')) + 4, 2)) - 2440587.5 AS INTEGER) ELSE -1 END
	WHERE OLD.triggered_at IS NOT NULL
	ON CONFLICT (tenant_id, integration_id, dedup_key) DO UPDATE SET alerts = alerts + excluded.alerts,
		resets = resets + excluded.resets, last_day = max(last_day, excluded.last_day);
	INSERT INTO alert_noise_condition_days (tenant_id, integration_id, dedup_key, day, alerts, resets)
	SELECT OLD.tenant_id, OLD.integration_id, OLD.dedup_key, CAST(julianday(substr(OLD.triggered_at, 1, (11 + instr(substr(OLD.triggered_at, 12), ' ')) - 1) || substr(OLD.triggered_at, (11 + instr(substr(OLD.triggered_at, 12), ' ')) + 1, 3) || ':' || substr(OLD.triggered_at, (11 + instr(substr(OLD.triggered_at, 12), ' ')) + 4, 2)) - 2440587.5 AS INTEGER), -1, -1 * (OLD.resolved_at IS NOT NULL)
	WHERE OLD.triggered_at IS NOT NULL
	ON CONFLICT (tenant_id, integration_id, dedup_key, day) DO UPDATE SET alerts = alerts + excluded.alerts,
		resets = resets + excluded.resets;
	INSERT INTO alert_noise_days (tenant_id, kind, day, key, shard, alerts, resets, closed, tickets)
	SELECT tenant_id, kind, day, key, shard, -1, -1 * r, -1 * c, -1 * t FROM (
		SELECT OLD.tenant_id AS tenant_id, k.kind AS kind, v.day AS day,
			CASE k.kind WHEN 0 THEN 0 WHEN 2 THEN OLD.asset_id WHEN 3 THEN OLD.client_id WHEN 4 THEN OLD.matched_rule_id
				ELSE v.secs END AS key,
			CASE WHEN k.kind IN (0, 3, 4, 5) THEN OLD.id % 16 ELSE 0 END AS shard,
			CASE WHEN k.kind = 5 THEN 0 ELSE v.r END AS r, CASE WHEN k.kind = 5 THEN 0 ELSE v.c END AS c,
			CASE WHEN k.kind = 5 THEN 0 ELSE v.t END AS t
		FROM (SELECT CAST(julianday(substr(OLD.triggered_at, 1, (11 + instr(substr(OLD.triggered_at, 12), ' ')) - 1) || substr(OLD.triggered_at, (11 + instr(substr(OLD.triggered_at, 12), ' ')) + 1, 3) || ':' || substr(OLD.triggered_at, (11 + instr(substr(OLD.triggered_at, 12), ' ')) + 4, 2)) - 2440587.5 AS INTEGER) AS day, OLD.resolved_at IS NOT NULL AS r,
			OLD.resolved_at IS NOT NULL AND ifnull(json_extract(OLD.metadata, '$.origin') = 'ticket-closed', 0) AS c,
			OLD.auto_ticket_created AS t,
			CASE WHEN OLD.resolved_at IS NOT NULL THEN CAST(round((julianday(substr(OLD.resolved_at, 1, (11 + instr(substr(OLD.resolved_at, 12), ' ')) - 1) || substr(OLD.resolved_at, (11 + instr(substr(OLD.resolved_at, 12), ' ')) + 1, 3) || ':' || substr(OLD.resolved_at, (11 + instr(substr(OLD.resolved_at, 12), ' ')) + 4, 2)) - julianday(substr(OLD.triggered_at, 1, (11 + instr(substr(OLD.triggered_at, 12), ' ')) - 1) || substr(OLD.triggered_at, (11 + instr(substr(OLD.triggered_at, 12), ' ')) + 1, 3) || ':' || substr(OLD.triggered_at, (11 + instr(substr(OLD.triggered_at, 12), ' ')) + 4, 2))) * 86400) AS INTEGER) END AS secs) v,
			(SELECT 0 AS kind UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5) k
		WHERE OLD.triggered_at IS NOT NULL
	) WHERE key IS NOT NULL
	ON CONFLICT (tenant_id, kind, day, key, shard) DO UPDATE SET alerts = alerts + excluded.alerts,
		resets = resets + excluded.resets, closed = closed + excluded.closed, tickets = tickets + excluded.tickets;
END;
-- Only when a counted column changed: most updates of an alert change none.
CREATE TRIGGER `alert_noise_update` AFTER UPDATE ON `alerts` WHEN
	OLD.tenant_id IS NOT NEW.tenant_id OR OLD.integration_id IS NOT NEW.integration_id OR
	OLD.dedup_key IS NOT NEW.dedup_key OR OLD.triggered_at IS NOT NEW.triggered_at OR
	OLD.resolved_at IS NOT NEW.resolved_at OR OLD.auto_ticket_created IS NOT NEW.auto_ticket_created OR
	OLD.asset_id IS NOT NEW.asset_id OR OLD.client_id IS NOT NEW.client_id OR
	OLD.matched_rule_id IS NOT NEW.matched_rule_id OR
	json_extract(OLD.metadata, '$.origin') IS NOT json_extract(NEW.metadata, '$.origin') BEGIN
	INSERT INTO alert_noise_conditions (tenant_id, integration_id, dedup_key, alerts, resets, last_day)
	SELECT OLD.tenant_id, OLD.integration_id, OLD.dedup_key, -1, -1 * (OLD.resolved_at IS NOT NULL),
		CASE WHEN -1 > 0 THEN CAST(julianday(substr(OLD.triggered_at, 1, (11 + instr(substr(OLD.triggered_at, 12), ' ')) - 1) || substr(OLD.triggered_at, (11 + instr(substr(OLD.triggered_at, 12), ' ')) + 1, 3) || ':' || substr(OLD.triggered_at, (11 + instr(substr(OLD.triggered_at, 12), ' ')) + 4, 2)) - 2440587.5 AS INTEGER) ELSE -1 END
	WHERE OLD.triggered_at IS NOT NULL
	ON CONFLICT (tenant_id, integration_id, dedup_key) DO UPDATE SET alerts = alerts + excluded.alerts,
		resets = resets + excluded.resets, last_day = max(last_day, excluded.last_day);
	INSERT INTO alert_noise_condition_days (tenant_id, integration_id, dedup_key, day, alerts, resets)
	SELECT OLD.tenant_id, OLD.integration_id, OLD.dedup_key, CAST(julianday(substr(OLD.triggered_at, 1, (11 + instr(substr(OLD.triggered_at, 12), ' ')) - 1) || substr(OLD.triggered_at, (11 + instr(substr(OLD.triggered_at, 12), ' ')) + 1, 3) || ':' || substr(OLD.triggered_at, (11 + instr(substr(OLD.triggered_at, 12), ' ')) + 4, 2)) - 2440587.5 AS INTEGER), -1, -1 * (OLD.resolved_at IS NOT NULL)
	WHERE OLD.triggered_at IS NOT NULL
	ON CONFLICT (tenant_id, integration_id, dedup_key, day) DO UPDATE SET alerts = alerts + excluded.alerts,
		resets = resets + excluded.resets;
	INSERT INTO alert_noise_days (tenant_id, kind, day, key, shard, alerts, resets, closed, tickets)
	SELECT tenant_id, kind, day, key, shard, -1, -1 * r, -1 * c, -1 * t FROM (
		SELECT OLD.tenant_id AS tenant_id, k.kind AS kind, v.day AS day,
			CASE k.kind WHEN 0 THEN 0 WHEN 2 THEN OLD.asset_id WHEN 3 THEN OLD.client_id WHEN 4 THEN OLD.matched_rule_id
				ELSE v.secs END AS key,
			CASE WHEN k.kind IN (0, 3, 4, 5) THEN OLD.id % 16 ELSE 0 END AS shard,
			CASE WHEN k.kind = 5 THEN 0 ELSE v.r END AS r, CASE WHEN k.kind = 5 THEN 0 ELSE v.c END AS c,
			CASE WHEN k.kind = 5 THEN 0 ELSE v.t END AS t
		FROM (SELECT CAST(julianday(substr(OLD.triggered_at, 1, (11 + instr(substr(OLD.triggered_at, 12), ' ')) - 1) || substr(OLD.triggered_at, (11 + instr(substr(OLD.triggered_at, 12), ' ')) + 1, 3) || ':' || substr(OLD.triggered_at, (11 + instr(substr(OLD.triggered_at, 12), ' ')) + 4, 2)) - 2440587.5 AS INTEGER) AS day, OLD.resolved_at IS NOT NULL AS r,
			OLD.resolved_at IS NOT NULL AND ifnull(json_extract(OLD.metadata, '$.origin') = 'ticket-closed', 0) AS c,
			OLD.auto_ticket_created AS t,
			CASE WHEN OLD.resolved_at IS NOT NULL THEN CAST(round((julianday(substr(OLD.resolved_at, 1, (11 + instr(substr(OLD.resolved_at, 12), ' ')) - 1) || substr(OLD.resolved_at, (11 + instr(substr(OLD.resolved_at, 12), ' ')) + 1, 3) || ':' || substr(OLD.resolved_at, (11 + instr(substr(OLD.resolved_at, 12), ' ')) + 4, 2)) - julianday(substr(OLD.triggered_at, 1, (11 + instr(substr(OLD.triggered_at, 12), ' ')) - 1) || substr(OLD.triggered_at, (11 + instr(substr(OLD.triggered_at, 12), ' ')) + 1, 3) || ':' || substr(OLD.triggered_at, (11 + instr(substr(OLD.triggered_at, 12), ' ')) + 4, 2))) * 86400) AS INTEGER) END AS secs) v,
			(SELECT 0 AS kind UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5) k
		WHERE OLD.triggered_at IS NOT NULL
	) WHERE key IS NOT NULL
	ON CONFLICT (tenant_id, kind, day, key, shard) DO UPDATE SET alerts = alerts + excluded.alerts,
		resets = resets + excluded.resets, closed = closed + excluded.closed, tickets = tickets + excluded.tickets;
	INSERT INTO alert_noise_conditions (tenant_id, integration_id, dedup_key, alerts, resets, last_day)
	SELECT NEW.tenant_id, NEW.integration_id, NEW.dedup_key, 1, 1 * (NEW.resolved_at IS NOT NULL),
		CASE WHEN 1 > 0 THEN CAST(julianday(substr(NEW.triggered_at, 1, (11 + instr(substr(NEW.triggered_at, 12), ' ')) - 1) || substr(NEW.triggered_at, (11 + instr(substr(NEW.triggered_at, 12), ' ')) + 1, 3) || ':' || substr(NEW.triggered_at, (11 + instr(substr(NEW.triggered_at, 12), ' ')) + 4, 2)) - 2440587.5 AS INTEGER) ELSE -1 END
	WHERE NEW.triggered_at IS NOT NULL
	ON CONFLICT (tenant_id, integration_id, dedup_key) DO UPDATE SET alerts = alerts + excluded.alerts,
		resets = resets + excluded.resets, last_day = max(last_day, excluded.last_day);
	INSERT INTO alert_noise_condition_days (tenant_id, integration_id, dedup_key, day, alerts, resets)
	SELECT NEW.tenant_id, NEW.integration_id, NEW.dedup_key, CAST(julianday(substr(NEW.triggered_at, 1, (11 + instr(substr(NEW.triggered_at, 12), ' ')) - 1) || substr(NEW.triggered_at, (11 + instr(substr(NEW.triggered_at, 12), ' ')) + 1, 3) || ':' || substr(NEW.triggered_at, (11 + instr(substr(NEW.triggered_at, 12), ' ')) + 4, 2)) - 2440587.5 AS INTEGER), 1, 1 * (NEW.resolved_at IS NOT NULL)
	WHERE NEW.triggered_at IS NOT NULL
	ON CONFLICT (tenant_id, integration_id, dedup_key, day) DO UPDATE SET alerts = alerts + excluded.alerts,
		resets = resets + excluded.resets;
	INSERT INTO alert_noise_days (tenant_id, kind, day, key, shard, alerts, resets, closed, tickets)
	SELECT tenant_id, kind, day, key, shard, 1, 1 * r, 1 * c, 1 * t FROM (
		SELECT NEW.tenant_id AS tenant_id, k.kind AS kind, v.day AS day,
			CASE k.kind WHEN 0 THEN 0 WHEN 2 THEN NEW.asset_id WHEN 3 THEN NEW.client_id WHEN 4 THEN NEW.matched_rule_id
				ELSE v.secs END AS key,
			CASE WHEN k.kind IN (0, 3, 4, 5) THEN NEW.id % 16 ELSE 0 END AS shard,
			CASE WHEN k.kind = 5 THEN 0 ELSE v.r END AS r, CASE WHEN k.kind = 5 THEN 0 ELSE v.c END AS c,
			CASE WHEN k.kind = 5 THEN 0 ELSE v.t END AS t
		FROM (SELECT CAST(julianday(substr(NEW.triggered_at, 1, (11 + instr(substr(NEW.triggered_at, 12), ' ')) - 1) || substr(NEW.triggered_at, (11 + instr(substr(NEW.triggered_at, 12), ' ')) + 1, 3) || ':' || substr(NEW.triggered_at, (11 + instr(substr(NEW.triggered_at, 12), ' ')) + 4, 2)) - 2440587.5 AS INTEGER) AS day, NEW.resolved_at IS NOT NULL AS r,
			NEW.resolved_at IS NOT NULL AND ifnull(json_extract(NEW.metadata, '$.origin') = 'ticket-closed', 0) AS c,
			NEW.auto_ticket_created AS t,
			CASE WHEN NEW.resolved_at IS NOT NULL THEN CAST(round((julianday(substr(NEW.resolved_at, 1, (11 + instr(substr(NEW.resolved_at, 12), ' ')) - 1) || substr(NEW.resolved_at, (11 + instr(substr(NEW.resolved_at, 12), ' ')) + 1, 3) || ':' || substr(NEW.resolved_at, (11 + instr(substr(NEW.resolved_at, 12), ' ')) + 4, 2)) - julianday(substr(NEW.triggered_at, 1, (11 + instr(substr(NEW.triggered_at, 12), ' ')) - 1) || substr(NEW.triggered_at, (11 + instr(substr(NEW.triggered_at, 12), ' ')) + 1, 3) || ':' || substr(NEW.triggered_at, (11 + instr(substr(NEW.triggered_at, 12), ' ')) + 4, 2))) * 86400) AS INTEGER) END AS secs) v,
			(SELECT 0 AS kind UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5) k
		WHERE NEW.triggered_at IS NOT NULL
	) WHERE key IS NOT NULL
	ON CONFLICT (tenant_id, kind, day, key, shard) DO UPDATE SET alerts = alerts + excluded.alerts,
		resets = resets + excluded.resets, closed = closed + excluded.closed, tickets = tickets + excluded.tickets;
END;

-- The alerts already there.
CREATE TEMP TABLE noise_backfill AS
SELECT a.tenant_id AS tenant_id, a.integration_id AS integration_id, a.dedup_key AS dedup_key, a.id % 16 AS shard,
	CAST(julianday(substr(a.triggered_at, 1, (11 + instr(substr(a.triggered_at, 12), ' ')) - 1) || substr(a.triggered_at, (11 + instr(substr(a.triggered_at, 12), ' ')) + 1, 3) || ':' || substr(a.triggered_at, (11 + instr(substr(a.triggered_at, 12), ' ')) + 4, 2)) - 2440587.5 AS INTEGER) AS day,
	a.resolved_at IS NOT NULL AS r,
	a.resolved_at IS NOT NULL AND ifnull(json_extract(a.metadata, '$.origin') = 'ticket-closed', 0) AS c,
	a.auto_ticket_created AS t, a.asset_id AS asset_id, a.client_id AS client_id, a.matched_rule_id AS matched_rule_id,
	CASE WHEN a.resolved_at IS NOT NULL THEN CAST(round((julianday(substr(a.resolved_at, 1, (11 + instr(substr(a.resolved_at, 12), ' ')) - 1) || substr(a.resolved_at, (11 + instr(substr(a.resolved_at, 12), ' ')) + 1, 3) || ':' || substr(a.resolved_at, (11 + instr(substr(a.resolved_at, 12), ' ')) + 4, 2)) - julianday(substr(a.triggered_at, 1, (11 + instr(substr(a.triggered_at, 12), ' ')) - 1) || substr(a.triggered_at, (11 + instr(substr(a.triggered_at, 12), ' ')) + 1, 3) || ':' || substr(a.triggered_at, (11 + instr(substr(a.triggered_at, 12), ' ')) + 4, 2))) * 86400) AS INTEGER) END AS secs
FROM alerts a WHERE a.triggered_at IS NOT NULL;
INSERT INTO alert_noise_conditions (tenant_id, integration_id, dedup_key, alerts, resets, last_day)
SELECT tenant_id, integration_id, dedup_key, count(*), sum(r), max(day) FROM noise_backfill GROUP BY 1, 2, 3;
INSERT INTO alert_noise_condition_days (tenant_id, integration_id, dedup_key, day, alerts, resets)
SELECT tenant_id, integration_id, dedup_key, day, count(*), sum(r) FROM noise_backfill GROUP BY 1, 2, 3, 4;
INSERT INTO alert_noise_days (tenant_id, kind, day, key, shard, alerts, resets, closed, tickets)
SELECT tenant_id, 0, day, 0, shard, count(*), sum(r), sum(c), sum(t) FROM noise_backfill GROUP BY 1, 3, 5
UNION ALL
SELECT tenant_id, 2, day, asset_id, 0, count(*), sum(r), sum(c), sum(t) FROM noise_backfill WHERE asset_id IS NOT NULL
	GROUP BY 1, 3, 4, 5
UNION ALL
SELECT tenant_id, 3, day, client_id, shard, count(*), sum(r), sum(c), sum(t) FROM noise_backfill WHERE client_id IS NOT NULL
	GROUP BY 1, 3, 4, 5
UNION ALL
SELECT tenant_id, 4, day, matched_rule_id, shard, count(*), sum(r), sum(c), sum(t) FROM noise_backfill
	WHERE matched_rule_id IS NOT NULL GROUP BY 1, 3, 4, 5
UNION ALL
SELECT tenant_id, 5, day, secs, shard, count(*), 0, 0, 0 FROM noise_backfill WHERE secs IS NOT NULL GROUP BY 1, 3, 4, 5;
DROP TABLE noise_backfill;
