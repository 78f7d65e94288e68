package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/tenancy"
)

func TestBearerToken(t *testing.T) {
	for _, c := range []struct {
		header, want string
		ok           bool
	}{
		{"Bearer abc", "abc", true},
		{"bearer  abc ", "abc", true},
		{"Basic abc", "", false},
		{"Bearer", "", false},
		{"Bearer ", "", false},
		{"", "", false},
	} {
		got, ok := auth.BearerToken(c.header)
		if got != c.want || ok != c.ok {
			t.Errorf("BearerToken(%q) = %q, %v", c.header, got, ok)
		}
	}
}

type fixture struct {
	tenant, user int
	token        string
}

func setup(t *testing.T, s *store.Store, slug string, role user.Role) fixture {
	t.Helper()
	ctx := context.Background()
	tn := s.Ent.Tenant.Create().SetName(slug).SetSlug(slug).SaveX(ctx)
	u := s.Ent.User.Create().SetTenantID(tn.ID).SetEmail("u@" + slug).SetRole(role).SaveX(ctx)
	tok, _, err := auth.Issue(ctx, s.Ent, tn.ID, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	return fixture{tn.ID, u.ID, tok}
}

func TestViewer(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
		a := &auth.Authenticator{DB: s.Ent, Now: func() time.Time { return now }}
		f := setup(t, s, "acme", user.RoleTechnician)

		v, err := a.Viewer(ctx, f.token)
		if err != nil || v != (tenancy.Viewer{TenantID: f.tenant, UserID: f.user, Role: tenancy.RoleTechnician}) {
			t.Fatalf("Viewer = %+v, %v", v, err)
		}
		used := func() *time.Time {
			tk := s.Ent.APIToken.Query().OnlyX(ctx)
			return tk.LastUsedAt
		}
		if lu := used(); lu == nil || !lu.Equal(now) {
			t.Errorf("last used = %v, want %v", lu, now)
		}
		// Within a minute nothing is written; after it, the time moves.
		now = now.Add(30 * time.Second)
		a.Viewer(ctx, f.token)
		if lu := used(); !lu.Equal(now.Add(-30 * time.Second)) {
			t.Errorf("last used rewritten within a minute: %v", lu)
		}
		now = now.Add(time.Minute)
		a.Viewer(ctx, f.token)
		if lu := used(); !lu.Equal(now) {
			t.Errorf("last used = %v, want %v", lu, now)
		}

		// A role change applies to the next request.
		s.Ent.User.UpdateOneID(f.user).SetRole(user.RoleAdmin).ExecX(ctx)
		if v, _ := a.Viewer(ctx, f.token); !v.IsAdmin() {
			t.Error("role change not applied")
		}

		for name, tok := range map[string]string{
			"empty":   "",
			"shape":   "adk_short",
			"unknown": "adk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		} {
			if _, err := a.Viewer(ctx, tok); !errors.Is(err, auth.ErrUnauthenticated) {
				t.Errorf("%s token: %v", name, err)
			}
		}
		s.Ent.APIToken.Update().SetRevokedAt(now).ExecX(ctx)
		if _, err := a.Viewer(ctx, f.token); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("revoked token: %v", err)
		}
	})
}

// A token row pointing at a user of another tenant (which only broken data
// could produce) authenticates no one.
func TestViewerRefusesCrossTenantUser(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := setup(t, s, "a", user.RoleAdmin)
		b := setup(t, s, "b", user.RoleAdmin)
		tok, _, err := auth.Issue(ctx, s.Ent, a.tenant, b.user, "forged")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := (&auth.Authenticator{DB: s.Ent}).Viewer(ctx, tok); !errors.Is(err, auth.ErrUnauthenticated) {
			t.Errorf("cross-tenant token: %v", err)
		}
	})
}

func TestMiddleware(t *testing.T) {
	s := storetest.Open(t, "sqlite3")
	f := setup(t, s, "acme", user.RoleAdmin)
	a := &auth.Authenticator{DB: s.Ent}
	var seen *tenancy.Viewer
	h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, ok := tenancy.FromContext(r.Context())
		if ok {
			seen = &v
		}
		w.WriteHeader(http.StatusTeapot)
	}))
	do := func(mod func(r *http.Request)) *httptest.ResponseRecorder {
		seen = nil
		r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
		mod(r)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	w := do(func(r *http.Request) {})
	var body struct {
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		}
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != 401 || len(body.Errors) != 1 ||
		body.Errors[0].Extensions.Code != "UNAUTHENTICATED" || w.Header().Get("Content-Type") != "application/json" {
		t.Errorf("no token: %d %s", w.Code, w.Body)
	}
	if w := do(func(r *http.Request) { r.Header.Set("Authorization", "Bearer adk_nope") }); w.Code != 401 {
		t.Errorf("bad token: %d", w.Code)
	}
	w = do(func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+f.token) })
	if w.Code != http.StatusTeapot || seen == nil || seen.TenantID != f.tenant || !seen.IsAdmin() {
		t.Errorf("good token: %d, viewer %+v", w.Code, seen)
	}
	// WebSocket upgrades authenticate in connection_init instead.
	w = do(func(r *http.Request) {
		r.Header.Set("Upgrade", "websocket")
		r.Header.Set("Connection", "Upgrade")
	})
	if w.Code != http.StatusTeapot || seen != nil {
		t.Errorf("upgrade: %d, viewer %+v", w.Code, seen)
	}
}

func TestCreateUserToken(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := setup(t, s, "acme", user.RoleTechnician)
		a := &auth.Authenticator{DB: s.Ent}
		create := func(email string, role user.Role) (auth.UserToken, error) {
			var out auth.UserToken
			err := s.Tx(ctx, func(tx *ent.Tx) error {
				var err error
				out, err = auth.CreateUserToken(ctx, tx, "acme", email, role, "")
				return err
			})
			return out, err
		}
		res, err := create("new@acme", user.RoleAdmin)
		if err != nil || !res.UserCreated {
			t.Fatalf("new user: %+v, %v", res, err)
		}
		if v, err := a.Viewer(ctx, res.Token); err != nil || !v.IsAdmin() || v.TenantID != f.tenant {
			t.Errorf("new user's token: %+v, %v", v, err)
		}
		res, err = create("U@ACME", "")
		if err != nil || res.UserCreated || res.UserID != f.user {
			t.Errorf("existing user: %+v, %v", res, err)
		}
		if _, err := create("x@acme", "root"); err == nil {
			t.Error("unknown role accepted")
		}
		var out auth.UserToken
		err = s.Tx(ctx, func(tx *ent.Tx) error {
			out, err = auth.CreateUserToken(ctx, tx, "nope", "x@y", "", "")
			return err
		})
		if err == nil {
			t.Errorf("unknown tenant accepted: %+v", out)
		}
	})
}
