package graph_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/proddata"
)

// loadProdData is a PostgreSQL Env holding the production-size dataset:
// ALERTDESK_BENCH_ALERTS alerts in the demo tenant, n unless set, vacuumed
// and analyzed as autovacuum would have left it.
func loadProdData(b *testing.B, n int) (*apptest.Env, *proddata.Facts) {
	b.Helper()
	if v, err := strconv.Atoi(os.Getenv("ALERTDESK_BENCH_ALERTS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	e := apptest.New(b, dialect.Postgres)
	f, err := proddata.Load(ctx, e.Store.DB, proddata.Options{TenantID: e.Demo.TenantID, Size: proddata.Scaled(n)})
	if err != nil {
		b.Fatal(err)
	}
	// Longer than the store's statement timeout allows on a busy machine.
	conn, err := e.Store.DB.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET statement_timeout = 0"); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "VACUUM ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return e, f
}
