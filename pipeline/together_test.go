package pipeline_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/rule"
)

// firings prepares e (a storm rule: two comments, then a summary) and
// returns two groups of events of the demo NinjaOne integration that run
// together. The first: a condition's first firing and many more a minute
// apart, a replay of one of them, another condition, and an event Process
// refuses. The second, as a storm's later groups: firings joining the
// ticket the first opened, counted in its summary, a replay of a stored
// alert, a new burst after a quiet period (comments again, then a new
// summary), the other condition again, and a device nobody knew, whose
// first alert makes its asset and second finds it.
func firings(t *testing.T, e *apptest.Env) [][]event.Event {
	t.Helper()
	e.SetActions(event.NinjaOne, rule.Actions{StormComments: apptest.Int(2), StormQuietMinutes: apptest.Int(10)})
	in := e.Integration(event.NinjaOne)
	at := time.Date(2026, 3, 19, 13, 41, 15, 0, time.UTC)
	ev := func(id, condition string, minute int) event.Event {
		return event.Event{
			TenantID: e.Demo.TenantID, IntegrationID: in.ID, Provider: event.NinjaOne, Kind: event.Triggered,
			ExternalAlertID: id, ExternalDeviceID: "7", ConditionIdentity: condition, SourceType: "CONDITION",
			Severity: event.Major, Message: "Disk almost full", DeviceName: "host-7", ExternalOrganizationID: "2",
			OccurredAt: at.Add(time.Duration(minute) * time.Minute), Origin: "webhook",
		}
	}
	var first, second []event.Event
	for i := range 9 {
		first = append(first, ev(fmt.Sprintf("storm-%d", i), "disk", i))
	}
	first = append(first, ev("storm-3", "disk", 3), ev("other-0", "cpu", 4), ev("", "disk", 5), ev("storm-9", "disk", 30))
	for i := 10; i < 16; i++ {
		second = append(second, ev(fmt.Sprintf("storm-%d", i), "disk", 21+i))
	}
	second = append(second, ev("storm-4", "disk", 37), ev("other-1", "cpu", 38))
	for i := 16; i < 21; i++ {
		second = append(second, ev(fmt.Sprintf("storm-%d", i), "disk", 40+i))
	}
	unknown := func(id string, minute int) event.Event {
		e := ev(id, "disk", minute)
		e.ExternalDeviceID, e.DeviceName = "new-device", "host-new"
		return e
	}
	second = append(second, unknown("new-0", 61), ev("storm-21", "disk", 61), unknown("new-1", 62))
	return [][]event.Event{first, second}
}

// TestProcessTogetherMatchesProcess: events run together in one
// transaction per group leave the same tickets, comments, alerts (traces
// included), condition rows and outbox entries, and get the same results,
// as the same events run one by one through Process, on two databases
// prepared alike.
func TestProcessTogetherMatchesProcess(t *testing.T) {
	one := apptest.New(t, dialect.Postgres)
	var want []string
	for _, group := range firings(t, one) {
		for _, ev := range group {
			res, err := one.Pipeline.Process(one.Ctx, ev)
			want = append(want, fmt.Sprint(res.Outcome, " ", err))
		}
	}
	together := apptest.New(t, dialect.Postgres)
	var got []string
	for _, group := range firings(t, together) {
		res, errs := together.Pipeline.ProcessTogether(together.Ctx, group)
		for i := range res {
			got = append(got, fmt.Sprint(res[i].Outcome, " ", errs[i]))
		}
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("event %d: %s together, %s one by one", i, got[i], want[i])
		}
	}
	a, b := apptest.Snapshot(t, one), apptest.Snapshot(t, together)
	if len(a) != len(b) {
		t.Errorf("%d rows together, %d one by one", len(b), len(a))
	}
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			t.Errorf("row %d:\n together:   %s\n one by one: %s", i, b[i], a[i])
		}
	}
}

// TestProcessTogetherSecretChanged: events judged against a secret that is
// no longer the integration's all fail, as each would alone, and leave
// nothing behind.
func TestProcessTogetherSecretChanged(t *testing.T) {
	e := apptest.New(t, dialect.Postgres)
	before := apptest.Snapshot(t, e)
	evs := firings(t, e)[0][:4]
	_, errs := e.Pipeline.ProcessTogether(e.Ctx, evs, pipeline.WithWebhookSecret("not the secret"))
	for i, err := range errs {
		if !errors.Is(err, pipeline.ErrSecretChanged) {
			t.Errorf("event %d: %v, want ErrSecretChanged", i, err)
		}
	}
	if after := apptest.Snapshot(t, e); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("rows changed:\n%q\nwant\n%q", after, before)
	}
}

// TestJoinWaitsForCloseByHand: a ticket closed by hand while firings of
// its condition run is not joined once closed. The close, under way when
// they read the condition's open ticket, makes them wait, and they then
// see it closed: the first opens a new ticket, the others join that, as
// they would one by one after the close. (They used to join the ticket
// as read, and commit on it once it was closed.)
func TestJoinWaitsForCloseByHand(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(e *apptest.Env, evs []event.Event) ([]pipeline.Result, []error)
	}{
		{"one", func(e *apptest.Env, evs []event.Event) ([]pipeline.Result, []error) {
			res, err := e.Pipeline.Process(e.Ctx, evs[0])
			return []pipeline.Result{res}, []error{err}
		}},
		{"together", func(e *apptest.Env, evs []event.Event) ([]pipeline.Result, []error) {
			return e.Pipeline.ProcessTogether(e.Ctx, evs)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := apptest.New(t, dialect.Postgres)
			evs := firings(t, e)[0][:4] // one condition, a minute apart
			first, err := e.Pipeline.Process(e.Ctx, evs[0])
			if err != nil || first.Outcome != pipeline.Created {
				t.Fatalf("first firing: %s, %v", first.Outcome, err)
			}
			closed := *first.TicketID
			comments := func() int {
				var n int
				if err := e.Store.DB.QueryRowContext(e.Ctx, `SELECT count(*) FROM comments WHERE ticket_id = $1`, closed).Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			before := comments()
			release := storetest.Hold(t, e.Store, func(tx *ent.Tx) error {
				_, err := e.Desk.Close(e.Ctx, tx, e.Demo.TenantID, closed, nil, desk.Person(e.Demo.AdminUserID))
				return err
			})
			type outcome struct {
				res  []pipeline.Result
				errs []error
			}
			done := make(chan outcome, 1)
			go func() {
				res, errs := tc.run(e, evs[1:])
				done <- outcome{res, errs}
			}()
			var got *outcome
			storetest.WaitForLockWait(t, e.Store, func() bool {
				select {
				case o := <-done:
					got = &o
					return true
				default:
					return false
				}
			})
			if err := release(); err != nil {
				t.Fatal(err)
			}
			if got == nil {
				o := <-done
				got = &o
			}
			var opened int
			for i, res := range got.res {
				ticket := 0
				if res.TicketID != nil {
					ticket = *res.TicketID
				}
				want := pipeline.Joined
				if i == 0 {
					want = pipeline.Created
				}
				if got.errs[i] != nil || res.Outcome != want || ticket == 0 || ticket == closed {
					t.Fatalf("firing %d: %s, ticket %d, %v; want %s on a new ticket", i, res.Outcome, ticket, got.errs[i], want)
				}
				if i == 0 {
					opened = ticket
				} else if ticket != opened {
					t.Errorf("firing %d joined ticket %d, want %d", i, ticket, opened)
				}
			}
			if n := comments() - before; n != 0 {
				t.Errorf("the closed ticket got %d comments", n)
			}
		})
	}
}
