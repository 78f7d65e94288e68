package graph

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// At most n operations run at once; the rest wait for a slot, and one
// that waits too long is refused with 503 and Retry-After. WebSockets
// pass whatever the load.
func TestAdmission(t *testing.T) {
	const n = 3
	a := newAdmission(n)
	a.wait = 50 * time.Millisecond
	var running, most atomic.Int32
	release := make(chan struct{})
	h := a.middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := running.Add(1)
		for {
			m := most.Load()
			if now <= m || most.CompareAndSwap(m, now) {
				break
			}
		}
		if r.Header.Get("Upgrade") == "" {
			<-release
		}
		running.Add(-1)
	}))

	var wg sync.WaitGroup
	codes := make(chan int, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil))
			codes <- rec.Code
		}()
	}
	for running.Load() < n {
		time.Sleep(time.Millisecond)
	}

	busy := httptest.NewRecorder()
	h.ServeHTTP(busy, httptest.NewRequest(http.MethodPost, "/graphql", nil))
	if busy.Code != http.StatusServiceUnavailable || busy.Header().Get("Retry-After") != "1" {
		t.Errorf("over the bound: %d, Retry-After %q", busy.Code, busy.Header().Get("Retry-After"))
	}
	if body := busy.Body.String(); !strings.Contains(body, CodeBusy) {
		t.Errorf("body %s", body)
	}

	ws := httptest.NewRecorder()
	up := httptest.NewRequest(http.MethodGet, "/graphql", nil)
	up.Header.Set("Upgrade", "websocket")
	h.ServeHTTP(ws, up)
	if ws.Code != http.StatusOK {
		t.Errorf("WebSocket while full: %d", ws.Code)
	}

	// A request waiting for a slot gets it when one frees.
	waited := make(chan int, 1)
	a.wait = time.Minute
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", nil))
		waited <- rec.Code
	}()
	close(release)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Errorf("admitted request answered %d", c)
		}
	}
	if c := <-waited; c != http.StatusOK {
		t.Errorf("waiting request answered %d", c)
	}
	if m := most.Load(); m > n+1 { // the WebSocket is not counted
		t.Errorf("%d ran at once, bound %d", m, n)
	}

	// A request whose client gave up while waiting is refused too.
	full := newAdmission(0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := full.acquire(ctx); err == nil {
		t.Error("acquired a slot of a full admission with a cancelled context")
	}
}
