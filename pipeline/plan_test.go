package pipeline_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/plancheck"
	"github.com/alertdesk/alertdesk/internal/proddata"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/store"
)

// maxRowsRead bounds what one statement of an event may read: a handful of
// index probes, and a reset's count of a ticket's other live alerts, which
// stops at 100.
const maxRowsRead = 400

// maxUpdateWrites bounds the buffers an UPDATE of unindexed columns (a
// ticket's updated_at, an occurrence count) touches itself: its page, when
// the new version stays there (HOT). One that moves to another page adds
// an entry to every index of the table, a few buffers each: 16 indexes on
// alerts, 11 on tickets, and the more the larger the table.
const maxUpdateWrites = 12

// TestEventPlansAreBounded runs every event path on a production-shaped
// database (100,000 alerts, a condition that fired 5,000 times, 2,000
// open tickets) with auto_explain on, and fails when any statement of an
// event reads more than maxRowsRead rows: a plan that scans grows with
// the tables. It runs once after ANALYZE and once with the statistics of
// the nearly empty tables, as right after a restore, and once with none,
// as a new database has until autovacuum first analyzes it. The full size runs
// in BenchmarkEventPlans (a million alerts, 20,000 open tickets, 50,000
// firings of one condition).
func TestEventPlansAreBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 100,000 alerts")
	}
	for _, stats := range planStatistics {
		size := proddata.Scaled(100_000)
		if stats.s == proddata.Unanalyzed {
			// Small enough that the planner, guessing, finds every
			// equality on two columns selective (about 1 row).
			size = proddata.Scaled(10_000)
		}
		t.Run(stats.name, func(t *testing.T) { checkEventPlans(t, size, stats.s) })
	}
}

// BenchmarkEventPlans is TestEventPlansAreBounded at full size: it
// measures nothing and fails as the test does.
func BenchmarkEventPlans(b *testing.B) {
	for _, stats := range planStatistics {
		b.Run(stats.name, func(b *testing.B) { checkEventPlans(b, proddata.Production, stats.s) })
	}
}

var planStatistics = []struct {
	name string
	s    proddata.Statistics
}{{"analyzed", proddata.Analyzed}, {"near-empty statistics", proddata.NearEmpty}, {"never analyzed", proddata.Unanalyzed}}

func checkEventPlans(t testing.TB, size proddata.Size, stats proddata.Statistics) {
	e := apptest.New(t, dialect.Postgres)
	ctx := context.Background()
	f, err := proddata.Load(ctx, e.Store.DB, proddata.Options{TenantID: e.Demo.TenantID, Size: size, Statistics: stats})
	if err != nil {
		t.Fatal(err)
	}
	// Updates stay on their page only once the load's old versions can
	// be pruned, which no transaction older than the load, in any
	// database, may still see.
	inPlace, err := plancheck.WaitForOlderTransactions(ctx, e.Store.DB, 2*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !inPlace {
		t.Log("transactions older than the load still run elsewhere on the server: updates in place not checked")
	}
	p, rec := explainedPipeline(t, storetest.URL(t, e.Store))
	events := newEventPaths(t, e, f)
	// The first event of a process loads the routing configuration and
	// the tenant's ticket numbering, once per version: not per event.
	if _, err := p.Process(ctx, events.firstSeen("warm-up")); err != nil {
		t.Fatal(err)
	}
	for _, step := range events.steps() {
		var res pipeline.Result
		plans, err := rec.Record(func() { res, err = p.Process(ctx, step.ev) })
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if string(res.Outcome) != step.outcome {
			t.Errorf("%s: outcome %s, want %s (trace %q)", step.name, res.Outcome, step.outcome, res.Trace)
		}
		checkRowsRead(t, step.name, plans)
		if step.inPlace && inPlace {
			checkUpdatesInPlace(t, step.name, plans)
		}
	}

	// Every write to a configuration table moves the version, and the next
	// event of each integration loads the configuration again: that load
	// is per event too, and must not read the inventory (the integration's
	// thousands of device mappings), whose size no configuration bounds.
	if _, err := e.Store.DB.ExecContext(ctx,
		`UPDATE tenants SET config_version = config_version + 1 WHERE id = $1`, f.TenantID); err != nil {
		t.Fatal(err)
	}
	var res pipeline.Result
	plans, err := rec.Record(func() { res, err = p.Process(ctx, events.firstSeen("after-change")) })
	if err != nil {
		t.Fatalf("first event after a configuration change: %v", err)
	}
	if res.Outcome != pipeline.Created {
		t.Errorf("first event after a configuration change: outcome %s, want %s (trace %q)", res.Outcome, pipeline.Created, res.Trace)
	}
	checkRowsRead(t, "first event after a configuration change", plans)
}

// checkRowsRead fails on a plan that read more than maxRowsRead rows.
func checkRowsRead(t testing.TB, name string, plans []plancheck.Plan) {
	t.Helper()
	if len(plans) == 0 {
		t.Fatalf("%s: no plans recorded", name)
	}
	for _, pl := range plans {
		if n := pl.Root.RowsRead(); n > maxRowsRead {
			t.Errorf("%s: a statement read %.0f rows (bound %d): %s\n%s", name, n, maxRowsRead,
				pl.Root.Scans(), strings.TrimSpace(pl.Query))
		}
	}
	t.Logf("%s: %d statements", name, len(plans))
}

// checkUpdatesInPlace fails on an UPDATE that wrote more than
// maxUpdateWrites buffers: its new version did not find room on its page.
func checkUpdatesInPlace(t testing.TB, name string, plans []plancheck.Plan) {
	t.Helper()
	for _, pl := range plans {
		if n := pl.Root.UpdateWrites(); n > maxUpdateWrites {
			t.Errorf("%s: an update touched %.0f buffers (bound %d), as one whose row moved to another page and added an entry to every index:\n%s",
				name, n, maxUpdateWrites, strings.TrimSpace(pl.Query))
		}
	}
}

// explainedPipeline is a pipeline on a pool of its own whose connections
// report every statement's plan to the recorder.
func explainedPipeline(t testing.TB, databaseURL string) (*pipeline.Pipeline, *plancheck.Recorder) {
	db, rec, err := plancheck.Open(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := store.New(db, dialect.Postgres)
	return pipeline.New(st, desk.New(st), slog.New(slog.NewTextHandler(io.Discard, nil))), rec
}

// eventPaths makes the events of each path against the loaded data.
type eventPaths struct {
	f   *proddata.Facts
	at  time.Time
	dev func(n int) string
	// active is a live alert on an open ticket with other live alerts.
	active event.Event
}

func newEventPaths(t testing.TB, e *apptest.Env, f *proddata.Facts) *eventPaths {
	a := e.Alert(f.ActiveAlertID)
	device, cond, _ := strings.Cut(a.DedupKey, "|")
	return &eventPaths{
		f:  f,
		at: time.Now().UTC(),
		active: event.Event{TenantID: a.TenantID, IntegrationID: a.IntegrationID, Provider: event.Provider(a.Provider),
			ExternalAlertID: a.ExternalAlertID, ExternalDeviceID: device, ConditionIdentity: cond,
			Severity: event.Severity(a.Severity), Message: a.Message, DeviceName: a.DeviceName,
			ExternalOrganizationID: a.ExternalOrganizationID},
	}
}

// firstSeen is a trigger of a condition nobody has seen, on a new device.
func (p *eventPaths) firstSeen(id string) event.Event {
	return event.Event{TenantID: p.f.TenantID, IntegrationID: p.f.StormIntegrationID, Provider: event.NinjaOne,
		Kind: event.Triggered, ExternalAlertID: "plan-" + id, ExternalDeviceID: "plan-device-" + id,
		ConditionIdentity: "plan-condition", Severity: event.Major, Message: "Disk almost full",
		DeviceName: "PLAN-" + id, ExternalOrganizationID: p.active.ExternalOrganizationID, OccurredAt: time.Now().UTC()}
}

func (p *eventPaths) storm(id string) event.Event {
	ev := p.firstSeen(id)
	ev.ExternalDeviceID, ev.ConditionIdentity = p.f.StormDeviceID, p.f.StormConditionUID
	return ev
}

func kind(ev event.Event, k event.Kind) event.Event {
	ev.Kind, ev.OccurredAt = k, time.Now().UTC()
	return ev
}

// again is the next firing of ev's condition: a new alert id.
func again(ev event.Event, id string) event.Event {
	ev.ExternalAlertID, ev.OccurredAt = "plan-"+id, time.Now().UTC()
	return ev
}

type eventStep struct {
	name    string
	ev      event.Event
	outcome string
	// inPlace: the step's updates change no indexed column of rows the
	// load left on full pages, as a condition's firing on a ticket that
	// has sat open does: they must find room on their pages all the same.
	// (Later updates of the same rows also need the earlier versions
	// pruned, which a transaction open elsewhere in the database delays.)
	inPlace bool
}

// steps are the event paths, in an order where each finds what it needs.
func (p *eventPaths) steps() []eventStep {
	first, storm := p.firstSeen("1"), p.storm("storm-1")
	stale := kind(again(first, "2"), event.Reset)
	stale.OccurredAt = p.at.Add(-time.Hour)
	return []eventStep{
		{"first-seen trigger opens a ticket", first, "ticket_created", false},
		{"replay of a live alert", kind(first, event.Triggered), "replay", false},
		{"a condition's next firing joins its open ticket of thousands", storm, "occurrence_added", true},
		{"the storm's next firings get comments", p.storm("storm-2"), "occurrence_added", false},
		{"the storm's third comment", p.storm("storm-3"), "occurrence_added", false},
		{"the storm's summary comment", p.storm("storm-4"), "occurrence_added", false},
		{"the storm's summary rewritten", p.storm("storm-5"), "occurrence_added", false},
		{"acknowledge", kind(p.active, event.Acknowledged), "acknowledged", false},
		{"reset leaves a ticket with thousands of live alerts open", kind(storm, event.Reset), "resolved", false},
		{"reset closes an untouched ticket", kind(first, event.Reset), "resolved", false},
		{"the condition fires again after its ticket closed", again(first, "2"), "ticket_created", false},
		{"a stale reset", stale, "out_of_order", false},
		{"reset of an alert never seen", kind(p.firstSeen("never"), event.Reset), "resolved", false},
	}
}
