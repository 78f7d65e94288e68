package app_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/config"
	"github.com/alertdesk/alertdesk/logging"
)

var loggedLink = regexp.MustCompile(`/#/password\?token=(adk_[A-Za-z0-9_-]+)`)

// Without a mail server (no ALERTDESK_SMTP_HOST) invitations and password
// resets still work: their one-time links are written to the log, and
// each works once.
func TestLinksInTheLogWithoutSMTP(t *testing.T) {
	var logs syncBuffer
	log, err := logging.New(&logs, "text", "info")
	if err != nil {
		t.Fatal(err)
	}
	// The default timeouts: setting a password hashes it (argon2id), which
	// a busy machine may not do within the short test limits.
	cfg := config.Config{SecretKey: "bGlua3MtaW4tdGhlLWxvZy1zZWNyZXQta2V5LTMyYiE=", HTTP: config.DefaultHTTP(), Role: config.RoleAPI}
	cfg.Database = config.DefaultDatabase()
	r := startLogged(t, cfg, log)

	// links returns the tokens of the links logged so far.
	links := func() []string {
		var out []string
		for _, m := range loggedLink.FindAllStringSubmatch(logs.String(), -1) {
			out = append(out, m[1])
		}
		return out
	}
	setPassword := func(token, password string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, r.url+"/auth/password",
			strings.NewReader(`{"token":"`+token+`","password":"`+password+`"}`))
		req.Header.Set("Content-Type", "application/json")
		return r.do(req).status
	}

	if a := r.graphql(r.app.Demo.AdminToken, `mutation { inviteUser(input: {email: "lena@acme.test", name: "Lena"}) { id } }`); a.status != 200 || strings.Contains(a.body, "errors") {
		t.Fatalf("invite: %d %s", a.status, a.body)
	}
	got := links()
	if len(got) != 1 || !strings.Contains(logs.String(), "lena@acme.test") {
		t.Fatalf("the invitation's link is not in the log (%d links):\n%s", len(got), logs.String())
	}
	invite := got[0]
	if code := setPassword(invite, "lena sets a long password"); code != 200 {
		t.Fatalf("accept the logged invitation: %d", code)
	}
	if code := setPassword(invite, "lena sets another password"); code != 404 {
		t.Errorf("the invitation used twice: %d", code)
	}

	req, _ := http.NewRequest(http.MethodPost, r.url+"/auth/reset", strings.NewReader(`{"email":"lena@acme.test"}`))
	req.Header.Set("Content-Type", "application/json")
	if a := r.do(req); a.status != 202 {
		t.Fatalf("reset request: %d %s", a.status, a.body)
	}
	got = links()
	if len(got) != 2 || got[1] == invite {
		t.Fatalf("the reset link is not in the log: %v", got)
	}
	if code := setPassword(got[1], "lena resets her password"); code != 200 {
		t.Errorf("use the logged reset link: %d", code)
	}
	if code := setPassword(got[1], "lena resets it again"); code != 404 {
		t.Errorf("the reset link used twice: %d", code)
	}
}
