//go:build lab

package graph_test

import (
	"context"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/proddata"
)

func TestZZLab(t *testing.T) {
	e := apptest.New(t, dialect.Postgres)
	ctx := context.Background()
	f, err := proddata.Load(ctx, e.Store.DB, proddata.Options{TenantID: e.Demo.TenantID, Size: proddata.Scaled(1_000_000)})
	if err != nil {
		t.Fatal(err)
	}
	var name string
	e.Store.DB.QueryRow("SELECT current_database()").Scan(&name)
	t.Logf("DB %s tenant %d", name, f.TenantID)
	println("DB", name, "tenant", f.TenantID)
	time.Sleep(150 * time.Minute)
}
