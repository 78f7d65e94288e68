package graph

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// Concurrent loads share one fetch. The batch window is an explicit flush,
// sent only once every distinct key has joined the batch, so the test does
// not depend on scheduling or wall-clock timing.
func TestBatcherBatchesConcurrentLoads(t *testing.T) {
	var calls atomic.Int32
	var fetched []int
	b := newBatcher(func(_ context.Context, keys []int) (map[int]string, error) {
		calls.Add(1)
		fetched = keys
		m := map[int]string{}
		for _, k := range keys {
			if k%2 == 0 {
				m[k] = "even"
			}
		}
		return m, nil
	})
	b.flush = make(chan struct{})
	ctx := context.Background()
	var wg sync.WaitGroup
	got := make([]string, 100)
	for i := range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, err := b.load(ctx, i%50)
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		}()
	}
	// Every distinct key is in the open batch: repeated keys join it (or,
	// after the fetch, its cached result) and cannot start another fetch.
	for pending := 0; pending < 50; {
		runtime.Gosched()
		b.mu.Lock()
		if b.cur != nil {
			pending = len(b.cur.keys)
		}
		b.mu.Unlock()
	}
	b.flush <- struct{}{}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("fetches = %d, want 1", n)
	}
	if len(fetched) != 50 {
		t.Errorf("fetched %d keys, want 50", len(fetched))
	}
	for i, v := range got {
		if want := map[bool]string{true: "even", false: ""}[i%2 == 0]; v != want {
			t.Errorf("load %d = %q, want %q", i, v, want)
		}
	}
	// Cached for the rest of the response.
	if v, _ := b.load(ctx, 4); v != "even" || calls.Load() != 1 {
		t.Errorf("cached load: %q after %d fetches", v, calls.Load())
	}
}

func TestBatcherErrorsAndLimits(t *testing.T) {
	boom := errors.New("boom")
	var sizes []int
	var mu sync.Mutex
	b := newBatcher(func(_ context.Context, keys []int) (map[int]int, error) {
		mu.Lock()
		sizes = append(sizes, len(keys))
		mu.Unlock()
		return nil, boom
	})
	var wg sync.WaitGroup
	for i := range maxBatch + 1 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := b.load(context.Background(), i); !errors.Is(err, boom) {
				t.Errorf("load %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	for _, n := range sizes {
		if n > maxBatch {
			t.Errorf("batch of %d keys, limit %d", n, maxBatch)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.load(ctx, -1); !errors.Is(err, context.Canceled) && !errors.Is(err, boom) {
		t.Errorf("cancelled load: %v", err)
	}
}
