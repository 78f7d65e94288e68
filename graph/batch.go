package graph

import (
	"context"
	"sync"
	"time"
)

// batchWait is how long a loader collects keys before it queries. gqlgen
// resolves the fields of a list's items concurrently, so within this window
// every item of a page asks for its related record and one query serves all.
const batchWait = 2 * time.Millisecond

// maxBatchWait bounds how long a batch keeps waiting for more keys.
const maxBatchWait = 10 * time.Millisecond

// maxBatch bounds the keys of one query (bind parameter limits).
const maxBatch = 500

// batcher collects keys from concurrent loads into one fetch and remembers
// the results for the rest of the response (a dataloader).
type batcher[K comparable, V any] struct {
	fetch func(ctx context.Context, keys []K) (map[K]V, error)
	// flush, when set, replaces the wall-clock batch window: a batch is
	// fetched when a value arrives on flush (or it fills up). Tests use it
	// to batch deterministically.
	flush chan struct{}

	mu    sync.Mutex
	cur   *batch[K, V]
	cache map[K]*batch[K, V]
}

type batch[K comparable, V any] struct {
	keys []K
	full chan struct{}
	done chan struct{}
	vals map[K]V
	err  error
}

func newBatcher[K comparable, V any](fetch func(ctx context.Context, keys []K) (map[K]V, error)) *batcher[K, V] {
	return &batcher[K, V]{fetch: fetch, cache: map[K]*batch[K, V]{}}
}

// load returns the value of key (the zero value when there is none).
func (b *batcher[K, V]) load(ctx context.Context, key K) (V, error) {
	b.mu.Lock()
	bt, ok := b.cache[key]
	if !ok {
		if b.cur == nil {
			b.cur = &batch[K, V]{full: make(chan struct{}), done: make(chan struct{})}
			go b.run(context.WithoutCancel(ctx), b.cur)
		}
		bt = b.cur
		bt.keys = append(bt.keys, key)
		b.cache[key] = bt
		if len(bt.keys) >= maxBatch {
			b.cur = nil
			close(bt.full)
		}
	}
	b.mu.Unlock()
	select {
	case <-bt.done:
		return bt.vals[key], bt.err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

// prefetch loads keys now, in one fetch, for the loads that will follow:
// a page that knows what its items will ask for need not rely on the batch
// window catching them all.
func (b *batcher[K, V]) prefetch(ctx context.Context, keys []K) error {
	bt := &batch[K, V]{full: make(chan struct{}), done: make(chan struct{})}
	b.mu.Lock()
	for _, k := range keys {
		if _, ok := b.cache[k]; !ok {
			bt.keys = append(bt.keys, k)
			b.cache[k] = bt
		}
	}
	b.mu.Unlock()
	if len(bt.keys) == 0 {
		return nil
	}
	bt.vals, bt.err = b.fetch(ctx, bt.keys)
	close(bt.done)
	return bt.err
}

func (b *batcher[K, V]) run(ctx context.Context, bt *batch[K, V]) {
	if b.flush != nil {
		select {
		case <-b.flush:
		case <-bt.full:
		}
	} else {
		b.wait(bt)
	}
	b.mu.Lock()
	if b.cur == bt {
		b.cur = nil
	}
	keys := bt.keys
	b.mu.Unlock()
	bt.vals, bt.err = b.fetch(ctx, keys)
	close(bt.done)
}

// wait is the batch window: it returns once bt is full or keys stopped
// arriving.
func (b *batcher[K, V]) wait(bt *batch[K, V]) {
	// Wait while keys keep arriving (each wait batchWait, maxBatchWait in
	// all): a list's items ask at nearly the same time, but not exactly.
	deadline := time.Now().Add(maxBatchWait)
	seen := 0
	for {
		t := time.NewTimer(batchWait)
		select {
		case <-t.C:
		case <-bt.full:
			t.Stop()
		}
		b.mu.Lock()
		n, full := len(bt.keys), b.cur != bt
		b.mu.Unlock()
		if full || n == seen || time.Now().After(deadline) {
			break
		}
		seen = n
	}
}
