// Package metrics holds alertdesk's Prometheus metrics and serves them at
// /metrics. Metrics live in their own registry (plus the Go and process
// collectors) so tests and libraries cannot pollute them.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry holds every alertdesk metric.
var Registry = prometheus.NewRegistry()

var (
	// Webhooks counts webhook requests by provider and HTTP status code.
	Webhooks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "alertdesk_webhooks_total",
		Help: "Webhook requests by provider and outcome (HTTP status code).",
	}, []string{"provider", "outcome"})

	// PipelineDuration observes pipeline runs by origin and outcome.
	PipelineDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "alertdesk_pipeline_duration_seconds",
		Help:    "Time to run one event through the pipeline, by origin, kind and outcome.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	}, []string{"origin", "kind", "outcome"})

	// Tasks counts background task runs by type and outcome (ok, retry, failed).
	Tasks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "alertdesk_tasks_total",
		Help: "Background tasks run, by task type and outcome.",
	}, []string{"type", "outcome"})

	// TaskDuration observes background task runs by type.
	TaskDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "alertdesk_task_duration_seconds",
		Help:    "Time to run one background task, by task type.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
	}, []string{"type"})

	// OutboxLag is the age of the oldest undelivered outbox entry.
	OutboxLag = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "alertdesk_outbox_lag_seconds",
		Help: "Age of the oldest undelivered outbox entry (0 when none).",
	})

	// OutboxPending is the number of undelivered outbox entries.
	OutboxPending = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "alertdesk_outbox_pending",
		Help: "Undelivered outbox entries.",
	})

	// OutboxDispatched counts entries handed to their consumer by topic and
	// result (enqueued, duplicate, published, failed).
	OutboxDispatched = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "alertdesk_outbox_dispatched_total",
		Help: "Outbox entries handed to their consumer, by topic and result.",
	}, []string{"topic", "result"})

	// PollCycles counts reconciliation cycles by provider and result (ok, error).
	PollCycles = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "alertdesk_poll_cycles_total",
		Help: "Reconciliation poll cycles, by provider and result.",
	}, []string{"provider", "result"})

	// PollAlerts counts what poll cycles did, by provider and action
	// (ingested, reset, unsuppressed, failed).
	PollAlerts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "alertdesk_poll_alerts_total",
		Help: "Alerts acted on by poll cycles, by provider and action.",
	}, []string{"provider", "action"})

	// Resets counts outbound alert resets by provider and result.
	Resets = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "alertdesk_rmm_resets_total",
		Help: "Outbound alert resets in the RMM after a ticket closed, by provider and result.",
	}, []string{"provider", "result"})
)

func init() {
	Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		Webhooks, PipelineDuration, Tasks, TaskDuration,
		OutboxLag, OutboxPending, OutboxDispatched,
		PollCycles, PollAlerts, Resets,
	)
}

// Handler serves the registry in the Prometheus text format.
func Handler() http.Handler {
	return promhttp.HandlerFor(Registry, promhttp.HandlerOpts{Registry: Registry})
}
