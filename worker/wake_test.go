package worker_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/feed"
	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/worker"
)

// slowPoll is the relays' poll interval in the wake tests: far longer than
// they wait for a delivery, so only a wake-up can explain one.
const slowPoll = 10 * time.Minute

// wakeWait bounds how long a woken delivery may take on a busy machine.
const wakeWait = 20 * time.Second

// replicas is an API replica (webhooks, announcing commits) and two relay
// replicas (each its own pool and LISTEN connection) on one database; the
// relays are other processes, so none of them skips the announcer's
// notifications as its own.
type replicas struct {
	api    *apptest.Env
	redis  redis.UniversalClient
	relays []*worker.Worker
	url    string
}

func newReplicas(t *testing.T) *replicas {
	t.Helper()
	e := apptest.New(t, dialect.Postgres)
	rdb := redis.NewClient(&redis.Options{Addr: redistest.Addr(t)})
	t.Cleanup(func() { rdb.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	run := func(f func(context.Context)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(ctx)
		}()
	}
	r := &replicas{api: e, redis: rdb, url: storetest.URL(t, e.Store)}
	ann := outbox.NewAnnouncer(r.url, 0, testLog())
	run(ann.Run)
	e.Pipeline.OnCommit(ann.Committed)
	queue := redistest.Prefix(t) + "q"
	for range 2 {
		s := replica(t, e, nil)
		w := worker.New(worker.Deps{
			Store: s, Redis: rdb, Pipeline: pipeline.New(s, desk.New(s), testLog()), Log: testLog(),
			Queue: queue, RelayInterval: slowPoll, ShutdownTimeout: 5 * time.Second,
		})
		if err := w.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(w.Shutdown)
		l := &outbox.Listener{URL: r.url, Wake: w.Wake, Log: testLog()}
		run(l.Run)
		r.relays = append(r.relays, w)
	}
	r.listening(t, nil)
	return r
}

// listening waits until both relays LISTEN on backends not in old, and
// returns those backends.
func (r *replicas) listening(t *testing.T, old map[int]bool) map[int]bool {
	t.Helper()
	var pids map[int]bool
	eventually(t, wakeWait, "relays listening", func() bool {
		pids = r.listeners(t)
		for pid := range pids {
			if old[pid] {
				return false
			}
		}
		return len(pids) == len(r.relays)
	})
	return pids
}

// listeners are the backends LISTENing for outbox notifications.
func (r *replicas) listeners(t *testing.T) map[int]bool {
	t.Helper()
	rows, err := r.api.Store.DB.Query(`SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN %'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int]bool{}
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			t.Fatal(err)
		}
		out[pid] = true
	}
	return out
}

// delivered waits until the webhook's entries are delivered and its feed
// message (of type want, or any) arrived, far sooner than a poll would
// have.
func (r *replicas) delivered(t *testing.T, msgs <-chan feed.Message, body []byte, want string) {
	t.Helper()
	start := time.Now()
	res := r.api.Post(ninja, body)
	if res.Status != 200 {
		t.Fatalf("webhook: %d %s", res.Status, res.Error)
	}
	deadline := time.After(wakeWait)
	for {
		select {
		case m := <-msgs:
			if m.AlertID != res.AlertID || (want != "" && m.Type != want) {
				continue
			}
		case <-deadline:
			t.Fatalf("no %s feed message for alert %d after %v (relays poll every %v)", want, res.AlertID, wakeWait, slowPoll)
		}
		break
	}
	eventually(t, wakeWait, "entries delivered", func() bool {
		n, err := r.api.DB.OutboxEntry.Query().Where(outboxentry.DeliveredAtIsNil()).Count(r.api.Ctx)
		return err == nil && n == 0
	})
	t.Logf("alert %d: webhook to delivered in %v", res.AlertID, time.Since(start).Round(time.Millisecond))
}

// TestCommitWakesOtherReplicas: an entry committed by a webhook on the API
// replica wakes the relays of the others, which poll only every 10 min.
func TestCommitWakesOtherReplicas(t *testing.T) {
	r := newReplicas(t)
	msgs, err := feed.Subscribe(r.api.Ctx, r.redis, r.api.Demo.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	// Triggered goes through a delivery task; acknowledged is inline.
	r.delivered(t, msgs, apptest.NinjaTrigger(t, nil), feed.Triggered)
	r.delivered(t, msgs, fixtures.Read("ninjaone-condition-acknowledged.json"), feed.Acknowledged)
}

// TestListenerReconnects: a relay whose LISTEN connection is killed
// listens again, and commits after that still wake it.
func TestListenerReconnects(t *testing.T) {
	r := newReplicas(t)
	msgs, err := feed.Subscribe(r.api.Ctx, r.redis, r.api.Demo.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	old := r.listeners(t)
	for pid := range old {
		if _, err := r.api.Store.DB.Exec("SELECT pg_terminate_backend($1)", pid); err != nil {
			t.Fatal(err)
		}
	}
	r.listening(t, old)
	// Two, one after the other: the wake-up every reconnection makes can
	// explain the first delivery, only a notification the second (an
	// occurrence of the first).
	for _, uid := range []string{"00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"} {
		r.delivered(t, msgs, apptest.NinjaTrigger(t, map[string]any{"seriesUid": uid}), "")
	}
}

// TestCommitWakesOwnRelay: in one process (embedded SQLite, or the
// default role) the commit wakes the relay directly.
func TestCommitWakesOwnRelay(t *testing.T) {
	eachDialectTuned(t, func(d *worker.Deps) { d.RelayInterval = slowPoll }, func(t *testing.T, h *harness) {
		msgs, err := feed.Subscribe(h.Ctx, h.Redis, h.Demo.TenantID)
		if err != nil {
			t.Fatal(err)
		}
		h.Pipeline.OnCommit(h.Worker.Wake)
		r := &replicas{api: h.Env}
		r.delivered(t, msgs, apptest.NinjaTrigger(t, nil), feed.Triggered)
		r.delivered(t, msgs, fixtures.Read("ninjaone-condition-acknowledged.json"), feed.Acknowledged)
	})
}

// TestDeskCommitWakesOwnRelay: a ticket closed through the API writes its
// TICKET_CLOSED entry through the desk the pipeline shares, and that
// commit wakes the relay as a webhook's does.
func TestDeskCommitWakesOwnRelay(t *testing.T) {
	eachDialectTuned(t, func(d *worker.Deps) { d.RelayInterval = slowPoll }, func(t *testing.T, h *harness) {
		h.Pipeline.OnCommit(h.Worker.Wake)
		res := h.Post(ninja, apptest.NinjaTrigger(t, nil))
		if res.TicketID == nil {
			t.Fatalf("webhook: %+v", res)
		}
		undelivered := func() bool {
			n, err := h.DB.OutboxEntry.Query().Where(outboxentry.DeliveredAtIsNil()).Count(h.Ctx)
			return err == nil && n == 0
		}
		eventually(t, wakeWait, "trigger entries delivered", undelivered)
		h.Admin(`mutation($id: ID!) { closeTicket(ticketId: $id) { id } }`,
			map[string]any{"id": fmt.Sprint(*res.TicketID)}).Must(nil)
		n, err := h.DB.OutboxEntry.Query().Where(outboxentry.Topic(outbox.TicketClosed)).Count(h.Ctx)
		if err != nil || n != 1 {
			t.Fatalf("TICKET_CLOSED entries: %d, %v", n, err)
		}
		eventually(t, wakeWait, "TICKET_CLOSED delivered", undelivered)
	})
}
