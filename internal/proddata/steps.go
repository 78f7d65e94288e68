package proddata

import "strings"

// The statements below number rows from the indexes of generate_series,
// so every table can be derived from the others' formulas:
//
//   - ticket i (1…tickets) is opened at ts(i) by the first alert of its
//     condition group of k(i) alerts, on device d(i) = i·7919 mod assets,
//     integration 2 when i mod 5 = 4; the storm ticket's group has
//     StormOccurrences alerts, up to now;
//   - alert g (1…unlinked) has no ticket, a device from a hash of g: mostly
//     resolved, 1% suppressed, some active, 1.5% from an unmapped
//     organization;
//   - alerts are numbered (ids) in the order they fired.
//
// Device d's asset belongs to client d mod clients; on integration 1 its
// external id is 100000+d (a NinjaOne device id) and its organization
// 1000+c, on integration 2 "agent-d" and "client-c". A dedup key is the
// external device id, "|", and the condition: cfg-<ticket>, cfg-storm or
// cfg-u<g>.

// step is one statement of the load.
type step struct{ name, sql string }

// exprs are SQL fragments the statements share.
var exprs = strings.NewReplacer(
	"{t0}", "(now() - interval '90 days')",
	// Tickets open over 89 days, the last a day ago; unlinked alerts fire
	// until a minute ago.
	"{ticket_ts}", "((now() - interval '90 days') + i * (7689600.0 / {tt}) * interval '1 second')",
	"{is_open}", "(i::bigint * {open} / {tt} > (i - 1)::bigint * {open} / {tt})",
	"{devname}", "(CASE WHEN d % 10 = 0 THEN 'SRV-' ELSE 'WS-' END || lpad(d::text, 5, '0'))",
	"{message}", `((ARRAY['Disk C: free space is below 10%', 'CPU utilization is greater than or equal to 90% for 15 minutes',
		'Memory utilization is greater than or equal to 80% for 5 minutes', 'Service Print Spooler (Spooler) is stopped',
		'Backup job Nightly failed with error 0x80070005', 'Device is offline',
		'Windows Update: critical patches are pending', 'Event log: disk error on \Device\Harddisk0'])[1 + x % 8])`,
	"{alert_class}", `((ARRAY['disk_free_space_lt', 'cpu_usage_ge', 'vmm_cond_memory_usage_ge', 'service_stopped',
		'backup_failed', 'device_offline', 'patch_pending', 'event_log_match'])[1 + x % 8])`,
	"{severity}", `((ARRAY['critical', 'major', 'major', 'major', 'major', 'moderate', 'moderate', 'moderate', 'moderate',
		'moderate', 'minor', 'minor', 'minor', 'minor', 'minor', 'minor', 'none', 'none', 'none', 'none'])[1 + (x * 31) % 20])`,
	"{assignee}", "(CASE WHEN i % 4 IN (1, 2) THEN {ub} + 1 + (i / 4) % {ntech} WHEN i % 20 = 3 THEN {admin} END)",
)

var steps = []step{
	{"clients", `INSERT INTO clients (id, created_at, name, tenant_id)
		SELECT {cb} + 1 + c, {t0} - interval '1 year', 'Client ' || lpad(c::text, 4, '0'), {tid}
		FROM generate_series(0, {nclients} - 1) c`},
	{"assets", `INSERT INTO assets (id, created_at, name, tenant_id, client_id)
		SELECT {asb} + 1 + d, {t0} - interval '1 year', {devname}, {tid}, {cb} + 1 + d % {nclients}
		FROM generate_series(0, {nassets} - 1) d`},
	{"devices", `INSERT INTO asset_devices (created_at, external_device_id, tenant_id, asset_id, integration_id)
		SELECT {t0} - interval '1 year', (100000 + d)::text, {tid}, {asb} + 1 + d, {i1} FROM generate_series(0, {nassets} - 1) d
		UNION ALL
		SELECT {t0} - interval '1 year', 'agent-' || d, {tid}, {asb} + 1 + d, {i2} FROM generate_series(0, {nassets} - 1) d
		WHERE {i2} <> {i1}`},
	{"organization mappings", `INSERT INTO organization_mappings (created_at, external_organization_id,
		external_organization_name, tenant_id, integration_id, client_id)
		SELECT {t0} - interval '1 year', (1000 + c)::text, 'Client ' || lpad(c::text, 4, '0'), {tid}, {i1}, {cb} + 1 + c
		FROM generate_series(0, {nclients} - 1) c
		UNION ALL
		SELECT {t0} - interval '1 year', 'client-' || c, 'Client ' || lpad(c::text, 4, '0'), {tid}, {i2}, {cb} + 1 + c
		FROM generate_series(0, {nclients} - 1) c WHERE {i2} <> {i1}`},
	{"technicians", `INSERT INTO users (id, created_at, email, name, role, tenant_id)
		SELECT {ub} + u, {t0} - interval '1 year', 'tech' || u || '@proddata.example', 'Technician ' || u, 'technician', {tid}
		FROM generate_series(1, {ntech}) u`},
	{"tickets", `WITH pr AS (SELECT array_agg(id ORDER BY sort_order, id) AS p FROM priorities WHERE tenant_id = {tid}),
		t AS (SELECT i, i AS x, (i::bigint * 7919 % {nassets})::int AS d, {ticket_ts} AS ts, {is_open} AS open,
			i % 5 = 4 AS second FROM generate_series(1, {tt}) i)
		INSERT INTO tickets (id, created_at, number, title, description, source, source_reference, updated_at, closed_at,
			tenant_id, client_id, asset_id, board_id, status_id, priority_id, assignee_id)
		SELECT {tb} + i, ts, {nb} + i, {message} || ' on ' || {devname}, '',
			CASE WHEN second THEN {p2} ELSE {p1} END, 'pd-t' || i || '-1',
			CASE WHEN open THEN ts + interval '1 hour' ELSE ts + (2 + i % 47) * interval '1 hour' END,
			CASE WHEN open THEN NULL ELSE ts + (2 + i % 47) * interval '1 hour' END,
			{tid}, {cb} + 1 + d % {nclients}, {asb} + 1 + d, {board},
			CASE WHEN NOT open THEN {sc} WHEN i % 4 = 1 THEN {sp} ELSE {so} END,
			pr.p[1 + i % cardinality(pr.p)], {assignee}
		FROM t CROSS JOIN pr`},
	{"alerts", `WITH spec AS (
			SELECT t.i, o.j, t.k, t.ts + (o.j - 1) * t.gap AS at, t.ts + (t.k - 1) * t.gap AS last_at
			FROM (SELECT i, CASE WHEN i = {storm} THEN {stormk} ELSE 1 + i % 4 END AS k, {ticket_ts} AS ts,
					CASE WHEN i = {storm} THEN (now() - interval '10 minutes' - {ticket_ts}) / {stormk}
					ELSE interval '10 minutes' END AS gap
				FROM generate_series(1, {tt}) i) t
			CROSS JOIN LATERAL generate_series(1, t.k) o(j)
			UNION ALL
			SELECT 0, g, 1, {t0} + g * (7775940.0 / {unlinked}) * interval '1 second', NULL
			FROM generate_series(1, {unlinked}) g
		), numbered AS (
			SELECT row_number() OVER (ORDER BY at, i, j) AS n, spec.* FROM spec
		), a1 AS (
			SELECT n, i, j, k, at, last_at,
				CASE WHEN i > 0 THEN i ELSE j END AS x,
				(CASE WHEN i > 0 THEN i::bigint * 7919 % {nassets}
					ELSE (hashint4(j)::bigint + 2147483648) % {nassets} END)::int AS d,
				CASE WHEN i > 0 THEN i % 5 = 4 ELSE j % 5 = 4 END AS second,
				CASE WHEN i > 0 THEN -1 ELSE (hashint4(-j)::bigint + 2147483648) % 1000 END AS bucket,
				i > 0 AND {is_open} AS open
			FROM numbered
		), a2 AS (
			SELECT a1.*, bucket >= 15 AND bucket < 30 AS unmapped,
				CASE
					WHEN i > 0 AND open AND j = k THEN CASE WHEN i % 3 = 0 THEN 'acknowledged' ELSE 'active' END
					WHEN i > 0 THEN 'resolved'
					WHEN bucket < 10 THEN 'suppressed'
					WHEN bucket < 18 THEN 'active'
					ELSE 'resolved'
				END AS status
			FROM a1
		), a AS (
			SELECT a2.*,
				CASE WHEN unmapped AND second THEN 'lost-' || d WHEN unmapped THEN (500000 + d)::text
					WHEN second THEN 'agent-' || d ELSE (100000 + d)::text END AS dev,
				CASE WHEN i > 0 THEN 'pd-t' || i || '-' || j ELSE 'pd-u' || j END AS ext,
				CASE status WHEN 'resolved' THEN at + interval '5 minutes' WHEN 'acknowledged' THEN at + interval '3 minutes'
					ELSE at END AS event_at
			FROM a2
		)
		INSERT INTO alerts (id, created_at, provider, external_alert_id, external_device_id, activity_type, alert_class,
			source_type, severity, message, device_name, external_organization_id, organization_unmapped, status,
			triggered_at, acknowledged_at, resolved_at, acknowledged_by, last_event_at, dedup_key, occurrence_count,
			last_occurrence_at, auto_ticket_created, ticket_error, metadata, decision_trace, tenant_id, integration_id,
			asset_id, client_id, matched_rule_id, suppressed_by_window_id, ticket_id)
		SELECT {ab} + n, at, CASE WHEN second THEN {p2} ELSE {p1} END, ext, dev, 'CONDITION', {alert_class}, 'CONDITION',
			{severity}, {message}, {devname},
			CASE WHEN unmapped AND second THEN 'unmapped-' || (j / 7) % {nunmapped}
				WHEN unmapped THEN (900000 + (j / 7) % {nunmapped})::text
				WHEN second THEN 'client-' || d % {nclients} ELSE (1000 + d % {nclients})::text END,
			unmapped, status, at,
			CASE WHEN status = 'acknowledged' THEN event_at END,
			CASE WHEN status = 'resolved' THEN event_at END,
			CASE WHEN status = 'acknowledged' THEN 'tech@msp.example' ELSE '' END,
			event_at,
			dev || '|' || CASE WHEN i = {storm} THEN 'cfg-storm' WHEN i > 0 THEN 'cfg-' || i ELSE 'cfg-u' || j END,
			CASE WHEN i > 0 AND j = 1 THEN k ELSE 1 END,
			CASE WHEN i > 0 AND j = 1 AND k > 1 THEN last_at END,
			i > 0 AND j = 1, '',
			('{"origin":"webhook","raw":{"seriesUid":"' || ext || '","deviceId":"' || dev ||
				'","activityType":"CONDITION","statusCode":"TRIGGERED","sourceName":"' || {alert_class} || '"}}')::jsonb,
			CASE
				WHEN i > 0 AND j = 1 THEN '[{"event":"triggered","origin":"webhook","outcome":"ticket_created","steps":["rule Catch-all matched","ticket created"]}]'::jsonb
				WHEN i > 0 THEN '[{"event":"triggered","origin":"webhook","outcome":"joined","steps":["joined open ticket of the same condition"]}]'::jsonb
				WHEN status = 'suppressed' THEN '[{"event":"triggered","origin":"webhook","outcome":"suppressed","steps":["in maintenance window"]}]'::jsonb
				WHEN unmapped THEN '[{"event":"triggered","origin":"webhook","outcome":"unmapped","steps":["organization has no mapping"]}]'::jsonb
				ELSE '[{"event":"triggered","origin":"webhook","outcome":"no_rule","steps":["no rule matched"]}]'::jsonb
			END,
			{tid}, CASE WHEN second THEN {i2} ELSE {i1} END,
			CASE WHEN NOT unmapped THEN {asb} + 1 + d END,
			CASE WHEN NOT unmapped THEN {cb} + 1 + d % {nclients} END,
			CASE WHEN i > 0 THEN CASE WHEN second THEN {r2} ELSE {r1} END END,
			NULL, CASE WHEN i > 0 THEN {tb} + i END
		FROM a`},
	// The noise report's rollups, by migration 0020's backfill (its
	// triggers are off while loading).
	{"noise rollups", `SELECT alert_noise_backfill({tid}, {ab})`},
	// One row per condition with an open ticket, its first alert the head,
	// as migration 0005 backfills them.
	{"alert conditions", `INSERT INTO alert_conditions (tenant_id, created_at, integration_id, dedup_key, ticket_id,
			head_alert_id, occurrence_count, first_occurrence_at, last_occurrence_at)
		SELECT a.tenant_id, a.created_at, a.integration_id, a.dedup_key, a.ticket_id, a.id,
			a.occurrence_count, a.created_at, COALESCE(a.last_occurrence_at, a.created_at)
		FROM alerts a
		WHERE a.id IN (
			SELECT min(g.id) FROM alerts g JOIN tickets t ON t.id = g.ticket_id
			WHERE t.closed_at IS NULL AND g.tenant_id = {tid} AND g.id > {ab}
			GROUP BY g.tenant_id, g.integration_id, g.dedup_key)`},
	{"comments", `INSERT INTO comments (created_at, body, internal, author_kind, tenant_id, ticket_id, author_id)
		SELECT t.created_at, 'Ticket created from alert ' || t.source_reference || E'\n\n' || t.title, true, 'system',
			{tid}, t.id, NULL::bigint
		FROM tickets t WHERE t.tenant_id = {tid} AND t.id > {tb}
		UNION ALL
		SELECT a.created_at, E'Alert re-triggered\n\nDevice: ' || a.device_name || E'\nMessage: ' || a.message ||
			E'\nAlert ID: ' || a.external_alert_id, true, 'system', {tid}, a.ticket_id, NULL::bigint
		FROM alerts a WHERE a.tenant_id = {tid} AND a.id > {ab} AND a.ticket_id IS NOT NULL AND NOT a.auto_ticket_created
		UNION ALL
		SELECT t.created_at + interval '40 minutes', 'Called the client; watching it.', (t.id % 2 = 0), 'human',
			{tid}, t.id, COALESCE(t.assignee_id, {admin})
		FROM tickets t WHERE t.tenant_id = {tid} AND t.id > {tb} AND (t.id - {tb}) % 3 = 1`},
	{"status changes", `INSERT INTO status_changes (created_at, from_status_id, to_status_id, actor_kind, actor_id,
			tenant_id, ticket_id)
		SELECT t.closed_at, {so}, {sc}, CASE WHEN t.id % 2 = 0 THEN 'automation' ELSE 'human' END,
			CASE WHEN t.id % 2 = 1 THEN COALESCE(t.assignee_id, {admin}) END, {tid}, t.id
		FROM tickets t WHERE t.tenant_id = {tid} AND t.id > {tb} AND t.closed_at IS NOT NULL
		UNION ALL
		SELECT t.created_at + interval '30 minutes', {so}, {sp}, 'human', COALESCE(t.assignee_id, {admin}), {tid}, t.id
		FROM tickets t WHERE t.tenant_id = {tid} AND t.id > {tb} AND t.status_id = {sp} AND {sp} <> {so}`},
	{"time entries", `INSERT INTO time_entries (created_at, minutes, note, tenant_id, ticket_id, user_id)
		SELECT t.created_at + interval '50 minutes', 15 + t.id % 46, 'Remote session', {tid}, t.id, COALESCE(t.assignee_id, {admin})
		FROM tickets t WHERE t.tenant_id = {tid} AND t.id > {tb} AND (t.id - {tb}) % 6 = 1`},
	// A ticket a person worked is touched, as the desk marks it.
	{"touched tickets", `UPDATE tickets t SET touched_at = w.at
		FROM (SELECT ticket_id, max(at) AS at FROM (
				SELECT ticket_id, created_at AS at FROM comments WHERE tenant_id = {tid} AND author_kind = 'human'
				UNION ALL SELECT ticket_id, created_at FROM time_entries WHERE tenant_id = {tid}
				UNION ALL SELECT ticket_id, created_at FROM status_changes WHERE tenant_id = {tid} AND actor_kind = 'human') x
			GROUP BY ticket_id) w
		WHERE w.ticket_id = t.id AND t.id > {tb}`},
	// The admin is told of every ticket, an assignee of theirs; the newest
	// 2% are unread.
	{"notifications", `INSERT INTO notifications (created_at, category, title, body, link, ticket_id, alert_id, read_at,
			tenant_id, user_id, dedup_key)
		SELECT t.created_at + interval '2 seconds', 'rmm-alert', 'New ticket #' || t.number || ': ' || left(t.title, 200),
			'An RMM alert opened a ticket.', 'http://alertdesk.test/tickets/' || t.id, t.id, NULL,
			CASE WHEN t.id > {tb} + {tt} - {tt} / 50 THEN NULL ELSE t.created_at + interval '1 hour' END,
			{tid}, u.id, 'outbox:pd-' || t.id
		FROM tickets t CROSS JOIN LATERAL (VALUES ({admin}), (NULLIF(t.assignee_id, {admin}))) u(id)
		WHERE t.tenant_id = {tid} AND t.id > {tb} AND u.id IS NOT NULL`},
	// The newest 20 are still being retried. Written so at insert rather
	// than updated after: an update of delivered_at would leave HOT chains
	// that make the partial index on undelivered entries, built after the
	// load, unusable to the planner while any older transaction runs.
	{"outbox", `INSERT INTO outbox_entries (id, created_at, topic, payload, available_at, attempts, last_error,
			delivered_at, tenant_id)
		SELECT {ob} + rn, at, topic, ('{"tenantId":{tid},"ticketId":' || ticket || '}')::jsonb,
			CASE WHEN retrying THEN now() + interval '10 minutes' ELSE at END,
			CASE WHEN retrying THEN 3 ELSE 1 END,
			CASE WHEN retrying THEN 'dial tcp: connection refused' ELSE '' END,
			CASE WHEN retrying THEN NULL ELSE at + interval '1 second' END, {tid}
		FROM (
			SELECT *, rn > count(*) OVER () - 20 AS retrying
			FROM (
				SELECT row_number() OVER (ORDER BY at, ticket, topic) AS rn, at, ticket, topic
				FROM (
					SELECT t.created_at AS at, t.id AS ticket, 'RMM_ALERT_TRIGGERED' AS topic FROM tickets t
					WHERE t.tenant_id = {tid} AND t.id > {tb}
					UNION ALL
					SELECT t.created_at, t.id, 'NOTIFICATION_REQUESTED' FROM tickets t WHERE t.tenant_id = {tid} AND t.id > {tb}
					UNION ALL
					SELECT t.closed_at, t.id, 'TICKET_CLOSED' FROM tickets t
					WHERE t.tenant_id = {tid} AND t.id > {tb} AND t.closed_at IS NOT NULL
				) e
			) n
		) x`},
	{"event subscription", `INSERT INTO event_subscriptions (created_at, url, secret, event_types, description, is_active,
			updated_at, tenant_id)
		VALUES ({t0} - interval '1 day', 'https://hooks.example.com/alertdesk', 'proddata-signing-secret',
			'["RMM_ALERT_TRIGGERED","TICKET_CLOSED"]', 'PSA sync', true, {t0}, {tid}),
			({t0} - interval '1 day', 'https://old.example.com/hook', 'proddata-old-secret',
			'["TICKET_CLOSED"]', 'retired', false, {t0}, {tid})`},
	// Every 30th delivery fails once and succeeds on the second attempt.
	{"event deliveries", `WITH sub AS (SELECT id FROM event_subscriptions WHERE tenant_id = {tid}
			AND url = 'https://hooks.example.com/alertdesk' ORDER BY id DESC LIMIT 1)
		INSERT INTO event_deliveries (created_at, outbox_entry_id, delivery_id, event_type, attempt, status_code, success,
			error, duration_ms, tenant_id, subscription_id)
		SELECT o.created_at + interval '1 second', o.id, md5('pd-' || o.id), o.topic, 1,
			CASE WHEN o.id % 30 = 0 THEN 502 ELSE 204 END, o.id % 30 <> 0,
			CASE WHEN o.id % 30 = 0 THEN 'receiver answered 502' ELSE '' END, 40 + o.id % 200, {tid}, sub.id
		FROM outbox_entries o CROSS JOIN sub
		WHERE o.tenant_id = {tid} AND o.id > {ob} AND o.topic IN ('RMM_ALERT_TRIGGERED', 'TICKET_CLOSED')
			AND o.delivered_at IS NOT NULL
		UNION ALL
		SELECT o.created_at + interval '1 minute', o.id, md5('pd-' || o.id), o.topic, 2, 204, true, '', 55, {tid}, sub.id
		FROM outbox_entries o CROSS JOIN sub
		WHERE o.tenant_id = {tid} AND o.id > {ob} AND o.topic IN ('RMM_ALERT_TRIGGERED', 'TICKET_CLOSED')
			AND o.delivered_at IS NOT NULL AND o.id % 30 = 0`},
}

func init() {
	for i := range steps {
		steps[i].sql = exprs.Replace(steps[i].sql)
	}
}
