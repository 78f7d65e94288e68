package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/apitoken"
	"github.com/alertdesk/alertdesk/config"
	"github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/providers/ninjaone"
	"github.com/alertdesk/alertdesk/store"
)

// startPostgres runs alertdesk on a PostgreSQL database of its own and
// returns, beside it, a store of the test's on the same database (for
// locks and checks outside alertdesk's pools).
func startPostgres(t *testing.T, h config.HTTP, d config.Database) (*running, *store.Store) {
	t.Helper()
	own := storetest.Open(t, dialect.Postgres)
	r := start(t, config.Config{DatabaseURL: storetest.URL(t, own), RedisURL: "redis://" + redistest.Addr(t), HTTP: h, Database: d})
	return r, own
}

// alerts counts the alerts of an external id.
func alerts(t testing.TB, s *store.Store, series string) int {
	t.Helper()
	return s.Ent.Alert.Query().Where(alert.ExternalAlertID(series)).CountX(context.Background())
}

// holdConn takes a connection of the test's own for a lock, released at
// the end of the test.
func holdConn(t testing.TB, s *store.Store) *sql.Conn {
	t.Helper()
	c, err := s.DB.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func exec(t testing.TB, c *sql.Conn, q string, args ...any) {
	t.Helper()
	if _, err := c.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestWebhookDeadline: a webhook that waits on a lock someone else holds
// answers 503 within its deadline (TacticalRMM gives up after about 10s),
// writes nothing, and succeeds once the lock is gone.
func TestWebhookDeadline(t *testing.T) {
	h := limits()
	h.WebhookTimeout = 2 * time.Second
	r, own := startPostgres(t, h, config.DefaultDatabase())
	tenant := r.app.Demo.TenantID
	in := r.integration("ninjaone")

	for _, tc := range []struct {
		name string
		lock func(c *sql.Conn, series string) (unlock string)
	}{
		{"advisory lock on the alert", func(c *sql.Conn, series string) string {
			// The key the pipeline locks an alert under.
			ev, err := ninjaone.NormalizeWebhook(ninjaBody(t, series))
			if err != nil {
				t.Fatal(err)
			}
			exec(t, c, "SELECT pg_advisory_lock(hashtextextended($1, 0))", fmt.Sprintf("alert:%d:%d:%s", tenant, in.ID, ev.ExternalAlertID))
			return "SELECT pg_advisory_unlock_all()"
		}},
		{"table lock on alerts", func(c *sql.Conn, _ string) string {
			exec(t, c, "BEGIN")
			exec(t, c, "LOCK TABLE alerts IN ACCESS EXCLUSIVE MODE")
			return "ROLLBACK"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			series := "deadline-" + strings.ReplaceAll(tc.name, " ", "-")
			c := holdConn(t, own)
			unlock := tc.lock(c, series)
			a := r.post(ninjaBody(t, series))
			t.Logf("answered %d after %s: %s", a.status, a.took.Round(time.Millisecond), a.body)
			if a.status != 503 {
				t.Errorf("status %d, want 503", a.status)
			}
			if a.took > 3*h.WebhookTimeout/2 {
				t.Errorf("answered after %s, deadline %s", a.took, h.WebhookTimeout)
			}
			// Nothing half-written: released, the alert does not exist.
			exec(t, c, unlock)
			if n := alerts(t, own, series); n != 0 {
				t.Errorf("%d alerts written by the failed webhook, want none", n)
			}
			if a := r.post(ninjaBody(t, series)); a.status != 200 {
				t.Errorf("after the lock: %d %s", a.status, a.body)
			}
			if n := alerts(t, own, series); n != 1 {
				t.Errorf("%d alerts after the retry, want 1", n)
			}
		})
	}
}

// TestFullPool: with every connection of the main pool taken by API
// requests stuck behind a table lock, webhooks (a pool of their own)
// still answer within their deadline, and /readyz and token checks (one
// of their own too) answer at once.
func TestFullPool(t *testing.T) {
	h := limits()
	h.WebhookTimeout, h.APITimeout, h.WriteTimeout = 2*time.Second, 6*time.Second, 8*time.Second
	d := config.DefaultDatabase()
	d.MaxConns, d.WebhookConns = 3, 2
	// Admission would keep the API from filling the pool; here it must,
	// as workers and many replicas' worth of requests can.
	own := storetest.Open(t, dialect.Postgres)
	r := start(t, config.Config{DatabaseURL: storetest.URL(t, own), RedisURL: "redis://" + redistest.Addr(t),
		HTTP: h, Database: d, API: config.APILimits{MaxConcurrent: 2 * d.MaxConns}})

	// A table the API reads and neither webhooks nor token checks touch.
	c := holdConn(t, own)
	exec(t, c, "BEGIN")
	exec(t, c, "LOCK TABLE event_subscriptions IN ACCESS EXCLUSIVE MODE")
	var wg sync.WaitGroup
	api := make(chan answer, 2*d.MaxConns)
	for range 2 * d.MaxConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			api <- r.graphql(r.app.Demo.AdminToken, "{ eventSubscriptions { id } }")
		}()
	}
	// Wait until the main pool is full of waiting requests.
	deadline := time.Now().Add(5 * time.Second)
	for r.app.Store.DB.Stats().InUse < d.MaxConns {
		if time.Now().After(deadline) {
			t.Fatalf("main pool never filled: %+v", r.app.Store.DB.Stats())
		}
		time.Sleep(20 * time.Millisecond)
	}

	a := r.post(ninjaBody(t, "full-pool"))
	t.Logf("webhook with the main pool full: %d after %s", a.status, a.took.Round(time.Millisecond))
	if a.status != 200 || a.took > h.WebhookTimeout {
		t.Errorf("webhook with the main pool full: %d after %s: %s", a.status, a.took, a.body)
	}
	a = r.get("/readyz")
	t.Logf("/readyz with the main pool full: %d after %s", a.status, a.took.Round(time.Millisecond))
	if a.status != 200 || a.took > time.Second {
		t.Errorf("/readyz with the main pool full: %d after %s: %s", a.status, a.took, a.body)
	}
	unknown, _, err := apitoken.New()
	if err != nil {
		t.Fatal(err)
	}
	a = r.graphql(unknown, "{ me { id } }")
	t.Logf("unknown token with the main pool full: %d after %s", a.status, a.took.Round(time.Millisecond))
	if a.status != 401 || a.took > time.Second {
		t.Errorf("unknown token with the main pool full: %d after %s: %s", a.status, a.took, a.body)
	}
	// The stuck API requests end at their deadline, not never.
	wg.Wait()
	close(api)
	for a := range api {
		t.Logf("stuck API request: %d after %s", a.status, a.took.Round(time.Millisecond))
		if a.took > h.APITimeout+2*time.Second {
			t.Errorf("API request stuck for %s (deadline %s): %d %s", a.took, h.APITimeout, a.status, a.body)
		}
	}
}

// TestTerminatedBackends: PostgreSQL ends every connection alertdesk
// holds (a restart, a failover, pg_terminate_backend) between two
// webhooks; the second still succeeds: its BEGIN, sent on a dead pooled
// connection, goes again on a live one.
func TestTerminatedBackends(t *testing.T) {
	r, own := startPostgres(t, limits(), config.DefaultDatabase())
	ctx := context.Background()
	admin := holdConn(t, own) // spared: it ends the others
	for i := range 3 {
		// Several at once, so the pool holds several connections.
		var wg sync.WaitGroup
		for j := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if a := r.post(ninjaBody(t, fmt.Sprintf("warm-%d-%d", i, j))); a.status != 200 {
					t.Errorf("warm-up webhook: %d %s", a.status, a.body)
				}
			}()
		}
		wg.Wait()
		var ended int
		err := admin.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`).Scan(&ended)
		if err != nil {
			t.Fatal(err)
		}
		if ended == 0 {
			t.Fatal("no backend ended")
		}
		if a := r.post(ninjaBody(t, fmt.Sprintf("after-%d", i))); a.status != 200 {
			t.Errorf("round %d: webhook after %d backends ended: %d %s", i, ended, a.status, a.body)
		}
	}
}
