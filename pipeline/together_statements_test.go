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
// open ticket, as a storm's groups do. After BEGIN, the locks and every
// firing's lookup (the first round trip; the lookup reads the open
// ticket's number), all the group's writes go with COMMIT (the second),
// whatever the group's size: the multi-row INSERTs keep one text for
// every number of rows, so a size a connection has not seen costs no
// round trip to prepare them. Statements grow by one per firing, its
// lookup. Each firing used to take its own two round trips and about six
// statements; a group, four round trips and a statement more than now.
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
	if small.RoundTrips != 2 || large.RoundTrips != 2 {
		t.Errorf("round trips: %d for 8 firings, %d for 32; want 2", small.RoundTrips, large.RoundTrips)
	}
	// BEGIN, the lock statements (2), the directory, the count, the
	// alerts, their outbox entries, the summary's revision and COMMIT.
	const fixed = 9
	for n, got := range map[int]int{8: small.Statements, 32: large.Statements} {
		if got > n+fixed {
			t.Errorf("statements: %d for %d firings, want at most %d (a lookup each and %d)", got, n, n+fixed, fixed)
		}
	}
	// A firing alone (Process) reads no ticket either: BEGIN with its
	// locks and lookup, then its writes with COMMIT.
	for range 2 { // the first may prepare
		counts()
		if res, err := p.Process(ctx, fire()); err != nil || res.Outcome != pipeline.Joined {
			t.Fatalf("alone: %s, %v", res.Outcome, err)
		}
	}
	if alone := counts(); alone.RoundTrips != 2 {
		t.Errorf("a firing alone: %d statements in %d round trips, want 2 round trips", alone.Statements, alone.RoundTrips)
	} else {
		t.Logf("a firing alone: %d statements in %d round trips", alone.Statements, alone.RoundTrips)
	}
	var count int
	if err := e.Store.DB.QueryRowContext(ctx, `SELECT occurrence_count FROM alert_conditions`).Scan(&count); err != nil {
		t.Fatal(err)
	}
	if count != fired {
		t.Errorf("condition count %d, want %d", count, fired)
	}
}

// TestProcessTogetherNewDevicesStatements: a group of first-seen alerts
// on devices nobody knew, as a poll page leaves them, makes their assets
// and draws their tickets in one round trip between its reads and its
// writes, whatever its size: three round trips, where each alert used to
// take two of its own (its asset, its ticket). A device's second alert
// finds the asset its first made without reading, and the tickets are
// numbered in the alerts' order, without gaps.
func TestProcessTogetherNewDevicesStatements(t *testing.T) {
	e := apptest.New(t, dialect.Postgres)
	s, counts := storetest.CountedTrips(t, e.Store)
	p := pipeline.New(s, desk.New(s), nil)
	ctx := context.Background()
	in := e.Integration(event.NinjaOne)
	at := time.Date(2026, 3, 19, 13, 41, 15, 0, time.UTC)
	n, devices := 0, 0
	// group runs size alerts, each condition of a new device fired
	// perDevice times in a row, and returns its round trips and its
	// tickets' numbers in the alerts' order.
	group := func(size, perDevice int) (storetest.Counts, []int) {
		evs := make([]event.Event, size)
		for i := range evs {
			n++
			if i%perDevice == 0 {
				devices++
			}
			evs[i] = event.Event{
				TenantID: e.Demo.TenantID, IntegrationID: in.ID, Provider: event.NinjaOne, Kind: event.Triggered,
				ExternalAlertID: fmt.Sprintf("new-%d", n), ExternalDeviceID: fmt.Sprintf("device-%d", devices),
				ConditionIdentity: fmt.Sprintf("check-%d", i%perDevice), SourceType: "CONDITION", Severity: event.Major,
				Message: "Disk almost full", DeviceName: fmt.Sprintf("host-%d", devices), ExternalOrganizationID: "2",
				OccurredAt: at.Add(time.Duration(n) * time.Second), Origin: "webhook",
			}
		}
		counts()
		res, errs := p.ProcessTogether(ctx, evs)
		got := counts()
		numbers := make([]int, len(res))
		for i := range res {
			if errs[i] != nil || res[i].Outcome != pipeline.Created || res[i].TicketID == nil {
				t.Fatalf("alert %d of %d: %s, %v", i, size, res[i].Outcome, errs[i])
			}
			numbers[i] = e.DB.Ticket.GetX(ctx, *res[i].TicketID).Number
		}
		t.Logf("a group of %d, %d per device: %d statements in %d round trips", size, perDevice, got.Statements, got.RoundTrips)
		return got, numbers
	}
	group(2, 1) // prepares the group's statements on the connections
	for _, tc := range []struct{ size, perDevice int }{{8, 1}, {32, 1}, {8, 2}} {
		got, numbers := group(tc.size, tc.perDevice)
		if got.RoundTrips != 3 {
			t.Errorf("%d alerts on new devices, %d per device: %d round trips, want 3", tc.size, tc.perDevice, got.RoundTrips)
		}
		for i := 1; i < len(numbers); i++ {
			if numbers[i] != numbers[i-1]+1 {
				t.Errorf("%d alerts, %d per device: ticket numbers %v, want them in a row", tc.size, tc.perDevice, numbers)
				break
			}
		}
	}
	var assets, tickets int
	if err := e.Store.DB.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM asset_devices WHERE external_device_id LIKE 'device-%'),
		(SELECT count(*) FROM tickets t JOIN alerts a ON a.ticket_id = t.id WHERE a.external_alert_id LIKE 'new-%')`).Scan(&assets, &tickets); err != nil {
		t.Fatal(err)
	}
	if assets != devices || tickets != n {
		t.Errorf("%d devices linked and %d tickets for %d devices' %d alerts", assets, tickets, devices, n)
	}
}
