package webhook_test

import (
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/internal/apptest"
)

func TestTenantsWithIdenticalExternalIDsStayApart(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		other := e.OtherTenant("other-secret")
		otherTenant := e.DB.Integration.GetX(e.Ctx, other.ID).TenantID
		// A window with no scope in the demo tenant covers every demo alert
		// and none of the other tenant's.
		addWindow(e, func(c *ent.MaintenanceWindowCreate) {
			c.SetStartsAt(fixtureTime.Add(-time.Hour)).SetEndsAt(fixtureTime.Add(time.Hour))
		})

		body := fixtures.Read("ninjaone-condition-triggered.json")
		mine := e.Post(ninja, body)
		wantOutcome(t, mine, 200, "suppressed")
		theirs := e.PostTo(ninja, other.ID, other.Secret, body)
		wantOutcome(t, theirs, 200, "ticket_created")
		if mine.AlertID == theirs.AlertID {
			t.Fatal("tenants share an alert")
		}
		if n := e.DB.Alert.Query().Where(alert.TenantID(otherTenant)).CountX(e.Ctx); n != 1 {
			t.Errorf("other tenant alerts = %d, want 1", n)
		}
		tk := e.DB.Ticket.Query().Where(ticket.ID(*theirs.TicketID)).WithClient().OnlyX(e.Ctx)
		if tk.TenantID != otherTenant || tk.Edges.Client.TenantID != otherTenant {
			t.Errorf("other tenant's ticket routed across tenants: %+v", tk)
		}
		// The demo secret does not open the other tenant's integration.
		if r := e.PostTo(ninja, other.ID, e.Integration(ninja).Secret, body); r.Status != 401 {
			t.Errorf("cross-tenant secret: status %d, want 401", r.Status)
		}
	})
}
