package metrics

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/integration"
)

var pollAge = prometheus.NewDesc("alertdesk_integration_last_poll_success_age_seconds",
	"Seconds since an integration's last poll cycle that reached its RMM (while cycles fail: since the first failure, a lower bound), for integrations that poll; read at most every 15 s.",
	[]string{"integration", "provider"}, nil)

// PollAges reports, per polling integration, how long ago a poll cycle
// last reached its RMM, read from the integrations table so every replica
// agrees and a restart loses nothing. The read is cached (15 s) and
// bounded (2 s). A cycle that reaches the RMM clears poll_failing_since,
// so last_polled_at is then the start of the last good cycle; while
// cycles fail, poll_failing_since is the start of the first failed one,
// which followed the last good cycle.
type PollAges struct{ c *cached }

// NewPollAges reads integrations through db (not tenant-scoped: it counts
// every tenant's).
func NewPollAges(db *ent.Client) *PollAges {
	return &PollAges{c: &cached{name: "poll_ages", ttl: 15 * time.Second, timeout: 2 * time.Second,
		read: func(ctx context.Context) ([]prometheus.Metric, error) {
			rows, err := db.Integration.Query().
				Where(integration.PollingEnabled(true), integration.LastPolledAtNotNil(),
					integration.ConnectionStateNEQ(integration.ConnectionStateDisconnected)).
				Select(integration.FieldID, integration.FieldProvider, integration.FieldLastPolledAt,
					integration.FieldPollFailingSince).
				All(ctx)
			if err != nil {
				return nil, fmt.Errorf("metrics: poll ages: %w", err)
			}
			now := time.Now()
			out := make([]prometheus.Metric, 0, len(rows))
			for _, in := range rows {
				since := *in.LastPolledAt
				if in.PollFailingSince != nil {
					since = *in.PollFailingSince
				}
				out = append(out, prometheus.MustNewConstMetric(pollAge, prometheus.GaugeValue,
					max(now.Sub(since).Seconds(), 0), strconv.Itoa(in.ID), string(in.Provider)))
			}
			return out, nil
		}}}
}

// Describe implements prometheus.Collector.
func (p *PollAges) Describe(ch chan<- *prometheus.Desc) { ch <- pollAge }

// Collect implements prometheus.Collector.
func (p *PollAges) Collect(ch chan<- prometheus.Metric) {
	for _, m := range p.c.collect() {
		ch <- m
	}
}
