package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/tenant"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/store"
)

func TestOpenSQLite(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "nested", "data")
	s, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Dialect != dialect.SQLite || s.IsPostgres() {
		t.Fatalf("dialect = %q", s.Dialect)
	}
	if _, err := os.Stat(filepath.Join(dir, "alertdesk.db")); err != nil {
		t.Fatalf("database file: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	for pragma, want := range map[string]string{
		"foreign_keys": "1",
		"journal_mode": "wal",
		"busy_timeout": "10000",
		"synchronous":  "1", // NORMAL
	} {
		var got string
		if err := s.DB.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", pragma, err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %q, want %q", pragma, got, want)
		}
	}
	if n := s.DB.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("MaxOpenConnections = %d, want 1", n)
	}
	// Usable through ent right away.
	if _, err := s.Ent.Tenant.Create().SetName("A").SetSlug("a").Save(ctx); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Reopening the same directory keeps the data and migrates nothing.
	s2, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if n := s2.Ent.Tenant.Query().CountX(ctx); n != 1 {
		t.Fatalf("tenants after reopen = %d, want 1", n)
	}
}

func TestConnectErrors(t *testing.T) {
	ctx := context.Background()
	if _, err := store.Connect(ctx, "mysql://u:secret@h/db", ""); err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("unsupported URL: err = %v (must fail and not leak the password)", err)
	}
	if _, err := store.Connect(ctx, "", ""); err == nil {
		t.Fatal("SQLite without a data dir: want error")
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := store.Connect(cctx, "postgres://u:secret@127.0.0.1:1/x?sslmode=disable&connect_timeout=2", "")
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("unreachable postgres: err = %v (must fail and not leak the password)", err)
	}
}

func TestOpenPostgresURL(t *testing.T) {
	// Connect through the public URL path (storetest uses it too) and check
	// the pool sizing.
	s := storetest.Open(t, dialect.Postgres)
	if !s.IsPostgres() {
		t.Fatalf("dialect = %q", s.Dialect)
	}
	if n := s.DB.Stats().MaxOpenConnections; n != 20 {
		t.Errorf("MaxOpenConnections = %d, want 20", n)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestTx(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.Tx(ctx, func(tx *ent.Tx) error {
			return tx.Tenant.Create().SetName("Committed").SetSlug("committed").Exec(ctx)
		}); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		err := s.Tx(ctx, func(tx *ent.Tx) error {
			if err := tx.Tenant.Create().SetName("Rolled back").SetSlug("rolled-back").Exec(ctx); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx error = %v, want boom", err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("panic was swallowed")
				}
			}()
			_ = s.Tx(ctx, func(tx *ent.Tx) error {
				tx.Tenant.Create().SetName("Panicked").SetSlug("panicked").ExecX(ctx)
				panic("oops")
			})
		}()
		slugs := s.Ent.Tenant.Query().Order(ent.Asc(tenant.FieldSlug)).Select(tenant.FieldSlug).StringsX(ctx)
		if !slices.Equal(slugs, []string{"committed"}) {
			t.Fatalf("tenants = %v, want only the committed one", slugs)
		}
		// The store is still usable after the panic (connection released).
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestLockKeysSerializes(t *testing.T) {
	s := storetest.Open(t, dialect.Postgres)
	ctx := context.Background()

	holding := make(chan struct{})
	release := make(chan struct{})
	var order []string
	var mu sync.Mutex
	record := func(s string) { mu.Lock(); order = append(order, s); mu.Unlock() }

	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		err := s.Tx(ctx, func(tx *ent.Tx) error {
			if err := s.LockKeys(ctx, tx, "a", "k"); err != nil {
				return err
			}
			close(holding)
			<-release
			record("first done")
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	}()
	<-holding
	go func() {
		defer wg.Done()
		err := s.Tx(ctx, func(tx *ent.Tx) error {
			if err := s.LockKeys(ctx, tx, "k"); err != nil {
				return err
			}
			record("second locked")
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	}()
	// Another key is not blocked.
	if err := s.Tx(ctx, func(tx *ent.Tx) error { return s.LockKeys(ctx, tx, "other") }); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	record("released")
	close(release)
	wg.Wait()
	want := []string{"released", "first done", "second locked"}
	if !slices.Equal(order, want) {
		t.Fatalf("order = %v, want %v", order, want)
	}
}

// TestLockKeysInOrder: the keys of one call are taken in the order given.
// While another transaction holds "second", a call locking "first" then
// "second" holds "first" and waits; locked the other way round it would
// hold neither.
func TestLockKeysInOrder(t *testing.T) {
	s := storetest.Open(t, dialect.Postgres)
	ctx := context.Background()

	holding, release := make(chan struct{}), make(chan struct{})
	blocker := make(chan error, 1)
	go func() {
		blocker <- s.Tx(ctx, func(tx *ent.Tx) error {
			if err := s.LockKeys(ctx, tx, "second"); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	waiter := make(chan error, 1)
	go func() {
		waiter <- s.Tx(ctx, func(tx *ent.Tx) error { return s.LockKeys(ctx, tx, "first", "second") })
	}()

	// Session-level try-lock on one connection, so the unlock reaches it.
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	firstFree := func() bool {
		var free bool
		row := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtextextended('first', 0))`)
		if err := row.Scan(&free); err != nil {
			t.Fatal(err)
		}
		if free {
			if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock(hashtextextended('first', 0))`); err != nil {
				t.Fatal(err)
			}
		}
		return free
	}
	deadline := time.Now().Add(5 * time.Second)
	for firstFree() {
		if time.Now().After(deadline) {
			close(release)
			t.Fatal(`"first" was never locked while "second" was held elsewhere`)
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-waiter:
		t.Fatalf("LockKeys returned (%v) while \"second\" was held elsewhere", err)
	default:
	}
	close(release)
	if err := <-blocker; err != nil {
		t.Fatal(err)
	}
	if err := <-waiter; err != nil {
		t.Fatal(err)
	}
	if !firstFree() {
		t.Fatal(`"first" still locked after commit`)
	}
}

func TestLockKeysSQLiteNoop(t *testing.T) {
	s := storetest.Open(t, dialect.SQLite)
	ctx := context.Background()
	if err := s.Tx(ctx, func(tx *ent.Tx) error { return s.LockKeys(ctx, tx, "a", "b") }); err != nil {
		t.Fatal(err)
	}
}

// TestNextTicketNumberConcurrent: 20 transactions creating tickets at once
// in one tenant get the numbers 1..20, once each.
func TestNextTicketNumberConcurrent(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		tn := s.Ent.Tenant.Create().SetName("T").SetSlug("t").SaveX(ctx)
		other := s.Ent.Tenant.Create().SetName("O").SetSlug("o").SaveX(ctx)
		board := s.Ent.Board.Create().SetTenantID(tn.ID).SetName("B").SetIsDefault(true).SaveX(ctx)
		status := s.Ent.TicketStatus.Create().SetTenantID(tn.ID).SetBoardID(board.ID).SetName("Open").SetIsDefault(true).SaveX(ctx)

		const n = 20
		numbers := make([]int, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				// Widen the race window: without the lock, others would read
				// the same MAX meanwhile.
				num, err := numberedTicket(ctx, s, status, 5*time.Millisecond)
				if err != nil {
					t.Error(err)
				}
				numbers[i] = num
			}()
		}
		close(start)
		wg.Wait()
		slices.Sort(numbers)
		for i, got := range numbers {
			if got != i+1 {
				t.Fatalf("numbers = %v, want 1..%d", numbers, n)
			}
		}
		// Another tenant starts at 1.
		if err := s.Tx(ctx, func(tx *ent.Tx) error {
			num, err := s.NextTicketNumber(ctx, tx, other.ID)
			if err != nil {
				return err
			}
			if num != 1 {
				t.Errorf("other tenant's first number = %d, want 1", num)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestTicketNumbersAcrossReplicas: on PostgreSQL a tenant's numbers come
// from a sequence created on first use. It continues after the highest
// number the tenant already has (its tickets, or the counter row an older
// version kept), and two replicas using it for the first time at once
// share one sequence.
func TestTicketNumbersAcrossReplicas(t *testing.T) {
	one := storetest.Open(t, dialect.Postgres)
	ctx := context.Background()
	two, err := store.Connect(ctx, storetest.URL(t, one), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { two.Close() })

	tn := one.Ent.Tenant.Create().SetName("T").SetSlug("t").SaveX(ctx)
	board := one.Ent.Board.Create().SetTenantID(tn.ID).SetName("B").SetIsDefault(true).SaveX(ctx)
	status := one.Ent.TicketStatus.Create().SetTenantID(tn.ID).SetBoardID(board.ID).SetName("Open").SaveX(ctx)
	one.Ent.Ticket.Create().SetTenantID(tn.ID).SetNumber(41).SetTitle("old").
		SetBoardID(board.ID).SetStatusID(status.ID).ExecX(ctx)
	if _, err := one.DB.ExecContext(ctx, `INSERT INTO ticket_counters (tenant_id, last_number, created_at) VALUES ($1, 45, now())`, tn.ID); err != nil {
		t.Fatal(err)
	}

	const n = 10
	var (
		mu      sync.Mutex
		numbers []int
		wg      sync.WaitGroup
	)
	start := make(chan struct{})
	for i := range 2 * n {
		s := []*store.Store{one, two}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			num, err := numberedTicket(ctx, s, status, 0)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			numbers = append(numbers, num)
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	slices.Sort(numbers)
	for i, got := range numbers {
		if got != 46+i {
			t.Fatalf("numbers = %v, want 46..%d", numbers, 45+2*n)
		}
	}
}

// numberedTicket creates a ticket on the status's board in a transaction of
// its own, numbered by NextTicketNumber, holding the transaction open for
// hold after taking the number; it returns the number.
func numberedTicket(ctx context.Context, s *store.Store, status *ent.TicketStatus, hold time.Duration) (int, error) {
	var num int
	err := s.Tx(ctx, func(tx *ent.Tx) (err error) {
		if num, err = s.NextTicketNumber(ctx, tx, status.TenantID); err != nil {
			return err
		}
		time.Sleep(hold)
		return tx.Ticket.Create().SetTenantID(status.TenantID).SetNumber(num).SetTitle("t").
			SetBoardID(status.BoardID).SetStatusID(status.ID).Exec(ctx)
	})
	return num, err
}
