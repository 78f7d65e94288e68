package worker_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/health"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/outbox"
)

// TestHealthSweep: an integration no poll cycle evaluates (polling off)
// is flagged by the sweep when an organization without a mapping sends
// alerts, with one notification request, and not again while nothing
// changed; an integration polled recently is left to its cycle.
func TestHealthSweep(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		ninjaID, tacticalID := h.Integration(ninja).ID, h.Integration(event.TacticalRMM).ID
		h.DB.Integration.UpdateOneID(ninjaID).SetPollingEnabled(false).ExecX(h.Ctx)
		h.DB.Integration.UpdateOneID(tacticalID).SetPollingEnabled(true).SetLastPolledAt(time.Now()).ExecX(h.Ctx)
		body := apptest.NinjaTrigger(t, map[string]any{"seriesUid": "sweep-1", "deviceId": 70, "device": map[string]any{
			"id": 70, "organizationId": 99, "displayName": "FAB-01", "systemName": "FAB-01", "nodeClass": "WINDOWS_SERVER",
			"references": map[string]any{"organization": map[string]any{"id": 99, "name": "Fabrikam"}}}})
		if r := h.Post(ninja, body); r.Status != http.StatusOK {
			t.Fatalf("webhook: %d %s", r.Status, r.Error)
		}
		requests := func() int {
			return h.DB.OutboxEntry.Query().Where(outboxentry.Topic(outbox.NotificationRequest)).CountX(h.Ctx)
		}
		before := requests()

		changed, err := h.Worker.SweepHealth(h.Ctx)
		if err != nil || changed != 1 {
			t.Fatalf("sweep: %d changed, %v; want 1", changed, err)
		}
		in := h.DB.Integration.GetX(h.Ctx, ninjaID)
		if in.HealthState != integration.HealthStateDegraded || len(in.HealthReasons) != 1 ||
			in.HealthReasons[0].Code != health.UnmappedOrganizations {
			t.Fatalf("after the sweep: %s %+v, want degraded by an unmapped organization", in.HealthState, in.HealthReasons)
		}
		if n := requests() - before; n != 1 {
			t.Errorf("%d notification requests, want 1", n)
		}
		if v := h.DB.Integration.GetX(h.Ctx, tacticalID).HealthVersion; v != 0 {
			t.Errorf("the recently polled integration was evaluated by the sweep (health v%d)", v)
		}

		if changed, err := h.Worker.SweepHealth(h.Ctx); err != nil || changed != 0 {
			t.Fatalf("second sweep: %d changed, %v; want 0", changed, err)
		}
		if n := requests() - before; n != 1 {
			t.Errorf("%d notification requests after an unchanged sweep, want 1", n)
		}
	})
}
