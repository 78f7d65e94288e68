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

	// CombinedEvents observes how many webhook firings, or resets, ran
	// in one transaction (pipeline.Combiner).
	CombinedEvents = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "alertdesk_pipeline_combined_events",
		Help:    "Webhook firings, or resets, run together in one transaction because they arrived while their condition was busy, or while two groups were in flight (any firing while most join open tickets; resets and firings of conditions whose ticket is open, always).",
		Buckets: prometheus.ExponentialBuckets(2, 2, 6),
	})

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
	// result (enqueued, duplicate, published, failed, idle: nothing for its
	// task consumer to do, marked delivered by the relay).
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

	// HTTPRequests counts HTTP requests by method, route pattern and
	// status code; HTTPDuration times them.
	HTTPRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "alertdesk_http_requests_total",
		Help: "HTTP requests by method, route pattern and status code.",
	}, []string{"method", "route", "code"})
	HTTPDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "alertdesk_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by method, route pattern and status code (WebSocket upgrades excluded).",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
	}, []string{"method", "route", "code"})

	// GraphQLOperations counts GraphQL responses by operation name, type
	// and result (ok, error); GraphQLDuration times queries and
	// mutations; GraphQLErrors counts response errors by code.
	GraphQLOperations = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "alertdesk_graphql_operations_total",
		Help: "GraphQL responses by operation name (anonymous, other past the bounds), type and result.",
	}, []string{"operation", "type", "result"})
	GraphQLDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "alertdesk_graphql_operation_duration_seconds",
		Help:    "Time to run a GraphQL query or mutation, by operation name and type.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
	}, []string{"operation", "type"})
	GraphQLErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "alertdesk_graphql_errors_total",
		Help: "Errors in GraphQL responses, by operation name and extensions.code.",
	}, []string{"operation", "code"})

	// WebhookToTicket observes the time from a webhook's arrival to the
	// commit of the ticket it created or joined.
	WebhookToTicket = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "alertdesk_webhook_to_ticket_seconds",
		Help:    "Time from a webhook's arrival to its ticket created or joined (committed), by provider and outcome.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 15),
	}, []string{"provider", "outcome"})

	// ScrapeErrors counts failed reads of the scrape-time collectors
	// (queues, poll_ages).
	ScrapeErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "alertdesk_metrics_scrape_errors_total",
		Help: "Failed or timed-out reads of scrape-time metrics, by collector.",
	}, []string{"collector"})
)

func init() {
	Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		Webhooks, PipelineDuration, CombinedEvents, Tasks, TaskDuration,
		OutboxLag, OutboxPending, OutboxDispatched,
		PollCycles, PollAlerts, Resets,
		HTTPRequests, HTTPDuration, GraphQLOperations, GraphQLDuration, GraphQLErrors,
		WebhookToTicket, ScrapeErrors,
	)
}

// Handler serves the registry in the Prometheus text format, with the
// process's own collectors (database pools, queues, poll ages), which
// are per process and so kept out of the shared Registry.
func Handler(own ...prometheus.Collector) http.Handler {
	var g prometheus.Gatherer = Registry
	if len(own) > 0 {
		r := prometheus.NewRegistry()
		r.MustRegister(own...)
		g = prometheus.Gatherers{Registry, r}
	}
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{Registry: Registry})
}
