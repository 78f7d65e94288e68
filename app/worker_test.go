package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/config"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/internal/storetest"
)

// cutProxy forwards TCP connections to a server until cut: then it drops
// every connection and refuses new ones (accepts and closes them) until
// restored, as a network partition or a stopped server would.
type cutProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]bool
}

func newCutProxy(t testing.TB, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.cut()
	})
	return p
}

func (p *cutProxy) addr() string { return p.ln.Addr().String() }

func (p *cutProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.forward(c)
	}
}

func (p *cutProxy) forward(c net.Conn) {
	p.mu.Lock()
	down := p.down
	p.mu.Unlock()
	if down {
		c.Close()
		return
	}
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		c.Close()
		s.Close()
		return
	}
	p.conns[c], p.conns[s] = true, true
	p.mu.Unlock()
	go func() { _, _ = io.Copy(s, c); s.Close(); c.Close() }()
	_, _ = io.Copy(c, s)
	c.Close()
	s.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, s)
	p.mu.Unlock()
}

// cut drops every connection and refuses new ones.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
}

func (p *cutProxy) restore() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = false
}

// startWorker runs alertdesk with role worker as the binary would, its
// database and Redis reached through proxies the test can cut; Redis's
// is cut from the start.
func startWorker(t *testing.T) (r *running, db, rdb *cutProxy, logs *lockedBuffer) {
	t.Helper()
	own := storetest.Open(t, dialect.Postgres)
	u, err := url.Parse(storetest.URL(t, own))
	if err != nil {
		t.Fatal(err)
	}
	db = newCutProxy(t, u.Host)
	u.Host = db.addr()
	rdb = newCutProxy(t, redistest.Embedded(t))
	rdb.cut()

	cfg := config.Config{DatabaseURL: u.String(), RedisURL: "redis://" + rdb.addr(),
		Role: config.RoleWorker, WorkerAddr: "127.0.0.1:0", HTTP: limits(), Database: config.DefaultDatabase()}
	logs = &lockedBuffer{}
	r = startLogged(t, cfg, slog.New(slog.NewTextHandler(logs, nil)))
	// Cleanups run last first: this one before the server's drain.
	t.Cleanup(func() {
		rdb.restore()
		db.restore()
	})
	// Own the integrations' poll state: no poll runs in this test.
	_, err = own.Ent.Integration.Update().SetConnectionState(integration.ConnectionStateConnected).
		SetPollingEnabled(true).SetLastPolledAt(time.Now().Add(-time.Hour)).ClearPollFailingSince().
		Save(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r, db, rdb, logs
}

// lockedBuffer is a log destination safe for concurrent writers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// readyWithin polls /readyz until it answers status, failing after a
// generous wait (a liveness bound, not a speed claim); it returns the
// reasons of the last answer.
func (r *running) readyWithin(status int, wait time.Duration) map[string]string {
	r.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		a := r.get("/readyz")
		var checks map[string]string
		if err := json.Unmarshal([]byte(a.body), &checks); err != nil {
			r.t.Fatalf("/readyz: %d %q: %v", a.status, a.body, err)
		}
		if a.status == status {
			return checks
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("/readyz: %d %v, want %d", a.status, checks, status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestWorkerReadiness: a worker serves /healthz, /readyz and /metrics on
// its own address, with an access log; started while Redis does not answer it is not ready
// (503 naming Redis) and becomes ready when Redis returns; it is not
// ready while PostgreSQL does not answer either, and recovers with it.
func TestWorkerReadiness(t *testing.T) {
	r, db, rdb, logs := startWorker(t)
	// Said at start, once its ping gave up.
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(logs.String(), "Redis does not answer"); {
		if time.Now().After(deadline) {
			t.Fatalf("a worker started without Redis did not say so; log:\n%s", logs)
		}
		time.Sleep(100 * time.Millisecond)
	}

	if a := r.get("/healthz"); a.status != 200 {
		t.Fatalf("/healthz: %d %s", a.status, a.body)
	}
	a := r.get("/readyz")
	var checks map[string]string
	if err := json.Unmarshal([]byte(a.body), &checks); err != nil || a.status != 503 {
		t.Fatalf("/readyz without Redis: %d %s (%v)", a.status, a.body, err)
	}
	if checks["database"] != "ok" || checks["redis"] == "ok" || checks["redis"] == "" {
		t.Errorf("/readyz without Redis: %v, want the database ok and Redis's reason", checks)
	}
	// Metrics are served while Redis is away (the queue read fails and
	// is counted, and holds nothing).
	if m := r.get("/metrics"); m.status != 200 {
		t.Errorf("/metrics without Redis: %d", m.status)
	}
	if a := r.get("/graphql"); a.status != 404 {
		t.Errorf("a worker serves /graphql: %d", a.status)
	}
	if l := logs.String(); !strings.Contains(l, `msg="http request" method=GET route=unmatched status=404`) {
		t.Errorf("the worker's access log lacks the unmatched request; log:\n%s", l)
	}

	rdb.restore()
	r.readyWithin(200, 30*time.Second)

	db.cut()
	checks = r.readyWithin(503, 30*time.Second)
	if checks["database"] == "ok" || checks["redis"] != "ok" {
		t.Errorf("/readyz without PostgreSQL: %v, want the database's reason and Redis ok", checks)
	}
	if a := r.get("/healthz"); a.status != 200 {
		t.Errorf("/healthz without PostgreSQL: %d (it only says the process is up)", a.status)
	}
	db.restore()
	r.readyWithin(200, 30*time.Second)
}

// TestWorkerMetrics: a worker's /metrics has its pools, its queue's
// sizes by state and each polling integration's time since its last
// good poll.
func TestWorkerMetrics(t *testing.T) {
	r, _, rdb, _ := startWorker(t)
	rdb.restore()
	r.readyWithin(200, 30*time.Second)
	began := time.Now()
	var ss []series
	// The queue read may have failed while Redis was cut at start; it is
	// retried once its 15 s are up.
	deadline := time.Now().Add(40 * time.Second)
	for {
		ss = r.scrape()
		if _, ok := sum(ss, "alertdesk_queue_tasks", map[string]string{"queue": "alertdesk"}); ok || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, state := range []string{"pending", "active", "scheduled", "retry", "archived"} {
		if v, ok := sum(ss, "alertdesk_queue_tasks", map[string]string{"queue": "alertdesk", "state": state}); !ok || v < 0 {
			t.Errorf("queue alertdesk, %s: %v (found %v)", state, v, ok)
		}
	}
	for _, p := range []string{"main", "ingest", "control"} {
		if _, ok := sum(ss, "alertdesk_db_pool_open_connections", map[string]string{"pool": p}); !ok {
			t.Errorf("no pool %s", p)
		}
	}
	found := 0
	for _, s := range ss {
		if s.name != "alertdesk_integration_last_poll_success_age_seconds" {
			continue
		}
		found++
		// Last polled an hour before the scrape began.
		if s.value < 3600 || s.value > 3600+time.Since(began).Seconds()+60 {
			t.Errorf("poll age %v: %v, want about an hour", s.labels, s.value)
		}
		if s.labels["integration"] == "" || !strings.Contains("ninjaone tacticalrmm", s.labels["provider"]) {
			t.Errorf("poll age labels %v", s.labels)
		}
	}
	if found != len(r.app.Demo.Integrations) {
		t.Errorf("%d poll ages, want one per integration (%d)", found, len(r.app.Demo.Integrations))
	}
}
