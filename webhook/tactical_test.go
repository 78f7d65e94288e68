package webhook_test

import (
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
)

const tactical = event.TacticalRMM

func TestTacticalEndToEnd(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		r := e.PostFixture(tactical, "tactical-check-trigger.json")
		wantOutcome(t, r, 200, "ticket_created")
		tk := e.Ticket(*r.TicketID)
		if tk.Edges.Asset == nil || tk.Edges.Asset.Name != "SRV-01" || tk.Edges.Client == nil ||
			tk.Edges.Client.Name != "Contoso" || tk.Edges.Priority == nil || tk.Edges.Priority.Name != "Urgent" {
			t.Errorf("ticket asset %v client %v priority %v", tk.Edges.Asset, tk.Edges.Client, tk.Edges.Priority)
		}
		if !strings.HasPrefix(tk.Title, "[TacticalRMM alert]") {
			t.Errorf("title = %q", tk.Title)
		}
		// The string-literal body: same check on the same agent joins the ticket.
		lit := e.PostFixture(tactical, "tactical-string-literal-body.json")
		if lit.Status != 200 {
			t.Fatalf("string-literal body: %d %q", lit.Status, lit.Error)
		}
		a := e.Alert(lit.AlertID)
		if !strings.Contains(a.Message, `Service "Print Spooler" is stopped`) || a.Severity != "moderate" {
			t.Errorf("recovered alert message %q severity %s", a.Message, a.Severity)
		}
		wantOutcome(t, e.PostFixture(tactical, "tactical-check-resolve.json"), 200, "resolved")
		if tk := e.Ticket(*r.TicketID); tk.ClosedAt == nil {
			t.Error("TacticalRMM resolve did not close the untouched ticket")
		}
		avail := e.PostFixture(tactical, "tactical-availability-trigger.json")
		wantOutcome(t, avail, 200, "ticket_created")
		if tk := e.Ticket(*avail.TicketID); tk.Edges.Asset == nil || tk.Edges.Asset.Name != "WS-22" {
			t.Errorf("availability asset = %v", tk.Edges.Asset)
		}
	})
}
