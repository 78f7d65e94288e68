package pipeline_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/rule"
)

// TestProcessTogetherStatements counts, through a proxy, the statements
// and round trips of groups of firings of one condition that all join its
// open ticket, as a storm's groups do: a group's round trips do not grow
// with its size, and its statements grow by about one per firing (the
// firing's lookup). Each firing used to take its own two round trips and
// about six statements.
func TestProcessTogetherStatements(t *testing.T) {
	e := apptest.New(t, dialect.Postgres)
	e.SetActions(event.NinjaOne, rule.Actions{StormComments: apptest.Int(2), StormQuietMinutes: apptest.Int(10)})
	s, counts := storetest.CountedTrips(t, e.Store)
	p := pipeline.New(s, desk.New(s), nil)
	ctx := context.Background()
	in := e.Integration(event.NinjaOne)
	at := time.Date(2026, 3, 19, 13, 41, 15, 0, time.UTC)
	fired := 0
	fire := func() event.Event {
		fired++
		return event.Event{
			TenantID: e.Demo.TenantID, IntegrationID: in.ID, Provider: event.NinjaOne, Kind: event.Triggered,
			ExternalAlertID: fmt.Sprintf("storm-%d", fired), ExternalDeviceID: "7", ConditionIdentity: "disk",
			SourceType: "CONDITION", Severity: event.Major, Message: "Disk almost full", DeviceName: "host-7",
			ExternalOrganizationID: "2", OccurredAt: at.Add(time.Duration(fired) * time.Second), Origin: "webhook",
		}
	}
	// The ticket, its two comments and the burst's summary, one by one.
	for range 4 {
		if _, err := p.Process(ctx, fire()); err != nil {
			t.Fatal(err)
		}
	}
	group := func(n int) storetest.Counts {
		evs := make([]event.Event, n)
		for i := range evs {
			evs[i] = fire()
		}
		counts()
		res, errs := p.ProcessTogether(ctx, evs)
		got := counts()
		for i := range res {
			if errs[i] != nil || res[i].Outcome != pipeline.Joined {
				t.Fatalf("firing %d of %d: %s, %v", i, n, res[i].Outcome, errs[i])
			}
		}
		t.Logf("a group of %d: %d statements in %d round trips", n, got.Statements, got.RoundTrips)
		return got
	}
	group(2) // prepares the group's statements on the connections
	small, large := group(8), group(32)
	if small.RoundTrips != large.RoundTrips || large.RoundTrips > 4 {
		t.Errorf("round trips: %d for 8 firings, %d for 32; want the same, at most 4", small.RoundTrips, large.RoundTrips)
	}
	if per := float64(large.Statements-small.Statements) / 24; per > 1.5 {
		t.Errorf("statements: %d for 8 firings, %d for 32: %.1f more per firing, want at most 1.5",
			small.Statements, large.Statements, per)
	}
	var count int
	if err := e.Store.DB.QueryRowContext(ctx, `SELECT occurrence_count FROM alert_conditions`).Scan(&count); err != nil {
		t.Fatal(err)
	}
	if count != fired {
		t.Errorf("condition count %d, want %d", count, fired)
	}
}
