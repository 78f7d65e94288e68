package worker_test

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/secrets"
	"github.com/alertdesk/alertdesk/worker"
)

const (
	ninja    = event.NinjaOne
	tactical = event.TacticalRMM
	// ninjaUID is the seriesUid of the NinjaOne fixtures (and the uid of
	// the first alert of the alerts-list fixture).
	ninjaUID = "e6b0b0bd-5753-445d-9e4a-71c08983cbd5"
)

// harness is a running alertdesk (apptest) plus a worker on a Redis queue
// of its own.
type harness struct {
	*apptest.Env
	Box    *secrets.Box
	Redis  redis.UniversalClient
	Worker *worker.Worker
	Queue  string
}

// eachDialect runs fn on PostgreSQL and SQLite.
func eachDialect(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Helper()
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) { fn(t, newHarness(t, d, redistest.Addr(t), nil)) })
	}
}

// eachDialectTuned is eachDialect with the worker's dependencies adjusted.
func eachDialectTuned(t *testing.T, tune func(*worker.Deps), fn func(t *testing.T, h *harness)) {
	t.Helper()
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) { fn(t, newHarness(t, d, redistest.Addr(t), tune)) })
	}
}

var unsafe = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// newHarness starts a worker against the Redis at addr; tune adjusts its
// dependencies before it starts.
func newHarness(t testing.TB, dialect, addr string, tune func(*worker.Deps)) *harness {
	t.Helper()
	return startHarness(t, dialect, addr, tune, false)
}

// newAPIHarness is newHarness whose API queues pollNow's tasks on the
// worker's queue.
func newAPIHarness(t testing.TB, dialect string, tune func(*worker.Deps)) *harness {
	t.Helper()
	return startHarness(t, dialect, redistest.Addr(t), tune, true)
}

func startHarness(t testing.TB, dialect, addr string, tune func(*worker.Deps), api bool) *harness {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { rdb.Close() })
	var e *apptest.Env
	queue := strings.Trim(unsafe.ReplaceAllString(redistest.Prefix(t), "_"), "_")
	if api {
		e = apptest.NewWith(t, dialect, apptest.Options{Redis: rdb})
		queue = e.Services.Queue
	} else {
		e = apptest.New(t, dialect)
	}
	box, err := secrets.New(bytes.Repeat([]byte{9}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	d := worker.Deps{
		Store: e.Store, Redis: rdb, Pipeline: e.Pipeline, Secrets: box, Log: testLog(),
		Outbound:           apptest.AllowLoopback(t),
		Queue:              queue,
		Concurrency:        4,
		RelayInterval:      50 * time.Millisecond,
		Lease:              2 * time.Second,
		ScheduleSync:       200 * time.Millisecond,
		SchedulerHeartbeat: 200 * time.Millisecond,
		RetryDelay:         func(int) time.Duration { return 100 * time.Millisecond },
		ResetRetries:       2,
		ShutdownTimeout:    5 * time.Second,
	}
	if tune != nil {
		tune(&d)
	}
	w := worker.New(d)
	if err := w.Start(e.Ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)
	return &harness{Env: e, Box: box, Redis: rdb, Worker: w, Queue: queue}
}

func testLog() *slog.Logger {
	if os.Getenv("ALERTDESK_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// connect points the provider's demo integration at a fake API with
// credentials, connected with polling on and no grace period, so a poll
// resets alerts however recent.
func (h *harness) connect(p event.Provider, baseURL string, creds []byte) *ent.Integration {
	h.T.Helper()
	id := h.Integration(p).ID
	sealed, err := h.Box.SealCredentials(id, creds)
	if err != nil {
		h.T.Fatal(err)
	}
	in, err := h.DB.Integration.UpdateOneID(id).
		SetBaseURL(baseURL).SetCredentials(sealed).
		SetConnectionState(integration.ConnectionStateConnected).SetPollingEnabled(true).SetPollGraceSeconds(0).
		Save(h.Ctx)
	if err != nil {
		h.T.Fatal(err)
	}
	return in
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// drained waits until every outbox entry of the topics is delivered.
func (h *harness) drained(topics ...string) {
	h.T.Helper()
	eventually(h.T, 20*time.Second, "outbox delivered", func() bool {
		n, err := h.DB.OutboxEntry.Query().
			Where(outboxentry.DeliveredAtIsNil(), outboxentry.TopicIn(topics...)).Count(h.Ctx)
		return err == nil && n == 0
	})
}

// outboxPayloads returns the payloads of a topic, in order.
func (h *harness) outboxPayloads(topic string) []map[string]any {
	h.T.Helper()
	rows, err := h.DB.OutboxEntry.Query().Where(outboxentry.Topic(topic)).Order(ent.Asc(outboxentry.FieldID)).All(h.Ctx)
	if err != nil {
		h.T.Fatal(err)
	}
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		out[i] = r.Payload
	}
	return out
}
