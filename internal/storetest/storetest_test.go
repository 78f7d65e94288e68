package storetest_test

import (
	"context"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/migrations"
	"github.com/alertdesk/alertdesk/store"
)

func TestOpenIsolatedAndMigrated(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			a := storetest.Open(t, d)
			b := storetest.Open(t, d)
			if a.Dialect != d || b.Dialect != d {
				t.Fatalf("dialects %q, %q; want %q", a.Dialect, b.Dialect, d)
			}
			for _, s := range []*store.Store{a, b} {
				pending, err := migrations.Pending(ctx, s.DB, d)
				if err != nil || len(pending) != 0 {
					t.Fatalf("Pending = %v, %v; want none", pending, err)
				}
			}
			a.Ent.Tenant.Create().SetName("A").SetSlug("a").ExecX(ctx)
			if n := b.Ent.Tenant.Query().CountX(ctx); n != 0 {
				t.Fatalf("store b sees %d tenants of store a", n)
			}
		})
	}
}

func TestOpenEmpty(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			s := storetest.OpenEmpty(t, d)
			pending, err := migrations.Pending(context.Background(), s.DB, d)
			if err != nil {
				t.Fatal(err)
			}
			all, _ := migrations.List(d)
			if len(pending) != len(all) {
				t.Fatalf("Pending = %v, want all %d", pending, len(all))
			}
		})
	}
}

func TestURL(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t, dialect.Postgres)
	s.Ent.Tenant.Create().SetName("A").SetSlug("a").ExecX(ctx)
	replica, err := store.Open(ctx, storetest.URL(t, s), "")
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	if n := replica.Ent.Tenant.Query().CountX(ctx); n != 1 {
		t.Fatalf("second pool sees %d tenants, want 1", n)
	}
}

// TestOpenTiming reports how long Open takes; it runs with -v only.
func TestOpenTiming(t *testing.T) {
	if !testing.Verbose() {
		t.Skip("timing report; run with -v")
	}
	for _, d := range storetest.Dialects() {
		storetest.Open(t, d) // warm: template built, drivers loaded
		const n = 5
		start := time.Now()
		for range n {
			storetest.Open(t, d)
		}
		t.Logf("%s: storetest.Open takes %v on average", d, time.Since(start)/n)
	}
}
