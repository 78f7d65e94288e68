package worker_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/plancheck"
	"github.com/alertdesk/alertdesk/internal/proddata"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/notify"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/secrets"
	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/worker"
	"github.com/alertdesk/alertdesk/workflow"
)

// maxRelayRowsRead bounds what one statement of the relay may read: the
// undelivered entries (a few dozen here), never the delivered ones the
// table keeps.
const maxRelayRowsRead = 400

// TestRelayPlansAreBounded runs the relay's passes (a claim with due
// entries, an idle one, the marking, the lag gauges) on a
// production-shaped outbox (28,000 delivered entries, the newest few
// undelivered) with auto_explain on, and fails when a statement reads
// more than maxRelayRowsRead rows. The relay runs every second, and on
// every commit under load, in each process with the worker role: a plan
// that walks the delivered entries costs that walk each time (at a million
// alerts, 280,000 entries and 10,000 buffers a claim).
func TestRelayPlansAreBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 100,000 alerts")
	}
	e := apptest.New(t, dialect.Postgres)
	ctx := context.Background()
	if _, err := proddata.Load(ctx, e.Store.DB, proddata.Options{TenantID: e.Demo.TenantID, Size: proddata.Scaled(100_000)}); err != nil {
		t.Fatal(err)
	}
	st, rec := explainedStore(t, storetest.URL(t, e.Store))
	rdb := redis.NewClient(&redis.Options{Addr: redistest.Addr(t)})
	t.Cleanup(func() { rdb.Close() })
	box, err := secrets.New(bytes.Repeat([]byte{9}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	// Not started: the test runs the relay's passes itself.
	w := worker.New(worker.Deps{Store: st, Redis: rdb, Pipeline: e.Pipeline, Secrets: box, Log: testLog(),
		Queue: strings.Trim(unsafe.ReplaceAllString(redistest.Prefix(t), "_"), "_")})
	workflow.Register(w, rdb, &workflow.Deliverer{Store: st, Secrets: box, Log: testLog()})
	notify.Register(w, &notify.Consumer{Store: st, Redis: rdb, Log: testLog()})
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := e.Store.DB.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// Due entries of an inline topic, which a claim delivers at once.
	due := func(n int) {
		exec(`INSERT INTO outbox_entries (created_at, topic, payload, available_at, attempts, last_error, tenant_id)
			SELECT now(), $2, '{}'::jsonb, now(), 0, '', $1 FROM generate_series(1, $3)`,
			e.Demo.TenantID, outbox.AlertFeed, n)
	}
	check := func(stats string) {
		t.Helper()
		due(3)
		for _, step := range []struct {
			name string
			fn   func() error
		}{
			{"claim of due entries", func() error {
				n, err := w.RelayOnce(ctx)
				if err == nil && n != 3 {
					t.Errorf("%s: claimed %d entries, want 3", stats, n)
				}
				return err
			}},
			{"idle claim", func() error { _, err := w.RelayOnce(ctx); return err }},
			{"lag gauges", func() error { w.UpdateLag(ctx); return nil }},
		} {
			var ferr error
			plans, err := rec.Record(func() { ferr = step.fn() })
			if err = errors.Join(err, ferr); err != nil {
				t.Fatalf("%s, %s: %v", stats, step.name, err)
			}
			if len(plans) == 0 {
				t.Fatalf("%s, %s: no plans recorded", stats, step.name)
			}
			for _, pl := range plans {
				if n := pl.Root.RowsRead(); n > maxRelayRowsRead {
					t.Errorf("%s, %s: a statement read %.0f rows (bound %d): %s\n%s", stats, step.name, n, maxRelayRowsRead,
						pl.Root.Scans(), strings.Join(strings.Fields(pl.Query), " "))
				}
			}
		}
	}
	check("statistics of a settled outbox")
	// ANALYZE (autovacuum's) during a burst sees a backlog: 1,000
	// undelivered entries. Once they are delivered the planner still
	// expects that many, and walking the primary key in id order looks
	// cheaper than finding the few undelivered entries first.
	due(1000)
	exec(`ANALYZE outbox_entries`)
	exec(`UPDATE outbox_entries SET delivered_at = now() WHERE delivered_at IS NULL AND available_at <= now()`)
	check("statistics taken during a backlog")
}

// explainedStore is a store whose connections report every plan to rec.
func explainedStore(t testing.TB, databaseURL string) (*store.Store, *plancheck.Recorder) {
	db, rec, err := plancheck.Open(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return store.New(db, dialect.Postgres), rec
}
