package metrics

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
)

var queueTasks = prometheus.NewDesc("alertdesk_queue_tasks",
	"Tasks in an asynq queue by state (pending, active, scheduled, retry, archived), read at most every 15 s.",
	[]string{"queue", "state"}, nil)

// Queues reports the sizes of asynq queues from Redis. Reads are cached
// (15 s) and bounded (2 s), so scrapes do not hammer Redis and an
// unreachable Redis does not hold a scrape.
type Queues struct{ c *cached }

// NewQueues reads the named queues through inspector.
func NewQueues(inspector *asynq.Inspector, queues ...string) *Queues {
	return &Queues{c: &cached{name: "queues", ttl: 15 * time.Second, timeout: 2 * time.Second,
		read: func(ctx context.Context) ([]prometheus.Metric, error) {
			var out []prometheus.Metric
			for _, q := range queues {
				info, err := queueInfo(ctx, inspector, q)
				if err != nil {
					return nil, err
				}
				for state, n := range map[string]int{"pending": info.Pending, "active": info.Active,
					"scheduled": info.Scheduled, "retry": info.Retry, "archived": info.Archived} {
					out = append(out, prometheus.MustNewConstMetric(queueTasks, prometheus.GaugeValue, float64(n), q, state))
				}
			}
			return out, nil
		}}}
}

// queueInfo is GetQueueInfo within ctx (the inspector takes none; Redis's
// own timeouts end an abandoned read). A queue nothing was ever put in is
// empty.
func queueInfo(ctx context.Context, inspector *asynq.Inspector, q string) (*asynq.QueueInfo, error) {
	type answer struct {
		info *asynq.QueueInfo
		err  error
	}
	ch := make(chan answer, 1)
	go func() {
		known, err := inspector.Queues()
		if err != nil || !slices.Contains(known, q) {
			ch <- answer{&asynq.QueueInfo{Queue: q}, err}
			return
		}
		info, err := inspector.GetQueueInfo(q)
		ch <- answer{info, err}
	}()
	select {
	case a := <-ch:
		if a.err != nil {
			return nil, fmt.Errorf("metrics: queue %s: %w", q, a.err)
		}
		return a.info, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("metrics: queue %s: %w", q, ctx.Err())
	}
}

// Describe implements prometheus.Collector.
func (q *Queues) Describe(ch chan<- *prometheus.Desc) { ch <- queueTasks }

// Collect implements prometheus.Collector.
func (q *Queues) Collect(ch chan<- prometheus.Metric) {
	for _, m := range q.c.collect() {
		ch <- m
	}
}
