package graph

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gated is a context whose fields are gated by s, as the HTTP middleware
// makes it.
func gated(s *cpuShare) context.Context {
	var ctx context.Context
	h := s.middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { ctx = r.Context() }))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/graphql", nil))
	return ctx
}

// At most n fields of gated queries run at once, however many goroutines
// resolve them; fields of ungated contexts (WebSockets, mutations) are
// not counted.
func TestCPUShareBound(t *testing.T) {
	for _, n := range []int{1, 2} {
		s := newCPUShare(n)
		s.wait = time.Minute // a field that waited this long would fail the test by its timeout
		var running, most atomic.Int32
		field := func(ctx context.Context) (any, error) {
			now := running.Add(1)
			for {
				m := most.Load()
				if now <= m || most.CompareAndSwap(m, now) {
					break
				}
			}
			for deadline := time.Now().Add(200 * time.Microsecond); time.Now().Before(deadline); {
			}
			running.Add(-1)
			return nil, nil
		}
		ctx := gated(s)
		var wg sync.WaitGroup
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 10 {
					_, _ = s.fields(ctx, field)
				}
			}()
		}
		wg.Wait()
		if m := most.Load(); m != int32(n) {
			t.Errorf("n=%d: %d fields ran at once", n, m)
		}
		if len(s.tokens) != 0 {
			t.Errorf("n=%d: %d tokens left taken", n, len(s.tokens))
		}
	}

	s := newCPUShare(1)
	s.tokens <- struct{}{} // every token taken
	ws := httptest.NewRequest(http.MethodGet, "/graphql", nil)
	ws.Header.Set("Upgrade", "websocket")
	var wsCtx context.Context
	s.middleware(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { wsCtx = r.Context() })).
		ServeHTTP(httptest.NewRecorder(), ws)
	for name, ctx := range map[string]context.Context{"websocket": wsCtx, "no request": context.Background()} {
		done := make(chan struct{})
		go func() {
			_, _ = s.fields(ctx, func(context.Context) (any, error) { return nil, nil })
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Errorf("%s: the field waited for a token", name)
		}
	}
}

// A field that waits (a statement, a loader's batch) gives its token
// back, so the page's other fields run meanwhile and a loader's batch
// collects all their keys; it takes a token again to go on.
func TestCPUShareWaitGivesTokenBack(t *testing.T) {
	s := newCPUShare(1)
	s.wait = time.Minute
	ctx := gated(s)

	var fetches, keys atomic.Int32
	b := newBatcher(func(_ context.Context, ks []int) (map[int]int, error) {
		fetches.Add(1)
		keys.Add(int32(len(ks)))
		m := map[int]int{}
		for _, k := range ks {
			m[k] = k * 10
		}
		return m, nil
	})
	b.flush = make(chan struct{})

	const items = 20
	var wg sync.WaitGroup
	got := make([]int, items)
	for i := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, _ := s.fields(ctx, func(ctx context.Context) (any, error) { return b.load(ctx, i) })
			got[i] = v.(int)
		}()
	}
	// Every item adds its key while the first ones wait for the batch,
	// which they could not if a waiting field kept the only token.
	deadline := time.Now().Add(10 * time.Second)
	for {
		b.mu.Lock()
		n := 0
		if b.cur != nil {
			n = len(b.cur.keys)
		}
		b.mu.Unlock()
		if n == items {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d keys in the batch: a waiting field kept its token", n, items)
		}
		time.Sleep(time.Millisecond)
	}
	b.flush <- struct{}{}
	wg.Wait()
	if fetches.Load() != 1 || keys.Load() != items {
		t.Errorf("%d fetches of %d keys, want 1 of %d", fetches.Load(), keys.Load(), items)
	}
	for i, v := range got {
		if v != i*10 {
			t.Errorf("item %d: %d", i, v)
		}
	}
	if len(s.tokens) != 0 {
		t.Errorf("%d tokens left taken", len(s.tokens))
	}

	// offCPU outside a field, or twice in one, gives back nothing it
	// does not hold.
	offCPU(context.Background())()
	_, _ = s.fields(ctx, func(ctx context.Context) (any, error) {
		resume := offCPU(ctx)
		offCPU(ctx)()
		if len(s.tokens) != 0 {
			t.Errorf("a waiting field holds a token")
		}
		resume()
		if len(s.tokens) != 1 {
			t.Errorf("a resumed field holds %d tokens", len(s.tokens))
		}
		return nil, nil
	})
	if len(s.tokens) != 0 {
		t.Errorf("%d tokens left taken", len(s.tokens))
	}
}

// A field that waits for a token longer than the bound runs anyway: a
// holder stuck where it does not give its token back delays the others,
// never stops them.
func TestCPUShareWaitBound(t *testing.T) {
	s := newCPUShare(1)
	s.wait = 20 * time.Millisecond
	s.tokens <- struct{}{}
	start := time.Now()
	ran := false
	_, _ = s.fields(gated(s), func(context.Context) (any, error) { ran = true; return nil, nil })
	if !ran || time.Since(start) < s.wait {
		t.Errorf("ran %v after %v", ran, time.Since(start))
	}
	if len(s.tokens) != 1 {
		t.Errorf("%d tokens taken, want the holder's only", len(s.tokens))
	}
}
