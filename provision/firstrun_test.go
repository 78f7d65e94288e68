package provision_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/provision"
)

type setupAnswer struct {
	status int
	Needed bool   `json:"needed"`
	Token  string `json:"token"`
	// PasswordLink sets the admin's password.
	PasswordLink string `json:"passwordLink"`
	Slug         string `json:"slug"`
	Error        string `json:"error"`
	Fields       []struct {
		Field string `json:"field"`
	} `json:"fields"`
}

func setup(t *testing.T, e *apptest.Env, method string, body any) setupAnswer {
	t.Helper()
	var r *bytes.Reader
	if s, ok := body.(string); ok {
		r = bytes.NewReader([]byte(s))
	} else {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.HTTP.URL+"/setup", r)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := setupAnswer{status: res.StatusCode}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("%s /setup: %d, not JSON: %v", method, res.StatusCode, err)
	}
	return out
}

func TestFirstRun(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := apptest.NewWith(t, d, apptest.Options{Empty: true})
			if a := setup(t, e, http.MethodGet, nil); a.status != 200 || !a.Needed {
				t.Fatalf("GET on an empty database: %+v", a)
			}
			good := map[string]string{"code": apptest.SetupCode, "name": "Acme IT", "adminEmail": "ann@acme.test", "adminName": "Ann"}
			with := func(k, v string) map[string]string {
				m := map[string]string{}
				for a, b := range good {
					m[a] = b
				}
				m[k] = v
				return m
			}
			// Refusals change nothing.
			for _, c := range []struct {
				body   any
				status int
				field  string
			}{
				{"not json", 400, ""},
				{with("code", ""), 403, ""},
				{with("code", "ffffffffffffffffffffffffffffffff"), 403, ""},
				{with("adminEmail", "ann"), 400, "adminEmail"},
				{with("name", " "), 400, "name"},
			} {
				a := setup(t, e, http.MethodPost, c.body)
				if a.status != c.status || a.Error == "" || (c.field != "" && (len(a.Fields) == 0 || a.Fields[0].Field != c.field)) {
					t.Errorf("POST %v: %+v, want %d on %q", c.body, a, c.status, c.field)
				}
			}
			if n := e.DB.Tenant.Query().CountX(e.Ctx); n != 0 {
				t.Fatalf("%d tenants after refusals", n)
			}

			// Two at once: one tenant, one token; the other is told to sign in.
			answers := make([]setupAnswer, 2)
			var wg sync.WaitGroup
			for i := range answers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					answers[i] = setup(t, e, http.MethodPost, good)
				}()
			}
			wg.Wait()
			var token, link string
			for _, a := range answers {
				switch a.status {
				case 201:
					if token != "" {
						t.Fatalf("two tokens: %+v", answers)
					}
					token, link = a.Token, a.PasswordLink
				case 409:
				default:
					t.Fatalf("concurrent setup: %+v", answers)
				}
			}
			if token == "" {
				t.Fatalf("no setup succeeded: %+v", answers)
			}
			var me struct{ Me struct{ Role string } }
			e.GraphQL(token, `{ me { role } }`, nil).Must(&me)
			if me.Me.Role != "ADMIN" {
				t.Errorf("setup token's role: %q", me.Me.Role)
			}
			// The link sets the admin's password, who then signs in with it.
			b := e.Browser()
			linkToken, _ := strings.CutPrefix(link, "#/password?token=")
			if a := b.Do(http.MethodPost, "/auth/password", map[string]string{"token": linkToken, "password": "a sentence that is long enough"}); a.Status != 200 || a.Body["role"] != "ADMIN" {
				t.Errorf("admin's password link %q: %+v", link, a)
			}
			if a := e.Browser().SignIn("ann@acme.test", "a sentence that is long enough"); a.Status != 200 {
				t.Errorf("admin signs in with the password: %+v", a)
			}
			if a := setup(t, e, http.MethodGet, nil); a.Needed {
				t.Errorf("GET after setup: %+v", a)
			}
			if a := setup(t, e, http.MethodPost, with("name", "Globex")); a.status != 409 {
				t.Errorf("POST after setup: %+v", a)
			}
			if n := e.DB.Tenant.Query().CountX(e.Ctx); n != 1 {
				t.Errorf("%d tenants", n)
			}
		})
	}
}

func TestSetupCode(t *testing.T) {
	a, b := provision.SetupCode(make([]byte, 32)), provision.SetupCode(bytes.Repeat([]byte{1}, 32))
	if len(a) != 32 || a == b || a != provision.SetupCode(make([]byte, 32)) {
		t.Errorf("codes %q, %q: want 32 hex characters, stable per key, distinct between keys", a, b)
	}
}
