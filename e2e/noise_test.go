package e2e_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/event"
)

// The noise page shows the period's counts, bar charts of the top
// conditions, devices and clients, and the flapping list.
func TestNoisePage(t *testing.T) {
	u := newUI(t, 1280)
	in := u.Integration(event.NinjaOne).ID
	now := time.Now().UTC()
	for i, resolved := range []bool{true, true, false} {
		fired := now.Add(-time.Duration(3-i) * time.Hour)
		m := u.DB.Alert.Create().SetTenantID(u.Demo.TenantID).SetIntegrationID(in).SetProvider("ninjaone").
			SetExternalAlertID(fmt.Sprintf("noise-e2e-%d", i)).SetDedupKey("disk full|SRV-E2E").
			SetTriggeredAt(fired).SetLastEventAt(fired)
		if resolved {
			m.SetStatus(alert.StatusResolved).SetResolvedAt(fired.Add(2 * time.Minute))
		}
		m.ExecX(u.Ctx)
	}
	u.signIn()
	u.goTo("#/noise")
	u.waitJS("report shown", `document.querySelector('#noise-alerts')`)
	if got := u.text("#noise-alerts"); got != "3" {
		t.Errorf("alerts = %q, want 3", got)
	}
	if got := u.text("#noise-auto"); got != "67%" {
		t.Errorf("auto-resolved = %q, want 67%%", got)
	}
	if got := u.text("#noise-median"); got != "2 min" {
		t.Errorf("median = %q, want 2 min", got)
	}
	u.waitJS("conditions chart", `document.querySelector('#noise-conditions canvas')`)
	if got := u.text("#noise-flapping tbody"); !strings.Contains(got, "disk full|SRV-E2E") {
		t.Errorf("flapping = %q", got)
	}
	u.screenshot("noise")
}
