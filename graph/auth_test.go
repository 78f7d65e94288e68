package graph_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/internal/apptest"
)

func TestAuthentication(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		for name, token := range map[string]string{
			"no token":      "",
			"garbage":       "nope",
			"unknown token": "adk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		} {
			r := e.GraphQL(token, `{ me { id } }`, nil)
			if r.Status != http.StatusUnauthorized || r.Code() != "UNAUTHENTICATED" || r.Data != nil {
				t.Errorf("%s: %d %s", name, r.Status, r.Raw)
			}
		}

		var me struct {
			Me struct{ ID, Email, Role string }
		}
		e.Admin(`{ me { id email role } }`, nil).Must(&me)
		if me.Me.Role != "ADMIN" || me.Me.ID != apptest.ID(e.Demo.AdminUserID) {
			t.Errorf("me = %+v", me.Me)
		}

		// A revoked token is refused from then on.
		tok := technician(e)
		var created struct {
			CreateAPIToken struct {
				Token    string
				APIToken struct{ ID string }
			}
		}
		e.Admin(`mutation { createApiToken(input: {name: "ci"}) { token apiToken { id } } }`, nil).Must(&created)
		e.GraphQL(created.CreateAPIToken.Token, `{ me { id } }`, nil).Must(nil)
		e.Admin(`mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }`,
			apptest.Vars("id", created.CreateAPIToken.APIToken.ID)).Must(nil)
		if r := e.GraphQL(created.CreateAPIToken.Token, `{ me { id } }`, nil); r.Status != http.StatusUnauthorized {
			t.Errorf("revoked token: %d %s", r.Status, r.Raw)
		}
		e.GraphQL(tok, `{ me { id } }`, nil).Must(nil)
	})
}

func TestGetQueries(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		get := func(q string) (int, string) {
			req, _ := http.NewRequest(http.MethodGet, e.HTTP.URL+"/graphql?query="+url.QueryEscape(q), nil)
			req.Header.Set("Authorization", "Bearer "+e.Demo.AdminToken)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		if status, body := get(`{ tenant { slug } }`); status != 200 || !strings.Contains(body, `"slug":"demo"`) {
			t.Errorf("GET query: %d %s", status, body)
		}
		if status, body := get(`mutation { ping }`); status == 200 && strings.Contains(body, `"ping":true`) {
			t.Errorf("GET mutation ran: %d %s", status, body)
		}
	})
}

func TestPlayground(t *testing.T) {
	e := apptest.New(t, "sqlite3")
	res, err := http.Get(e.HTTP.URL + "/playground")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("playground without Playground: %d, want 404", res.StatusCode)
	}
}
