package signin_test

import (
	"net/http"
	"testing"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/seed"
)

// A signed-in user changes their password with the current one: every
// other session ends, the caller's goes on in a new session, and the old
// password signs in no more. Without the CSRF header, with a wrong current
// password or a weak new one, nothing changes.
func TestChangePassword(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := apptest.New(t, d)
			withPassword(t, e)
			const next = "another sentence that is long enough"
			other, b := e.Browser(), e.Browser()
			other.SignIn(seed.AdminEmail, password)
			if a := b.SignIn(seed.AdminEmail, password); a.Status != 200 {
				t.Fatalf("sign in: %+v", a)
			}
			hash := func() string { return e.DB.User.GetX(e.Ctx, e.Demo.AdminUserID).PasswordHash }
			before := hash()
			for _, c := range []struct {
				name   string
				noCSRF bool
				body   map[string]any
				status int
			}{
				{"no CSRF header", true, map[string]any{"currentPassword": password, "newPassword": next}, 403},
				{"wrong current password", false, map[string]any{"currentPassword": "not it", "newPassword": next}, 400},
				{"too short", false, map[string]any{"currentPassword": password, "newPassword": "short"}, 400},
				{"common", false, map[string]any{"currentPassword": password, "newPassword": "password1234"}, 400},
			} {
				b.NoCSRF = c.noCSRF
				if a := b.Do(http.MethodPost, "/auth/change-password", c.body); a.Status != c.status {
					t.Errorf("%s: %+v, want %d", c.name, a, c.status)
				}
				b.NoCSRF = false
				if hash() != before {
					t.Fatalf("%s changed the password", c.name)
				}
			}
			if r := e.Browser().Do(http.MethodPost, "/auth/change-password", map[string]any{"currentPassword": password, "newPassword": next}); r.Status != 401 {
				t.Errorf("signed out: %+v", r)
			}

			old := b.Cookie(auth.SessionCookie)
			a := b.Do(http.MethodPost, "/auth/change-password", map[string]any{"currentPassword": password, "newPassword": next})
			if a.Status != 200 || b.Cookie(auth.SessionCookie) == old || b.Cookie(auth.CSRFCookie) != a.Body["csrfToken"] {
				t.Fatalf("change: %+v", a)
			}
			if r := b.GraphQL(`{ me { email } }`, nil); r.Status != 200 {
				t.Errorf("caller's new session: %d %s", r.Status, r.Raw)
			}
			if r := other.GraphQL(`{ me { email } }`, nil); r.Status != 401 {
				t.Errorf("other session after the change: %d", r.Status)
			}
			if a := e.Browser().SignIn(seed.AdminEmail, password); a.Status != 401 {
				t.Errorf("old password: %+v", a)
			}
			if a := e.Browser().SignIn(seed.AdminEmail, next); a.Status != 200 {
				t.Errorf("new password: %+v", a)
			}
		})
	}
}
