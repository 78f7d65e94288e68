package worker_test

import (
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent/board"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/worker"
)

func TestTicketRetryBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{
		0: time.Minute, 1: time.Minute, 2: 2 * time.Minute, 3: 4 * time.Minute,
		6: 32 * time.Minute, 7: time.Hour, 50: time.Hour,
	} {
		if got := worker.TicketRetryBackoff(n); got != want {
			t.Errorf("TicketRetryBackoff(%d) = %v, want %v", n, got, want)
		}
	}
}

// setDefaultBoard turns the demo's default board off or on.
func (h *harness) setDefaultBoard(on bool) {
	h.T.Helper()
	h.DB.Board.Update().Where(board.TenantID(h.Demo.TenantID)).SetIsDefault(on).ExecX(h.Ctx)
}

// TestFailedTicketRetriedInBackground: no default board keeps the alert
// with its error; once the board is fixed, the periodic retry makes the
// ticket and publishes the workflow event.
func TestFailedTicketRetriedInBackground(t *testing.T) {
	eachDialectTuned(t, func(d *worker.Deps) {
		d.TicketRetryEvery = 500 * time.Millisecond
		d.TicketRetryBackoff = func(int) time.Duration { return 100 * time.Millisecond }
	}, func(t *testing.T, h *harness) {
		h.setDefaultBoard(false)
		r := h.PostFixture(ninja, "ninjaone-condition-triggered.json")
		if r.Status != 200 || r.AlertID == 0 || r.TicketID != nil {
			t.Fatalf("webhook %+v", r)
		}
		a := h.Alert(r.AlertID)
		if !strings.Contains(a.TicketError, "default board") {
			t.Fatalf("ticket error %q", a.TicketError)
		}
		// Retried while still broken: backed off, the error kept.
		eventually(t, 10*time.Second, "a failed retry", func() bool {
			m, _ := h.Alert(r.AlertID).Metadata[worker.TicketRetryKey].(map[string]any)
			return m != nil && outbox.Int(m["attempts"]) >= 1
		})
		if h.Alert(r.AlertID).TicketError == "" || h.Count().Tickets != 0 {
			t.Fatal("a retry without a board made a ticket or lost the error")
		}

		h.setDefaultBoard(true)
		eventually(t, 10*time.Second, "ticket made by the retry and the backoff cleared", func() bool {
			a := h.Alert(r.AlertID)
			return a.TicketID != nil && a.Metadata[worker.TicketRetryKey] == nil
		})
		a = h.Alert(r.AlertID)
		if a.TicketError != "" || a.Metadata[worker.TicketRetryKey] != nil || !a.AutoTicketCreated {
			t.Errorf("after the retry: error %q, stamp %v, auto %v", a.TicketError, a.Metadata[worker.TicketRetryKey], a.AutoTicketCreated)
		}
		if n := h.Count().Tickets; n != 1 {
			t.Errorf("%d tickets, want 1", n)
		}
		events := h.outboxPayloads(outbox.AlertTriggered)
		if len(events) != 1 || int(events[0]["ticketId"].(float64)) != *a.TicketID {
			t.Errorf("RMM_ALERT_TRIGGERED entries %v, want one with the ticket", events)
		}
	})
}

// TestTicketRetryBacksOff: a configuration that stays broken is tried once
// per backoff step, not on every run.
func TestTicketRetryBacksOff(t *testing.T) {
	h := newHarness(t, "sqlite3", redistest.Addr(t), func(d *worker.Deps) { d.TicketRetryEvery = time.Hour })
	h.setDefaultBoard(false)
	r := h.PostFixture(ninja, "ninjaone-condition-triggered.json")
	for range 3 {
		if n, err := h.Worker.RetryFailedTickets(h.Ctx); n != 0 || err != nil {
			t.Fatalf("retry = %d, %v", n, err)
		}
	}
	m, _ := h.Alert(r.AlertID).Metadata[worker.TicketRetryKey].(map[string]any)
	next, _ := time.Parse(time.RFC3339Nano, m["nextAt"].(string))
	if outbox.Int(m["attempts"]) != 1 || time.Until(next) < 50*time.Second {
		t.Fatalf("after three runs: %v; want one attempt, the next in a minute", m)
	}
	// Due again (as if the minute passed) with the board fixed.
	m["nextAt"] = time.Now().Add(-time.Second).UTC().Format(time.RFC3339Nano)
	if err := h.Pipeline.StampMetadata(h.Ctx, h.Demo.TenantID, r.AlertID, worker.TicketRetryKey, m); err != nil {
		t.Fatal(err)
	}
	h.setDefaultBoard(true)
	if n, err := h.Worker.RetryFailedTickets(h.Ctx); n != 1 || err != nil {
		t.Fatalf("retry after the fix = %d, %v", n, err)
	}
	// An alert that no longer needs a ticket is left alone.
	if n, err := h.Worker.RetryFailedTickets(h.Ctx); n != 0 || err != nil {
		t.Fatalf("retry of nothing = %d, %v", n, err)
	}
}
