package webhook_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"
	dto "github.com/prometheus/client_model/go"

	"github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/metrics"
	"github.com/alertdesk/alertdesk/rule"
)

// occurrenceComments are the first lines of a ticket's occurrence and
// summary comments, in order.
func occurrenceComments(e *apptest.Env, ticketID int) []string {
	var out []string
	for _, c := range e.Ticket(ticketID).Edges.Comments {
		if strings.HasPrefix(c.Body, "Alert re-triggered") {
			out = append(out, strings.SplitN(c.Body, "\n", 2)[0])
		}
	}
	return out
}

// TestStormSummarizes: a condition firing again and again gets the rule's
// few comments, then one summary comment rewritten per firing, and after a
// quiet period comments again; the count, the links and the traces stay
// one per firing.
func TestStormSummarizes(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		e.SetActions(ninja, rule.Actions{StormComments: apptest.Int(2), StormQuietMinutes: apptest.Int(10)})
		const t0 = 1742391675.556 // the fixture's activityTime
		fire := func(n int, minutes float64) apptest.Response {
			t.Helper()
			r := e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": series(n), "id": n, "activityTime": t0 + minutes*60}))
			wantOutcome(t, r, 200, "occurrence_added")
			return r
		}
		first := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		var traces []string
		for n := 2; n <= 7; n++ { // one a minute: one burst
			traces = append(traces, fmt.Sprint(e.Alert(fire(n, float64(n-1)).AlertID).DecisionTrace))
		}
		want := []string{
			"Alert re-triggered — 2nd occurrence",
			"Alert re-triggered — 3rd occurrence",
			"Alert re-triggered — 4 more occurrences between 2025-03-19 13:44:15 UTC and 2025-03-19 13:47:15 UTC (occurrences 4th to 7th; every alert is linked to this ticket).",
		}
		if got := occurrenceComments(e, *first.TicketID); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("comments\n got %q\nwant %q", got, want)
		}
		if !strings.Contains(traces[2], "4th occurrence, the first of this burst in a summary comment") {
			t.Errorf("4th firing's trace = %q", traces[2])
		}
		if !strings.Contains(traces[5], "7th occurrence, counted in the summary comment (4 so far)") {
			t.Errorf("7th firing's trace = %q", traces[5])
		}

		// Quiet for ten minutes: the next burst gets its comments again,
		// and its own summary.
		for n := 8; n <= 10; n++ {
			fire(n, 20+float64(n))
		}
		want = append(want,
			"Alert re-triggered — 8th occurrence",
			"Alert re-triggered — 9th occurrence",
			"Alert re-triggered — 1 more occurrence at 2025-03-19 14:11:15 UTC (occurrences 10th to 10th; every alert is linked to this ticket).")
		if got := occurrenceComments(e, *first.TicketID); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("comments after a quiet period\n got %q\nwant %q", got, want)
		}
		if a := e.Alert(first.AlertID); a.OccurrenceCount != 10 {
			t.Errorf("occurrence count = %d, want 10", a.OccurrenceCount)
		}
		if n := e.DB.Alert.Query().Where(alert.TicketID(*first.TicketID)).CountX(e.Ctx); n != 10 {
			t.Errorf("linked alerts = %d, want 10", n)
		}
	})
}

// TestConcurrentStormOneSummary: concurrent firings of one condition make
// the rule's comments and one summary that counts the rest exactly.
func TestConcurrentStormOneSummary(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		first := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		const n = 60
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				wantOutcome(t, e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": series(100 + i), "id": 100 + i})), 200, "occurrence_added")
			}()
		}
		wg.Wait()
		got := occurrenceComments(e, *first.TicketID)
		if len(got) != rule.DefaultStormComments+1 {
			t.Fatalf("%d occurrence comments, want %d and a summary: %q", len(got), rule.DefaultStormComments, got)
		}
		if want := "Alert re-triggered — 57 more occurrences"; !strings.HasPrefix(got[len(got)-1], want) ||
			!strings.Contains(got[len(got)-1], "occurrences 5th to 61st") {
			t.Errorf("summary = %q, want %q… 5th to 61st", got[len(got)-1], want)
		}
		if a := e.Alert(first.AlertID); a.OccurrenceCount != n+1 {
			t.Errorf("occurrence count = %d, want %d", a.OccurrenceCount, n+1)
		}
	})
}

// TestStormFiringsShareTransactions: firings of one condition that arrive
// while it is busy run together in one transaction (pipeline.Combiner),
// and each still gets its own alert, trace, workflow event and place in
// the count.
func TestStormFiringsShareTransactions(t *testing.T) {
	e := apptest.New(t, dialect.Postgres)
	first := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
	groups := combinedGroups(t)
	const senders, each = 32, 8
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				n := 1000 + s*each + i
				r := e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": series(n), "id": n}))
				if r.Status != 200 || r.Outcome != "occurrence_added" || r.TicketID == nil || *r.TicketID != *first.TicketID {
					t.Errorf("firing %d answered %d %q ticket %v (error %q)", n, r.Status, r.Outcome, r.TicketID, r.Error)
				}
			}
		}()
	}
	wg.Wait()
	const n = senders*each + 1
	if a := e.Alert(first.AlertID); a.OccurrenceCount != n {
		t.Errorf("occurrence count = %d, want %d", a.OccurrenceCount, n)
	}
	if got := e.DB.Alert.Query().Where(alert.TicketID(*first.TicketID)).CountX(e.Ctx); got != n {
		t.Errorf("linked alerts = %d, want %d", got, n)
	}
	if got := e.DB.Ticket.Query().CountX(e.Ctx); got != 1 {
		t.Errorf("%d tickets, want 1", got)
	}
	triggered := 0
	for _, topic := range e.OutboxTopics() {
		if topic == "RMM_ALERT_TRIGGERED" {
			triggered++
		}
	}
	if triggered != n {
		t.Errorf("%d RMM_ALERT_TRIGGERED events, want %d", triggered, n)
	}
	for _, a := range e.DB.Alert.Query().AllX(e.Ctx) {
		if len(a.DecisionTrace) != 1 {
			t.Errorf("alert %s has %d trace entries, want 1", a.ExternalAlertID, len(a.DecisionTrace))
		}
	}
	if combinedGroups(t) == groups {
		t.Error("no firings ran together: each took a transaction of its own")
	}
}

// combinedGroups is how many groups of firings have run together in this
// process so far.
func combinedGroups(t *testing.T) uint64 {
	t.Helper()
	var m dto.Metric
	if err := metrics.CombinedEvents.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount()
}
