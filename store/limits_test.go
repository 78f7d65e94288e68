package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/store"
)

// connectWith opens a second Store on base's database with the limits and
// an application_name of its own; extra is added to the URL's query.
func connectWith(t *testing.T, base *store.Store, l store.Limits, extra url.Values) *store.Store {
	t.Helper()
	u, err := url.Parse(storetest.URL(t, base))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for k, v := range extra {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	s, err := store.Connect(context.Background(), u.String(), "", store.WithLimits(l))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func show(t *testing.T, s *store.Store, setting string) string {
	t.Helper()
	var v string
	if err := s.DB.QueryRow("SHOW " + setting).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestTimeoutsOnEveryConnection: the statement and lock timeouts are set on
// the main and the webhook pools, a URL setting wins, and waits end with
// an error Unavailable recognizes.
func TestTimeoutsOnEveryConnection(t *testing.T) {
	base := storetest.Open(t, dialect.Postgres)
	ctx := context.Background()
	l := store.DefaultLimits()
	l.StatementTimeout, l.LockTimeout = 700*time.Millisecond, 300*time.Millisecond
	s := connectWith(t, base, l, nil)
	for _, pool := range []*store.Store{s, s.Ingest()} {
		if got := show(t, pool, "statement_timeout"); got != "700ms" {
			t.Errorf("statement_timeout = %s, want 700ms", got)
		}
		if got := show(t, pool, "lock_timeout"); got != "300ms" {
			t.Errorf("lock_timeout = %s, want 300ms", got)
		}
	}
	if got := show(t, connectWith(t, base, l, url.Values{"statement_timeout": {"1234"}}), "statement_timeout"); got != "1234ms" {
		t.Errorf("statement_timeout with the URL's = %s, want the URL's 1234ms", got)
	}

	holder, err := base.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	for _, tc := range []struct {
		name  string
		hold  string // on another connection
		run   func() error
		code  string
		limit time.Duration
	}{
		{"statement", "", func() error {
			_, err := s.DB.ExecContext(ctx, "SELECT pg_sleep(10)")
			return err
		}, "57014", l.StatementTimeout},
		{"table lock", "LOCK TABLE tenants IN ACCESS EXCLUSIVE MODE", func() error {
			_, err := s.Ingest().Ent.Tenant.Query().Count(ctx)
			return err
		}, "55P03", l.LockTimeout},
		{"advisory lock", "SELECT pg_advisory_xact_lock(hashtextextended('held', 0))", func() error {
			return s.Tx(ctx, func(tx *ent.Tx) error { return s.LockKeys(ctx, tx, "held") })
		}, "55P03", l.LockTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.hold != "" {
				if _, err := holder.ExecContext(ctx, "BEGIN"); err != nil {
					t.Fatal(err)
				}
				defer holder.ExecContext(ctx, "ROLLBACK") //nolint:errcheck
				if _, err := holder.ExecContext(ctx, tc.hold); err != nil {
					t.Fatal(err)
				}
			}
			began := time.Now()
			err := tc.run()
			took := time.Since(began)
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != tc.code {
				t.Fatalf("err = %v, want SQLSTATE %s", err, tc.code)
			}
			if !store.Unavailable(err) {
				t.Errorf("Unavailable(%v) = false", err)
			}
			if took > 5*tc.limit {
				t.Errorf("took %s, timeout %s", took, tc.limit)
			}
		})
	}
}

// TestMigrateWithoutTimeouts: migrations run without the timeouts, which
// a long migration (or waiting for another replica's) would exceed.
func TestMigrateWithoutTimeouts(t *testing.T) {
	empty := storetest.OpenEmpty(t, dialect.Postgres)
	l := store.DefaultLimits()
	l.StatementTimeout, l.LockTimeout = time.Millisecond, time.Millisecond
	s, err := store.Open(context.Background(), storetest.URL(t, empty), "", store.WithLimits(l))
	if err != nil {
		t.Fatalf("open with 1ms timeouts: %v", err)
	}
	s.Close()
}

// TestBeginOnDeadConnection: when PostgreSQL ended the pooled connections
// between two transactions, the next one begins on a live connection
// instead of failing, for Tx and BatchTx alike, and so does a plain read
// outside a transaction. A transaction whose
// connection dies after BEGIN is not run again.
func TestBeginOnDeadConnection(t *testing.T) {
	base := storetest.Open(t, dialect.Postgres)
	ctx := context.Background()
	s := connectWith(t, base, store.DefaultLimits(), url.Values{"application_name": {"victim"}})
	end := func() {
		t.Helper()
		var n int
		if err := base.DB.QueryRowContext(ctx,
			"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'victim'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			t.Fatal("no connection to end")
		}
	}
	var slug atomic.Int64
	runs := map[string]func(calls *int) error{
		"Tx": func(calls *int) error {
			return s.Tx(ctx, func(tx *ent.Tx) error {
				*calls++
				return tx.Tenant.Create().SetName("t").SetSlug(fmt.Sprint("tx-", slug.Add(1))).Exec(ctx)
			})
		},
		// A plain read is sent again; pgx itself resends only what never
		// left the client.
		"read": func(calls *int) error {
			*calls++
			_, err := s.Ent.Tenant.Query().Count(ctx)
			return err
		},
		"BatchTx": func(calls *int) error {
			return s.BatchTx(ctx, []store.Statement{insertTenant(fmt.Sprint("batch-", slug.Add(1)))}, func(tx *ent.Tx, b *store.Batch) error {
				*calls++
				return b.Defer(ctx, insertTenant(fmt.Sprint("batch-", slug.Add(1))))
			})
		},
	}
	for name, run := range runs {
		t.Run(name, func(t *testing.T) {
			var calls int
			if err := run(&calls); err != nil { // a pooled connection
				t.Fatal(err)
			}
			for round := range 3 {
				end()
				calls = 0
				if err := run(&calls); err != nil {
					t.Fatalf("round %d: after the backends ended: %v", round, err)
				}
				if calls != 1 {
					t.Errorf("round %d: fn ran %d times, want 1", round, calls)
				}
			}
		})
	}
	t.Run("dies after BEGIN", func(t *testing.T) {
		calls := 0
		err := s.Tx(ctx, func(tx *ent.Tx) error {
			calls++
			_, err := tx.ExecContext(ctx, "SELECT pg_terminate_backend(pg_backend_pid())")
			return err
		})
		if err == nil {
			t.Fatal("a transaction whose connection died committed")
		}
		if calls != 1 {
			t.Errorf("fn ran %d times, want 1: only BEGIN is sent again", calls)
		}
	})
}

func TestUnavailable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{errors.New("boom"), false},
		{context.DeadlineExceeded, true},
		{fmt.Errorf("pipeline: lock: %w", &pgconn.PgError{Code: "55P03"}), true},
		{&pgconn.PgError{Code: "57014"}, true},
		{&pgconn.PgError{Code: "57P01"}, true},
		{&pgconn.PgError{Code: "40P01"}, true},
		{&pgconn.PgError{Code: "23505"}, false},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
	} {
		if got := store.Unavailable(tc.err); got != tc.want {
			t.Errorf("Unavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// TestPoolsOfTheirOwn: on PostgreSQL webhook ingest and control checks use
// pools of their own, which the parent closes; on SQLite there is one.
func TestPoolsOfTheirOwn(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		in := s.Ingest()
		if s.IsPostgres() != (in != s) {
			t.Fatalf("Ingest() is the store itself: %v, on %s", in == s, s.Dialect)
		}
		if s.IsPostgres() != (s.Control() != s.Ent) {
			t.Fatalf("Control() is Ent: %v, on %s", s.Control() == s.Ent, s.Dialect)
		}
		if in != s {
			if err := in.Close(); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []*ent.Client{in.Ent, s.Control(), s.Ent} {
			if _, err := c.Tenant.Query().Count(ctx); err != nil {
				t.Fatalf("after closing the ingest view: %v", err)
			}
		}
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestIsRead(t *testing.T) {
	for q, want := range map[string]bool{
		`SELECT "t"."id" FROM "tenants" AS "t"`:                     true,
		"  select count(*) from alerts":                             true,
		"SELECT id FROM tickets WHERE id = $1 FOR UPDATE":           false,
		`INSERT INTO "tenants" ("name") VALUES ($1) RETURNING "id"`: false,
		`UPDATE "alerts" SET "status" = $1`:                         false,
		"WITH x AS (DELETE FROM a RETURNING *) SELECT * FROM x":     false,
		"SEL": false,
	} {
		if got := store.IsRead(q); got != want {
			t.Errorf("IsRead(%q) = %v, want %v", q, got, want)
		}
	}
}

// TestIngestWaitsForTurns: the webhook pool's transactions, Tx and
// BatchTx alike, wait for a turn rather than in database/sql's queue of
// connections (which wakes a waiter at random), and the waits are
// reported as the pool's.
func TestIngestWaitsForTurns(t *testing.T) {
	base := storetest.Open(t, dialect.Postgres)
	ctx := context.Background()
	l := store.DefaultLimits()
	l.WebhookConns = 2
	s := connectWith(t, base, l, nil)
	in := s.Ingest()

	hold := make(chan struct{})
	holding := make(chan struct{}, 2)
	holders := make(chan error, 2)
	for range 2 {
		go func() {
			holders <- in.Tx(ctx, func(tx *ent.Tx) error {
				holding <- struct{}{}
				<-hold
				return nil
			})
		}()
	}
	<-holding
	<-holding
	const waiters = 6
	done := make(chan error, waiters)
	for i := range waiters {
		go func() {
			if i%2 == 0 {
				done <- in.Tx(ctx, func(tx *ent.Tx) error {
					_, err := tx.Tenant.Query().Exist(ctx)
					return err
				})
				return
			}
			done <- in.BatchTx(ctx, []store.Statement{{Name: "one", SQL: "SELECT 1"}}, func(*ent.Tx, *store.Batch) error { return nil })
		}()
	}
	time.Sleep(100 * time.Millisecond) // the waiters queue
	close(hold)
	for range 2 {
		if err := <-holders; err != nil {
			t.Fatal(err)
		}
	}
	for range waiters {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if n := in.DB.Stats().WaitCount; n != 0 {
		t.Errorf("%d waits in database/sql's queue; want none", n)
	}
	if n := s.PoolStats()["ingest"].WaitCount; n < 1 {
		t.Errorf("the ingest pool reports %d waits; want the turns' (up to %d)", n, waiters)
	}
}
