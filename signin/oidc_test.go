package signin_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/oidctest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/signin"
)

// ssoSignIn follows the whole redirect chain as a browser does and
// returns the UI hash it ends on.
func ssoSignIn(t *testing.T, e *apptest.Env, b *apptest.Browser) string {
	t.Helper()
	res, err := b.Client.Get(e.HTTP.URL + signin.OIDCStartPath)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.Request.URL.Fragment
}

func TestOIDCSignIn(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			p := oidctest.New(t)
			o := &signin.OIDC{Issuer: p.URL, ClientID: p.ClientID, ClientSecret: p.ClientSecret}
			e := apptest.NewWith(t, d, apptest.Options{OIDC: o})
			o.RedirectURL = e.HTTP.URL + signin.OIDCCallbackPath
			if a := e.Browser().Do(http.MethodGet, "/auth/methods", nil); a.Body["oidc"] != true {
				t.Fatalf("methods: %+v", a)
			}
			// An invited user signs in; the invitation needs no password.
			e.Admin(`mutation { inviteUser(input: {email: "sso@acme.test", name: "Sso"}) { id } }`, nil).Must(nil)
			p.Set(func(p *oidctest.Provider) { p.Email = "SSO@acme.test" })
			b := e.Browser()
			if got := ssoSignIn(t, e, b); got != "/tickets" {
				t.Fatalf("signed in, landed on %q", got)
			}
			var me struct{ Me struct{ Email string } }
			b.GraphQL(`{ me { email } }`, nil).Must(&me)
			if me.Me.Email != "sso@acme.test" {
				t.Errorf("me: %+v", me)
			}
			// Signing in accepted the invitation: no longer pending, and
			// not sent again.
			var users struct {
				Users []struct {
					Email   string
					Invited bool
				}
			}
			e.Admin(`{ users { email invited } }`, nil).Must(&users)
			for _, u := range users.Users {
				if u.Email == "sso@acme.test" && u.Invited {
					t.Error("still invited after signing in with SSO")
				}
			}
			e.Admin(`mutation { inviteUser(input: {email: "sso@acme.test"}) { id } }`, nil).WantCode("BAD_USER_INPUT")

			for _, c := range []struct {
				name   string
				setup  func(p *oidctest.Provider)
				reason string
			}{
				{"not invited", func(p *oidctest.Provider) { p.Email = "stranger@acme.test" }, "nouser"},
				{"email not verified", func(p *oidctest.Provider) { p.Email, p.Verified = "sso@acme.test", false }, "noemail"},
				{"wrong nonce", func(p *oidctest.Provider) { p.Email, p.Verified, p.WrongNonce = "sso@acme.test", true, true }, "refused"},
			} {
				p.Set(c.setup)
				b := e.Browser()
				if got := ssoSignIn(t, e, b); got != "/signin?sso="+c.reason {
					t.Errorf("%s: landed on %q", c.name, got)
				}
				if b.Cookie(auth.SessionCookie) != "" {
					t.Errorf("%s: signed in", c.name)
				}
			}
			p.Set(func(p *oidctest.Provider) { p.WrongNonce = false })

			// A callback that this browser did not start is refused.
			b2 := e.Browser()
			res, err := b2.Client.Get(e.HTTP.URL + signin.OIDCCallbackPath + "?code=x&state=forged")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.Request.URL.Fragment != "/signin?sso=expired" || b2.Cookie(auth.SessionCookie) != "" {
				t.Errorf("forged callback: %q", res.Request.URL.Fragment)
			}

			// A deactivated user's SSO sign-in is refused.
			id := e.DB.User.Query().AllX(e.Ctx)
			for _, u := range id {
				if u.Email == "sso@acme.test" {
					e.DB.User.UpdateOneID(u.ID).SetDeactivatedAt(time.Now()).ExecX(e.Ctx)
				}
			}
			p.Set(func(p *oidctest.Provider) { p.Email = "sso@acme.test" })
			if got := ssoSignIn(t, e, e.Browser()); got != "/signin?sso=nouser" {
				t.Errorf("deactivated user: landed on %q", got)
			}
		})
	}
}
