// Package server routes alertdesk's HTTP surface: webhooks, the GraphQL API
// and health.
package server

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/clientip"
	"github.com/alertdesk/alertdesk/connect"
	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/graph"
	"github.com/alertdesk/alertdesk/logging"
	"github.com/alertdesk/alertdesk/metrics"
	"github.com/alertdesk/alertdesk/notify"
	"github.com/alertdesk/alertdesk/outbound"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/providers/alertmanager"
	"github.com/alertdesk/alertdesk/providers/ninjaone"
	"github.com/alertdesk/alertdesk/providers/tacticalrmm"
	"github.com/alertdesk/alertdesk/secrets"
	"github.com/alertdesk/alertdesk/signin"
	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/web"
	"github.com/alertdesk/alertdesk/webhook"
	"github.com/alertdesk/alertdesk/worker"
	"github.com/alertdesk/alertdesk/workflow"
)

// Server holds what the HTTP handlers need.
type Server struct {
	Store    *store.Store
	Redis    redis.UniversalClient
	Pipeline *pipeline.Pipeline
	Log      *slog.Logger
	// Desk runs the API's ticket operations; the pipeline's when nil, so
	// the API's commits wake the outbox relay as the pipeline's do.
	Desk *desk.Desk
	// PublicURL is where alertdesk is reached (webhook URLs in the API).
	PublicURL string
	// Playground serves the GraphQL playground at GET /playground.
	Playground bool
	// Connect serves the NinjaOne OAuth callback and the API's connect
	// mutations when set.
	Connect *connect.Service
	// Events manages workflow webhook subscriptions in the API; one on
	// Store when nil.
	Events *workflow.Service
	// Enqueuer queues the API's pollNow polls; worker.NewEnqueuer(Store, Redis,
	// "") when nil and Redis is set.
	Enqueuer graph.Enqueuer
	// Setup serves the UI's first-run screen at /setup when set.
	Setup http.Handler
	// MaxDepth, MaxComplexity and MaxStatements bound a GraphQL request
	// (zero: graph's defaults); RateLimit bounds each API token's requests
	// (zero: none).
	MaxDepth, MaxComplexity, MaxStatements int
	// MaxConcurrent bounds the GraphQL operations run at once over HTTP
	// (zero: graph.DefaultMaxConcurrent).
	MaxConcurrent int
	RateLimit     graph.RateLimit
	// Ingest runs webhook events: a pipeline on Store.Ingest(), the pool
	// of webhook ingest; Pipeline when nil.
	Ingest *pipeline.Pipeline
	// WebhookTimeout and APITimeout are the deadlines of a webhook and of
	// a GraphQL request over HTTP (subscriptions have none); none when
	// zero.
	WebhookTimeout time.Duration
	APITimeout     time.Duration
	// Secrets hashes webhook secrets (webhooks) and seals and opens them
	// (API); without it every webhook is refused.
	Secrets *secrets.Box
	// Outbound decides which RMM base URLs the API saves (nil: the public
	// internet only).
	Outbound *outbound.Guard
	// Mailer sends invitations and password resets; without it their
	// links are written to the log.
	Mailer notify.Mailer
	// OIDC adds single sign-on when set and configured.
	OIDC *signin.OIDC
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client sign-in throttles.
	TrustedProxies clientip.Proxies
	// Metrics are the process's own collectors served at /metrics beside
	// metrics.Registry (database pools, queues).
	Metrics []prometheus.Collector
}

// Handler returns the routed HTTP handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	ingest := s.Ingest
	if ingest == nil {
		ingest = s.Pipeline
	}
	// A storm's firings share transactions instead of queueing one by one
	// for their condition's lock.
	combined := pipeline.NewCombiner(ingest)
	combined.OnGroup = func(n int) { metrics.CombinedEvents.Observe(float64(n)) }
	mux.Handle("POST /webhooks/{provider}/{integrationId}", metrics.InstrumentWebhooks(&webhook.Handler{
		DB:       s.Store.Ingest().Ent,
		Secrets:  s.Secrets,
		Pipeline: metrics.TimedProcessor{Next: combined},
		Normalizers: map[event.Provider]webhook.Normalizer{
			event.NinjaOne:    ninjaone.NormalizeWebhook,
			event.TacticalRMM: tacticalrmm.NormalizeWebhook,
		},
		Batches: map[event.Provider]webhook.BatchNormalizer{event.Alertmanager: alertmanager.NormalizeWebhook},
		Log:     s.Log,
		Timeout: s.WebhookTimeout,
	}))
	mux.Handle("GET /metrics", metrics.Handler(s.Metrics...))
	d := s.Desk
	if d == nil {
		d = s.Pipeline.Desk()
	}
	deps := graph.Deps{
		Store: s.Store, Pipeline: s.Pipeline, Desk: d, Redis: s.Redis,
		PublicURL: s.PublicURL, Log: s.Log, Playground: s.Playground,
		Connect: s.Connect, Events: s.Events, Enqueuer: s.enqueuer(),
		MaxDepth: s.MaxDepth, MaxComplexity: s.MaxComplexity, MaxStatements: s.MaxStatements,
		MaxConcurrent: s.MaxConcurrent,
		RateLimit:     s.RateLimit, Secrets: s.Secrets, Outbound: s.Outbound,
	}
	// One set of WebSockets for the API and sign-out, which closes its
	// session's sockets.
	deps.Sessions = graph.NewSessions(deps)
	deps.Links = &signin.Links{Mailer: s.Mailer, PublicURL: s.PublicURL, Log: s.Log}
	api := graph.NewHandler(deps)
	(&signin.Handler{
		Store: s.Store, Authn: deps.Sessions.Authn, Links: deps.Links, Log: s.Log,
		Throttle: &auth.Throttle{Redis: s.Redis},
		Secure:   strings.HasPrefix(s.PublicURL, "https://"),
		Announce: deps.Sessions.Announce,
		OIDC:     s.OIDC,
		Proxies:  s.TrustedProxies,
	}).Routes(mux)
	mux.Handle("/graphql", withDeadline(api, s.APITimeout))
	mux.Handle("GET /playground", api)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.ready)
	if s.Setup != nil {
		mux.Handle("/setup", s.Setup)
	}
	if s.Connect != nil {
		mux.Handle("GET "+connect.CallbackPath, s.Connect.Callback())
	}
	// The admin UI at "/" (embedded assets); more specific routes win.
	mux.Handle("/", web.Handler())
	// Every request gets a request id and a line in the access log, and
	// counts in the request metrics.
	return logging.Access(metrics.InstrumentHTTP(mux), s.Log, s.TrustedProxies)
}

// enqueuer is Enqueuer, or one on Redis.
func (s *Server) enqueuer() graph.Enqueuer {
	if s.Enqueuer != nil {
		return s.Enqueuer
	}
	if s.Redis != nil {
		return worker.NewEnqueuer(s.Store, s.Redis, "")
	}
	return nil
}

// ready answers 200 when the database and Redis both answer.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) { Ready(s.Store, s.Redis)(w, r) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
