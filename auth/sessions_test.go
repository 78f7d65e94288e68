package auth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/apitoken"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/tenancy"
)

// ended records how sessions were closed.
type ended struct {
	mu      sync.Mutex
	reasons map[string][]string
	signal  chan string
}

func newEnded() *ended {
	return &ended{reasons: map[string][]string{}, signal: make(chan string, 64)}
}

func (e *ended) fn(name string) func(string) {
	return func(reason string) {
		e.mu.Lock()
		e.reasons[name] = append(e.reasons[name], reason)
		e.mu.Unlock()
		e.signal <- name
	}
}

func (e *ended) of(name string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.reasons[name]...)
}

// wait waits for the named session to end.
func (e *ended) wait(t *testing.T, name string, within time.Duration) {
	t.Helper()
	deadline := time.After(within)
	for len(e.of(name)) == 0 {
		select {
		case <-e.signal:
		case <-deadline:
			t.Fatalf("session %s not ended within %s", name, within)
		}
	}
}

func identity(tenant, user, token int, role tenancy.Role) auth.Identity {
	return auth.Identity{Viewer: tenancy.Viewer{TenantID: tenant, UserID: user, Role: role}, TokenID: token}
}

func TestSessionsApply(t *testing.T) {
	// Without Redis nothing is subscribed and, within the test, nothing
	// re-checked: only the changes applied here end sessions.
	s := &auth.Sessions{}
	e := newEnded()
	sessions := map[string]*auth.Session{
		"t1-u1-k1":  s.Add(identity(1, 1, 1, tenancy.RoleAdmin), e.fn("t1-u1-k1")),
		"t1-u1-k2":  s.Add(identity(1, 1, 2, tenancy.RoleAdmin), e.fn("t1-u1-k2")),
		"t1-u1-k2'": s.Add(identity(1, 1, 2, tenancy.RoleAdmin), e.fn("t1-u1-k2'")),
		"t1-u2-k3":  s.Add(identity(1, 2, 3, tenancy.RoleTechnician), e.fn("t1-u2-k3")),
		// Another tenant with the same ids (another database's rows).
		"t2-u1-k1": s.Add(identity(2, 1, 1, tenancy.RoleAdmin), e.fn("t2-u1-k1")),
	}
	for _, c := range []struct {
		name   string
		change auth.Change
		ends   []string
	}{
		{"token", auth.Change{TenantID: 1, TokenID: 2, Reason: auth.ReasonTokenRevoked}, []string{"t1-u1-k2", "t1-u1-k2'"}},
		{"token again", auth.Change{TenantID: 1, TokenID: 2, Reason: auth.ReasonTokenRevoked}, nil},
		{"unknown token", auth.Change{TenantID: 1, TokenID: 9, Reason: auth.ReasonTokenRevoked}, nil},
		{"nothing named", auth.Change{TenantID: 1, Reason: auth.ReasonTokenRevoked}, nil},
		{"other tenant's user", auth.Change{TenantID: 3, UserID: 1, Reason: auth.ReasonUserDeactivated}, nil},
		{"user", auth.Change{TenantID: 1, UserID: 1, Reason: auth.ReasonUserDeactivated}, []string{"t1-u1-k1"}},
		{"token and user", auth.Change{TenantID: 2, TokenID: 1, UserID: 1, Reason: auth.ReasonRoleChanged}, []string{"t2-u1-k1"}},
	} {
		if n := s.Apply(c.change); n != len(c.ends) {
			t.Errorf("%s: ended %d sessions, want %d", c.name, n, len(c.ends))
		}
		for _, name := range c.ends {
			if got := e.of(name); len(got) != 1 || got[0] != c.change.Reason {
				t.Errorf("%s: session %s ended with %q, want once with %q", c.name, name, got, c.change.Reason)
			}
		}
	}
	if got := e.of("t1-u2-k3"); len(got) != 0 {
		t.Errorf("unnamed session ended: %q", got)
	}
	if s.Len() != 1 {
		t.Errorf("%d sessions open, want 1", s.Len())
	}
	// Ending twice closes once.
	s.End(sessions["t1-u2-k3"], "x")
	s.End(sessions["t1-u2-k3"], "y")
	if got := e.of("t1-u2-k3"); len(got) != 1 || got[0] != "x" || s.Len() != 0 {
		t.Errorf("ended twice: %q, %d open", got, s.Len())
	}
}

func TestSessionsRecheck(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		a := &auth.Authenticator{DB: st.Ent}
		s := &auth.Sessions{Authn: a}
		e := newEnded()
		f := setup(t, st, "acme", user.RoleAdmin)
		g := setup(t, st, "beta", user.RoleTechnician)
		tok2, _, err := auth.Issue(ctx, st.Ent, f.tenant, f.user, "second")
		if err != nil {
			t.Fatal(err)
		}
		add := func(name, token string) (*auth.Session, int) {
			id, err := a.Authenticate(ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			return s.Add(id, e.fn(name)), id.TokenID
		}
		one, oneID := add("one", f.token)
		_, _ = add("two", tok2)
		_, _ = add("other", g.token)

		if reason, err := s.Recheck(ctx, one); reason != "" || err != nil {
			t.Fatalf("valid token re-checked: %q, %v", reason, err)
		}
		if n, err := s.RecheckAll(ctx); n != 0 || err != nil {
			t.Fatalf("nothing changed, re-check ended %d: %v", n, err)
		}

		_, change, err := auth.RevokeToken(ctx, st.Ent, oneID, time.Now())
		if err != nil || change == nil || *change != (auth.Change{TenantID: f.tenant, TokenID: oneID, Reason: auth.ReasonTokenRevoked}) {
			t.Fatalf("revoke: %+v, %v", change, err)
		}
		if _, again, err := auth.RevokeToken(ctx, st.Ent, oneID, time.Now()); again != nil || err != nil {
			t.Errorf("revoking twice: %+v, %v", again, err)
		}
		if _, _, err := auth.RevokeToken(ctx, st.Ent, 1<<30, time.Now()); !ent.IsNotFound(err) {
			t.Errorf("revoking a missing token: %v", err)
		}
		if reason, err := s.Recheck(ctx, one); reason != auth.ReasonTokenRevoked || err != nil {
			t.Errorf("revoked token re-checked: %q, %v", reason, err)
		}

		u := st.Ent.User.GetX(ctx, f.user)
		if _, change, err := auth.SetRole(ctx, u, user.RoleAdmin); change != nil || err != nil {
			t.Errorf("setting the same role: %+v, %v", change, err)
		}
		if _, _, err := auth.SetRole(ctx, u, "root"); err == nil {
			t.Error("unknown role accepted")
		}
		_, change, err = auth.SetRole(ctx, u, user.RoleTechnician)
		if err != nil || change == nil || *change != (auth.Change{TenantID: f.tenant, UserID: f.user, Reason: auth.ReasonRoleChanged}) {
			t.Fatalf("set role: %+v, %v", change, err)
		}
		if n, err := s.RecheckAll(ctx); n != 1 || err != nil {
			t.Errorf("re-check after role change ended %d: %v", n, err)
		}
		want := map[string][]string{"one": {auth.ReasonTokenRevoked}, "two": {auth.ReasonRoleChanged}, "other": nil}
		for name, w := range want {
			if got := e.of(name); len(got) != len(w) || (len(w) > 0 && got[0] != w[0]) {
				t.Errorf("session %s ended with %q, want %q", name, got, w)
			}
		}
		if s.Len() != 1 {
			t.Errorf("%d sessions open, want 1", s.Len())
		}

		// Deactivating a user also revokes its tokens; a re-check that
		// comes before the announcement still says why.
		st.Ent.User.UpdateOneID(g.user).SetDeactivatedAt(time.Now()).ExecX(ctx)
		st.Ent.APIToken.Update().Where(apitoken.UserID(g.user)).SetRevokedAt(time.Now()).ExecX(ctx)
		if n, err := s.RecheckAll(ctx); n != 1 || err != nil {
			t.Errorf("re-check after deactivation ended %d: %v", n, err)
		}
		if got := e.of("other"); len(got) != 1 || got[0] != auth.ReasonUserDeactivated {
			t.Errorf("deactivated user's session ended with %q, want %q", got, auth.ReasonUserDeactivated)
		}
	})
}

// redisKinds are the machine's Redis and the embedded one.
func redisKinds(t *testing.T) map[string]func(t *testing.T) string {
	return map[string]func(t *testing.T) string{
		"redis":    func(t *testing.T) string { return redistest.Addr(t) },
		"embedded": func(t *testing.T) string { return redistest.Embedded(t) },
	}
}

func client(t *testing.T, addr string) redis.UniversalClient {
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { c.Close() })
	return c
}

// A change announced through one process's Redis client ends a session of
// another process.
func TestSessionsAcrossProcesses(t *testing.T) {
	for kind, addr := range redisKinds(t) {
		t.Run(kind, func(t *testing.T) {
			st := storetest.Open(t, "postgres")
			addr := addr(t)
			f := setup(t, st, "acme", user.RoleAdmin)
			g := setup(t, st, "beta", user.RoleAdmin)
			a := &auth.Authenticator{DB: st.Ent}
			replica := &auth.Sessions{Authn: a, Redis: client(t, addr)}
			announcer := client(t, addr)
			e := newEnded()
			id, err := a.Authenticate(t.Context(), f.token)
			if err != nil {
				t.Fatal(err)
			}
			ss := replica.Add(id, e.fn("f"))
			t.Cleanup(func() { replica.Remove(ss) })
			other, err := a.Authenticate(t.Context(), g.token)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { replica.Remove(replica.Add(other, e.fn("g"))) })

			// The token stays valid, so no re-check ends the session: only
			// the broadcast can. It is announced until the replica, which
			// subscribes in the background, has heard it.
			change := auth.Change{TenantID: f.tenant, UserID: f.user, Reason: auth.ReasonUserDeactivated}
			done := make(chan struct{})
			go func() {
				defer close(done)
				for len(e.of("f")) == 0 {
					if err := auth.Announce(context.Background(), announcer, change); err != nil {
						t.Errorf("announce: %v", err)
						return
					}
					time.Sleep(20 * time.Millisecond)
				}
			}()
			e.wait(t, "f", 5*time.Second)
			<-done
			if got := e.of("f"); len(got) != 1 || got[0] != auth.ReasonUserDeactivated {
				t.Errorf("session ended with %q", got)
			}
			if got := e.of("g"); len(got) != 0 {
				t.Errorf("another tenant's session ended: %q", got)
			}
		})
	}
}

// Sessions subscribe while any is open, and re-check on subscribing: a
// token revoked before the subscription was confirmed is caught then.
func TestSessionsSubscription(t *testing.T) {
	st := storetest.Open(t, "sqlite3")
	rdb := client(t, redistest.Embedded(t))
	f := setup(t, st, "acme", user.RoleAdmin)
	a := &auth.Authenticator{DB: st.Ent}
	s := &auth.Sessions{Authn: a, Redis: rdb}
	numSub := func() int64 {
		n, err := rdb.PubSubNumSub(t.Context(), auth.ChangesChannel).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n[auth.ChangesChannel]
	}
	waitNumSub := func(want int64) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for numSub() != want {
			if time.Now().After(deadline) {
				t.Fatalf("%d subscribers of %s, want %d", numSub(), auth.ChangesChannel, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	id, err := a.Authenticate(t.Context(), f.token)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := auth.RevokeToken(t.Context(), st.Ent, id.TokenID, time.Now()); err != nil {
		t.Fatal(err)
	}
	e := newEnded()
	revoked := s.Add(id, e.fn("revoked"))
	e.wait(t, "revoked", 5*time.Second)
	if got := e.of("revoked"); len(got) != 1 || got[0] != auth.ReasonTokenRevoked {
		t.Errorf("ended with %q", got)
	}
	s.Remove(revoked)
	waitNumSub(0)

	// One subscription however many sessions; none once all are closed.
	g := setup(t, st, "beta", user.RoleAdmin)
	gid, err := a.Authenticate(t.Context(), g.token)
	if err != nil {
		t.Fatal(err)
	}
	var open []*auth.Session
	for range 3 {
		open = append(open, s.Add(gid, func(string) {}))
	}
	waitNumSub(1)
	time.Sleep(50 * time.Millisecond)
	if n := numSub(); n != 1 {
		t.Errorf("%d subscriptions for 3 sessions", n)
	}
	for _, ss := range open {
		s.Remove(ss)
	}
	waitNumSub(0)
}

// A sign-in session's change ends its own sockets only: not an API
// token's with the same id, nor another tenant's session with that id.
func TestApplySignInSession(t *testing.T) {
	e := newEnded()
	s := &auth.Sessions{}
	signIn := identity(1, 10, 0, tenancy.RoleTechnician)
	signIn.SessionID = 5
	other := identity(2, 20, 0, tenancy.RoleTechnician)
	other.SessionID = 5
	defer s.Apply(auth.Change{TenantID: 1, UserID: 10, Reason: "cleanup"})
	defer s.Apply(auth.Change{TenantID: 2, UserID: 20, Reason: "cleanup"})
	defer s.Apply(auth.Change{TenantID: 1, UserID: 11, Reason: "cleanup"})
	s.Add(signIn, e.fn("browser"))
	s.Add(identity(1, 11, 5, tenancy.RoleTechnician), e.fn("token"))
	s.Add(other, e.fn("other tenant"))
	if n := s.Apply(auth.Change{TenantID: 1, SessionID: 5, Reason: auth.ReasonSignedOut}); n != 1 {
		t.Fatalf("ended %d sessions, want 1", n)
	}
	if got := e.of("browser"); len(got) != 1 || got[0] != auth.ReasonSignedOut {
		t.Errorf("browser: %v", got)
	}
	if len(e.of("token")) != 0 || len(e.of("other tenant")) != 0 {
		t.Errorf("ended others: token %v, other tenant %v", e.of("token"), e.of("other tenant"))
	}
	if s.Len() != 2 {
		t.Errorf("%d sessions left, want 2", s.Len())
	}
}
