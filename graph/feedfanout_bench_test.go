package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/alertdesk/alertdesk/feed"
	"github.com/alertdesk/alertdesk/internal/apptest"
)

// BenchmarkFeedFanOut sends feed messages through the real handler to
// 1,000 alertEvents subscribers over real WebSockets (PostgreSQL, Redis),
// one message at a time, each waited for until every subscriber has read
// it. Per delivery (one message to one subscriber) it reports the wall
// time, the process's CPU time and its allocations. The clients run in the
// process too: they read each frame into a reused buffer, the least a
// client can do, so most of what is counted is the server's.
//
//	go test -run '^$' -bench FeedFanOut -benchtime 20x ./graph/
func BenchmarkFeedFanOut(b *testing.B) {
	for _, query := range []string{"id", "row"} {
		b.Run(query, func(b *testing.B) {
			q := feedIDQuery
			if query == "row" {
				q = feedRowQuery
			}
			benchFanOut(b, 1000, q)
		})
	}
}

func benchFanOut(b *testing.B, subscribers int, query string) {
	rdb := apptest.Redis(b)
	e := apptest.NewWith(b, "postgres", apptest.Options{Redis: rdb})
	tenant, integ := e.Demo.TenantID, e.Integration(ninja).ID
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)

	var delivered atomic.Int64
	var target atomic.Int64
	reached := make(chan struct{}, 1)
	url := "ws" + strings.TrimPrefix(e.HTTP.URL, "http") + "/graphql"
	for i := range subscribers {
		conn := dialFeed(b, ctx, url, e.Demo.AdminToken, query, fmt.Sprint(i))
		go func() {
			var buf bytes.Buffer
			for {
				_, r, err := conn.Reader(ctx)
				if err != nil {
					return
				}
				buf.Reset()
				if _, err := buf.ReadFrom(r); err != nil {
					return
				}
				if !bytes.Contains(buf.Bytes(), []byte(`"next"`)) {
					b.Errorf("subscriber got %s", buf.Bytes())
					return
				}
				if delivered.Add(1) == target.Load() {
					reached <- struct{}{}
				}
			}
		}()
	}
	for deadline := time.Now().Add(30 * time.Second); feed.Listeners(tenant) < subscribers; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d subscribers listening", feed.Listeners(tenant), subscribers)
		}
	}
	r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
	publish := func(i int) {
		target.Add(int64(subscribers))
		err := feed.Publish(ctx, rdb, feed.Message{Type: feed.Occurrence, TenantID: tenant, AlertID: r.AlertID,
			IntegrationID: integ, TicketID: r.TicketID, At: time.Now().UTC().Add(time.Duration(i) * time.Microsecond).Format(time.RFC3339Nano)})
		if err != nil {
			b.Fatal(err)
		}
		select {
		case <-reached:
		case <-time.After(30 * time.Second):
			b.Fatalf("message %d: %d of %d deliveries", i, delivered.Load(), target.Load())
		}
	}
	for i := range 3 { // warm-up
		publish(-1 - i)
	}

	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := processCPU()
	b.ResetTimer()
	for i := range b.N {
		publish(i)
	}
	b.StopTimer()
	cpu := processCPU() - cpu0
	runtime.ReadMemStats(&ms1)
	deliveries := float64(b.N * subscribers)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/deliveries, "ns/delivery")
	b.ReportMetric(float64(cpu.Nanoseconds())/deliveries, "cpu-ns/delivery")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/deliveries, "allocs/delivery")
	b.ReportMetric(float64(ms1.TotalAlloc-ms0.TotalAlloc)/deliveries, "B/delivery")
}

// dialFeed opens a graphql-transport-ws connection subscribed to query.
func dialFeed(b *testing.B, ctx context.Context, url, token, query, id string) *websocket.Conn {
	b.Helper()
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		b.Fatalf("dial: %v", err)
	}
	b.Cleanup(func() { conn.CloseNow() })
	send := func(v any) {
		p, _ := json.Marshal(v)
		if err := conn.Write(ctx, websocket.MessageText, p); err != nil {
			b.Fatal(err)
		}
	}
	send(map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": "Bearer " + token}})
	if _, p, err := conn.Read(ctx); err != nil || !bytes.Contains(p, []byte("connection_ack")) {
		b.Fatalf("init: %s %v", p, err)
	}
	send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": query}})
	return conn
}

// processCPU is the process's user and system time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
