package pipeline_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/plancheck"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/pipeline"
)

// neighbours is how many conditions open their tickets one after the
// other and then fire again together: 16 requests in flight is the
// webhook's usual concurrency, and tickets opened together share pages.
const neighbours = 8

// TestNeighbouringRefiresStayInPlace: tickets opened one after the other
// (one outage, one poll) share heap pages, and so do their conditions'
// rows; when those conditions fire again together, each firing updates its
// ticket (updated_at) and its condition's row (the count) while the
// others' transactions still run, so none of the versions they replace
// can be pruned yet. Each update must still find room on its page (HOT)
// instead of adding an entry to every index of the table: the room the
// pages keep (fillfactor) must hold all of them. A transaction held open
// across the firings stands for the requests in flight beside each.
//
// The head alert's count is updated too, but not checked: an alert row is
// about 2 kB (its raw payload and decision trace), and its page's room
// holds one new version, whatever the neighbours.
func TestNeighbouringRefiresStayInPlace(t *testing.T) {
	e := apptest.New(t, dialect.Postgres)
	ctx := context.Background()
	p, rec := explainedPipeline(t, storetest.URL(t, e.Store))
	at := time.Now().UTC().Add(-time.Hour)
	fire := func(cond, id string, at time.Time) event.Event {
		return event.Event{TenantID: e.Demo.TenantID, IntegrationID: e.Integration(event.NinjaOne).ID,
			Provider: event.NinjaOne, Kind: event.Triggered, ExternalAlertID: id, ExternalDeviceID: "room-" + cond,
			ConditionIdentity: "disk", SourceType: "CONDITION", Severity: event.Major,
			Message: "Disk almost full", DeviceName: "ROOM-" + cond, ExternalOrganizationID: "2", OccurredAt: at}
	}
	// Enough tickets to fill a page to its fillfactor and start the next:
	// the full page's are the neighbours, as on a database that has run for
	// a while, where every page is full.
	for i := range 4*neighbours + 1 { // the first loads the configuration
		ev := fire(fmt.Sprint(i), fmt.Sprintf("open-%d", i), at)
		if res, err := p.Process(ctx, ev); err != nil || res.Outcome != pipeline.Created {
			t.Fatalf("open %d: %+v, %v", i, res, err)
		}
	}
	var devices []string
	rows, err := e.Store.DB.QueryContext(ctx, `SELECT c.dedup_key FROM alert_conditions c JOIN tickets t ON t.id = c.ticket_id
		WHERE c.dedup_key LIKE 'room-%' AND c.dedup_key NOT LIKE 'room-0|%'
			AND (t.ctid::text::point)[0] = (SELECT min((ctid::text::point)[0]) FROM tickets)
			AND (SELECT max((ctid::text::point)[0]) FROM tickets) > (SELECT min((ctid::text::point)[0]) FROM tickets)
		ORDER BY t.id LIMIT $1`, neighbours)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			t.Fatal(err)
		}
		device, _, _ := strings.Cut(strings.TrimPrefix(key, "room-"), "|")
		devices = append(devices, device)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(devices) != neighbours {
		t.Fatalf("%d tickets on the first full page, want %d: the test would not test neighbours on a full page", len(devices), neighbours)
	}

	hold, err := e.Store.DB.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hold.Rollback() }()
	var one int
	if err := hold.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatal(err)
	}
	for i, device := range devices {
		ev := fire(device, "again-"+device, at.Add(time.Minute))
		var res pipeline.Result
		plans, err := rec.Record(func() { res, err = p.Process(ctx, ev) })
		if err != nil || res.Outcome != pipeline.Joined {
			t.Fatalf("fire again %d: %+v, %v", i, res, err)
		}
		for _, table := range []string{"tickets", "alert_conditions"} {
			n, found := updateWritesOn(plans, table)
			if !found {
				t.Fatalf("fire again %d: no update of %s among %d statements", i, table, len(plans))
			}
			if n > maxUpdateWrites {
				t.Errorf("fire again %d of %d neighbours: the update of %s touched %.0f buffers (bound %d): its new version found no room on its page and went to every index",
					i, neighbours, table, n, maxUpdateWrites)
			}
		}
	}
}

// updateWritesOn is the most buffers an UPDATE of table touched itself
// in plans, and whether any statement updated it.
func updateWritesOn(plans []plancheck.Plan, table string) (float64, bool) {
	var most float64
	found := false
	var walk func(n plancheck.Node)
	walk = func(n plancheck.Node) {
		if n.Type == "ModifyTable" && n.Operation == "Update" && n.Relation == table {
			found = true
			most = max(most, n.UpdateWrites())
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	for _, pl := range plans {
		walk(pl.Root)
	}
	return most, found
}
