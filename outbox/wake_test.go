package outbox_test

import (
	"context"
	"database/sql"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/seed"
)

// TestAnnouncerCoalesces: many commits in a burst make few NOTIFYs, at
// least one after the last commit, and a listener on another connection
// hears them; the announcer's own are recognized as such.
func TestAnnouncerCoalesces(t *testing.T) {
	s := storetest.Open(t, dialect.Postgres)
	url := storetest.URL(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ann := outbox.NewAnnouncer(url, 20*time.Millisecond, nil)
	go ann.Run(ctx)
	var woken, own atomic.Int64
	l := &outbox.Listener{URL: url, Wake: func() { woken.Add(1) }, Own: func(pid uint32) bool {
		if ann.Own(pid) {
			own.Add(1)
		}
		return false
	}}
	go l.Run(ctx)
	waitFor(t, "listener connected", func() bool { return woken.Load() == 1 })

	start := time.Now()
	for range 200 {
		ann.Committed()
		time.Sleep(100 * time.Microsecond)
	}
	burst := time.Since(start)
	waitFor(t, "a notification", func() bool { return woken.Load() > 1 })
	time.Sleep(100 * time.Millisecond)
	n := woken.Load() - 1
	// One NOTIFY per 20 ms at most, plus the one after the last commit.
	if most := int64(burst/(20*time.Millisecond)) + 2; n < 1 || n > most || n >= 100 {
		t.Errorf("200 commits over %v made %d notifications, want 1 to %d", burst, n, most)
	}
	if own.Load() != n {
		t.Errorf("%d of %d notifications recognized as the announcer's own", own.Load(), n)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// BenchmarkCommitNotify compares ways to announce an outbox entry: none,
// NOTIFY inside the committing transaction, and the Announcer after the
// commit. Each op is one transaction inserting one entry, 16 at a time.
//
//	go test -run '^$' -bench CommitNotify -benchtime 5s ./outbox/
func BenchmarkCommitNotify(b *testing.B) {
	s := storetest.Open(b, dialect.Postgres)
	demo, err := seed.Demo(context.Background(), s, seed.Options{DataDir: b.TempDir(), Secrets: storetest.Secrets(b)})
	if err != nil {
		b.Fatal(err)
	}
	url := storetest.URL(b, s)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ann := outbox.NewAnnouncer(url, 0, nil)
	go ann.Run(ctx)
	var woken atomic.Int64
	go (&outbox.Listener{URL: url, Wake: func() { woken.Add(1) }}).Run(ctx)

	insert := func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO outbox_entries (tenant_id, created_at, available_at, topic, payload)
			VALUES ($1, now(), now(), 'BENCH', '{}')`, demo.TenantID)
		return err
	}
	for _, c := range []struct {
		name         string
		inTx, announ bool
	}{{"none", false, false}, {"notify-in-tx", true, false}, {"announcer-after-commit", false, true}} {
		b.Run(c.name, func(b *testing.B) {
			start := woken.Load()
			b.SetParallelism(8) // 16 on 2 CPUs
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					tx, err := s.DB.Begin()
					if err != nil {
						b.Error(err)
						return
					}
					err = insert(tx)
					if err == nil && c.inTx {
						_, err = tx.Exec("SELECT pg_notify($1, '')", outbox.Channel)
					}
					if err == nil {
						err = tx.Commit()
					} else {
						tx.Rollback()
					}
					if err != nil {
						b.Error(err)
						return
					}
					if c.announ {
						ann.Committed()
					}
				}
			})
			time.Sleep(20 * time.Millisecond)
			b.ReportMetric(float64(woken.Load()-start)/float64(b.N), "notifies/op")
		})
	}
}
