package worker_test

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/feed"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/worker"
)

// addFeedEntries writes n ALERT_FEED entries of the demo tenant.
func addFeedEntries(t *testing.T, e *apptest.Env, n int) []int {
	t.Helper()
	b := make([]*ent.OutboxEntryCreate, n)
	for i := range b {
		b[i] = e.DB.OutboxEntry.Create().SetTenantID(e.Demo.TenantID).SetTopic(outbox.AlertFeed).
			SetPayload(map[string]any{"type": feed.Occurrence, "alertId": i + 1, "integrationId": 1})
	}
	rows, err := e.DB.OutboxEntry.CreateBulk(b...).Save(e.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int, n)
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}

// replica opens a second pool on the env's PostgreSQL database, as
// another replica would (through rewrite, if given, to reach it).
func replica(t *testing.T, e *apptest.Env, rewrite func(*url.URL)) *store.Store {
	t.Helper()
	u, err := url.Parse(storetest.URL(t, e.Store))
	if err != nil {
		t.Fatal(err)
	}
	if rewrite != nil {
		rewrite(u)
	}
	s, err := store.Connect(context.Background(), u.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// relayOf is a worker on s that is not started: the test drives RelayOnce.
func relayOf(t *testing.T, s *store.Store, rdb redis.UniversalClient) *worker.Worker {
	t.Helper()
	return worker.New(worker.Deps{Store: s, Redis: rdb, Log: testLog(), Queue: redistest.Prefix(t) + "q"})
}

// TestRelayPassStatements counts the statements one relay pass sends for
// 100 feed entries: the claim and the mark, whatever the batch's size.
func TestRelayPassStatements(t *testing.T) {
	e := apptest.New(t, dialect.Postgres)
	s, statements := storetest.Counted(t, e.Store)
	rdb := redis.NewClient(&redis.Options{Addr: redistest.Addr(t)})
	t.Cleanup(func() { rdb.Close() })
	w := relayOf(t, s, rdb)
	ctx := context.Background()
	msgs, err := feed.Subscribe(ctx, rdb, e.Demo.TenantID)
	if err != nil {
		t.Fatal(err)
	}

	// An empty pass first, so both start on a warm connection.
	if n, err := w.RelayOnce(ctx); err != nil || n != 0 {
		t.Fatalf("empty pass: %d, %v", n, err)
	}
	statements()
	ids := addFeedEntries(t, e, 100)
	n, err := w.RelayOnce(ctx)
	if err != nil || n != len(ids) {
		t.Fatalf("pass claimed %d, %v; want %d", n, err, len(ids))
	}
	got := statements()
	t.Logf("statements for a pass over %d entries: %d", n, got)
	if got != 2 {
		t.Errorf("a pass over %d entries sent %d statements, want 2 (claim, mark)", n, got)
	}
	if left := e.DB.OutboxEntry.Query().Where(outboxentry.DeliveredAtIsNil()).CountX(ctx); left != 0 {
		t.Errorf("%d entries left undelivered", left)
	}
	for range ids {
		select {
		case <-msgs:
		case <-time.After(5 * time.Second):
			t.Fatal("feed messages missing")
		}
	}
}

// TestBatchClaimIsExclusive: relays on separate pools claiming the same
// entries at once never hand one entry to two consumers.
func TestBatchClaimIsExclusive(t *testing.T) {
	e := apptest.New(t, dialect.Postgres)
	rdb := redis.NewClient(&redis.Options{Addr: redistest.Addr(t)})
	t.Cleanup(func() { rdb.Close() })
	c := &counter{next: worker.ConsumerFunc(func(context.Context, worker.Entry) error { return nil }), seen: map[int]int{}}
	const relays, entries = 4, 1000
	ws := make([]*worker.Worker, relays)
	for i := range ws {
		ws[i] = relayOf(t, replica(t, e, nil), rdb)
		ws[i].HandleInline(outbox.AlertFeed, c)
	}
	ids := addFeedEntries(t, e, entries)
	ctx := context.Background()
	var wg sync.WaitGroup
	claimed := make([]int, relays)
	for i, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := w.RelayOnce(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
				claimed[i] += n
			}
		}()
	}
	wg.Wait()
	seen := c.counts()
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("entry %d consumed %d times, want once", id, seen[id])
		}
	}
	t.Logf("claimed per relay: %v", claimed)
	if left := e.DB.OutboxEntry.Query().Where(outboxentry.DeliveredAtIsNil()).CountX(ctx); left != 0 {
		t.Errorf("%d entries left undelivered", left)
	}
}
