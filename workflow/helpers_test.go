package workflow_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/worker"
	"github.com/alertdesk/alertdesk/workflow"
)

// harness is alertdesk with a worker delivering workflow workflow.
type harness struct {
	*apptest.Env
	Redis  redis.UniversalClient
	Worker *worker.Worker
	Svc    *workflow.Service
	Queue  string
}

func eachDialect(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Helper()
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) { fn(t, newHarness(t, d)) })
	}
}

var unsafe = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func newHarness(t *testing.T, dialect string) *harness {
	t.Helper()
	return newHarnessAt(t, dialect, redistest.Addr(t), nil)
}

// newHarnessAt is newHarness on the Redis at addr, with the worker's
// dependencies adjusted by tune.
func newHarnessAt(t *testing.T, dialect, addr string, tune func(*worker.Deps)) *harness {
	t.Helper()
	e := apptest.New(t, dialect)
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { rdb.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("ALERTDESK_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	d := worker.Deps{
		Store: e.Store, Redis: rdb, Pipeline: e.Pipeline, Log: log,
		Queue:         strings.Trim(unsafe.ReplaceAllString(redistest.Prefix(t), "_"), "_"),
		RelayInterval: 50 * time.Millisecond,
		Lease:         5 * time.Second,
		RetryDelay:    func(int) time.Duration { return 200 * time.Millisecond },
		ScheduleSync:  time.Second, ShutdownTimeout: 5 * time.Second,
	}
	if tune != nil {
		tune(&d)
	}
	w := worker.New(d)
	workflow.Register(w, rdb, &workflow.Deliverer{Store: e.Store, Secrets: e.Services.Secrets, Outbound: e.Services.Outbound, Log: log})
	if err := w.Start(e.Ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)
	return &harness{Env: e, Redis: rdb, Worker: w, Svc: e.Services.Events, Queue: d.Queue}
}

// request is what a receiver got.
type request struct {
	Header http.Header
	Body   []byte
}

// receiver is a webhook endpoint answering planned statuses (then 200).
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	plan []int
	got  []request
}

func newReceiver(t *testing.T, plan ...int) *receiver {
	r := &receiver{plan: plan}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, request{Header: req.Header.Clone(), Body: b})
		status := http.StatusOK
		if len(r.plan) > 0 {
			status, r.plan = r.plan[0], r.plan[1:]
		}
		r.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, http.StatusText(status))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.got...)
}

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

// eachStore runs fn on a fresh alertdesk of each dialect, without a worker.
func eachStore(t *testing.T, fn func(t *testing.T, e *apptest.Env)) {
	t.Helper()
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) { fn(t, apptest.New(t, d)) })
	}
}
