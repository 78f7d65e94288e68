package graph

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/connect"
	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/graph/generated"
	"github.com/alertdesk/alertdesk/metrics"
	"github.com/alertdesk/alertdesk/outbound"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/secrets"
	"github.com/alertdesk/alertdesk/signin"
	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/tenancy"
	"github.com/alertdesk/alertdesk/workflow"
)

// Default limits of an operation.
const (
	DefaultMaxDepth      = 12
	DefaultMaxComplexity = 10000
)

// maxRequestBytes bounds a request body; operations are small.
const maxRequestBytes = 1 << 20

// Deps are what the API needs.
type Deps struct {
	Store    *store.Store
	Pipeline *pipeline.Pipeline
	Desk     *desk.Desk
	// Redis carries the live feed and notifications; without it
	// subscriptions fail with code UNAVAILABLE.
	Redis redis.UniversalClient
	// PublicURL is where alertdesk is reached; webhook URLs build on it.
	PublicURL string
	Log       *slog.Logger
	// Playground serves a GraphQL playground at GET /playground.
	Playground bool
	// Connect connects integrations to their RMM APIs; without it the
	// connect mutations fail with code UNAVAILABLE.
	Connect *connect.Service
	// Events manages workflow webhook subscriptions; by default one on
	// Store.
	Events *workflow.Service
	// Enqueuer queues pollNow's polls (worker.NewEnqueuer fits); without it
	// pollNow fails with code UNAVAILABLE.
	Enqueuer Enqueuer
	// Secrets seals and opens integrations' webhook secrets; without it
	// creating an integration or rotating its secret fails.
	Secrets *secrets.Box
	// Outbound decides which RMM base URLs may be saved (nil: the public
	// internet only).
	Outbound *outbound.Guard

	// Driver, when set, is the database driver of the API's scoped client
	// (tests wrap it to count statements); by default the store's pool.
	Driver dialect.Driver
	// MaxDepth and MaxComplexity bound an operation; zero means the default.
	MaxDepth, MaxComplexity int
	// MaxStatements bounds the SQL statements of one response (an
	// operation or a subscription event); zero means the default.
	MaxStatements int
	// MaxConcurrent bounds the operations the handler runs at once over
	// HTTP; zero means DefaultMaxConcurrent.
	MaxConcurrent int
	// RateLimit bounds the requests of each API token, shared through
	// Redis by every replica; zero (or no Redis) means no limit.
	RateLimit RateLimit
	// Sessions are the process's WebSockets, closed on auth changes;
	// by default the handler's own. Share them with whatever else
	// announces changes in the process (sign-out).
	Sessions *auth.Sessions
	// Links sends invitations; without it they are written to the log.
	Links *signin.Links
}

// Enqueuer puts a poll or an inventory sync of an integration on the
// worker queue.
type Enqueuer interface {
	PollNow(ctx context.Context, tenantID, integrationID int) error
	SyncInventory(ctx context.Context, tenantID, integrationID int) error
}

// NewHandler serves the API at /graphql (POST, GET for queries, WebSocket
// subscriptions over graphql-transport-ws) and, when enabled, a playground
// at /playground. Requests need a bearer API token, or a sign-in
// session's cookie with its CSRF token (auth.CSRFHeader); the WebSocket
// authenticates in connection_init instead, re-checks the token before
// each operation, and is closed (CloseAuthChanged) when its token is
// revoked or its user changes, on whichever replica that happens.
func NewHandler(d Deps) http.Handler {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	drv := d.Driver
	if drv == nil {
		drv = store.Driver(d.Store.Dialect, d.Store.DB)
	}
	db := tenancy.NewClient(countingDriver{drv})
	limiter := newTokenLimiter(d)
	maxStatements := orDefault(d.MaxStatements, DefaultMaxStatements)
	if d.Events == nil {
		d.Events = &workflow.Service{Store: d.Store, Secrets: d.Secrets, Outbound: d.Outbound}
	}
	r := &Resolver{
		db:        db,
		store:     d.Store,
		pipeline:  d.Pipeline,
		desk:      d.Desk,
		rdb:       d.Redis,
		publicURL: strings.TrimRight(d.PublicURL, "/"),
		log:       d.Log,
		connect:   d.Connect,
		events:    d.Events,
		enqueuer:  d.Enqueuer,
		feedLoads: newFeedLoads(db),
		feedHub:   newFeedHub(d.Redis),
		secrets:   d.Secrets,
		outbound:  d.Outbound,
	}
	sessions := d.Sessions
	if sessions == nil {
		// The open WebSockets, closed when their token or user changes.
		sessions = NewSessions(d)
	}
	authn := sessions.Authn
	r.sessions = sessions
	r.links = d.Links
	if r.links == nil {
		r.links = &signin.Links{PublicURL: d.PublicURL, Log: d.Log}
	}

	cfg := generated.Config{Resolvers: r}
	cfg.Directives.Admin = adminDirective
	setComplexity(&cfg.Complexity)
	srv := handler.New(sharedFeed{generated.NewExecutableSchema(cfg), newFeedRenders()})
	srv.AddTransport(transport.Websocket{
		Implementation:        socketAcceptor{transport.CoderWebsocketImplementation{}},
		KeepAlivePingInterval: 10 * time.Second,
		// A connection that never authenticates is dropped.
		InitTimeout: 10 * time.Second,
		InitFunc:    websocketInit(authn, sessions, limiter, d.Log),
	})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.Use(extension.Introspection{})
	queries := newQueryCache(queryCacheBytes)
	srv.SetQueryCache(queries)
	srv.Use(documentLimit{known: queries})
	srv.Use(listLimit{})
	srv.Use(depthLimit{max: orDefault(d.MaxDepth, DefaultMaxDepth)})
	srv.Use(&complexityLimit{limit: orDefault(d.MaxComplexity, DefaultMaxComplexity)})
	srv.Use(statementEstimate{max: maxStatements})
	if limiter != nil && limiter.cost != nil {
		// Last: only an operation every other limit admitted is charged.
		srv.Use(costLimit{limiter})
	}
	srv.AroundOperations(recheckSockets(sessions, d.Log))
	srv.Use(metrics.GraphQL{})
	srv.SetErrorPresenter(presentError(d.Log))
	srv.SetRecoverFunc(recoverPanic(d.Log))
	// Fresh loaders and statement budget per response: a subscription's
	// events never see records cached for an earlier one, and each event
	// may run as many statements as an operation.
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		return next(withLoaders(withStatementBudget(ctx, maxStatements), newLoaders(db)))
	})

	admit := newAdmission(orDefault(d.MaxConcurrent, DefaultMaxConcurrent()))
	var api http.Handler = authn.Middleware(limitBody(documentSize(decodableBody(withSockets(sessions, admit.middleware(srv)))), maxRequestBytes))
	if limiter != nil {
		// Before the token is looked up: most of what a token sends past
		// its rate then costs one Redis round trip, no statement.
		api = limiter.middleware(api)
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", api)
	if d.Playground {
		mux.Handle("GET /playground", playground.Handler("alertdesk GraphQL", "/graphql"))
	}
	return mux
}

// NewSessions are the WebSockets of a handler on d, with an authenticator
// on the store's control pool.
func NewSessions(d Deps) *auth.Sessions {
	authn := &auth.Authenticator{DB: d.Store.Control(), Log: d.Log}
	return &auth.Sessions{Authn: authn, Redis: d.Redis, Log: d.Log}
}

// initToken reads the token from a connection_init payload:
// {"authorization": "Bearer …"} or {"token": "…"}.
func initToken(p transport.InitPayload) string {
	if t, ok := p["token"].(string); ok && t != "" {
		return t
	}
	for _, k := range []string{"authorization", "Authorization"} {
		if h, ok := p[k].(string); ok {
			if t, ok := auth.BearerToken(h); ok {
				return t
			}
		}
	}
	return ""
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}
