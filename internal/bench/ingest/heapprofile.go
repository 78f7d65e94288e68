package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// heapEvery is how often -server-heapprofile snapshots the server's heap.
const heapEvery = 2 * time.Second

// heapProfile fetches the server's heap profile (inuse and alloc, as of
// its last collection) into path.
func (s *server) heapProfile(ctx context.Context, path string) error {
	return s.profile(ctx, "heap", path)
}

// watchHeap snapshots the server's heap every heapEvery into
// dir/server-PID-NNN.heap until the returned function is called, which
// takes one last snapshot. The alloc_space of the last one covers the
// server's whole life; the inuse_space of the snapshots shows what was
// held when.
func watchHeap(ctx context.Context, s *server, dir string) (stop func() error, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("heap profile directory: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	n := 0
	next := func() string {
		n++
		return filepath.Join(dir, fmt.Sprintf("server-%d-%03d.heap", s.pid(), n))
	}
	go func() {
		t := time.NewTicker(heapEvery)
		defer t.Stop()
		var first error
		for {
			select {
			case <-ctx.Done():
				done <- first
				return
			case <-t.C:
				if err := s.heapProfile(ctx, next()); err != nil && first == nil && ctx.Err() == nil {
					first = err
				}
			}
		}
	}()
	return func() error {
		cancel()
		werr := <-done
		if err := s.heapProfile(context.Background(), next()); err != nil {
			return err
		}
		return werr
	}, nil
}
