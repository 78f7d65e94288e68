package webhook_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/seed"
	"github.com/alertdesk/alertdesk/webhook"
)

// BenchmarkIngest is NinjaOne webhooks that each make a new alert and a new
// ticket (own alert id and device, so own condition), through the server's
// handler in process, 16 at a time on PostgreSQL as in docs/BENCHMARKS.md
// (one at a time on SQLite, its single writer). allocs/op, B/op and
// cpu-ns/op (the process's CPU time per request) are the figures to
// compare; ns/op is mostly the database's round trips and commits.
func BenchmarkIngest(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(d, func(b *testing.B) {
			e := apptest.New(b, d)
			in := e.Integration(ninja)
			trigger := newPoster(b, e, in, ninjaTrigger, "ticket_created")
			var seq atomic.Int64
			measure(b, d, func(buf []byte) []byte { return trigger(buf, seq.Add(1)) })
		})
	}
}

// BenchmarkReset is the resets of alerts like BenchmarkIngest's: each
// resolves its alert and closes its untouched ticket (the rule
// auto-resolves), with a comment and the outbox entries. The alerts are
// made first, untimed.
func BenchmarkReset(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(d, func(b *testing.B) {
			e := apptest.New(b, d)
			in := e.Integration(ninja)
			trigger := newPoster(b, e, in, ninjaTrigger, "ticket_created")
			reset := newPoster(b, e, in, ninjaReset, "resolved")
			var buf []byte
			for n := range b.N {
				buf = trigger(buf, int64(n+1))
			}
			var seq atomic.Int64
			measure(b, d, func(buf []byte) []byte { return reset(buf, seq.Add(1)) })
		})
	}
}

// newPoster returns a function that posts the fixture body makes, moved to
// the n-th device and series, to the integration's webhook, and checks the
// answer names outcome. The body is filled in per request without
// re-encoding.
func newPoster(b *testing.B, e *apptest.Env, in seed.Integration, body func(testing.TB, map[string]any) []byte, outcome string) func(buf []byte, n int64) []byte {
	b.Helper()
	h := e.HTTP.Config.Handler
	url := "/webhooks/ninjaone/" + strconv.Itoa(in.ID)
	raw := body(b, merge(onDevice(424242, "BENCH", 2), map[string]any{"seriesUid": "SERIES"}))
	parts := bytes.Split(raw, []byte("424242"))
	if len(parts) != 3 || bytes.Count(raw, []byte("SERIES")) != 1 {
		b.Fatalf("placeholders not found once each in %s", raw)
	}
	return func(buf []byte, n int64) []byte {
		dev := strconv.FormatInt(1_000_000+n, 10)
		buf = append(buf[:0], parts[0]...)
		buf = append(buf, dev...)
		buf = append(buf, parts[1]...)
		buf = append(buf, dev...)
		buf = append(buf, parts[2]...)
		buf = bytes.Replace(buf, []byte("SERIES"), []byte("bench-"+dev), 1)
		// Cancelable, as net/http's server makes every request's.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(buf))
		req.Header.Set(webhook.SecretHeader, in.Secret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte(outcome)) {
			b.Errorf("webhook answered %d %s, want %s", rec.Code, rec.Body.Bytes(), outcome)
		}
		return buf
	}
}

// measure runs post b.N times, 16 at a time on PostgreSQL and one at a
// time on SQLite, and reports the process's CPU time per request.
func measure(b *testing.B, d string, post func(buf []byte) []byte) {
	cpu := processCPU(b)
	b.ResetTimer()
	if d == dialect.SQLite {
		var buf []byte
		for range b.N {
			buf = post(buf)
		}
	} else {
		b.SetParallelism(8) // 16 on this 2-CPU machine's GOMAXPROCS
		b.RunParallel(func(pb *testing.PB) {
			var buf []byte
			for pb.Next() {
				buf = post(buf)
			}
		})
	}
	b.StopTimer()
	b.ReportMetric(float64(processCPU(b)-cpu)/float64(b.N), "cpu-ns/op")
}

// processCPU is the user and system CPU time the process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
