package metrics

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/health"
)

var integrationHealth = prometheus.NewDesc("alertdesk_integration_health",
	"1 for an integration's current health state (healthy, degraded, failing), 0 for the others; read at most every 15 s.",
	[]string{"integration", "provider", "state"}, nil)

// healthStates are every state, so each integration has a series per
// state and an alert on state="failing" == 1 needs no absent().
var healthStates = []string{string(health.Healthy), string(health.Degraded), string(health.Failing)}

// IntegrationHealth reports each integration's stored health state
// (package health, evaluated by the worker), cached 15 s and bounded 2 s
// like PollAges.
type IntegrationHealth struct{ c *cached }

// NewIntegrationHealth reads integrations through db (not tenant-scoped).
func NewIntegrationHealth(db *ent.Client) *IntegrationHealth {
	return &IntegrationHealth{c: &cached{name: "integration_health", ttl: 15 * time.Second, timeout: 2 * time.Second,
		read: func(ctx context.Context) ([]prometheus.Metric, error) {
			rows, err := db.Integration.Query().
				Select(integration.FieldID, integration.FieldProvider, integration.FieldHealthState).
				All(ctx)
			if err != nil {
				return nil, fmt.Errorf("metrics: integration health: %w", err)
			}
			out := make([]prometheus.Metric, 0, len(rows)*len(healthStates))
			for _, in := range rows {
				for _, s := range healthStates {
					v := 0.0
					if string(in.HealthState) == s {
						v = 1
					}
					out = append(out, prometheus.MustNewConstMetric(integrationHealth, prometheus.GaugeValue, v,
						strconv.Itoa(in.ID), string(in.Provider), s))
				}
			}
			return out, nil
		}}}
}

// Describe implements prometheus.Collector.
func (h *IntegrationHealth) Describe(ch chan<- *prometheus.Desc) { ch <- integrationHealth }

// Collect implements prometheus.Collector.
func (h *IntegrationHealth) Collect(ch chan<- prometheus.Metric) {
	for _, m := range h.c.collect() {
		ch <- m
	}
}
