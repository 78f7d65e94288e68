package store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/tenant"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/store"
)

// insertTenant is a statement that writes a tenant; literal SQL, so it
// reads the same in both dialects.
func insertTenant(slug string) store.Statement {
	return store.Statement{
		Name: "insert " + slug,
		SQL:  fmt.Sprintf("INSERT INTO tenants (name, slug, created_at, config_version) VALUES ('%s', '%s', CURRENT_TIMESTAMP, 1)", slug, slug),
	}
}

// countTenants is a statement that reads how many tenants have the slug.
func countTenants(slug string, n *int) store.Statement {
	return store.Statement{
		Name: "count " + slug,
		SQL:  fmt.Sprintf("SELECT count(*) FROM tenants WHERE slug = '%s'", slug),
		Read: func(rows store.Rows) error { return store.ScanRow(rows, n) },
	}
}

func tenantSlugs(t *testing.T, s *store.Store) []string {
	t.Helper()
	return s.Ent.Tenant.Query().Order(ent.Asc(tenant.FieldSlug)).Select(tenant.FieldSlug).StringsX(context.Background())
}

func TestBatchTx(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var firstCount int
		first := []store.Statement{insertTenant("first"), countTenants("first", &firstCount)}
		err := s.BatchTx(ctx, first, func(tx *ent.Tx, b *store.Batch) error {
			if firstCount != 1 {
				t.Errorf("first statements read %d tenants before fn, want 1 (the first insert, in this transaction)", firstCount)
			}
			if err := b.Defer(ctx, insertTenant("deferred")); err != nil {
				return err
			}
			// A statement after a deferred one sees it.
			if n := tx.Tenant.Query().Where(tenant.Slug("deferred")).CountX(ctx); n != 1 {
				t.Errorf("after Defer, the transaction sees %d deferred tenants, want 1", n)
			}
			return b.Defer(ctx, insertTenant("with-commit"))
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := tenantSlugs(t, s), []string{"deferred", "first", "with-commit"}; !slices.Equal(got, want) {
			t.Fatalf("tenants = %v, want %v", got, want)
		}
	})
}

// TestBatchTxFailures: whatever fails, nothing of the transaction is
// written, the error says which statement failed, and the store's
// connections come back usable (not left inside a transaction).
func TestBatchTxFailures(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name  string
		first []store.Statement
		fn    func(ctx context.Context, tx *ent.Tx, b *store.Batch) error
		want  string // in the error
		is    error  // errors.Is, when set
		calls bool   // fn is called
	}{
		{
			name:  "fn fails after deferring",
			first: []store.Statement{insertTenant("first")},
			fn: func(ctx context.Context, tx *ent.Tx, b *store.Batch) error {
				if err := b.Defer(ctx, insertTenant("deferred")); err != nil {
					return err
				}
				return boom
			},
			is: boom, calls: true,
		},
		{
			name:  "deferred statement fails at commit",
			first: []store.Statement{insertTenant("first")},
			fn: func(ctx context.Context, tx *ent.Tx, b *store.Batch) error {
				if err := tx.Tenant.Create().SetName("in-tx").SetSlug("in-tx").Exec(ctx); err != nil {
					return err
				}
				// The slug is unique: the second insert fails.
				if err := b.Defer(ctx, insertTenant("twice")); err != nil {
					return err
				}
				return b.Defer(ctx, insertTenant("twice"))
			},
			want: "insert twice", calls: true,
		},
		{
			name:  "deferred statement fails before the next one",
			first: []store.Statement{insertTenant("first")},
			fn: func(ctx context.Context, tx *ent.Tx, b *store.Batch) error {
				if err := b.Defer(ctx, insertTenant("first")); err != nil {
					return err
				}
				return tx.Tenant.Create().SetName("after").SetSlug("after").Exec(ctx)
			},
			want: "insert first", calls: true,
		},
		{
			name:  "first statement fails",
			first: []store.Statement{insertTenant("first"), {Name: "broken", SQL: "SELECT * FROM no_such_table"}},
			want:  "broken",
		},
		{
			name: "first statement's reader fails",
			first: []store.Statement{insertTenant("first"), {Name: "reader", SQL: "SELECT 1",
				Read: func(store.Rows) error { return boom }}},
			want: "reader", is: boom,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.ForEach(t, func(t *testing.T, s *store.Store) {
				ctx := context.Background()
				if s.IsPostgres() {
					// One connection: the next transaction gets the same one.
					s.DB.SetMaxOpenConns(1)
				}
				called := false
				err := s.BatchTx(ctx, tc.first, func(tx *ent.Tx, b *store.Batch) error {
					called = true
					if tc.fn == nil {
						return nil
					}
					return tc.fn(ctx, tx, b)
				})
				if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
					t.Fatalf("err = %v, want one containing %q", err, tc.want)
				}
				if called != tc.calls {
					t.Errorf("fn called = %v, want %v", called, tc.calls)
				}
				if got := tenantSlugs(t, s); len(got) != 0 {
					t.Errorf("tenants written: %v", got)
				}
				// The connection is back outside any transaction, and the
				// next transaction commits.
				if err := s.BatchTx(ctx, nil, func(tx *ent.Tx, b *store.Batch) error {
					return b.Defer(ctx, insertTenant("next"))
				}); err != nil {
					t.Fatalf("next transaction: %v", err)
				}
				if got := tenantSlugs(t, s); !slices.Equal(got, []string{"next"}) {
					t.Errorf("tenants after the next transaction = %v, want [next]", got)
				}
			})
		})
	}
}

func TestBatchTxDeferredErrorIsPostgres(t *testing.T) {
	s := storetest.Open(t, dialect.Postgres)
	ctx := context.Background()
	err := s.BatchTx(ctx, []store.Statement{insertTenant("dup")}, func(tx *ent.Tx, b *store.Batch) error {
		return b.Defer(ctx, insertTenant("dup"))
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		t.Fatalf("err = %v, want the unique violation itself", err)
	}
}

// TestBatchTxRoundTrips counts round trips on the wire, through a proxy in
// front of PostgreSQL: BEGIN with the first statements, each statement
// through tx, then the deferred ones with COMMIT.
func TestBatchTxRoundTrips(t *testing.T) {
	base := storetest.Open(t, dialect.Postgres)
	u, err := url.Parse(storetest.URL(t, base))
	if err != nil {
		t.Fatal(err)
	}
	p := newTurnProxy(t, u.Host)
	u.Host = p.addr()
	ctx := context.Background()
	s, err := store.Connect(ctx, u.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.DB.SetMaxOpenConns(1)

	// The same statements in both runs, so that the second finds them
	// prepared on the connection.
	const insert = "INSERT INTO tenants (name, slug, created_at, config_version) VALUES ($1, $1, CURRENT_TIMESTAMP, 1)"
	run := func(slug string) error {
		var n int
		first := []store.Statement{
			{Name: "insert a", SQL: insert, Args: []any{slug + "-a"}},
			{Name: "count", SQL: "SELECT count(*) FROM tenants WHERE slug = $1", Args: []any{slug + "-a"},
				Read: func(rows store.Rows) error { return store.ScanRow(rows, &n) }},
		}
		return s.BatchTx(ctx, first, func(tx *ent.Tx, b *store.Batch) error {
			if _, err := tx.ExecContext(ctx, insert, slug+"-b"); err != nil {
				return err
			}
			if err := b.Defer(ctx, store.Statement{Name: "insert c", SQL: insert, Args: []any{slug + "-c"}}); err != nil {
				return err
			}
			return b.Defer(ctx, store.Statement{Name: "insert d", SQL: insert, Args: []any{slug + "-d"}})
		})
	}
	// The first run prepares the statements on the connection.
	if err := run("warm"); err != nil {
		t.Fatal(err)
	}
	p.reset()
	if err := run("counted"); err != nil {
		t.Fatal(err)
	}
	// BEGIN + insert + count; insert through tx; two inserts + COMMIT.
	if got := p.turns(); got != 3 {
		t.Errorf("round trips = %d, want 3 (statement by statement it is 7)", got)
	}
	if got := tenantSlugs(t, s); len(got) != 8 {
		t.Errorf("tenants = %v, want the 8 both runs wrote", got)
	}
}

// turnProxy forwards TCP connections to a server and counts the client's
// turns: each time a client sends after the server has answered, which is
// one round trip.
type turnProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	n      int
}

func newTurnProxy(t *testing.T, target string) *turnProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &turnProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close() })
	go p.serve()
	return p
}

func (p *turnProxy) addr() string { return p.ln.Addr().String() }

func (p *turnProxy) reset() {
	p.mu.Lock()
	p.n = 0
	p.mu.Unlock()
}

func (p *turnProxy) turns() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

func (p *turnProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.forward(c)
	}
}

func (p *turnProxy) forward(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer server.Close()
	var (
		mu           sync.Mutex
		clientTalked bool // the last bytes of this connection came from the client
	)
	pipe := func(dst, src net.Conn, fromClient bool) {
		buf := make([]byte, 64<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				mu.Lock()
				if fromClient && !clientTalked {
					p.mu.Lock()
					p.n++
					p.mu.Unlock()
				}
				clientTalked = fromClient
				mu.Unlock()
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				if err != io.EOF {
					return
				}
				dst.Close()
				return
			}
		}
	}
	done := make(chan struct{})
	go func() { pipe(server, client, true); close(done) }()
	pipe(client, server, false)
	<-done
}

// TestBatchTxCanceled: a request that goes away before the commit leaves
// nothing written and the pool usable.
func TestBatchTxCanceled(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		if s.IsPostgres() {
			s.DB.SetMaxOpenConns(1)
		}
		ctx, cancel := context.WithCancel(context.Background())
		err := s.BatchTx(ctx, []store.Statement{insertTenant("first")}, func(tx *ent.Tx, b *store.Batch) error {
			if err := b.Defer(ctx, insertTenant("deferred")); err != nil {
				return err
			}
			cancel()
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if got := tenantSlugs(t, s); len(got) != 0 {
			t.Errorf("tenants written: %v", got)
		}
		bg := context.Background()
		if err := s.BatchTx(bg, []store.Statement{insertTenant("next")}, func(*ent.Tx, *store.Batch) error { return nil }); err != nil {
			t.Fatalf("next transaction: %v", err)
		}
		if got := tenantSlugs(t, s); !slices.Equal(got, []string{"next"}) {
			t.Errorf("tenants = %v, want [next]", got)
		}
	})
}
