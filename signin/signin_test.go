package signin_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/clientip"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/seed"
	"github.com/alertdesk/alertdesk/signin"
)

const password = "a sentence that is long enough"

// withPassword gives the demo admin a password.
func withPassword(t *testing.T, e *apptest.Env) {
	t.Helper()
	h, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	e.DB.User.UpdateOneID(e.Demo.AdminUserID).SetPasswordHash(h).ExecX(e.Ctx)
}

func TestSignIn(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := apptest.New(t, d)
			withPassword(t, e)
			b := e.Browser()

			// A cross-site form posts no JSON.
			res, err := b.Client.Post(e.HTTP.URL+"/auth/login", "text/plain", strings.NewReader(`{"email":"`+seed.AdminEmail+`","password":"`+password+`"}`))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != 415 || b.Cookie(auth.SessionCookie) != "" {
				t.Fatalf("text/plain sign-in: %d", res.StatusCode)
			}
			if a := b.SignIn(seed.AdminEmail, password+"x"); a.Status != 401 || b.Cookie(auth.SessionCookie) != "" {
				t.Fatalf("wrong password: %+v", a)
			}
			if a := b.SignIn("nobody@acme.test", password); a.Status != 401 {
				t.Fatalf("unknown email: %+v", a)
			}
			if r := b.GraphQL(`{ me { email } }`, nil); r.Status != 401 {
				t.Fatalf("signed out graphql: %d %s", r.Status, r.Raw)
			}
			a := b.SignIn(strings.ToUpper(seed.AdminEmail), password)
			if a.Status != 200 || a.Body["role"] != "ADMIN" || a.Body["csrfToken"] == "" {
				t.Fatalf("sign in: %+v", a)
			}
			cookie := ""
			for _, c := range a.Header.Values("Set-Cookie") {
				if strings.HasPrefix(c, auth.SessionCookie+"=") {
					cookie = c
				}
			}
			for _, attr := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
				if !strings.Contains(cookie, attr) {
					t.Errorf("session cookie %q lacks %s", cookie, attr)
				}
			}
			if strings.Contains(cookie, "Secure") {
				t.Errorf("session cookie %q is Secure on a plain http server", cookie)
			}
			if b.Cookie(auth.CSRFCookie) != a.Body["csrfToken"] {
				t.Errorf("csrf cookie %q, body %q", b.Cookie(auth.CSRFCookie), a.Body["csrfToken"])
			}

			var me struct{ Me struct{ Email string } }
			b.GraphQL(`{ me { email } }`, nil).Must(&me)
			if me.Me.Email != seed.AdminEmail {
				t.Errorf("me: %+v", me)
			}
			if s := b.Do(http.MethodGet, "/auth/session", nil); s.Status != 200 || s.Body["email"] != seed.AdminEmail {
				t.Errorf("session: %+v", s)
			}

			// Another site's request carries the cookie, not the token.
			clients := e.DB.Customer.Query().CountX(e.Ctx)
			b.NoCSRF = true
			if r := b.GraphQL(`mutation { createClient(input: {name: "Forged"}) { id } }`, nil); r.Status != 403 {
				t.Errorf("mutation without CSRF token: %d %s", r.Status, r.Raw)
			}
			if a := b.Do(http.MethodPost, "/auth/logout", nil); a.Status != 403 {
				t.Errorf("sign-out without CSRF token: %+v", a)
			}
			b.NoCSRF = false
			if n := e.DB.Customer.Query().CountX(e.Ctx); n != clients {
				t.Errorf("%d clients after a forged mutation", n)
			}
			b.GraphQL(`mutation { createClient(input: {name: "Real"}) { id } }`, nil).Must(nil)

			// A bearer token needs no CSRF token.
			e.Admin(`{ me { email } }`, nil).Must(nil)

			stolen := b.Cookie(auth.SessionCookie)
			if a := b.Do(http.MethodPost, "/auth/logout", nil); a.Status != 204 {
				t.Fatalf("sign out: %+v", a)
			}
			if b.Cookie(auth.SessionCookie) != "" {
				t.Error("session cookie kept after sign-out")
			}
			// The session itself ended, not only the cookie.
			if _, err := (&auth.Authenticator{DB: e.DB}).AuthenticateSession(e.Ctx, stolen); err != auth.ErrUnauthenticated {
				t.Errorf("ended session still authenticates: %v", err)
			}

			// A deactivated user signs in no more, and its session ends.
			b.SignIn(seed.AdminEmail, password)
			if b.GraphQL(`{ me { email } }`, nil).Status != 200 {
				t.Fatal("second sign-in")
			}
			e.DB.User.UpdateOneID(e.Demo.AdminUserID).SetDeactivatedAt(time.Now()).ExecX(e.Ctx)
			if r := b.GraphQL(`{ me { email } }`, nil); r.Status != 401 {
				t.Errorf("deactivated user's session: %d %s", r.Status, r.Raw)
			}
			if a := e.Browser().SignIn(seed.AdminEmail, password); a.Status != 401 {
				t.Errorf("deactivated user signs in: %+v", a)
			}
			if r := e.Admin(`{ me { email } }`, nil); r.Status != 401 {
				t.Errorf("deactivated user's API token: %d %s", r.Status, r.Raw)
			}
		})
	}
}

func TestSignInThrottle(t *testing.T) {
	for _, withRedis := range []bool{false, true} {
		name := "memory"
		opts := apptest.Options{}
		if withRedis {
			name = "redis"
			rdb := redis.NewClient(&redis.Options{Addr: redistest.Addr(t)})
			t.Cleanup(func() { _ = rdb.Close() })
			opts.Redis = rdb
		}
		t.Run(name, func(t *testing.T) {
			e := apptest.NewWith(t, storetest.Dialects()[0], opts)
			withPassword(t, e)
			// Counts in a shared Redis are per account: this run's own.
			email := fmt.Sprintf("throttle-%d@acme.test", time.Now().UnixNano())
			e.DB.User.UpdateOneID(e.Demo.AdminUserID).SetEmail(email).ExecX(e.Ctx)
			b := e.Browser()
			for i := range signin.FailuresPerAccount {
				if a := b.SignIn(email, "wrong password "+string(rune('a'+i))); a.Status != 401 {
					t.Fatalf("failure %d: %+v", i+1, a)
				}
			}
			// Locked: even the right password waits, with a clear answer.
			a := b.SignIn(email, password)
			if a.Status != 429 || a.Header.Get("Retry-After") == "" || !strings.Contains(a.Body["error"].(string), "try again") {
				t.Fatalf("after the limit: %+v", a)
			}
			if b.Cookie(auth.SessionCookie) != "" {
				t.Error("signed in while locked")
			}
			// Another account from the same address is not locked.
			otherEmail := fmt.Sprintf("other-%d@acme.test", time.Now().UnixNano())
			_, otherID := e.NewToken(e.Demo.TenantID, otherEmail, "technician")
			h, _ := auth.HashPassword(password)
			e.DB.User.UpdateOneID(otherID).SetPasswordHash(h).ExecX(e.Ctx)
			if a := e.Browser().SignIn(otherEmail, password); a.Status != 200 {
				t.Errorf("another account: %+v", a)
			}
		})
	}
}

// Behind a trusted reverse proxy, reset requests are counted per client
// named in X-Forwarded-For; from anyone else the header is ignored, so a
// client cannot escape its count by writing one.
func TestThrottlePerClientBehindProxy(t *testing.T) {
	proxies, err := clientip.Parse("127.0.0.0/8, ::1")
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		proxies    clientip.Proxies
		otherFreed bool
	}{
		"trusted proxy": {proxies, true},
		"no proxy":      {nil, false},
	} {
		t.Run(name, func(t *testing.T) {
			e := apptest.NewWith(t, storetest.Dialects()[1], apptest.Options{TrustedProxies: tc.proxies})
			reset := func(client string) int {
				t.Helper()
				req, _ := http.NewRequest(http.MethodPost, e.HTTP.URL+"/auth/reset", strings.NewReader(`{"email":"nobody@acme.test"}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Forwarded-For", client)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				return res.StatusCode
			}
			for i := range signin.ResetsPerAddress {
				if code := reset("203.0.113.1"); code != http.StatusAccepted {
					t.Fatalf("reset %d: %d", i+1, code)
				}
			}
			if code := reset("203.0.113.1"); code != http.StatusTooManyRequests {
				t.Errorf("past the limit: %d", code)
			}
			if code := reset("203.0.113.2"); (code == http.StatusAccepted) != tc.otherFreed {
				t.Errorf("another client: %d", code)
			}
		})
	}
}

// post sends a JSON sign-in as it arrives through a proxy: with its
// X-Forwarded-For and X-Forwarded-Proto.
func post(t *testing.T, e *apptest.Env, path, body, client, proto string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.HTTP.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if client != "" {
		req.Header.Set("X-Forwarded-For", client)
	}
	if proto != "" {
		req.Header.Set("X-Forwarded-Proto", proto)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// Behind a trusted proxy that ended TLS (X-Forwarded-Proto: https), the
// session cookies are Secure; the header from anyone else is ignored.
func TestSecureCookiesBehindHTTPSProxy(t *testing.T) {
	proxies, err := clientip.Parse("127.0.0.0/8, ::1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		proxies clientip.Proxies
		proto   string
		secure  bool
	}{
		{"trusted proxy over https", proxies, "https", true},
		{"trusted proxies, the outer one over https", proxies, "https, http", true},
		{"trusted proxy over http", proxies, "http", false},
		{"untrusted peer claiming https", nil, "https", false},
		{"no header", proxies, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := apptest.NewWith(t, storetest.Dialects()[1], apptest.Options{TrustedProxies: tc.proxies})
			withPassword(t, e)
			res := post(t, e, "/auth/login", `{"email":"`+seed.AdminEmail+`","password":"`+password+`"}`, "203.0.113.9", tc.proto)
			if res.StatusCode != 200 {
				t.Fatalf("sign in: %d", res.StatusCode)
			}
			cookies := res.Cookies()
			if len(cookies) != 2 {
				t.Fatalf("%d cookies, want the session's and its CSRF token's", len(cookies))
			}
			for _, c := range cookies {
				if c.Secure != tc.secure {
					t.Errorf("cookie %s: Secure %v, want %v", c.Name, c.Secure, tc.secure)
				}
			}
		})
	}
}

// Failed sign-ins are counted per client address too: one address that
// tries many accounts is locked out of every account, including one with
// no failures of its own; another client behind the same proxy is not.
func TestSignInThrottlePerAddress(t *testing.T) {
	proxies, err := clientip.Parse("127.0.0.0/8, ::1")
	if err != nil {
		t.Fatal(err)
	}
	e := apptest.NewWith(t, storetest.Dialects()[1], apptest.Options{TrustedProxies: proxies})
	withPassword(t, e)
	login := func(email, pw, client string) *http.Response {
		t.Helper()
		return post(t, e, "/auth/login", `{"email":"`+email+`","password":"`+pw+`"}`, client, "")
	}
	const attacker = "203.0.113.66"
	for i := range signin.FailuresPerAddress {
		// A new account each time: no account reaches its own limit.
		if res := login(fmt.Sprintf("guess-%d@acme.test", i), password, attacker); res.StatusCode != 401 {
			t.Fatalf("failure %d: %d", i+1, res.StatusCode)
		}
	}
	res := login(seed.AdminEmail, password, attacker)
	if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" {
		t.Errorf("right password from the locked address: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if res := login(seed.AdminEmail, password, "203.0.113.67"); res.StatusCode != 200 {
		t.Errorf("another client's sign-in: %d", res.StatusCode)
	}
}
