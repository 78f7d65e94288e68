package worker_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/providers/providertest"
	"github.com/alertdesk/alertdesk/rule"
	"github.com/alertdesk/alertdesk/worker"
)

func TestTicketCloseResetsNinjaOneAlert(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		n := providertest.NewNinjaOne(t)
		h.connect(ninja, n.URL, n.Credentials())
		r := h.PostFixture(ninja, "ninjaone-condition-triggered.json")
		h.CloseTicket(*r.TicketID)

		eventually(t, 10*time.Second, "alert resolved", func() bool { return h.Alert(r.AlertID).Status == "resolved" })
		if got := n.Resets(); !slices.Equal(got, []string{ninjaUID}) {
			t.Fatalf("NinjaOne resets = %v, want [%s]", got, ninjaUID)
		}
		resolved := h.outboxPayloads(outbox.AlertResolved)
		if len(resolved) != 1 || resolved[0]["reason"] != "ticket closed" {
			t.Fatalf("RMM_ALERT_RESOLVED = %v, want one with reason \"ticket closed\"", resolved)
		}
		if tk := h.Ticket(*r.TicketID); tk.ClosedAt == nil {
			t.Error("ticket reopened")
		}
		h.drained(outbox.TicketClosed, outbox.AlertResolved)

		// NinjaOne echoes the reset, stamped just before or after alertdesk
		// resolved the alert: a no-op either way.
		before := h.Count()
		for _, at := range []float64{float64(time.Now().Add(-time.Second).Unix()), float64(time.Now().Add(time.Second).Unix())} {
			body := apptest.Patch(t, fixtures.Read("ninjaone-condition-reset.json"), map[string]any{"activityTime": at})
			if echo := h.Post(ninja, body); echo.Status != 200 || (echo.Outcome != "replay" && echo.Outcome != "out_of_order") {
				t.Fatalf("reset echo answered %d %q", echo.Status, echo.Outcome)
			}
		}
		if after := h.Count(); after != before {
			t.Errorf("reset echo wrote rows: %+v -> %+v", before, after)
		}
	})
}

func TestTicketCloseSkipsWhenNotToReset(t *testing.T) {
	cases := []struct {
		name  string
		setup func(h *harness) int // returns the ticket to close, 0 if closed already
	}{
		{"rule opted out", func(h *harness) int {
			h.SetActions(ninja, rule.Actions{ResetAlertOnTicketClose: apptest.Bool(false)})
			return *h.PostFixture(ninja, "ninjaone-condition-triggered.json").TicketID
		}},
		{"alert already resolved", func(h *harness) int {
			// The RESET closes the untouched ticket (demo rule auto-resolves).
			h.PostFixture(ninja, "ninjaone-condition-triggered.json")
			h.PostFixture(ninja, "ninjaone-condition-reset.json")
			return 0
		}},
		{"no credentials", func(h *harness) int {
			h.DB.Integration.UpdateOneID(h.Integration(ninja).ID).ClearCredentials().ExecX(h.Ctx)
			return *h.PostFixture(ninja, "ninjaone-condition-triggered.json").TicketID
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eachDialect(t, func(t *testing.T, h *harness) {
				n := providertest.NewNinjaOne(t)
				h.connect(ninja, n.URL, n.Credentials())
				if id := c.setup(h); id != 0 {
					h.CloseTicket(id)
				}
				if len(h.outboxPayloads(outbox.TicketClosed)) != 1 {
					t.Fatal("no TICKET_CLOSED entry")
				}
				h.drained(outbox.TicketClosed)
				if got := n.Resets(); len(got) != 0 {
					t.Errorf("NinjaOne reset called: %v", got)
				}
			})
		})
	}
}

func TestResetRetriedThenResolved(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		n := providertest.NewNinjaOne(t)
		n.PlanResets(http.StatusInternalServerError, http.StatusNoContent)
		h.connect(ninja, n.URL, n.Credentials())
		r := h.PostFixture(ninja, "ninjaone-condition-triggered.json")
		h.CloseTicket(*r.TicketID)

		eventually(t, 10*time.Second, "alert resolved", func() bool { return h.Alert(r.AlertID).Status == "resolved" })
		if got := n.Resets(); !slices.Equal(got, []string{ninjaUID, ninjaUID}) {
			t.Errorf("resets = %v, want a failed try then a success", got)
		}
		if _, stamped := h.Alert(r.AlertID).Metadata[worker.ResetErrorKey]; stamped {
			t.Error("successful retry left an error stamp")
		}
	})
}

func TestResetPermanentFailureIsStamped(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		n := providertest.NewNinjaOne(t)
		n.PlanResets(500, 500, 500, 500, 500)
		h.connect(ninja, n.URL, n.Credentials())
		r := h.PostFixture(ninja, "ninjaone-condition-triggered.json")
		h.CloseTicket(*r.TicketID)

		h.drained(outbox.TicketClosed)
		a := h.Alert(r.AlertID)
		stamp, ok := a.Metadata[worker.ResetErrorKey].(map[string]any)
		if !ok {
			t.Fatalf("no reset error stamp in metadata %v", a.Metadata)
		}
		// ResetRetries is 2: the first try and two retries.
		if outbox.Int(stamp["attempts"]) != 3 || stamp["error"] == "" || stamp["at"] == "" {
			t.Errorf("stamp = %v, want 3 attempts, an error and a time", stamp)
		}
		if got := len(n.Resets()); got != 3 {
			t.Errorf("reset tried %d times, want 3", got)
		}
		if a.Status != "active" {
			t.Errorf("alert %s, want still active", a.Status)
		}
		if tk := h.Ticket(*r.TicketID); tk.ClosedAt == nil {
			t.Error("the close was undone")
		}
	})
}

func TestTicketCloseResolvesTacticalAlert(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		f := providertest.NewTactical(t)
		h.connect(tactical, f.URL, f.Credentials())
		r := h.PostFixture(tactical, "tactical-check-trigger.json")
		if r.TicketID == nil {
			t.Fatalf("no ticket: %+v", r)
		}
		h.CloseTicket(*r.TicketID)
		eventually(t, 10*time.Second, "alert resolved", func() bool { return h.Alert(r.AlertID).Status == "resolved" })
		if got := f.Resolves(); !slices.Equal(got, []string{"1523"}) {
			t.Errorf("TacticalRMM resolves = %v, want [1523]", got)
		}
	})
}
