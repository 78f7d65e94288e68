package pipeline

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Concurrent events that need a version being loaded share its load; a
// failed load leaves each to load for itself; a newer version or a load
// stuck past the wait bound does not wait.
func TestConfigCacheSharesLoads(t *testing.T) {
	k := configKey{1, 2}
	for _, tc := range []struct {
		name string
		// first is the load the others find in flight.
		first func(release <-chan struct{}) (*Config, error)
		// version the others need (the first loads version 5).
		version int64
		wait    time.Duration
		// loads the others run themselves.
		wantOwn int32
	}{
		{"shared", func(r <-chan struct{}) (*Config, error) { <-r; return &Config{Version: 5}, nil }, 5, time.Minute, 0},
		{"older version shared", func(r <-chan struct{}) (*Config, error) { <-r; return &Config{Version: 5}, nil }, 3, time.Minute, 0},
		{"failed", func(r <-chan struct{}) (*Config, error) { <-r; return nil, errors.New("boom") }, 5, time.Minute, 8},
		// The first to need 6 loads it, and the rest wait for that load.
		{"newer version", func(r <-chan struct{}) (*Config, error) { <-r; return &Config{Version: 5}, nil }, 6, time.Minute, 1},
		{"stuck", func(r <-chan struct{}) (*Config, error) { <-r; return &Config{Version: 5}, nil }, 5, 50 * time.Millisecond, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newConfigCache()
			c.wait = tc.wait
			release := make(chan struct{})
			started := make(chan struct{})
			firstDone := make(chan error, 1)
			go func() {
				_, err := c.load(context.Background(), k, 5, func() (*Config, error) {
					close(started)
					return tc.first(release)
				})
				firstDone <- err
			}()
			<-started

			var own atomic.Int32
			var wg sync.WaitGroup
			got := make([]*Config, 8)
			errs := make([]error, 8)
			for i := range got {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got[i], errs[i] = c.load(context.Background(), k, tc.version, func() (*Config, error) {
						own.Add(1)
						return &Config{Version: tc.version}, nil
					})
				}()
			}
			if tc.name == "stuck" {
				wg.Wait() // they gave up waiting while the first is still stuck
				close(release)
			} else {
				// Let the waiters reach the load in flight, then end it.
				time.Sleep(50 * time.Millisecond)
				close(release)
				wg.Wait()
			}
			<-firstDone
			if n := own.Load(); n != tc.wantOwn {
				t.Errorf("the others ran %d loads, want %d", n, tc.wantOwn)
			}
			for i := range got {
				if errs[i] != nil || got[i] == nil || got[i].Version < tc.version {
					t.Errorf("event %d: %+v, %v", i, got[i], errs[i])
				}
			}
			if len(c.loading) != 0 {
				t.Errorf("loads left in flight: %v", c.loading)
			}
		})
	}
}

// A waiter whose context ends stops waiting with its error.
func TestConfigCacheWaitCancelled(t *testing.T) {
	c := newConfigCache()
	release := make(chan struct{})
	started := make(chan struct{})
	go func() {
		_, _ = c.load(context.Background(), configKey{1, 1}, 1, func() (*Config, error) {
			close(started)
			<-release
			return &Config{Version: 1}, nil
		})
	}()
	<-started
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.load(ctx, configKey{1, 1}, 1, func() (*Config, error) { return &Config{Version: 1}, nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v, want the context's", err)
	}
}
