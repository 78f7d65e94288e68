package graph_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/proddata"
)

type pageNode struct {
	ID          string
	Status      string
	LastEventAt time.Time
}

type alertPage struct {
	Alerts struct {
		TotalCount           int
		TotalCountIsEstimate bool
		Nodes                []pageNode
		PageInfo             struct {
			HasNextPage bool
			EndCursor   *string
		}
	}
}

const pagedAlerts = `query($f: AlertFilter, $first: Int, $after: String) {
	alerts(filter: $f, first: $first, after: $after) {
		totalCount totalCountIsEstimate nodes { id status lastEventAt } pageInfo { hasNextPage endCursor } } }`

// pageAll pages through the alerts list, calling between after each page.
func pageAll(t *testing.T, e *apptest.Env, filter map[string]any, size int, between func(page int)) []pageNode {
	t.Helper()
	var all []pageNode
	var after any
	for page := 0; ; page++ {
		var p alertPage
		e.Admin(pagedAlerts, apptest.Vars("f", filter, "first", size, "after", after)).Must(&p)
		if len(p.Alerts.Nodes) > size {
			t.Fatalf("page %d has %d alerts", page, len(p.Alerts.Nodes))
		}
		all = append(all, p.Alerts.Nodes...)
		if !p.Alerts.PageInfo.HasNextPage {
			return all
		}
		after = *p.Alerts.PageInfo.EndCursor
		if between != nil {
			between(page)
		}
	}
}

// wantOrdered fails unless nodes are newest event first, then by id, each
// once.
func wantOrdered(t *testing.T, nodes []pageNode) {
	t.Helper()
	seen := map[string]bool{}
	for i, n := range nodes {
		if seen[n.ID] {
			t.Errorf("alert %s on two pages", n.ID)
		}
		seen[n.ID] = true
		if i == 0 {
			continue
		}
		p := nodes[i-1]
		pid, _ := strconv.Atoi(p.ID)
		id, _ := strconv.Atoi(n.ID)
		if n.LastEventAt.After(p.LastEventAt) || (n.LastEventAt.Equal(p.LastEventAt) && id > pid) {
			t.Errorf("alert %s (%v) after %s (%v)", n.ID, n.LastEventAt, p.ID, p.LastEventAt)
		}
	}
}

func TestAlertPagesAreDisjointAndComplete(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		ids := map[string]string{} // alert id -> status wanted
		for i := range 9 {
			uid := fmt.Sprintf("page-%d", i)
			r := e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": uid, "deviceId": 9000 + i}))
			ids[strconv.Itoa(r.AlertID)] = "ACTIVE"
			if i%3 == 0 {
				e.Post(ninja, apptest.Patch(t, fixtures.Read("ninjaone-condition-reset.json"),
					map[string]any{"seriesUid": uid, "deviceId": 9000 + i}))
				ids[strconv.Itoa(r.AlertID)] = e.Alert(r.AlertID).Status.String()
			}
		}
		// New alerts arriving while a client pages (their events newer than
		// any) sort before its cursor: they never show up on a later page,
		// nor shift it, and every alert there was shows up once.
		inserted := 0
		nodes := pageAll(t, e, nil, 2, func(page int) {
			e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": fmt.Sprintf("late-%d", page), "deviceId": 9100 + page,
				"activityTime": time.Now().Unix()}))
			inserted++
		})
		wantOrdered(t, nodes)
		if len(nodes) != len(ids) {
			t.Errorf("paged %d alerts, want the %d there were at the first page", len(nodes), len(ids))
		}
		for _, n := range nodes {
			if _, ok := ids[n.ID]; !ok {
				t.Errorf("alert %s was inserted after the first page", n.ID)
			}
		}
		if inserted == 0 {
			t.Fatal("no page boundary")
		}

		// Several statuses: one index range each, merged.
		var resolved, firing []string
		for id, s := range ids {
			if s == "resolved" {
				resolved = append(resolved, id)
			} else {
				firing = append(firing, id)
			}
		}
		if len(resolved) == 0 {
			t.Fatalf("no alert was resolved: %v", ids)
		}
		both := pageAll(t, e, map[string]any{"status": []string{"RESOLVED", "ACTIVE"}}, 2, nil)
		wantOrdered(t, both)
		if len(both) != len(ids)+inserted {
			t.Errorf("RESOLVED or ACTIVE paged %d, want %d", len(both), len(ids)+inserted)
		}
		only := pageAll(t, e, map[string]any{"status": []string{"RESOLVED", "RESOLVED"}}, 1, nil)
		got := make([]string, len(only))
		for i, n := range only {
			got[i] = n.ID
		}
		slices.Sort(got)
		slices.Sort(resolved)
		if !slices.Equal(got, resolved) {
			t.Errorf("RESOLVED = %v, want %v", got, resolved)
		}
		var p alertPage
		e.Admin(pagedAlerts, apptest.Vars("f", map[string]any{"status": []string{"RESOLVED"}}, "first", 1)).Must(&p)
		if p.Alerts.TotalCount != len(resolved) || p.Alerts.TotalCountIsEstimate {
			t.Errorf("RESOLVED total = %d (estimate %v), want %d exact", p.Alerts.TotalCount, p.Alerts.TotalCountIsEstimate, len(resolved))
		}
	})
}

func TestAlertsOfTicketPage(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		var ticket int
		var want []string
		for i := range 5 {
			r := e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": fmt.Sprintf("storm-%d", i)}))
			if r.TicketID == nil {
				t.Fatalf("firing %d: %+v", i, r)
			}
			ticket = *r.TicketID
			want = append(want, strconv.Itoa(r.AlertID))
		}
		e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": "other", "deviceId": 777}))
		nodes := pageAll(t, e, map[string]any{"ticketId": strconv.Itoa(ticket)}, 2, nil)
		wantOrdered(t, nodes)
		var got []string
		for _, n := range nodes {
			got = append(got, n.ID)
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("alerts of ticket %d = %v, want %v", ticket, got, want)
		}
	})
}

// Past 10,000 matches (1,000 with a text filter) totalCount is the
// planner's estimate, flagged; below it, exact.
func TestTotalCountEstimate(t *testing.T) {
	e := apptest.New(t, dialect.Postgres)
	size := proddata.Scaled(30_000)
	f, err := proddata.Load(context.Background(), e.Store.DB, proddata.Options{TenantID: e.Demo.TenantID, Size: size})
	if err != nil {
		t.Fatal(err)
	}
	var all alertPage
	e.Admin(pagedAlerts, apptest.Vars("first", 1)).Must(&all)
	if !all.Alerts.TotalCountIsEstimate || all.Alerts.TotalCount <= 10_000 ||
		all.Alerts.TotalCount < size.Alerts/2 || all.Alerts.TotalCount > size.Alerts*2 {
		t.Errorf("all alerts: total %d, estimate %v; want an estimate near %d", all.Alerts.TotalCount,
			all.Alerts.TotalCountIsEstimate, size.Alerts)
	}
	var storm alertPage
	e.Admin(pagedAlerts, apptest.Vars("f", map[string]any{"ticketId": strconv.Itoa(f.StormTicketID)}, "first", 1)).Must(&storm)
	if storm.Alerts.TotalCountIsEstimate || storm.Alerts.TotalCount != size.StormOccurrences {
		t.Errorf("storm ticket: total %d, estimate %v; want %d exact", storm.Alerts.TotalCount,
			storm.Alerts.TotalCountIsEstimate, size.StormOccurrences)
	}
	// A text filter counts exactly up to 1,000 only.
	for _, text := range []string{"spooler", "WS-00042"} {
		var want int
		if err := e.Store.DB.QueryRow(`SELECT count(*) FROM alerts WHERE tenant_id = $1
			AND (message ILIKE '%' || $2 || '%' OR device_name ILIKE '%' || $2 || '%')`, f.TenantID, text).Scan(&want); err != nil {
			t.Fatal(err)
		}
		var got alertPage
		e.Admin(pagedAlerts, apptest.Vars("f", map[string]any{"text": text}, "first", 1)).Must(&got)
		switch {
		case want > 1_000 && (!got.Alerts.TotalCountIsEstimate || got.Alerts.TotalCount <= 1_000):
			t.Errorf("text %q: total %d, estimate %v; want an estimate past 1,000 (%d match)", text,
				got.Alerts.TotalCount, got.Alerts.TotalCountIsEstimate, want)
		case want <= 1_000 && (got.Alerts.TotalCountIsEstimate || got.Alerts.TotalCount != want):
			t.Errorf("text %q: total %d, estimate %v; want %d exact", text,
				got.Alerts.TotalCount, got.Alerts.TotalCountIsEstimate, want)
		}
		if text == "spooler" && want <= 1_000 {
			t.Fatalf("the dataset has %d alerts matching %q; the test needs more than 1,000", want, text)
		}
	}
	var tickets struct {
		Tickets struct {
			TotalCount           int
			TotalCountIsEstimate bool
		}
	}
	e.Admin(`{ tickets(first: 1) { totalCount totalCountIsEstimate } }`, nil).Must(&tickets)
	if tickets.Tickets.TotalCountIsEstimate || tickets.Tickets.TotalCount != size.OpenTickets+size.ClosedTickets {
		t.Errorf("tickets: %+v, want %d exact", tickets.Tickets, size.OpenTickets+size.ClosedTickets)
	}
}
