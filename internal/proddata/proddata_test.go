package proddata_test

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/proddata"
	"github.com/alertdesk/alertdesk/pipeline"
)

const testAlerts = 100_000

func TestLoad(t *testing.T) {
	e := apptest.New(t, dialect.Postgres)
	ctx := context.Background()
	size := proddata.Scaled(testAlerts)
	f, err := proddata.Load(ctx, e.Store.DB, proddata.Options{TenantID: e.Demo.TenantID, Size: size})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %d alerts in %v", size.Alerts, f.LoadTime)
	db := e.Store.DB

	t.Run("counts", func(t *testing.T) {
		counts := []struct {
			what string
			sql  string
			want int
		}{
			{"alerts", "SELECT count(*) FROM alerts WHERE tenant_id = $1", size.Alerts},
			{"open tickets", "SELECT count(*) FROM tickets WHERE tenant_id = $1 AND closed_at IS NULL", size.OpenTickets},
			{"closed tickets", "SELECT count(*) FROM tickets WHERE tenant_id = $1 AND closed_at IS NOT NULL", size.ClosedTickets},
			{"conditions", "SELECT count(*) FROM alert_conditions WHERE tenant_id = $1", size.OpenTickets},
			{"storm alerts", "SELECT count(*) FROM alerts WHERE tenant_id = $1 AND ticket_id = " + strconv.Itoa(f.StormTicketID), size.StormOccurrences},
			{"clients", "SELECT count(*) - 1 FROM clients WHERE tenant_id = $1", size.Clients}, // the demo's Contoso
			{"unmapped organizations", "SELECT count(DISTINCT (integration_id, external_organization_id)) FROM alerts WHERE tenant_id = $1 AND organization_unmapped",
				size.UnmappedOrganizations * len(f.Integrations)},
		}
		for _, c := range counts {
			if got := count(t, db, c.sql, f.TenantID); got != c.want {
				t.Errorf("%s = %d, want %d", c.what, got, c.want)
			}
		}
		for _, table := range []string{"comments", "notifications", "outbox_entries", "event_deliveries", "status_changes"} {
			if n := count(t, db, "SELECT count(*) FROM "+table+" WHERE tenant_id = $1", f.TenantID); n < size.OpenTickets {
				t.Errorf("%s = %d, want many", table, n)
			}
		}
		// Most alerts are resolved; every other status has some.
		byStatus := map[string]int{}
		rows, err := db.Query("SELECT status, count(*) FROM alerts WHERE tenant_id = $1 GROUP BY status", f.TenantID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			var n int
			if err := rows.Scan(&s, &n); err != nil {
				t.Fatal(err)
			}
			byStatus[s] = n
		}
		if byStatus["resolved"] < size.Alerts*9/10 {
			t.Errorf("resolved = %d of %d", byStatus["resolved"], size.Alerts)
		}
		for _, s := range []string{"active", "acknowledged", "suppressed"} {
			if byStatus[s] < size.Alerts/500 {
				t.Errorf("%s = %d, want at least %d", s, byStatus[s], size.Alerts/500)
			}
		}
		if n := count(t, db, "SELECT count(*) FROM outbox_entries WHERE tenant_id = $1 AND delivered_at IS NULL", f.TenantID); n < 1 || n > 100 {
			t.Errorf("undelivered outbox entries = %d", n)
		}
	})

	t.Run("references are valid", func(t *testing.T) {
		// The load may run without foreign-key triggers; every reference
		// must hold anyway.
		refs := []struct{ table, column, target string }{
			{"alerts", "ticket_id", "tickets"}, {"alerts", "asset_id", "assets"}, {"alerts", "client_id", "clients"},
			{"alerts", "integration_id", "integrations"}, {"alerts", "matched_rule_id", "alert_rules"},
			{"tickets", "client_id", "clients"}, {"tickets", "asset_id", "assets"}, {"tickets", "status_id", "ticket_status"},
			{"tickets", "priority_id", "priorities"}, {"tickets", "assignee_id", "users"}, {"tickets", "board_id", "boards"},
			{"assets", "client_id", "clients"}, {"asset_devices", "asset_id", "assets"},
			{"organization_mappings", "client_id", "clients"}, {"comments", "ticket_id", "tickets"},
			{"comments", "author_id", "users"}, {"status_changes", "ticket_id", "tickets"},
			{"time_entries", "ticket_id", "tickets"}, {"notifications", "user_id", "users"},
			{"event_deliveries", "subscription_id", "event_subscriptions"},
			{"alert_conditions", "ticket_id", "tickets"}, {"alert_conditions", "head_alert_id", "alerts"},
		}
		for _, r := range refs {
			q := fmt.Sprintf(`SELECT count(*) FROM %s x WHERE x.tenant_id = $1 AND x.%s IS NOT NULL
				AND NOT EXISTS (SELECT 1 FROM %s y WHERE y.id = x.%s)`, r.table, r.column, r.target, r.column)
			if n := count(t, db, q, f.TenantID); n != 0 {
				t.Errorf("%d %s.%s name no %s row", n, r.table, r.column, r.target)
			}
		}
	})

	t.Run("touched tickets are the ones people worked", func(t *testing.T) {
		const worked = `EXISTS (SELECT 1 FROM comments c WHERE c.ticket_id = t.id AND c.author_kind = 'human')
			OR EXISTS (SELECT 1 FROM time_entries e WHERE e.ticket_id = t.id)
			OR EXISTS (SELECT 1 FROM status_changes s WHERE s.ticket_id = t.id AND s.actor_kind = 'human')`
		if n := count(t, db, `SELECT count(*) FROM tickets t WHERE t.tenant_id = $1
			AND (t.touched_at IS NOT NULL) <> (`+worked+`)`, f.TenantID); n != 0 {
			t.Errorf("%d tickets' touched_at disagrees with their human touches", n)
		}
		if n := count(t, db, `SELECT count(*) FROM tickets WHERE tenant_id = $1 AND touched_at IS NULL AND closed_at IS NULL`, f.TenantID); n == 0 {
			t.Error("no untouched open ticket: resets could never close one")
		}
	})

	t.Run("conditions match alerts and tickets", func(t *testing.T) {
		// Each open ticket's group has exactly one row, naming its first
		// alert, its count and times; no row names anything else.
		const groups = `SELECT g.integration_id, g.dedup_key, g.ticket_id, min(g.id) AS head, count(*) AS n,
				min(g.created_at) AS first_at, max(g.created_at) AS last_at
			FROM alerts g JOIN tickets t ON t.id = g.ticket_id
			WHERE t.closed_at IS NULL AND g.tenant_id = $1
			GROUP BY g.integration_id, g.dedup_key, g.ticket_id`
		mismatches := count(t, db, `WITH g AS (`+groups+`),
			c AS (SELECT * FROM alert_conditions WHERE tenant_id = $1)
			SELECT count(*) FROM g FULL JOIN c ON c.integration_id = g.integration_id AND c.dedup_key = g.dedup_key
			WHERE c.id IS NULL OR g.head IS NULL OR c.ticket_id <> g.ticket_id OR c.head_alert_id <> g.head
				OR c.occurrence_count <> g.n OR c.first_occurrence_at <> g.first_at OR c.last_occurrence_at <> g.last_at`,
			f.TenantID)
		if mismatches != 0 {
			t.Errorf("%d conditions differ from their alerts", mismatches)
		}
		if n := count(t, db, `SELECT count(*) FROM alert_conditions c JOIN alerts a ON a.id = c.head_alert_id
			WHERE c.tenant_id = $1 AND (a.occurrence_count <> c.occurrence_count
				OR COALESCE(a.last_occurrence_at, a.created_at) <> c.last_occurrence_at)`, f.TenantID); n != 0 {
			t.Errorf("%d head alerts disagree with their condition", n)
		}
		// Alerts of a ticket belong to its condition: one dedup key a ticket.
		if n := count(t, db, `SELECT count(*) FROM (SELECT ticket_id FROM alerts WHERE tenant_id = $1 AND ticket_id IS NOT NULL
			GROUP BY ticket_id HAVING count(DISTINCT dedup_key) > 1) x`, f.TenantID); n != 0 {
			t.Errorf("%d tickets have alerts of several conditions", n)
		}
		if n := count(t, db, `SELECT count(*) FROM alerts WHERE tenant_id = $1 AND ticket_id IS NOT NULL
			AND status IN ('active', 'acknowledged') AND ticket_id IN (SELECT id FROM tickets WHERE closed_at IS NOT NULL)`, f.TenantID); n != 0 {
			t.Errorf("%d firing alerts on closed tickets", n)
		}
		var storm int
		if err := db.QueryRow("SELECT occurrence_count FROM alert_conditions WHERE ticket_id = $1", f.StormTicketID).Scan(&storm); err != nil {
			t.Fatal(err)
		}
		if storm != size.StormOccurrences {
			t.Errorf("storm count = %d, want %d", storm, size.StormOccurrences)
		}
	})

	t.Run("facts", func(t *testing.T) {
		if len(f.OpenTicketAlertIDs) != 4 {
			t.Errorf("open ticket alerts = %v", f.OpenTicketAlertIDs)
		}
		if a := e.Alert(f.ActiveAlertID); a.Status != "active" || a.TicketID == nil || *a.TicketID != f.OpenTicketID {
			t.Errorf("active alert = %+v", a)
		}
		if tk := e.Ticket(f.ClosedTicketID); tk.ClosedAt == nil {
			t.Errorf("closed ticket %d is open", f.ClosedTicketID)
		}
		if f.SubscriptionID == 0 || f.UnmappedOrganizationID == "" || f.StormDedupKey == "" {
			t.Errorf("facts = %+v", f)
		}
	})

	t.Run("the app keeps writing", func(t *testing.T) {
		maxAlert := count(t, db, "SELECT max(id) FROM alerts")
		maxNumber := count(t, db, "SELECT max(number) FROM tickets WHERE tenant_id = $1", f.TenantID)
		res := e.Post(event.NinjaOne, apptest.NinjaTrigger(t, map[string]any{"seriesUid": "after-load-1", "deviceId": 424242}))
		if res.Status != 200 || res.Outcome != string(pipeline.Created) || res.TicketID == nil {
			t.Fatalf("new condition: %+v", res)
		}
		if res.AlertID <= maxAlert {
			t.Errorf("new alert id %d, loaded up to %d", res.AlertID, maxAlert)
		}
		if n := e.Ticket(*res.TicketID).Number; n != maxNumber+1 {
			t.Errorf("new ticket number %d, want %d", n, maxNumber+1)
		}
		if f.StormIntegrationID != e.Integration(event.NinjaOne).ID {
			t.Skipf("the storm is on integration %d", f.StormIntegrationID)
		}
		device, _ := strconv.Atoi(f.StormDeviceID)
		res = e.Post(event.NinjaOne, apptest.NinjaTrigger(t, map[string]any{"seriesUid": "after-load-storm",
			"deviceId": device, "sourceConfigUid": f.StormConditionUID,
			"device": map[string]any{"id": device, "organizationId": 1000, "displayName": "storm"}}))
		if res.Status != 200 || res.Outcome != string(pipeline.Joined) || res.TicketID == nil || *res.TicketID != f.StormTicketID {
			t.Fatalf("storm firing: %+v, want joined ticket %d", res, f.StormTicketID)
		}
		if n := count(t, db, "SELECT occurrence_count FROM alerts WHERE id = "+fmt.Sprint(f.StormHeadAlertID)); n != size.StormOccurrences+1 {
			t.Errorf("storm head count = %d, want %d", n, size.StormOccurrences+1)
		}
	})
}

func TestNearEmptyStatistics(t *testing.T) {
	e := apptest.New(t, dialect.Postgres)
	ctx := context.Background()
	size := proddata.Scaled(20_000)
	if _, err := proddata.Load(ctx, e.Store.DB, proddata.Options{TenantID: e.Demo.TenantID, Size: size,
		Statistics: proddata.NearEmpty}); err != nil {
		t.Fatal(err)
	}
	// Column statistics are the nearly empty table's (none: the demo has no
	// alerts); row counts follow the index builds, as after a restore.
	stats := func() int {
		return count(t, e.Store.DB, "SELECT count(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'alerts'")
	}
	if n := stats(); n != 0 {
		t.Errorf("alerts has statistics of %d columns after a NearEmpty load", n)
	}
	if err := proddata.Analyze(ctx, e.Store.DB); err != nil {
		t.Fatal(err)
	}
	if n := stats(); n < 10 {
		t.Errorf("alerts has statistics of %d columns after Analyze", n)
	}
}

func TestScaled(t *testing.T) {
	p := proddata.Production
	if p.Alerts != 1_000_000 || p.OpenTickets != 20_000 || p.StormOccurrences != 50_000 || p.Clients != 200 || p.Assets != 10_000 {
		t.Errorf("Production = %+v", p)
	}
	if s := proddata.Scaled(100_000); s.OpenTickets != 2_000 || s.StormOccurrences != 5_000 || s.Clients != 20 {
		t.Errorf("Scaled(100k) = %+v", s)
	}
	if _, err := proddata.Load(context.Background(), nil, proddata.Options{Size: proddata.Size{Alerts: 10}}); err == nil {
		t.Error("Load accepted a size without tickets")
	}
}

func count(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n sql.NullInt64
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return int(n.Int64)
}
