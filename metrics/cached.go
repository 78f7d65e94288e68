package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// cached runs an expensive read (Redis, the database) for scrapes at most
// once per ttl, each within timeout, so scrapes from several Prometheus
// servers, or a slow backend, cannot pile up reads. A read that fails or
// times out leaves the last values and counts a scrape error.
type cached struct {
	name    string
	ttl     time.Duration
	timeout time.Duration
	read    func(ctx context.Context) ([]prometheus.Metric, error)

	mu      sync.Mutex
	at      time.Time
	last    []prometheus.Metric
	running chan struct{} // closed when the read in flight ends
}

// collect returns the current metrics, reading them when they are older
// than ttl. A read still in flight after timeout is left to finish in the
// background (its result is kept) and the previous values are returned.
func (c *cached) collect() []prometheus.Metric {
	c.mu.Lock()
	if time.Since(c.at) < c.ttl && c.running == nil {
		defer c.mu.Unlock()
		return c.last
	}
	done := c.running
	if done == nil {
		done = make(chan struct{})
		c.running = done
		go c.refresh(done)
	}
	c.mu.Unlock()
	select {
	case <-done:
	case <-time.After(c.timeout):
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

func (c *cached) refresh(done chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	ms, err := c.read(ctx)
	c.mu.Lock()
	if err != nil {
		ScrapeErrors.WithLabelValues(c.name).Inc()
	} else {
		c.last = ms
	}
	c.at = time.Now() // a failure waits for ttl too: no retry per scrape
	c.running = nil
	c.mu.Unlock()
	close(done)
}
