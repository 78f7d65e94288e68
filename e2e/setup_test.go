package e2e_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/alertdesk/alertdesk/internal/apptest"
)

// First run: an empty installation offers setup instead of sign-in; the
// link from the log fills in the code; a wrong field is pointed at; the
// token is shown once and signs the new admin in to an empty desk.
func TestFirstRun(t *testing.T) {
	u := newEmptyUI(t, 1280)
	u.open("#/setup/" + apptest.SetupCode)
	u.run("setup form", chromedp.WaitVisible(`form.setup-form input[name="name"]`, chromedp.ByQuery))
	var code string
	u.eval(`document.querySelector('input[name="code"]').value`, &code)
	if code != apptest.SetupCode {
		t.Errorf("code field = %q, want the link's", code)
	}
	u.typeInto(`input[name="name"]`, "Acme IT")
	u.typeInto(`input[name="adminEmail"]`, "ann")
	u.click(`form.setup-form button[type="submit"]`)
	u.waitJS("email refused", `document.querySelector('.field.invalid input[name="adminEmail"]')`)
	if n := u.DB.Tenant.Query().CountX(u.Env.Ctx); n != 0 {
		t.Fatalf("%d tenants after a refused setup", n)
	}
	u.typeInto(`input[name="adminEmail"]`, "@acme.test")
	u.typeInto(`input[name="adminName"]`, "Ann Admin")
	u.screenshot("setup")
	u.click(`form.setup-form button[type="submit"]`)
	u.waitJS("token shown", `document.querySelector('[data-testid="setup-token"]')`)
	token := u.text(`[data-testid="setup-token"]`)
	if !strings.HasPrefix(token, "adk_") {
		t.Errorf("token shown = %q", token)
	}
	u.clickText("button", "Continue")
	u.waitJS("signed in", `document.querySelector('[data-testid="tenant-name"]')`)
	if got := u.text(`[data-testid="tenant-name"]`); got != "Acme IT" {
		t.Errorf("tenant = %q", got)
	}
	if got := u.text(`[data-testid="user"]`); !strings.Contains(got, "Ann Admin") {
		t.Errorf("user = %q", got)
	}
	// Signed out, the installation offers sign-in, not setup.
	u.clickText("button", "Sign out")
	u.run("sign-in form", chromedp.WaitVisible(`input[name="token"]`, chromedp.ByQuery))
}
