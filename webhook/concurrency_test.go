package webhook_test

import (
	"sync"
	"testing"

	"github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/internal/apptest"
)

func TestConcurrentFiringsOfOneCondition(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		const n = 200
		var wg sync.WaitGroup
		results := make([]apptest.Response, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": series(i), "id": i}))
			}()
		}
		wg.Wait()
		created := 0
		for _, r := range results {
			if r.Status != 200 {
				t.Fatalf("webhook answered %d %q", r.Status, r.Error)
			}
			if r.Outcome == "ticket_created" {
				created++
			}
		}
		if c := e.Count(); c.Tickets != 1 || created != 1 || c.Alerts != n {
			t.Fatalf("tickets %d (created answers %d), alerts %d; want 1, 1, %d", c.Tickets, created, c.Alerts, n)
		}
		first := e.DB.Alert.Query().Where(alert.AutoTicketCreated(true)).OnlyX(e.Ctx)
		if first.OccurrenceCount != n {
			t.Errorf("occurrence count = %d, want %d", first.OccurrenceCount, n)
		}
		if linked := e.DB.Alert.Query().Where(alert.TicketID(*first.TicketID)).CountX(e.Ctx); linked != n {
			t.Errorf("linked alerts = %d, want %d", linked, n)
		}
	})
}

func TestConcurrentDeliveriesOfOneAlert(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		const n = 50
		var wg sync.WaitGroup
		statuses := make([]int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.PostFixture(ninja, "ninjaone-condition-triggered.json").Status
			}()
		}
		wg.Wait()
		for _, s := range statuses {
			if s != 200 {
				t.Fatalf("status %d", s)
			}
		}
		if c := e.Count(); c.Alerts != 1 || c.Tickets != 1 || c.Comments != 1 {
			t.Errorf("rows %+v, want 1 alert, 1 ticket, 1 comment", c)
		}
	})
}
