package store

import (
	"context"
	"sync/atomic"
	"time"
)

// turns admits a pool's transactions in the order they asked, as many at
// a time as the pool has connections. database/sql hands a freed
// connection to a waiter picked at random, so under a steady load some
// waited many turns: webhooks at concurrency 16 on 8 connections had a
// p99 three times their median. Blocked senders on a channel are woken
// in the order they blocked.
type turns struct {
	slots chan struct{}
	waits atomic.Int64
	// waited is the time spent waiting, in nanoseconds.
	waited atomic.Int64
}

func newTurns(n int) *turns { return &turns{slots: make(chan struct{}, max(n, 1))} }

// take waits for the caller's turn; done ends it.
func (t *turns) take(ctx context.Context) error {
	select {
	case t.slots <- struct{}{}:
		return nil
	default:
	}
	start := time.Now()
	defer func() {
		t.waits.Add(1)
		t.waited.Add(int64(time.Since(start)))
	}()
	select {
	case t.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *turns) done() { <-t.slots }

// turn takes the caller's turn on s's pool when s admits transactions in
// order (the webhook ingest Store does); the returned func ends it.
func (s *Store) turn(ctx context.Context) (func(), error) {
	if s.turns == nil {
		return func() {}, nil
	}
	if err := s.turns.take(ctx); err != nil {
		return nil, err
	}
	return s.turns.done, nil
}
