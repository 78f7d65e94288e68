package pipeline_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
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
// first alert makes its asset and second finds it. The third, new
// conditions, most on devices nobody knew, one of them fired twice, and
// two conditions of one new device.
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
	// The third, as first-seen alerts on new devices: each group's assets
	// and tickets are prepared at once (togetherprep.go).
	var third []event.Event
	for i := range 4 {
		e := ev(fmt.Sprintf("fresh-%d", i), fmt.Sprintf("check-%d", i%3), 70+i)
		e.ExternalDeviceID, e.DeviceName = fmt.Sprintf("fresh-device-%d", i%3), fmt.Sprintf("host-fresh-%d", i%3)
		third = append(third, e)
	}
	// Two conditions of one new device: the second finds the asset the
	// first made.
	third = append(third, ev("mem-0", "memory", 75), unknown("new-2", 76))
	for i, cond := range []string{"cpu", "disk"} {
		e := ev(fmt.Sprintf("twice-%d", i), cond, 77+i)
		e.ExternalDeviceID, e.DeviceName = "twice-device", "host-twice"
		third = append(third, e)
	}
	return [][]event.Event{first, second, third}
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
