package pipeline_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent/tenant"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/seed"
	"github.com/alertdesk/alertdesk/store"
)

// TestConfigVersionTriggers: an insert, update or delete in any table the
// routing configuration is built from advances its tenant's
// config_version, and no other tenant's. SQLite drops a table's triggers
// when a migration rebuilds the table; this is where that shows.
func TestConfigVersionTriggers(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		demo, err := seed.Demo(ctx, s, seed.Options{DataDir: t.TempDir(), PublicURL: "http://alertdesk.test", Secrets: storetest.Secrets(t)})
		if err != nil {
			t.Fatal(err)
		}
		other := s.Ent.Tenant.Create().SetName("Other").SetSlug("other").SaveX(ctx)
		s.Ent.MaintenanceWindow.Create().SetTenantID(demo.TenantID).SetName("w").
			SetStartsAt(time.Now()).SetEndsAt(time.Now().Add(time.Hour)).ExecX(ctx)
		version := func(id int) int64 {
			t.Helper()
			v, err := s.Ent.Tenant.Query().Where(tenant.ID(id)).Select(tenant.FieldConfigVersion).Int(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return int64(v)
		}
		for _, table := range pipeline.ConfigTables {
			t.Run(table, func(t *testing.T) {
				// Copy a row of the tenant (a new id), change it, delete it.
				var id int
				row := s.DB.QueryRowContext(ctx, fmt.Sprintf(`SELECT MIN(id) FROM %s WHERE tenant_id = %d`, table, demo.TenantID))
				if err := row.Scan(&id); err != nil {
					t.Fatalf("no %s row of the demo tenant: %v", table, err)
				}
				for _, step := range []struct{ name, sql string }{
					{"update", fmt.Sprintf(`UPDATE %s SET tenant_id = tenant_id WHERE id = %d`, table, id)},
					{"delete", fmt.Sprintf(`DELETE FROM %s WHERE id = %d`, table, id)},
				} {
					before, otherBefore := version(demo.TenantID), version(other.ID)
					tx, err := s.DB.BeginTx(ctx, nil)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := tx.ExecContext(ctx, step.sql); err != nil {
						// Rows referenced elsewhere cannot be deleted; the
						// delete trigger is still checked in the catalog.
						_ = tx.Rollback()
						if step.name == "delete" {
							continue
						}
						t.Fatalf("%s: %v", step.sql, err)
					}
					if err := tx.Commit(); err != nil {
						t.Fatal(err)
					}
					if after := version(demo.TenantID); after <= before {
						t.Errorf("%s of %s: config_version %d → %d, want it advanced", step.name, table, before, after)
					}
					if v := version(other.ID); v != otherBefore {
						t.Errorf("%s of %s advanced another tenant's config_version", step.name, table)
					}
				}
				if got := triggerEvents(t, s, table); got != "DELETE,INSERT,UPDATE" {
					t.Errorf("%s has config_version triggers on %q, want DELETE,INSERT,UPDATE", table, got)
				}
			})
		}
	})
}

// TestInventoryLeavesConfigVersion: writes to the inventory, which each
// event reads for itself, leave config_version alone, so an inventory
// sync does not make every replica load its configurations again.
func TestInventoryLeavesConfigVersion(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		demo, err := seed.Demo(ctx, s, seed.Options{DataDir: t.TempDir(), PublicURL: "http://alertdesk.test", Secrets: storetest.Secrets(t)})
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"clients", "assets", "asset_devices", "organization_mappings"} {
			t.Run(table, func(t *testing.T) {
				var id int
				row := s.DB.QueryRowContext(ctx, fmt.Sprintf(`SELECT MIN(id) FROM %s WHERE tenant_id = %d`, table, demo.TenantID))
				if err := row.Scan(&id); err != nil {
					t.Fatalf("no %s row of the demo tenant: %v", table, err)
				}
				before := s.Ent.Tenant.Query().Where(tenant.ID(demo.TenantID)).Select(tenant.FieldConfigVersion).IntX(ctx)
				if _, err := s.DB.ExecContext(ctx, fmt.Sprintf(`UPDATE %s SET tenant_id = tenant_id WHERE id = %d`, table, id)); err != nil {
					t.Fatal(err)
				}
				if after := s.Ent.Tenant.Query().Where(tenant.ID(demo.TenantID)).Select(tenant.FieldConfigVersion).IntX(ctx); after != before {
					t.Errorf("update of %s: config_version %d → %d, want it unchanged", table, before, after)
				}
				if got := triggerEvents(t, s, table); got != "" {
					t.Errorf("%s has config_version triggers on %q, want none", table, got)
				}
			})
		}
	})
}

// triggerEvents lists the operations that fire a config_version trigger
// on table, sorted and comma-separated.
func triggerEvents(t *testing.T, s *store.Store, table string) string {
	t.Helper()
	q := `SELECT string_agg(event_manipulation, ',' ORDER BY event_manipulation) FROM information_schema.triggers
WHERE event_object_table = $1 AND trigger_name LIKE '%config_version%'`
	if !s.IsPostgres() {
		q = `SELECT group_concat(op, ',') FROM (SELECT upper(substr(name, length(tbl_name) + 17)) AS op FROM sqlite_master
WHERE type = 'trigger' AND tbl_name = ? AND name LIKE '%config_version%' ORDER BY op)`
	}
	var got *string
	if err := s.DB.QueryRowContext(context.Background(), q, table).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got == nil {
		return ""
	}
	return *got
}
