package webhook_test

import (
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/maintenance"
)

// The NinjaOne fixtures fire on Wednesday 2025-03-19 13:41:15 UTC and reset
// at 13:51:15 UTC.
var fixtureTime = time.Date(2025, 3, 19, 13, 41, 15, 0, time.UTC)

func addWindow(e *apptest.Env, fn func(c *ent.MaintenanceWindowCreate)) *ent.MaintenanceWindow {
	c := e.DB.MaintenanceWindow.Create().SetTenantID(e.Demo.TenantID).SetName("Patch night")
	fn(c)
	return c.SaveX(e.Ctx)
}

func TestMaintenanceWindowSuppresses(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		w := addWindow(e, func(c *ent.MaintenanceWindowCreate) {
			c.SetStartsAt(fixtureTime.Add(-time.Hour)).SetEndsAt(fixtureTime.Add(time.Hour)).
				SetIntegrationID(e.Integration(ninja).ID)
		})
		r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		wantOutcome(t, r, 200, "suppressed")
		a := e.Alert(r.AlertID)
		if a.Status != "suppressed" || a.SuppressedByWindowID == nil || *a.SuppressedByWindowID != w.ID || a.TicketID != nil {
			t.Errorf("alert = %s window %v ticket %v", a.Status, a.SuppressedByWindowID, a.TicketID)
		}
		before := e.Count()
		wantOutcome(t, e.PostFixture(ninja, "ninjaone-condition-reset.json"), 200, "resolved")
		after := e.Count()
		if after.Tickets != before.Tickets || after.Comments != before.Comments || after.Outbox != before.Outbox {
			t.Errorf("quiet reset wrote: %+v -> %+v", before, after)
		}
		for _, topic := range e.OutboxTopics() {
			if topic == "RMM_ALERT_TRIGGERED" || topic == "RMM_ALERT_RESOLVED" {
				t.Errorf("suppressed alert published %s", topic)
			}
		}
	})
}

func TestMaintenanceWindowOutsideProcessesNormally(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		clientID := e.DB.Customer.Query().FirstIDX(e.Ctx)
		other := e.DB.Customer.Create().SetTenantID(e.Demo.TenantID).SetName("Fabrikam").SaveX(e.Ctx)
		// Ended before the alert, scoped to another client, inactive, and a
		// weekly window on another day: none applies.
		addWindow(e, func(c *ent.MaintenanceWindowCreate) {
			c.SetStartsAt(fixtureTime.Add(-2 * time.Hour)).SetEndsAt(fixtureTime)
		})
		addWindow(e, func(c *ent.MaintenanceWindowCreate) {
			c.SetStartsAt(fixtureTime.Add(-time.Hour)).SetEndsAt(fixtureTime.Add(time.Hour)).SetClientID(other.ID)
		})
		addWindow(e, func(c *ent.MaintenanceWindowCreate) {
			c.SetStartsAt(fixtureTime.Add(-time.Hour)).SetEndsAt(fixtureTime.Add(time.Hour)).SetIsActive(false)
		})
		addWindow(e, func(c *ent.MaintenanceWindowCreate) {
			c.SetRecurrence(&maintenance.Recurrence{Type: "weekly", Days: []int{4}, StartTime: "00:00", EndTime: "23:59", Timezone: "UTC"}).
				SetClientID(clientID)
		})
		wantOutcome(t, e.PostFixture(ninja, "ninjaone-condition-triggered.json"), 200, "ticket_created")
	})
}

func TestWeeklyWindowInTimezoneSuppresses(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		// 13:41 UTC is 09:41 in New York (EDT since 2025-03-09).
		addWindow(e, func(c *ent.MaintenanceWindowCreate) {
			c.SetRecurrence(&maintenance.Recurrence{Type: "weekly", Days: []int{3}, StartTime: "09:00", EndTime: "10:00", Timezone: "America/New_York"})
		})
		wantOutcome(t, e.PostFixture(ninja, "ninjaone-condition-triggered.json"), 200, "suppressed")
	})
}
