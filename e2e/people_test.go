package e2e_test

import (
	"io"

	"entgo.io/ent/dialect"
	"mime/quotedprintable"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/notify"
	"github.com/alertdesk/alertdesk/notify/smtptest"
)

var invitationLink = regexp.MustCompile(`http://alertdesk\.test/(#/password\?token=adk_[A-Za-z0-9_-]+)`)

// A new MSP from nothing: first run makes the admin, who invites a
// technician from the Users screen; the technician follows the emailed
// link, sets a password, signs in with it and finds the tickets assigned
// to them.
func TestInviteTechnician(t *testing.T) {
	bin := chromium(t)
	rdb := redis.NewClient(&redis.Options{Addr: redistest.Addr(t)})
	t.Cleanup(func() { rdb.Close() })
	mail := smtptest.New(t)
	env := apptest.NewWith(t, dialect.Postgres, apptest.Options{Redis: rdb, Empty: true,
		Mailer: &notify.SMTP{Host: mail.Host(), Port: mail.Port(), From: "alertdesk <desk@acme.test>"}})
	u := attachBrowser(t, bin, 1280, env, env.HTTP.URL, rdb)

	// First run.
	u.open("#/setup/" + apptest.SetupCode)
	u.run("setup form", chromedp.WaitVisible(`form.setup-form input[name="name"]`, chromedp.ByQuery))
	u.typeInto(`input[name="name"]`, "Acme IT")
	u.typeInto(`input[name="adminEmail"]`, "ann@acme.test")
	u.typeInto(`input[name="adminName"]`, "Ann Admin")
	u.click(`form.setup-form button[type="submit"]`)
	u.waitJS("token shown", `document.querySelector('[data-testid="setup-token"]')`)
	u.clickText("button", "Continue")
	u.waitJS("signed in", `document.querySelector('[data-testid="tenant-name"]')`)

	// Invite a technician; a bad email is pointed at first.
	u.goTo("#/users")
	u.waitJS("users listed", `document.querySelector('tr[data-email="ann@acme.test"]')`)
	u.clickText("button", "+ Invite user")
	u.run("invite dialog", chromedp.WaitVisible(`form.invite-form input[name="email"]`, chromedp.ByQuery))
	u.typeInto(`form.invite-form input[name="email"]`, "tom")
	u.clickText("button", "Send invitation")
	u.waitJS("email refused", `document.querySelector('form.invite-form .field.invalid input[name="email"]')`)
	u.typeInto(`form.invite-form input[name="email"]`, "@acme.test")
	u.typeInto(`form.invite-form input[name="name"]`, "Tom Tech")
	u.screenshot("invite")
	u.clickText("button", "Send invitation")
	u.waitJS("invited", `(() => { const r = document.querySelector('tr[data-email="tom@acme.test"]'); return r && r.textContent.includes('Invited'); })()`)
	u.screenshot("users")

	var link string
	u.eventually("invitation mailed", func() bool {
		for _, m := range mail.Messages() {
			if len(m.To) == 1 && m.To[0] == "tom@acme.test" {
				raw, _ := io.ReadAll(quotedprintable.NewReader(strings.NewReader(m.Data)))
				if l := invitationLink.FindStringSubmatch(string(raw)); l != nil {
					link = l[1]
					return true
				}
			}
		}
		return false
	})

	// Tickets: one for Tom, one for nobody.
	tom := env.DB.User.Query().Where(user.Email("tom@acme.test")).OnlyX(env.Ctx)
	for _, in := range []desk.NewTicket{
		{TenantID: tom.TenantID, Title: "Disk full on FS01", AssigneeID: &tom.ID},
		{TenantID: tom.TenantID, Title: "Printer offline"},
	} {
		if err := env.Store.Tx(env.Ctx, func(tx *ent.Tx) error {
			_, err := env.Desk.Create(env.Ctx, tx, in)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}

	// Tom follows the link (Ann signs out first: one browser).
	u.clickText("button", "Sign out")
	u.open(link)
	u.run("password page", chromedp.WaitVisible(`form.password-form input[name="password"]`, chromedp.ByQuery))
	u.typeInto(`input[name="password"]`, "password1234")
	u.typeInto(`input[name="confirm"]`, "password1234")
	u.click(`form.password-form button[type="submit"]`)
	u.waitJS("weak password refused", `(() => { const e = document.querySelector('.password-form .form-error'); return e && !e.hidden && e.textContent.includes('common'); })()`)
	u.setValue(`input[name="password"]`, "")
	u.setValue(`input[name="confirm"]`, "")
	u.typeInto(`input[name="password"]`, "tom keeps the servers running")
	u.typeInto(`input[name="confirm"]`, "tom keeps the servers running")
	u.screenshot("set-password")
	u.click(`form.password-form button[type="submit"]`)
	u.waitJS("signed in as Tom", `(() => { const e = document.querySelector('[data-testid="user"]'); return e && e.textContent.includes('Tom Tech'); })()`)

	// Signed out, Tom signs in with the password.
	u.clickText("button", "Sign out")
	u.run("sign-in form", chromedp.WaitVisible(`form.login-form input[name="email"]`, chromedp.ByQuery))
	u.typeInto(`form.login-form input[name="email"]`, "tom@acme.test")
	u.typeInto(`form.login-form input[name="password"]`, "not the password at all")
	u.click(`form.login-form button[type="submit"]`)
	u.waitJS("wrong password refused", `(() => { const e = document.querySelector('.login-form .form-error'); return e && !e.hidden; })()`)
	u.setValue(`form.login-form input[name="password"]`, "")
	u.typeInto(`form.login-form input[name="password"]`, "tom keeps the servers running")
	u.click(`form.login-form button[type="submit"]`)
	u.waitJS("signed in", `(() => { const e = document.querySelector('[data-testid="user"]'); return e && e.textContent.includes('Technician'); })()`)
	var stored string
	u.eval(`sessionStorage.getItem('alertdesk.token') || ''`, &stored)
	if stored != "" {
		t.Errorf("password sign-in stored a token: %q", stored)
	}
	var session string
	u.eval(`document.cookie`, &session)
	if strings.Contains(session, "alertdesk_session") {
		t.Errorf("the session cookie is readable by scripts: %q", session)
	}

	// Tom's tickets.
	u.goTo("#/tickets")
	u.waitJS("tickets listed", `document.querySelectorAll('tr[data-ticket-id]').length === 2`)
	u.run("assigned to me", chromedp.SetValue(`#tf-mine`, "me", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#tf-mine').dispatchEvent(new Event('change'))`, nil))
	u.waitJS("only Tom's ticket", `(() => { const rows = document.querySelectorAll('tr[data-ticket-id]'); return rows.length === 1 && rows[0].textContent.includes('Disk full on FS01') && rows[0].textContent.includes('Tom Tech'); })()`)
	u.screenshot("my-tickets")

	// A reload keeps the cookie session; the live feed connects with it.
	u.run("reload", chromedp.Reload(), chromedp.WaitVisible(`[data-testid="tenant-name"]`, chromedp.ByQuery))
	u.waitJS("live", `document.querySelector('.live') && document.querySelector('.live').dataset.state === 'live'`)
	// The Users screen is read-only for a technician.
	u.goTo("#/users")
	u.waitJS("users listed", `document.querySelector('tr[data-email="tom@acme.test"]')`)
	var inviteHidden bool
	u.eval(`[...document.querySelectorAll('button')].filter((b) => b.textContent.includes('Invite user')).every((b) => b.hidden)`, &inviteHidden)
	if !inviteHidden {
		t.Error("a technician is offered the invitation")
	}

	// Tom changes his password: the current one first.
	u.clickText("button", "Change your password")
	u.run("password dialog", chromedp.WaitVisible(`form.change-password-form input[name="currentPassword"]`, chromedp.ByQuery))
	u.typeInto(`form.change-password-form input[name="currentPassword"]`, "not my password")
	u.typeInto(`form.change-password-form input[name="newPassword"]`, "tom still keeps the servers running")
	u.clickText("button", "Change password")
	u.waitJS("wrong current password", `document.querySelector('form.change-password-form .field.invalid input[name="currentPassword"]')`)
	u.setValue(`form.change-password-form input[name="currentPassword"]`, "")
	u.typeInto(`form.change-password-form input[name="currentPassword"]`, "tom keeps the servers running")
	u.clickText("button", "Change password")
	u.waitJS("dialog closed", `!document.querySelector('form.change-password-form')`)
	// Still signed in, on a new session.
	u.goTo("#/tickets")
	u.waitJS("tickets listed again", `document.querySelectorAll('tr[data-ticket-id]').length >= 1`)
	if a := env.Browser().SignIn("tom@acme.test", "tom keeps the servers running"); a.Status != 401 {
		t.Errorf("old password after the change: %+v", a)
	}
	if a := env.Browser().SignIn("tom@acme.test", "tom still keeps the servers running"); a.Status != 200 {
		t.Errorf("new password: %+v", a)
	}
}
