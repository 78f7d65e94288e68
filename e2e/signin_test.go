package e2e_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/alertdesk/alertdesk/ent/user"
)

func TestSignInAndOut(t *testing.T) {
	u := newUI(t, 1280)
	u.open("")
	u.run("sign-in form", chromedp.WaitVisible(`input[name="token"]`, chromedp.ByQuery))
	u.screenshot("signin")

	// A wrong token is refused with a message; nothing is kept.
	u.typeInto(`input[name="token"]`, "adk_wrong")
	u.click(`form.signin-form button[type="submit"]`)
	u.waitJS("refusal shown", `document.querySelector('.token-form .form-error') && !document.querySelector('.token-form .form-error').hidden`)
	if msg := u.text(".token-form .form-error"); !strings.Contains(msg, "not accepted") {
		t.Errorf("error = %q", msg)
	}
	var stored string
	u.eval(`sessionStorage.getItem('alertdesk.token') || ''`, &stored)
	if stored != "" {
		t.Errorf("a refused token was stored: %q", stored)
	}

	// The admin token signs in; tenant and user are shown; the token is
	// kept in session storage only.
	u.eval(`document.querySelector('input[name="token"]').value = ""`, nil)
	u.signIn()
	if got := u.text(`[data-testid="tenant-name"]`); got != "Demo MSP" {
		t.Errorf("tenant = %q", got)
	}
	if got := u.text(`[data-testid="user"]`); !strings.Contains(got, "Demo Admin") {
		t.Errorf("user = %q", got)
	}
	u.eval(`sessionStorage.getItem('alertdesk.token')`, &stored)
	if stored != u.Demo.AdminToken {
		t.Errorf("session storage token = %q", stored)
	}
	var local int
	u.eval(`localStorage.length`, &local)
	if local != 0 {
		t.Errorf("localStorage has %d items", local)
	}
	// A reload keeps the session.
	u.run("reload", chromedp.Reload(), chromedp.WaitVisible(`[data-testid="tenant-name"]`, chromedp.ByQuery))
	u.waitJS("integrations page", `document.querySelector('.card h2')`)
	u.screenshot("integrations")

	u.clickText("button", "Sign out")
	u.run("signed out", chromedp.WaitVisible(`input[name="token"]`, chromedp.ByQuery))
	u.eval(`sessionStorage.getItem('alertdesk.token') || ''`, &stored)
	if stored != "" {
		t.Errorf("token kept after sign-out: %q", stored)
	}
}

// A technician works tickets and reads the settings without admin controls.
func TestTechnicianSeesReadOnlySettings(t *testing.T) {
	u := newUI(t, 1280)
	token, _ := u.NewToken(u.Demo.TenantID, "tech@demo.alertdesk.local", user.RoleTechnician)
	u.open("")
	u.typeInto(`input[name="token"]`, token)
	u.click(`form.signin-form button[type="submit"]`)
	u.waitJS("signed in", `document.querySelector('[data-testid="user"]') && document.querySelector('[data-testid="user"]').textContent.includes('Technician')`)
	u.waitJS("rules listed", `document.querySelector('.rule')`)
	var state struct {
		Errors, NewRule, Secret, Rotate, ViewButtons int
	}
	u.eval(`({
		Errors: document.querySelectorAll('main .error-state').length,
		NewRule: [...document.querySelectorAll('main button')].filter((b) => b.textContent.includes('New rule') && b.offsetParent !== null).length,
		Secret: document.querySelectorAll('[data-testid="webhook-secret"]').length,
		Rotate: [...document.querySelectorAll('main button')].filter((b) => b.textContent === 'Rotate').length,
		ViewButtons: [...document.querySelectorAll('.rule button')].filter((b) => b.textContent === 'View').length,
	})`, &state)
	if state.Errors != 0 || state.NewRule != 0 || state.Secret != 0 || state.Rotate != 0 || state.ViewButtons != 1 {
		t.Errorf("technician view: %+v", state)
	}
}
