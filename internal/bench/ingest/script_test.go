package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

func ptr(s string) *string { return &s }

func TestParseParams(t *testing.T) {
	got, err := parseParams(`$1 = 'a', $2 = NULL, $3 = 'it''s, fine', $4 = ''`)
	if err != nil {
		t.Fatal(err)
	}
	want := []*string{ptr("a"), nil, ptr("it's, fine"), ptr("")}
	if len(got) != len(want) {
		t.Fatalf("got %d params, want %d", len(got), len(want))
	}
	for i := range want {
		switch {
		case (got[i] == nil) != (want[i] == nil):
			t.Errorf("$%d: nil mismatch", i+1)
		case got[i] != nil && *got[i] != *want[i]:
			t.Errorf("$%d = %q, want %q", i+1, *got[i], *want[i])
		}
	}
	for _, bad := range []string{`$2 = 'a'`, `$1 = 'a`, `$1 = x`, `$1 = 'a' $2 = 'b'`} {
		if _, err := parseParams(bad); err == nil {
			t.Errorf("parseParams(%q): want an error", bad)
		}
	}
}

func TestParseLog(t *testing.T) {
	log := strings.Join([]string{
		`2026-11-28 03:19:41.202 UTC [7246] postgres@bench LOG:  statement: begin`,
		`2026-11-28 03:19:41.203 UTC [9999] postgres@other LOG:  statement: SELECT 1`,
		`2026-11-28 03:19:41.226 UTC [7246] postgres@bench LOG:  execute stmtcache_1: INSERT INTO "comments" ("body", "ticket_id") VALUES ($1, $2) RETURNING "id"`,
		`2026-11-28 03:19:41.226 UTC [7246] postgres@bench DETAIL:  parameters: $1 = 'line one`,
		`	`,
		`	line: three', $2 = '7100001'`,
		`2026-11-28 03:19:41.227 UTC [9999] postgres@other DETAIL:  parameters: $1 = 'x`,
		`	not ours'`,
		`2026-11-28 03:19:41.228 UTC [2202] LOG:  checkpoint starting: time`,
		`2026-11-28 03:19:41.242 UTC [7246] postgres@bench LOG:  statement: commit`,
		``,
	}, "\n")
	entries := parseLog([]byte(log), "bench")
	if len(entries) != 4 {
		t.Fatalf("got %d entries, want 4: %+v", len(entries), entries)
	}
	stmts, _, err := statementsFrom(entries)
	if err != nil {
		t.Fatal(err)
	}
	if len(stmts) != 3 || stmts[0].SQL != "begin" || stmts[2].SQL != "commit" {
		t.Fatalf("statements: %+v", stmts)
	}
	ins := stmts[1]
	if !ins.Extended || len(ins.Params) != 2 || *ins.Params[0] != "line one\n\nline: three" || *ins.Params[1] != "7100001" {
		t.Fatalf("insert: %+v", ins)
	}
}

func TestReplacePlaceholders(t *testing.T) {
	got := replacePlaceholders(`SELECT '$1', "a$1", x FROM t WHERE a = $1 AND b IN ($2, $10)`, func(n int) string {
		return "<" + string(rune('0'+n%10)) + ">"
	})
	want := `SELECT '$1', "a$1", x FROM t WHERE a = <1> AND b IN (<2>, <0>)`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if n := countPlaceholders(`UPDATE t SET a = $1 WHERE id = $2`); n != 2 {
		t.Errorf("countPlaceholders = %d, want 2", n)
	}
}

func TestSQLLiteral(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:              `'plain'`,
		`it's`:               `'it''s'`,
		`a:1 b: c`:           `'a:1 b: c'`,
		`{"x":true,"y":"a"}`: `E'{"x"\x3atrue,"y":"a"}'`,
		`C:\tmp:x`:           `E'C:\\tmp\x3ax'`,
	} {
		if got := sqlLiteral(in); got != want {
			t.Errorf("sqlLiteral(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestRenderValue(t *testing.T) {
	binds := []binding{{"777777777777", "n"}, {"7000001", "alerts_id"}}
	used := map[string]bool{}
	cases := []struct {
		v    *string
		typ  string
		want string
	}{
		{nil, "bigint", "NULL::bigint"},
		{ptr("1"), "bigint", "'1'::bigint"},
		{ptr("7000001"), "bigint", "(:alerts_id)::bigint"},
		{ptr("17000001"), "bigint", "'17000001'::bigint"},
		{ptr("ca9c0000-0000-4000-8000-777777777777"), "character varying", "('ca9c0000-0000-4000-8000-' || :n)::character varying"},
		{ptr(`{"alertId": 7000001, "x": "777777777777"}`), "jsonb", `('{"alertId": ' || :alerts_id || ', "x": "' || :n || '"}')::jsonb`},
		{ptr("2026-11-28 03:19:41.7000001+00"), "timestamp with time zone", "'2026-11-28 03:19:41.7000001+00'::timestamp with time zone"},
	}
	for _, c := range cases {
		if got := renderValue(c.v, c.typ, binds, used); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
	if !used["n"] || !used["alerts_id"] {
		t.Errorf("used = %v", used)
	}
}

func TestBuildScript(t *testing.T) {
	stmts := []stmt{
		{SQL: "begin"},
		{SQL: `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, Extended: true,
			Params: []*string{ptr("alert:1:1:ca9c0000-0000-4000-8000-777777777777")}, Types: []string{"text"}},
		{SQL: `INSERT INTO "alerts" ("external_alert_id") VALUES ($1) RETURNING "id"`, Extended: true,
			Params: []*string{ptr("ca9c0000-0000-4000-8000-777777777777")}, Types: []string{"character varying"}},
		{SQL: "INSERT INTO ticket_counters (tenant_id, last_number, created_at) VALUES ($1, 1, now())\nON CONFLICT (tenant_id) DO UPDATE SET last_number = ticket_counters.last_number + 1\nRETURNING last_number", Extended: true,
			Params: []*string{ptr("1")}, Types: []string{"bigint"}},
		{SQL: `INSERT INTO "tickets" ("number") VALUES ($1) RETURNING "id"`, Extended: true,
			Params: []*string{ptr("7400001")}, Types: []string{"bigint"}},
		{SQL: `INSERT INTO "outbox_entries" ("payload") VALUES ($1) RETURNING "id"`, Extended: true,
			Params: []*string{ptr(`{"alertId": 7000001, "ticketId": 7100001}`)}, Types: []string{"jsonb"}},
		{SQL: `UPDATE "alerts" SET "decision_trace" = $1 WHERE "id" = $2`, Extended: true,
			Params: []*string{ptr(`["created ticket #7400001"]`), ptr("7000001")}, Types: []string{"jsonb", "bigint"}},
		{SQL: "commit"},
	}
	script, out, err := buildScript(stmts, scriptPlan{IDStarts: captureIDStarts, TicketNumber: captureTicketNumber})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`\set n random(`,
		`SELECT pg_advisory_xact_lock(hashtextextended((E'alert:1:1\x3aca9c0000-0000-4000-8000-' || :n)::text, 0));`,
		`VALUES (('ca9c0000-0000-4000-8000-' || :n)::character varying) RETURNING "id" \gset alerts_`,
		"RETURNING last_number \\gset ticket_",
		`VALUES ((:ticket_last_number)::bigint) RETURNING "id" \gset tickets_`,
		`VALUES (('{"alertId": ' || :alerts_id || ', "ticketId": ' || :tickets_id || '}')::jsonb) RETURNING "id";`,
		`SET "decision_trace" = ('["created ticket #' || :ticket_last_number || '"]')::jsonb WHERE "id" = (:alerts_id)::bigint;`,
		"\nbegin;\n", "\ncommit;\n",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %s\n%s", want, script)
		}
	}
	if out[1].Label != "advisory lock alert:…" || out[2].Label != "INSERT alerts" || out[6].Label != "UPDATE alerts SET decision_trace" {
		t.Errorf("labels: %q %q %q", out[1].Label, out[2].Label, out[6].Label)
	}

	// A produced id used before it is produced means the tokens clash.
	bad := append([]stmt{{SQL: `SELECT $1`, Extended: true, Params: []*string{ptr("7000001")}, Types: []string{"bigint"}}}, stmts...)
	if _, _, err := buildScript(bad, scriptPlan{IDStarts: captureIDStarts, TicketNumber: captureTicketNumber}); err == nil {
		t.Error("want an error for an id used before its INSERT")
	}
}

func TestParsePgbench(t *testing.T) {
	out := `pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: ingest.pgbench.sql
scaling factor: 1
query mode: prepared
number of clients: 16
number of threads: 2
maximum number of tries: 1
duration: 20 s
number of transactions actually processed: 24680
number of failed transactions: 0 (0.000%)
latency average = 12.966 ms
initial connection time = 25.025 ms
tps = 1234.011111 (without initial connection time)
statement latencies in milliseconds and failures:
         0.002           0  \set n random(1000000000, 999999999999999)
         0.210           0  SELECT "integrations"."id", "integrations"."tenant_id"
         9.500           0  SELECT pg_advisory_xact_lock(hashtextextended('ticket-number:1'::text, 0));
`
	var res pgbenchResult
	if err := parsePgbench(out, &res); err != nil {
		t.Fatal(err)
	}
	if res.TPS != 1234.011111 || res.Processed != 24680 || res.Failed != 0 || res.Latency != 12966*time.Microsecond {
		t.Errorf("parsed %+v", res)
	}
	if len(res.Statements) != 3 || res.Statements[2].Latency != 9500*time.Microsecond {
		t.Errorf("statements %+v", res.Statements)
	}
}

func TestPercentile(t *testing.T) {
	r := loadResult{}
	for i := 1; i <= 100; i++ {
		r.Latencies = append(r.Latencies, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{0.5: 50 * time.Millisecond, 0.99: 99 * time.Millisecond, 1: 100 * time.Millisecond} {
		if got := r.Percentile(p); got != want {
			t.Errorf("p%.0f = %s, want %s", p*100, got, want)
		}
	}
}

func TestParseProcStat(t *testing.T) {
	line := []byte("1234 (post gres) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1 0 100 0 0")
	d, comm, err := parseProcStat(line)
	if err != nil || comm != "post gres" || d != 3*time.Second {
		t.Errorf("got %s %q %v", d, comm, err)
	}
}

func TestOneIngest(t *testing.T) {
	key := captureSeriesPrefix + captureSeriesToken
	stmts := []stmt{
		{PID: 1, SQL: `SELECT "integrations"."id" FROM "integrations" WHERE "integrations"."id" = $1`, Extended: true, Params: []*string{ptr("1")}},
		{PID: 9, SQL: "begin"}, // a background worker's transaction
		{PID: 2, SQL: "begin"},
		{PID: 9, SQL: "commit"},
		{PID: 2, SQL: `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, Extended: true, Params: []*string{ptr("alert:1:1:" + key)}},
		{PID: 9, SQL: `UPDATE outbox_entries SET attempts = 1`},
		{PID: 2, SQL: "commit"},
		{PID: 2, SQL: "begin"},
	}
	got, err := oneIngest(stmts, key)
	if err != nil {
		t.Fatal(err)
	}
	var sqls []string
	for _, s := range got {
		sqls = append(sqls, fmt.Sprintf("%d %s", s.PID, s.SQL))
	}
	want := []string{"1 " + stmts[0].SQL, "2 begin", "2 " + stmts[4].SQL, "2 commit"}
	if strings.Join(sqls, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(sqls, "\n"), strings.Join(want, "\n"))
	}
	if _, err := oneIngest(stmts[:4], key); err == nil {
		t.Error("want an error without the capture's lock")
	}
}

// TestBuildScriptSequence: the ticket number drawn from the tenant's
// sequence inside the transaction is captured with \gset like the
// counter row was.
func TestBuildScriptSequence(t *testing.T) {
	stmts := []stmt{
		{SQL: "begin"},
		{SQL: `SELECT nextval($1::regclass)`, Extended: true, Params: []*string{ptr("ticket_numbers_1")}, Types: []string{"regclass"}},
		{SQL: `INSERT INTO "tickets" ("number") VALUES ($1) RETURNING "id"`, Extended: true,
			Params: []*string{ptr("7400001")}, Types: []string{"bigint"}},
		{SQL: "commit"},
	}
	script, out, err := buildScript(stmts, scriptPlan{IDStarts: captureIDStarts, TicketNumber: captureTicketNumber})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`SELECT nextval('ticket_numbers_1'::regclass::regclass) \gset ticket_`,
		`VALUES ((:ticket_nextval)::bigint) RETURNING "id"`,
	} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %s\n%s", want, script)
		}
	}
	if out[1].Label != "nextval of the tenant's ticket-number sequence" {
		t.Errorf("label = %q", out[1].Label)
	}
}

// TestBuildScriptTicketDrawsItsNumber: a ticket INSERT that draws its own
// number (alone, or with its comment in a CTE) yields the ticket's id and
// number to the statements after it.
func TestBuildScriptTicketDrawsItsNumber(t *testing.T) {
	const insert = `INSERT INTO tickets (tenant_id, number, title) VALUES ($1, nextval($2::regclass), $3) RETURNING id, number`
	for _, tc := range []struct{ name, sql, gset, label string }{
		{"alone", insert, `RETURNING id, number \gset tickets_`, "INSERT tickets (numbered by nextval)"},
		{"with comment", `WITH t AS (` + insert + `), c AS (INSERT INTO comments (ticket_id) SELECT t.id FROM t) SELECT id, number FROM t`,
			`SELECT id, number FROM t \gset tickets_`, "INSERT tickets (numbered by nextval) and comments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stmts := []stmt{
				{SQL: "begin"},
				{SQL: tc.sql, Extended: true, Params: []*string{ptr("1"), ptr("ticket_numbers_1"), ptr("Disk full")},
					Types: []string{"bigint", "regclass", "text"}},
				{SQL: `INSERT INTO "alerts" ("ticket_id", "decision_trace") VALUES ($1, $2) RETURNING "id"`, Extended: true,
					Params: []*string{ptr(strconv.FormatInt(captureIDStarts["tickets"], 10)),
						ptr(fmt.Sprintf(`["created ticket #%d"]`, captureTicketNumber))},
					Types: []string{"bigint", "jsonb"}},
				{SQL: "commit"},
			}
			script, out, err := buildScript(stmts, scriptPlan{IDStarts: captureIDStarts, TicketNumber: captureTicketNumber})
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{
				tc.gset,
				`VALUES ((:tickets_id)::bigint, ('["created ticket #' || :tickets_number || '"]')::jsonb)`,
			} {
				if !strings.Contains(script, want) {
					t.Errorf("script lacks %s\n%s", want, script)
				}
			}
			if out[1].Label != tc.label {
				t.Errorf("label = %q, want %q", out[1].Label, tc.label)
			}
		})
	}
}

// TestBuildScriptMakesAsset: the statement that finds or makes a new
// device's asset yields the asset's id to the ticket and alert that name
// it, so that each transaction names the asset it made (one asset for all
// would make its rollup row a lock every transaction waits for).
func TestBuildScriptMakesAsset(t *testing.T) {
	assetID := strconv.FormatInt(captureIDStarts["assets"], 10)
	stmts := []stmt{
		{SQL: "begin"},
		{SQL: `WITH found AS (
	SELECT a.id, a.name FROM assets a WHERE a.id = (SELECT d.asset_id FROM asset_devices d WHERE d.external_device_id = $1)
), made AS (
	INSERT INTO assets (tenant_id, name) SELECT $2, $3 WHERE NOT EXISTS (SELECT FROM found)
	RETURNING id, name
), linked AS (
	INSERT INTO asset_devices (asset_id, external_device_id) SELECT id, $1 FROM made
)
SELECT id, name, false AS created FROM found UNION ALL SELECT id, name, true FROM made`,
			Extended: true, Params: []*string{ptr(captureDeviceToken), ptr("1"), ptr("SRV-01")}, Types: []string{"text", "bigint", "text"}},
		{SQL: `INSERT INTO "alerts" ("asset_id", "external_device_id") VALUES ($1, $2) RETURNING "id"`, Extended: true,
			Params: []*string{ptr(assetID), ptr(captureDeviceToken)}, Types: []string{"bigint", "text"}},
		{SQL: "commit"},
	}
	script, _, err := buildScript(stmts, scriptPlan{IDStarts: captureIDStarts, TicketNumber: captureTicketNumber})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`SELECT id, name, true FROM made \gset assets_`,
		`VALUES ((:assets_id)::bigint, (:n)::text)`,
	} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %s\n%s", want, script)
		}
	}
}

// TestBuildScriptLookupDrawsID: a lookup that draws the id of the alert a
// later statement inserts yields it to that statement, and a CTE that
// inserts into two tables is labelled with both.
func TestBuildScriptLookupDrawsID(t *testing.T) {
	alertID := strconv.FormatInt(captureIDStarts["alerts"], 10)
	stmts := []stmt{
		{SQL: "begin"},
		{SQL: `SELECT 0 AS kind, id FROM alerts WHERE external_alert_id = $1 UNION ALL SELECT 2, nextval(pg_get_serial_sequence('alerts', 'id'))`,
			Extended: true, Params: []*string{ptr("x")}, Types: []string{"text"}},
		{SQL: `WITH a AS (INSERT INTO alerts (id, message) VALUES ($1, $2)) INSERT INTO outbox_entries (payload) VALUES ($3)`,
			Extended: true, Params: []*string{ptr(alertID), ptr("m"), ptr(`{"alertId":` + alertID + `}`)},
			Types: []string{"bigint", "text", "jsonb"}},
		{SQL: "commit"},
	}
	script, out, err := buildScript(stmts, scriptPlan{IDStarts: captureIDStarts, TicketNumber: captureTicketNumber})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`nextval(pg_get_serial_sequence('alerts', 'id')) \aset alerts_`,
		`VALUES ((:alerts_id)::bigint, 'm'::text)`,
		`('{"alertId":' || :alerts_id || '}')::jsonb`,
	} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %s\n%s", want, script)
		}
	}
	if out[2].Label != "INSERT alerts and outbox_entries" {
		t.Errorf("label = %q", out[2].Label)
	}
}

// TestLabelSelectWithCTE: a lookup written with a CTE is labelled as the
// SELECT it is, by its first table and conditions.
func TestLabelSelectWithCTE(t *testing.T) {
	got := label(stmt{Extended: true, SQL: `WITH found AS (SELECT id FROM alerts WHERE tenant_id = $1 AND external_alert_id = $2) SELECT 0, id FROM found`})
	if !strings.HasPrefix(got, "SELECT alerts by ") {
		t.Fatalf("label = %q, want SELECT alerts by …", got)
	}
}
