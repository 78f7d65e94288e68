package worker_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/desk"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/providers/providertest"
	"github.com/alertdesk/alertdesk/worker"
)

// pageEvent is a poller's trigger of the demo NinjaOne integration.
func pageEvent(e *apptest.Env, id, condition, device, org string, sev event.Severity) event.Event {
	return event.Event{
		TenantID: e.Demo.TenantID, IntegrationID: e.Integration(ninja).ID, Provider: ninja, Kind: event.Triggered,
		ExternalAlertID: id, ExternalDeviceID: device, ConditionIdentity: condition, SourceType: "CONDITION",
		Severity: sev, Message: "Disk almost full on " + device, DeviceName: "host-" + device,
		ExternalOrganizationID: org, OccurredAt: time.Date(2026, 3, 19, 13, 41, 15, 0, time.UTC), Origin: worker.OriginPoller,
	}
}

// pageFixture prepares e (an open ticket for condition "open", a resolved
// alert "again") and returns a page of triggers covering every way the
// pipeline takes them: new conditions, a condition firing twice in the
// page, one with an open ticket, a resolved alert firing again, a device
// nobody knew of a mapped organization, an unmapped organization, an alert
// without a device.
func pageFixture(t *testing.T, e *apptest.Env) []event.Event {
	t.Helper()
	ctx := context.Background()
	seedEv := pageEvent(e, "seed-open", "open", "7", "2", event.Major)
	if _, err := e.Pipeline.Process(ctx, seedEv); err != nil {
		t.Fatal(err)
	}
	again := pageEvent(e, "again", "again", "7", "2", event.Minor)
	if _, err := e.Pipeline.Process(ctx, again); err != nil {
		t.Fatal(err)
	}
	reset := again
	reset.Kind, reset.OccurredAt = event.Reset, again.OccurredAt.Add(time.Minute)
	if _, err := e.Pipeline.Process(ctx, reset); err != nil {
		t.Fatal(err)
	}
	var evs []event.Event
	for i := range 6 {
		evs = append(evs, pageEvent(e, fmt.Sprintf("new-%d", i), fmt.Sprintf("cond-%d", i), "7", "2",
			event.Severities[i%len(event.Severities)]))
	}
	twice := pageEvent(e, "twice-b", "cond-1", "7", "2", event.Critical)
	joined := pageEvent(e, "joins-open", "open", "7", "2", event.Major)
	again2 := pageEvent(e, "again", "again", "7", "2", event.Critical)
	again2.OccurredAt = again.OccurredAt.Add(time.Hour)
	evs = append(evs, twice, joined, again2,
		pageEvent(e, "new-device", "cond-x", "99", "2", event.Major),
		pageEvent(e, "unmapped", "cond-y", "8", "404", event.Major),
		pageEvent(e, "no-device", "cond-z", "", "", event.Minor),
		pageEvent(e, "new-6", "cond-6", "7", "2", event.Moderate))
	return evs
}

// TestProcessPageMatchesProcess: a page run by ProcessPage leaves the
// same tickets, comments, alerts (traces included), conditions and
// outbox entries as its events run one by one through Process, on two
// fresh databases prepared alike. (SQLite runs ProcessPage's events
// through Process.)
func TestProcessPageMatchesProcess(t *testing.T) {
	one := apptest.New(t, dialect.Postgres)
	evs := pageFixture(t, one)
	for _, ev := range evs {
		if _, err := one.Pipeline.Process(one.Ctx, ev); err != nil {
			t.Fatalf("process %s: %v", ev.ExternalAlertID, err)
		}
	}
	paged := apptest.New(t, dialect.Postgres)
	evs = pageFixture(t, paged)
	res, errs := paged.Pipeline.ProcessPage(paged.Ctx, evs)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("page: %s: %v", evs[i].ExternalAlertID, err)
		}
		if res[i].AlertID == 0 {
			t.Errorf("page: %s has no alert in its result", evs[i].ExternalAlertID)
		}
	}
	want, got := apptest.Snapshot(t, one), apptest.Snapshot(t, paged)
	if len(got) != len(want) {
		t.Errorf("%d rows after the page, %d one by one", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Errorf("row %d:\n page:      %s\n one by one: %s", i, got[i], want[i])
		}
	}
}

// TestProcessPageStatements: a page of new alerts sends as many
// statements whatever its size: 10 and 100 alerts, each opening a ticket.
func TestProcessPageStatements(t *testing.T) {
	e := apptest.New(t, dialect.Postgres)
	s, statements := storetest.Counted(t, e.Store)
	p := pipeline.New(s, desk.New(s), testLog())
	page := func(name string, n int) int {
		evs := make([]event.Event, n)
		for i := range evs {
			evs[i] = pageEvent(e, fmt.Sprintf("%s-%d", name, i), fmt.Sprintf("%s-cond-%d", name, i), "7", "2", event.Major)
		}
		statements()
		res, errs := p.ProcessPage(e.Ctx, evs)
		got := statements()
		for i := range evs {
			if errs[i] != nil || res[i].Outcome != pipeline.Created {
				t.Fatalf("%s: %s: %+v, %v", name, evs[i].ExternalAlertID, res[i], errs[i])
			}
		}
		return got
	}
	page("warm", 3) // the configuration and the ticket sequence, once
	ten, hundred := page("ten", 10), page("hundred", 100)
	t.Logf("statements: %d for 10 alerts, %d for 100", ten, hundred)
	if ten != hundred {
		t.Errorf("a page of 10 sent %d statements, of 100 %d; want the same", ten, hundred)
	}
	if n := e.DB.Ticket.Query().Where(ticket.TenantID(e.Demo.TenantID)).CountX(e.Ctx); n != 113 {
		t.Errorf("%d tickets, want 113", n)
	}
}

// TestPollPagesRaceWebhooks: webhooks for the alerts a poll cycle finds,
// arriving while it runs, make no second alert or ticket: the page and
// each webhook serialize on the alert's and the condition's locks.
func TestPollPagesRaceWebhooks(t *testing.T) {
	h := newHarness(t, dialect.Postgres, redistest.Addr(t), func(d *worker.Deps) { d.PollPageSize = 7 })
	n := providertest.NewNinjaOne(t)
	in := h.connect(ninja, n.URL, n.Credentials())
	const alerts = 40
	var list []map[string]any
	for i := range alerts {
		a := providertest.Alert(fmt.Sprintf("race-%d", i), 7, "Disk almost full")
		a["sourceConfigUid"] = fmt.Sprintf("race-cond-%d", i%30) // ten conditions fire twice
		list = append(list, a)
	}
	n.SetAlerts(list...)
	var wg sync.WaitGroup
	var perr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		_, perr = h.Worker.Poll(h.Ctx, in.TenantID, in.ID, true)
	}()
	go func() {
		defer wg.Done()
		for i := alerts - 1; i >= 0; i-- { // from the end, to meet the pages midway
			h.Post(ninja, apptest.NinjaTrigger(t, map[string]any{"seriesUid": fmt.Sprintf("race-%d", i), "id": 1000 + i,
				"sourceConfigUid": fmt.Sprintf("race-cond-%d", i%30)}))
		}
	}()
	wg.Wait()
	if perr != nil {
		t.Fatal(perr)
	}
	got := h.DB.Alert.Query().Where(entalert.TenantID(h.Demo.TenantID)).AllX(h.Ctx)
	seen := map[string]bool{}
	for _, a := range got {
		if seen[a.ExternalAlertID] {
			t.Errorf("alert %s stored twice", a.ExternalAlertID)
		}
		seen[a.ExternalAlertID] = true
	}
	if len(seen) != alerts {
		t.Errorf("%d alerts, want %d", len(seen), alerts)
	}
	if n := h.DB.Ticket.Query().Where(ticket.TenantID(h.Demo.TenantID)).CountX(h.Ctx); n != 30 {
		t.Errorf("%d tickets, want 30 (one per condition)", n)
	}
	conds := h.DB.AlertCondition.Query().AllX(h.Ctx)
	total := 0
	for _, c := range conds {
		total += c.OccurrenceCount
	}
	if len(conds) != 30 || total != alerts {
		t.Errorf("%d conditions counting %d firings, want 30 counting %d", len(conds), total, alerts)
	}
}

// TestProcessPageJoinsShareTransactions: firings of conditions whose
// tickets are open leave the page, and run after it as Process would,
// MaxCombined to a transaction: 100 of them send fewer statements than
// 100 runs of Process, each of which begins and commits its own.
func TestProcessPageJoinsShareTransactions(t *testing.T) {
	e := apptest.New(t, dialect.Postgres)
	s, statements := storetest.Counted(t, e.Store)
	p := pipeline.New(s, desk.New(s), testLog())
	const n = 100
	firing := func(round, i int) event.Event {
		return pageEvent(e, fmt.Sprintf("r%d-%d", round, i), fmt.Sprintf("cond-%d", i), "7", "2", event.Major)
	}
	evs := make([]event.Event, n)
	for i := range evs {
		evs[i] = firing(0, i)
	}
	if _, errs := p.ProcessPage(e.Ctx, evs); errs[0] != nil {
		t.Fatal(errs[0])
	}
	// One by one: round 1.
	statements()
	for i := range n {
		if res, err := p.Process(e.Ctx, firing(1, i)); err != nil || res.Outcome != pipeline.Joined {
			t.Fatalf("one by one %d: %+v, %v", i, res, err)
		}
	}
	alone := statements()
	// A page: round 2.
	for i := range evs {
		evs[i] = firing(2, i)
	}
	res, errs := p.ProcessPage(e.Ctx, evs)
	paged := statements()
	for i := range evs {
		if errs[i] != nil || res[i].Outcome != pipeline.Joined {
			t.Fatalf("page %d: %+v, %v", i, res[i], errs[i])
		}
	}
	t.Logf("statements for %d joins: %d one by one, %d in a page", n, alone, paged)
	// Each transaction of its own costs at least its BEGIN and COMMIT.
	if paged > alone-n {
		t.Errorf("a page of %d joins sent %d statements, %d one by one: they did not share transactions", n, paged, alone)
	}
	if c := e.DB.Ticket.Query().Where(ticket.TenantID(e.Demo.TenantID)).CountX(e.Ctx); c != n {
		t.Errorf("%d tickets, want %d", c, n)
	}
}
