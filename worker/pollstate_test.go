package worker_test

import (
	"strings"
	"testing"
	"time"

	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/providers/providertest"
	"github.com/alertdesk/alertdesk/worker"
)

// polledIntegration is what the tests read of an integration.
type polledIntegration struct {
	ConnectionState  string
	LastPolledAt     *time.Time
	LastPollError    string
	PollFailures     int
	PollFailingSince *time.Time
	NextPollAt       *time.Time
	PollGraceSeconds int
	LastPollCounts   map[string]int
}

const polledFields = `connectionState lastPolledAt lastPollError pollFailures pollFailingSince nextPollAt pollGraceSeconds lastPollCounts`

func (h *harness) readIntegration(id int) polledIntegration {
	h.T.Helper()
	var out struct{ Integration polledIntegration }
	h.Admin(`query($id: ID!) { integration(id: $id) { `+polledFields+` } }`, apptest.Vars("id", apptest.ID(id))).Must(&out)
	return out.Integration
}

func (h *harness) pollNow(id int) polledIntegration {
	h.T.Helper()
	var out struct{ PollNow polledIntegration }
	h.Admin(`mutation($id: ID!) { pollNow(integrationId: $id) { `+polledFields+` } }`, apptest.Vars("id", apptest.ID(id))).Must(&out)
	return out.PollNow
}

// pollNowAndWait asks for a cycle through GraphQL and waits until it ran:
// it must start by the time pollNow named, give or take scheduling.
func (h *harness) pollNowAndWait(t *testing.T, id int) polledIntegration {
	t.Helper()
	before := h.readIntegration(id).LastPolledAt
	asked := time.Now()
	got := h.pollNow(id)
	if got.NextPollAt == nil {
		t.Fatal("pollNow named no time for its cycle")
	}
	if before == nil && got.NextPollAt.After(asked.Add(time.Second)) ||
		before != nil && got.NextPollAt.After(maxTime(asked, before.Add(worker.PollNowGap)).Add(time.Second)) {
		t.Fatalf("pollNow at %v after a cycle at %v scheduled its cycle for %v", asked, before, got.NextPollAt)
	}
	var after polledIntegration
	// Far less than the 30 s a failed task once locked pollNow for.
	eventually(t, 15*time.Second, "the requested cycle ran", func() bool {
		after = h.readIntegration(id)
		return after.LastPolledAt != nil && (before == nil || after.LastPolledAt.After(*before)) &&
			after.NextPollAt != nil && !after.NextPollAt.Equal(*got.NextPollAt) && after.LastPollCounts != nil
	})
	// The task ends once the cycle's result is recorded.
	eventually(t, 15*time.Second, "the poll task finished", func() bool {
		q, err := h.Worker.Inspector().GetQueueInfo(h.Queue)
		return err == nil && q.Active == 0 && q.Pending == 0 && q.Scheduled == 0
	})
	return h.readIntegration(id)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// TestPollStateThroughGraphQL: cycles that cannot reach the RMM count up
// and, at PollErrorAfter in a row, make the integration ERROR with the
// error and since when; pollNow runs right after each failure; a cycle
// that reaches the RMM makes it CONNECTED again.
func TestPollStateThroughGraphQL(t *testing.T) {
	const errorAfter = 3
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			h := newAPIHarness(t, d, func(d *worker.Deps) { d.PollErrorAfter = errorAfter })
			n := providertest.NewNinjaOne(t)
			in := h.connect(ninja, n.URL, n.Credentials())
			n.FailList(403, `{"error":"token lacks the monitoring scope"}`)

			var firstFailure time.Time
			for i := 1; i <= errorAfter+1; i++ {
				got := h.pollNowAndWait(t, in.ID)
				if i == 1 {
					firstFailure = *got.LastPolledAt
				}
				wantState := "CONNECTED"
				if i >= errorAfter {
					wantState = "ERROR"
				}
				if got.ConnectionState != wantState || got.PollFailures != i || !strings.Contains(got.LastPollError, "403") ||
					got.PollFailingSince == nil || !got.PollFailingSince.Equal(firstFailure) {
					t.Fatalf("after failed cycle %d: %+v; want %s, %d failures since %v, the 403 as error", i, got, wantState, i, firstFailure)
				}
			}

			// A request already waiting is not doubled and keeps its time.
			first, second := h.pollNow(in.ID), h.pollNow(in.ID)
			if first.NextPollAt == nil || second.NextPollAt == nil || !first.NextPollAt.Equal(*second.NextPollAt) {
				t.Errorf("second pollNow moved the cycle: %v then %v", first.NextPollAt, second.NextPollAt)
			}

			n.SetAlerts(fixtureAlert()) // reachable again
			got := h.pollNowAndWait(t, in.ID)
			if got.ConnectionState != "CONNECTED" || got.PollFailures != 0 || got.PollFailingSince != nil || got.LastPollError != "" ||
				got.LastPollCounts["ingested"] != 1 {
				t.Fatalf("after a good cycle: %+v; want CONNECTED, no failures, the alert ingested", got)
			}
			if n := h.Count().Tickets; n != 1 {
				t.Errorf("%d tickets, want 1", n)
			}
		})
	}
}

// TestPollGraceThroughGraphQL: a poll leaves live alerts the RMM does not
// list alone for the integration's grace period, as set through GraphQL,
// and resets them once it has passed.
func TestPollGraceThroughGraphQL(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			h := newAPIHarness(t, d, nil)
			n := providertest.NewNinjaOne(t)
			in := h.connect(ninja, n.URL, n.Credentials())
			r := h.PostFixture(ninja, "ninjaone-condition-triggered.json")
			n.SetAlerts() // the RMM no longer lists it

			const settings = `mutation($id: ID!, $grace: Int) {
				updatePollingSettings(input: {integrationId: $id, enabled: true, intervalMinutes: 15, graceSeconds: $grace}) { pollGraceSeconds } }`
			h.Admin(settings, apptest.Vars("id", apptest.ID(in.ID), "grace", 3601)).WantCode("BAD_USER_INPUT")
			var set struct {
				UpdatePollingSettings struct{ PollGraceSeconds int }
			}
			h.Admin(settings, apptest.Vars("id", apptest.ID(in.ID), "grace", 600)).Must(&set)
			if set.UpdatePollingSettings.PollGraceSeconds != 600 {
				t.Fatalf("pollGraceSeconds = %d, want 600", set.UpdatePollingSettings.PollGraceSeconds)
			}
			// Omitted, it keeps its value.
			h.Admin(`mutation($id: ID!) { updatePollingSettings(input: {integrationId: $id, enabled: true, intervalMinutes: 15}) { id } }`,
				apptest.Vars("id", apptest.ID(in.ID))).Must(nil)
			if g := h.readIntegration(in.ID).PollGraceSeconds; g != 600 {
				t.Fatalf("pollGraceSeconds = %d after an update without it, want 600", g)
			}

			age := func(d time.Duration) {
				// created_at is immutable in the schema: plain SQL.
				q := `UPDATE alerts SET created_at = ?, last_event_at = ? WHERE id = ?`
				if h.Store.IsPostgres() {
					q = `UPDATE alerts SET created_at = $1, last_event_at = $2 WHERE id = $3`
				}
				at := time.Now().Add(-d).UTC()
				if _, err := h.Store.DB.ExecContext(h.Ctx, q, at, at, r.AlertID); err != nil {
					t.Fatal(err)
				}
			}
			age(9 * time.Minute) // inside the 10 minutes
			if got := h.pollNowAndWait(t, in.ID); got.LastPollCounts["reset"] != 0 || h.Alert(r.AlertID).Status != entalert.StatusActive {
				t.Fatalf("an alert 9 min old was reset with a 10 min grace: counts %v", got.LastPollCounts)
			}
			age(11 * time.Minute) // past them
			if got := h.pollNowAndWait(t, in.ID); got.LastPollCounts["reset"] != 1 || h.Alert(r.AlertID).Status != entalert.StatusResolved {
				t.Fatalf("an alert 11 min old was not reset with a 10 min grace: counts %v, status %s", got.LastPollCounts, h.Alert(r.AlertID).Status)
			}
		})
	}
}
