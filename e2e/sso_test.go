package e2e_test

import (
	"testing"

	"entgo.io/ent/dialect"
	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/oidctest"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/signin"
)

// TestSingleSignOn: with an OpenID Connect provider configured, the
// sign-in page offers single sign-on; an email nobody invited is turned
// away with the reason, and an invited user signs in with it, no
// password set.
func TestSingleSignOn(t *testing.T) {
	bin := chromium(t)
	p := oidctest.New(t)
	o := &signin.OIDC{Issuer: p.URL, ClientID: p.ClientID, ClientSecret: p.ClientSecret}
	rdb := redis.NewClient(&redis.Options{Addr: redistest.Addr(t)})
	t.Cleanup(func() { rdb.Close() })
	env := apptest.NewWith(t, dialect.Postgres, apptest.Options{Redis: rdb, OIDC: o})
	o.RedirectURL = env.HTTP.URL + signin.OIDCCallbackPath
	env.Admin(`mutation { inviteUser(input: {email: "sam@acme.test", name: "Sam Sso"}) { id } }`, nil).Must(nil)
	u := attachBrowser(t, bin, 1280, env, env.HTTP.URL, rdb)

	u.open("")
	u.waitJS("single sign-on offered", `(() => { const a = document.querySelector('a.sso'); return a && !a.hidden; })()`)
	p.Set(func(p *oidctest.Provider) { p.Email = "stranger@acme.test" })
	u.click(`a.sso`)
	u.waitJS("stranger refused", `[...document.querySelectorAll('.form-error')].some((e) => !e.hidden && e.textContent.includes('Ask an admin to invite'))`)

	p.Set(func(p *oidctest.Provider) { p.Email = "sam@acme.test" })
	u.waitJS("single sign-on offered again", `(() => { const a = document.querySelector('a.sso'); return a && !a.hidden; })()`)
	u.click(`a.sso`)
	u.waitJS("signed in as Sam", `(() => { const e = document.querySelector('[data-testid="user"]'); return e && e.textContent.includes('Sam Sso'); })()`)
}
