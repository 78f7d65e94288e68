package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/pipeline"
)

// combinerEnv is a Combiner on the demo's pipeline, firing the demo's
// NinjaOne integration.
type combinerEnv struct {
	*apptest.Env
	c      *pipeline.Combiner
	in     int
	groups chan int
	mu     sync.Mutex
	n      int
}

func newCombinerEnv(t *testing.T) *combinerEnv {
	t.Helper()
	e := apptest.New(t, dialect.Postgres)
	ce := &combinerEnv{Env: e, c: pipeline.NewCombiner(e.Pipeline), in: e.Integration(event.NinjaOne).ID,
		groups: make(chan int, 1000)}
	ce.c.OnGroup = func(n int) { ce.groups <- n }
	return ce
}

// firing is a trigger of condition cond on device 7 of the demo's
// organization 2, with a new alert id unless one is given.
func (e *combinerEnv) firing(cond, alertID string) event.Event {
	e.mu.Lock()
	e.n++
	n := e.n
	e.mu.Unlock()
	if alertID == "" {
		alertID = fmt.Sprintf("%s-%d", cond, n)
	}
	return event.Event{
		TenantID: e.Demo.TenantID, IntegrationID: e.in, Provider: event.NinjaOne, Kind: event.Triggered,
		ExternalAlertID: alertID, ExternalDeviceID: "7", ConditionIdentity: cond,
		SourceType: "CONDITION", Severity: event.Major, Message: "Check " + cond, DeviceName: "host-7",
		ExternalOrganizationID: "2", OccurredAt: time.Date(2026, 3, 19, 13, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Second),
		Origin: "webhook",
	}
}

// fill takes the Combiner's GroupsInFlight turns with firings that wait
// on alert locks the test holds, and returns what releases them and
// waits for them to finish.
func (e *combinerEnv) fill(t *testing.T) (release func()) {
	t.Helper()
	return e.fillWith(t, event.Triggered)
}

// fillWith is fill with events of kind (resets of alerts never stored
// take their turns as firings do).
func (e *combinerEnv) fillWith(t *testing.T, kind event.Kind) (release func()) {
	t.Helper()
	var keys []string
	for i := range pipeline.GroupsInFlight {
		keys = append(keys, fmt.Sprintf("alert:%d:%d:held-%d", e.Demo.TenantID, e.in, i))
	}
	rel := storetest.Hold(t, e.Store, func(tx *ent.Tx) error { return e.Store.LockKeys(context.Background(), tx, keys...) })
	out := make(chan error, pipeline.GroupsInFlight)
	for i := range pipeline.GroupsInFlight {
		ev := e.firing(fmt.Sprintf("held-%d", i), fmt.Sprintf("held-%d", i))
		ev.Kind = kind
		go func() {
			_, err := e.c.Process(context.Background(), ev)
			out <- err
		}()
	}
	e.waitFor(t, "the turns' firings to wait on the held locks", func() bool {
		var n int
		if err := e.Store.DB.QueryRow(`SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == pipeline.GroupsInFlight
	})
	return func() {
		if err := rel(); err != nil {
			t.Fatal(err)
		}
		for range pipeline.GroupsInFlight {
			if err := <-out; err != nil {
				t.Fatal(err)
			}
		}
	}
}

// queue sends evs to the Combiner one after the other, each once the one
// before waits, and returns where each one's outcome will arrive.
func (e *combinerEnv) queue(t *testing.T, evs ...event.Event) []chan outcome {
	t.Helper()
	return e.queueWith(t, nil, evs...)
}

// queueWith is queue, each event sent with opts.
func (e *combinerEnv) queueWith(t *testing.T, opts []pipeline.Option, evs ...event.Event) []chan outcome {
	t.Helper()
	got := make([]chan outcome, len(evs))
	for i, ev := range evs {
		got[i] = make(chan outcome, 1)
		go func() {
			res, err := e.c.Process(context.Background(), ev, opts...)
			got[i] <- outcome{res, err}
		}()
		e.waitFor(t, "the event to wait", func() bool { return e.c.Waiting() == i+1 })
	}
	return got
}

func (e *combinerEnv) waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// opened fires a new alert of each condition, one at a time, and returns
// the firings; each opened a ticket.
func (e *combinerEnv) opened(t *testing.T, conds ...string) []event.Event {
	t.Helper()
	var out []event.Event
	for _, cond := range conds {
		ev := e.firing(cond, "")
		if res, err := e.c.Process(context.Background(), ev); err != nil || res.Outcome != pipeline.Created {
			t.Fatalf("firing %s: %s, %v", cond, res.Outcome, err)
		}
		out = append(out, ev)
	}
	return out
}

// resetOf is the RMM's reset of a firing's alert, a minute later.
func resetOf(fired event.Event) event.Event {
	ev := fired
	ev.Kind, ev.OccurredAt = event.Reset, fired.OccurredAt.Add(time.Minute)
	return ev
}

// wantGroup checks that the first group run together had n events.
func (e *combinerEnv) wantGroup(t *testing.T, n int) {
	t.Helper()
	select {
	case got := <-e.groups:
		if got != n {
			t.Errorf("a group of %d ran together, want %d", got, n)
		}
	default:
		t.Error("nothing ran together")
	}
}

type outcome struct {
	res pipeline.Result
	err error
}

// TestCombinerGroupsWaitingFirings: while grouping, firings that arrive
// with every turn taken wait, and the first turn freed runs them in one
// transaction, whatever their conditions; each gets the result it would
// alone, and a condition's firings keep their order.
func TestCombinerGroupsWaitingFirings(t *testing.T) {
	e := newCombinerEnv(t)
	e.c.StartGrouping()
	release := e.fill(t)
	evs := []event.Event{e.firing("cpu", ""), e.firing("disk", ""), e.firing("cpu", ""), e.firing("memory", "")}
	got := e.queue(t, evs...)
	release()
	out := make([]outcome, len(evs))
	for i := range got {
		out[i] = <-got[i]
		if out[i].err != nil {
			t.Fatalf("firing %d: %v", i, out[i].err)
		}
	}
	for i, want := range []pipeline.Outcome{pipeline.Created, pipeline.Created, pipeline.Joined, pipeline.Created} {
		if out[i].res.Outcome != want {
			t.Errorf("firing %d (%s): %s, want %s", i, evs[i].ConditionIdentity, out[i].res.Outcome, want)
		}
	}
	if a, b := out[0].res.TicketID, out[2].res.TicketID; a == nil || b == nil || *a != *b {
		t.Errorf("cpu's second firing joined ticket %v, want its first's %v", b, a)
	}
	e.wantGroup(t, len(evs))
}

// TestCombinerRunsAtOnceWhileFiringsOpenTickets: a Combiner starts out
// running firings at once, whatever is in flight, and keeps doing so
// while they open tickets; only a firing of a busy condition waits.
func TestCombinerRunsAtOnceWhileFiringsOpenTickets(t *testing.T) {
	e := newCombinerEnv(t)
	if e.c.Grouping() {
		t.Fatal("a new Combiner groups")
	}
	release := e.fill(t)
	if res, err := e.c.Process(context.Background(), e.firing("cpu", "")); err != nil || res.Outcome != pipeline.Created {
		t.Fatalf("a firing with every turn taken: %s, %v", res.Outcome, err)
	}
	release()
}

// TestCombinerSwitchesWithOutcomes: firings that join open tickets make a
// Combiner group, and firings that open tickets make it run them at once
// again.
func TestCombinerSwitchesWithOutcomes(t *testing.T) {
	e := newCombinerEnv(t)
	fire := func(cond string) pipeline.Outcome {
		t.Helper()
		res, err := e.c.Process(context.Background(), e.firing(cond, ""))
		if err != nil {
			t.Fatal(err)
		}
		return res.Outcome
	}
	for i := range 200 {
		if fire(fmt.Sprintf("new-%d", i)) != pipeline.Created || e.c.Grouping() {
			t.Fatalf("firing %d: grouping while firings open tickets", i)
		}
	}
	joins := 0
	for !e.c.Grouping() {
		if joins++; joins > 200 || fire("new-0") != pipeline.Joined {
			t.Fatalf("after %d joins, not grouping", joins)
		}
	}
	opened := 0
	for e.c.Grouping() {
		if opened++; opened > 200 {
			t.Fatal("after 200 new tickets, still grouping")
		}
		fire(fmt.Sprintf("other-%d", opened))
	}
	t.Logf("grouping after %d joins, running at once after %d new tickets", joins, opened)
}

// TestCombinerWaitingFiringGivesUp: a waiting firing whose context ends
// returns its error and writes nothing.
func TestCombinerWaitingFiringGivesUp(t *testing.T) {
	e := newCombinerEnv(t)
	e.c.StartGrouping()
	release := e.fill(t)
	ctx, cancel := context.WithCancel(context.Background())
	ev := e.firing("cpu", "")
	done := make(chan error, 1)
	go func() {
		_, err := e.c.Process(ctx, ev)
		done <- err
	}()
	e.waitFor(t, "the firing to wait", func() bool { return e.c.Waiting() == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if e.c.Waiting() != 0 {
		t.Errorf("%d still waiting", e.c.Waiting())
	}
	release()
	if n := e.DB.Alert.Query().Where(entalert.ExternalAlertID(ev.ExternalAlertID)).CountX(e.Ctx); n != 0 {
		t.Errorf("%d alerts of the withdrawn firing", n)
	}
}

// TestCombinerConcurrentConditions: many senders firing a few conditions
// while the Combiner groups leave one ticket per condition and exact
// counts, with firings run together.
func TestCombinerConcurrentConditions(t *testing.T) {
	e := newCombinerEnv(t)
	e.c.StartGrouping()
	conds := []string{"cpu", "disk", "memory", "ping"}
	const senders, each = 16, 12
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := e.c.Process(context.Background(), e.firing(conds[(s+i)%len(conds)], "")); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got := e.DB.Ticket.Query().CountX(e.Ctx); got != len(conds) {
		t.Errorf("%d tickets, want %d", got, len(conds))
	}
	rows, err := e.Store.DB.Query(`SELECT occurrence_count FROM alert_conditions`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	total := 0
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		if want := senders * each / len(conds); n != want {
			t.Errorf("a condition counted %d firings, want %d", n, want)
		}
		total++
	}
	if total != len(conds) {
		t.Errorf("%d conditions, want %d", total, len(conds))
	}
	if len(e.groups) == 0 {
		t.Error("no firings ran together")
	}
}

// TestCombinerResetWaitsForItsFiring: a reset that arrives while its
// alert's firing waits for a turn runs after the firing, not before it
// (which would find no alert to resolve and leave the firing's ticket
// open).
func TestCombinerResetWaitsForItsFiring(t *testing.T) {
	e := newCombinerEnv(t)
	e.c.StartGrouping()
	release := e.fill(t)
	fired := e.firing("cpu", "")
	reset := fired
	reset.Kind, reset.OccurredAt = event.Reset, fired.OccurredAt.Add(time.Minute)
	got := e.queue(t, fired, reset)
	release()
	for i, want := range []pipeline.Outcome{pipeline.Created, pipeline.Resolved} {
		if o := <-got[i]; o.err != nil || o.res.Outcome != want {
			t.Errorf("event %d: %s, %v; want %s", i, o.res.Outcome, o.err, want)
		}
	}
}

// TestCombinerGroupsWaitingResets: while grouping, resets that arrive with
// every turn taken wait, and the first turn freed runs them as one page
// (ResetPage), whatever their conditions: each resolves its alert and
// closes its ticket, as alone. A firing between them runs in a turn of
// its own.
func TestCombinerGroupsWaitingResets(t *testing.T) {
	e := newCombinerEnv(t)
	fired := e.opened(t, "cpu", "disk", "memory")
	e.c.StartGrouping()
	release := e.fill(t)
	evs := []event.Event{resetOf(fired[0]), resetOf(fired[1]), e.firing("ping", ""), resetOf(fired[2])}
	got := e.queue(t, evs...)
	release()
	for i, want := range []pipeline.Outcome{pipeline.Resolved, pipeline.Resolved, pipeline.Created, pipeline.Resolved} {
		o := <-got[i]
		if o.err != nil || o.res.Outcome != want {
			t.Fatalf("event %d (%s %s): %s, %v; want %s", i, evs[i].Kind, evs[i].ConditionIdentity, o.res.Outcome, o.err, want)
		}
		if evs[i].Kind == event.Reset {
			if tk := e.DB.Ticket.GetX(e.Ctx, *o.res.TicketID); tk.ClosedAt == nil {
				t.Errorf("%s's ticket %d stays open", evs[i].ConditionIdentity, tk.ID)
			}
		}
	}
	e.wantGroup(t, 3)
}

// TestCombinerLightEventsWaitWhileFiringsRunAtOnce: while firings run at
// once, light events, resets and firings of conditions whose last firing
// here opened a ticket, wait while GroupsInFlight light groups are in
// flight and run together, while a firing of a new condition still runs
// at once.
func TestCombinerLightEventsWaitWhileFiringsRunAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		light func(e *combinerEnv, fired event.Event) event.Event
		want  pipeline.Outcome
	}{
		{"resets", func(_ *combinerEnv, fired event.Event) event.Event { return resetOf(fired) }, pipeline.Resolved},
		{"firings of open conditions", func(e *combinerEnv, fired event.Event) event.Event {
			return e.firing(fired.ConditionIdentity, "")
		}, pipeline.Joined},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newCombinerEnv(t)
			var evs []event.Event
			for _, fired := range e.opened(t, "cpu", "disk", "memory") {
				evs = append(evs, tc.light(e, fired))
			}
			release := e.fillWith(t, event.Reset)
			got := e.queue(t, evs...)
			if res, err := e.c.Process(context.Background(), e.firing("ping", "")); err != nil || res.Outcome != pipeline.Created {
				t.Fatalf("a new condition's firing with every light turn taken: %s, %v", res.Outcome, err)
			}
			release()
			for i := range got {
				if o := <-got[i]; o.err != nil || o.res.Outcome != tc.want {
					t.Errorf("event %d: %s, %v; want %s", i, o.res.Outcome, o.err, tc.want)
				}
			}
			e.wantGroup(t, len(evs))
			if e.c.Grouping() {
				t.Error("grouping after 4 tickets opened")
			}
		})
	}
}

// TestCombinerResetGroupSecretChanged: resets run together, judged against
// a secret that is no longer the integration's, all fail as each would
// alone and resolve nothing.
func TestCombinerResetGroupSecretChanged(t *testing.T) {
	e := newCombinerEnv(t)
	fired := e.opened(t, "cpu", "disk")
	e.c.StartGrouping()
	release := e.fill(t)
	got := e.queueWith(t, []pipeline.Option{pipeline.WithWebhookSecret("not the secret")}, resetOf(fired[0]), resetOf(fired[1]))
	release()
	for i := range got {
		if o := <-got[i]; !errors.Is(o.err, pipeline.ErrSecretChanged) {
			t.Errorf("reset %d: %s, %v; want ErrSecretChanged", i, o.res.Outcome, o.err)
		}
	}
	e.wantGroup(t, 2)
	if n := e.DB.Alert.Query().Where(entalert.StatusEQ(entalert.StatusActive)).CountX(e.Ctx); n != len(fired)+pipeline.GroupsInFlight {
		t.Errorf("%d active alerts, want the %d fired and the turns' %d", n, len(fired), pipeline.GroupsInFlight)
	}
}

// TestCombinerConcurrentResets: many senders resetting alerts, and firing
// new ones, at once: every reset resolves its alert and closes its
// ticket, whether it ran alone or in a group, and resets ran together.
func TestCombinerConcurrentResets(t *testing.T) {
	e := newCombinerEnv(t)
	const senders, each = 16, 4
	var conds []string
	for i := range senders * each {
		conds = append(conds, fmt.Sprintf("check-%d", i))
	}
	fired := e.opened(t, conds...)
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := range each {
				ev := resetOf(fired[s*each+i])
				if i%2 == 1 {
					if _, err := e.c.Process(context.Background(), e.firing(fmt.Sprintf("new-%d-%d", s, i), "")); err != nil {
						t.Error(err)
					}
				}
				if res, err := e.c.Process(context.Background(), ev); err != nil || res.Outcome != pipeline.Resolved {
					t.Errorf("reset of %s: %s, %v", ev.ConditionIdentity, res.Outcome, err)
				}
			}
		})
	}
	wg.Wait()
	if n := e.DB.Ticket.Query().Where(ticket.ClosedAtIsNil()).CountX(e.Ctx); n != senders*each/2 {
		t.Errorf("%d tickets open, want the %d new firings'", n, senders*each/2)
	}
	if len(e.groups) == 0 {
		t.Error("no resets ran together")
	}
}
