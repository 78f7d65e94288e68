package graph_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/ent/apitoken"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/feed"
	"github.com/alertdesk/alertdesk/graph"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/redistest"
)

// closeWithin bounds how long a socket may stay open after its token
// changed: the target is a second; three leave room for a loaded machine.
const closeWithin = 3 * time.Second

// replicaRedis returns two clients of one Redis, one per replica: the
// machine's, or an embedded server.
func replicaRedis(t *testing.T, kind string) (redis.UniversalClient, redis.UniversalClient) {
	if kind == "redis" {
		return apptest.Redis(t), apptest.Redis(t)
	}
	addr := redistest.Embedded(t)
	c1, c2 := redis.NewClient(&redis.Options{Addr: addr}), redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { c1.Close(); c2.Close() })
	return c1, c2
}

// waitClosed waits for the server to close the socket, and checks the code
// and reason of its close frame.
func waitClosed(t *testing.T, s *apptest.Subscription, since time.Time, reason string) {
	t.Helper()
	select {
	case <-s.Closed:
	case <-time.After(closeWithin):
		t.Fatalf("socket still open %s after the change", closeWithin)
	}
	t.Logf("socket closed %s after the change", time.Since(since))
	if code, got := s.CloseStatus(); code != graph.CloseAuthChanged || got != reason {
		t.Errorf("closed with %d %q (%v), want %d %q", code, got, s.Err, graph.CloseAuthChanged, reason)
	}
}

func stillOpen(t *testing.T, name string, s *apptest.Subscription) {
	t.Helper()
	select {
	case <-s.Closed:
		t.Errorf("%s closed: %v", name, s.Err)
	default:
	}
}

// Two replicas on one PostgreSQL and Redis: a token revoked through
// replica one closes its subscription on replica two; the same user's
// other token, and other users, keep streaming.
func TestRevokedTokenClosesSocketOnAnotherReplica(t *testing.T) {
	for _, kind := range []string{"redis", "embedded"} {
		t.Run(kind, func(t *testing.T) {
			rdb1, rdb2 := replicaRedis(t, kind)
			one := apptest.NewWith(t, "postgres", apptest.Options{Redis: rdb1})
			two := apptest.NewWith(t, "postgres", apptest.Options{Redis: rdb2, ReplicaOf: one})
			tenant := one.Demo.TenantID

			var created struct {
				CreateAPIToken struct {
					Token    string
					APIToken struct{ ID string }
				}
			}
			one.Admin(`mutation { createApiToken(input: {name: "dashboard"}) { token apiToken { id } } }`, nil).Must(&created)
			doomed, _ := two.Subscribe(bearer(created.CreateAPIToken.Token), alertEventsQuery, nil)
			sameUser, _ := two.Subscribe(bearer(one.Demo.AdminToken), alertEventsQuery, nil)
			tech, _ := two.Subscribe(bearer(technician(one)), alertEventsQuery, nil)
			waitSubscribed(t, rdb1, feed.Channel(tenant), 3)

			r := one.PostFixture(ninja, "ninjaone-condition-triggered.json")
			relay(t, rdb1, feed.Triggered, tenant, one.Integration(ninja).ID, r)
			for _, s := range []*apptest.Subscription{doomed, sameUser, tech} {
				nextEvent(t, s, 5*time.Second)
			}

			start := time.Now()
			one.Admin(`mutation($id: ID!) { revokeApiToken(id: $id) { revokedAt } }`,
				apptest.Vars("id", created.CreateAPIToken.APIToken.ID)).Must(nil)
			waitClosed(t, doomed, start, auth.ReasonTokenRevoked)

			// The others stream on; the closed socket's feed subscription
			// is gone.
			waitSubscribed(t, rdb1, feed.Channel(tenant), 2)
			reset := one.PostFixture(ninja, "ninjaone-condition-reset.json")
			relay(t, rdb1, feed.Resolved, tenant, one.Integration(ninja).ID, reset)
			nextEvent(t, sameUser, 5*time.Second)
			nextEvent(t, tech, 5*time.Second)
			stillOpen(t, "same user's other token", sameUser)
			stillOpen(t, "technician", tech)
			if n := listening(t, rdb1, feed.Channel(tenant)); n != 2 {
				t.Errorf("feed subscribers after the close: %d, want 2", n)
			}

			// The revoked token cannot connect again, on either replica.
			for name, e := range map[string]*apptest.Env{"one": one, "two": two} {
				if _, ok := e.Subscribe(bearer(created.CreateAPIToken.Token), alertEventsQuery, nil); ok {
					t.Errorf("replica %s acknowledged the revoked token", name)
				}
			}
		})
	}
}

// A role change and a user deactivation, made where the future user
// mutations will make them (auth.SetRole, an announced auth.Change), close
// all of the user's sockets on another replica.
func TestUserChangeClosesSocketsOnAnotherReplica(t *testing.T) {
	rdb1, rdb2 := replicaRedis(t, "redis")
	one := apptest.NewWith(t, "postgres", apptest.Options{Redis: rdb1})
	two := apptest.NewWith(t, "postgres", apptest.Options{Redis: rdb2, ReplicaOf: one})
	tenant := one.Demo.TenantID
	techToken, techID := one.NewToken(tenant, "tech@demo.test", user.RoleTechnician)
	otherToken, _ := one.NewToken(tenant, "other@demo.test", user.RoleTechnician)

	for _, c := range []struct {
		name   string
		change func() *auth.Change
		reason string
	}{
		{"role changed", func() *auth.Change {
			_, c, err := auth.SetRole(one.Ctx, one.DB.User.GetX(one.Ctx, techID), user.RoleAdmin)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}, auth.ReasonRoleChanged},
		{"user deactivated", func() *auth.Change {
			return &auth.Change{TenantID: tenant, UserID: techID, Reason: auth.ReasonUserDeactivated}
		}, auth.ReasonUserDeactivated},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The user's two sockets on replica two, and another user's.
			a, _ := two.Subscribe(bearer(techToken), alertEventsQuery, nil)
			b, _ := two.Subscribe(map[string]any{"token": techToken}, alertEventsQuery, nil)
			other, _ := two.Subscribe(bearer(otherToken), alertEventsQuery, nil)
			waitSubscribed(t, rdb1, feed.Channel(tenant), 3)

			start := time.Now()
			change := c.change()
			if change == nil {
				t.Fatal("no change to announce")
			}
			if err := auth.Announce(t.Context(), rdb1, *change); err != nil {
				t.Fatal(err)
			}
			waitClosed(t, a, start, c.reason)
			waitClosed(t, b, start, c.reason)
			waitSubscribed(t, rdb1, feed.Channel(tenant), 1)
			stillOpen(t, "another user's socket", other)
			// Done with it: the next case starts from no subscribers.
			other.Close()
			waitNoSubscribers(t, rdb1, feed.Channel(tenant))
		})
	}
	// After the role change the token connects again, as an admin.
	s, ok := two.Subscribe(bearer(techToken), `{ me { role } }`, nil)
	typ, payload, _ := s.Next(5 * time.Second)
	var me struct {
		Data struct{ Me struct{ Role string } }
	}
	if !ok || typ != "next" || json.Unmarshal(payload, &me) != nil || me.Data.Me.Role != "ADMIN" {
		t.Errorf("reconnecting after the role change: %v %s %s", ok, typ, payload)
	}
}

// A socket re-checks its token before each operation: with the change's
// broadcast missed (here there is no Redis, and the token is revoked
// straight in the database), the next subscribe is refused and the socket
// closed.
func TestSubscribeRechecksToken(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(e *apptest.Env, tokenID, userID int)
		reason string
	}{
		{"revoked", func(e *apptest.Env, tokenID, _ int) {
			e.DB.APIToken.UpdateOneID(tokenID).SetRevokedAt(time.Now()).ExecX(e.Ctx)
		}, auth.ReasonTokenRevoked},
		{"role changed", func(e *apptest.Env, _, userID int) {
			if _, _, err := auth.SetRole(e.Ctx, e.DB.User.GetX(e.Ctx, userID), user.RoleAdmin); err != nil {
				e.T.Fatal(err)
			}
		}, auth.ReasonRoleChanged},
	} {
		t.Run(c.name, func(t *testing.T) {
			eachDialect(t, func(t *testing.T, e *apptest.Env) {
				token, userID := e.NewToken(e.Demo.TenantID, "tech@demo.test", user.RoleTechnician)
				id := e.DB.APIToken.Query().Where(apitoken.UserID(userID)).OnlyX(e.Ctx).ID
				s, ok := e.Subscribe(bearer(token), `{ me { id } }`, nil)
				if !ok {
					t.Fatalf("not connected: %v", s.Err)
				}
				if typ, payload, _ := s.Next(5 * time.Second); typ != "next" {
					t.Fatalf("first operation: %s %s", typ, payload)
				}
				if typ, _, _ := s.Next(5 * time.Second); typ != "complete" {
					t.Fatalf("first operation ended with %s", typ)
				}

				start := time.Now()
				c.change(e, id, userID)
				s.Start("2", `{ me { id } }`, nil)
				for {
					typ, payload, ok := s.Next(closeWithin)
					if !ok {
						break
					}
					var msg struct{ Data any }
					if json.Unmarshal(payload, &msg) == nil && msg.Data != nil {
						t.Fatalf("operation ran after the change: %s %s", typ, payload)
					}
				}
				waitClosed(t, s, start, c.reason)
			})
		})
	}
}

func waitNoSubscribers(t *testing.T, rdb redis.UniversalClient, channel string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		n, err := rdb.PubSubNumSub(t.Context(), channel).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n[channel] == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s still has subscribers", channel)
}
