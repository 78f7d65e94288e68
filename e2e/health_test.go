package e2e_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/worker"
)

// TestIntegrationHealthCard: an organization without a mapping sends an
// alert to an integration nobody polls; after the health sweep the
// integration page shows it degraded, with the reason. (The admins'
// notification is followed to the app and the mailbox in notify's tests.)
func TestIntegrationHealthCard(t *testing.T) {
	u := newUI(t, 1280)
	ninja := u.Integration(event.NinjaOne).ID
	body := apptest.NinjaTrigger(t, map[string]any{"seriesUid": "health-card-1", "deviceId": 70, "device": map[string]any{
		"id": 70, "organizationId": 99, "displayName": "FAB-01", "systemName": "FAB-01", "nodeClass": "WINDOWS_SERVER",
		"references": map[string]any{"organization": map[string]any{"id": 99, "name": "Fabrikam"}}}})
	if r := u.Post(event.NinjaOne, body); r.Status != http.StatusOK {
		t.Fatalf("webhook: %d %s", r.Status, r.Error)
	}
	// The sweep the workers run every few minutes, run now.
	w := worker.New(worker.Deps{Store: u.Store, Redis: u.Redis, Pipeline: u.Pipeline,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if changed, err := w.SweepHealth(u.Ctx); err != nil || changed != 1 {
		t.Fatalf("sweep: %d changed, %v", changed, err)
	}

	u.signIn()
	u.goTo(fmt.Sprintf("#/integrations/%d", ninja))
	u.waitJS("health card", `[...document.querySelectorAll('[data-testid="integration-health"] .badge')].some((b) => b.textContent === 'Degraded')`)
	if got := u.text(`[data-testid="integration-health"] li[data-code="UNMAPPED_ORGANIZATIONS"]`); !strings.Contains(got, "Unmapped organizations") {
		t.Errorf("health reason shown as %q", got)
	}
	u.screenshot("integration-health")
}
