package e2e_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/internal/apptest"
)

// A new installation creates an Alertmanager integration in the UI; the
// receiver it shows, pasted into Alertmanager, authenticates its
// notifications.
func TestAlertmanagerFromEmptyInstallation(t *testing.T) {
	u := newEmptyUI(t, 1280)
	u.open("#/setup/" + apptest.SetupCode)
	u.run("setup form", chromedp.WaitVisible(`form.setup-form input[name="name"]`, chromedp.ByQuery))
	u.typeInto(`input[name="name"]`, "Acme IT")
	u.typeInto(`input[name="adminEmail"]`, "ann@acme.test")
	u.typeInto(`input[name="adminName"]`, "Ann Admin")
	u.click(`form.setup-form button[type="submit"]`)
	u.waitJS("token shown", `document.querySelector('[data-testid="setup-token"]')`)
	u.clickText("button", "Continue")
	u.waitJS("signed in", `document.querySelector('[data-testid="tenant-name"]')`)

	u.goTo("#/integrations")
	u.click(`[data-testid="new-integration"]`)
	u.setValue(`dialog select[data-field="provider"]`, "ALERTMANAGER")
	u.typeInto(`dialog input[data-field="conditionLabels"]`, "job, 9bad")
	u.click(`dialog button[type="submit"]`)
	u.waitJS("bad label pointed at", `document.querySelector('dialog .field.invalid input[data-field="conditionLabels"]')`)
	u.clear(`dialog input[data-field="conditionLabels"]`)
	u.typeInto(`dialog input[data-field="conditionLabels"]`, "job, mountpoint")
	u.click(`dialog button[type="submit"]`)
	u.waitJS("receiver shown", `document.querySelector('pre[id^="am-"]')`)

	in := u.DB.Integration.Query().OnlyX(u.Env.Ctx)
	if in.Provider != integration.ProviderAlertmanager || in.Name != "Alertmanager" || strings.Join(in.ConditionLabels, ",") != "job,mountpoint" || in.PollingEnabled {
		t.Fatalf("created %+v", in)
	}
	var hasPolling bool
	u.eval(`!!document.querySelector('[data-testid="sync-now"]')`, &hasPolling)
	if hasPolling {
		t.Error("inventory offered for Alertmanager")
	}
	receiver := u.text(fmt.Sprintf(`#am-%d`, in.ID))
	var secret string
	for _, line := range strings.Split(receiver, "\n") {
		if s, ok := strings.CutPrefix(strings.TrimSpace(line), "credentials: "); ok {
			secret = s
		}
	}
	if secret == "" || !strings.Contains(receiver, fmt.Sprintf("/webhooks/alertmanager/%d", in.ID)) {
		t.Fatalf("receiver:\n%s", receiver)
	}
	body, err := os.ReadFile("../providers/alertmanager/testdata/webhook-firing.json")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/webhooks/alertmanager/%d", u.Env.HTTP.URL, in.ID), bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("notification answered %d", res.StatusCode)
	}
	if n := u.DB.Alert.Query().CountX(u.Env.Ctx); n != 2 {
		t.Errorf("%d alerts recorded, want 2", n)
	}
}
