// Package app assembles a running alertdesk from its configuration: store,
// Redis (external or embedded), pipeline, HTTP server and demo seed.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/config"
	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/graph"
	"github.com/alertdesk/alertdesk/internal/embedredis"
	"github.com/alertdesk/alertdesk/outbound"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/secrets"
	"github.com/alertdesk/alertdesk/seed"
	"github.com/alertdesk/alertdesk/server"
	"github.com/alertdesk/alertdesk/signin"
	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/worker"
)

// App is a started alertdesk process.
type App struct {
	Config   config.Config
	Store    *store.Store
	Redis    redis.UniversalClient
	Pipeline *pipeline.Pipeline
	// Ingest is the pipeline of webhooks, on the store's webhook pool.
	Ingest *pipeline.Pipeline
	Demo   *seed.Result
	Log    *slog.Logger
	// Secrets seals integration credentials, webhook secrets and signing
	// secrets.
	Secrets *secrets.Box
	// Outbound guards every request made to a tenant's URLs (workflow
	// webhooks, RMM APIs): the public internet and ALERTDESK_OUTBOUND_ALLOW.
	Outbound *outbound.Guard
	// Worker runs background tasks while Serve runs, for the worker and
	// all roles.
	Worker *worker.Worker

	embedded  *embedredis.Server
	setupCode string // see provision.SetupCode
}

// New opens every dependency; Close releases them.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	a := &App{Config: cfg, Log: log, Outbound: outbound.New(cfg.OutboundAllow)}
	var err error
	if a.Store, err = store.Open(ctx, cfg.DatabaseURL, cfg.DataDir, store.WithLimits(StoreLimits(cfg.Database))); err != nil {
		return nil, err
	}
	if err := a.openRedis(); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.openSecrets(); err != nil {
		a.Close()
		return nil, err
	}
	// Rows from before sealing keep no secret in clear past startup.
	if n, err := a.Secrets.SealStored(ctx, a.Store); err != nil {
		a.Close()
		return nil, fmt.Errorf("app: %w", err)
	} else if n > 0 {
		log.Info("sealed webhook and signing secrets stored in clear", "rows", n)
	}
	a.Pipeline = pipeline.New(a.Store, desk.New(a.Store), log)
	a.Ingest = a.Pipeline
	if in := a.Store.Ingest(); in != a.Store {
		a.Ingest = pipeline.New(in, desk.New(in), log)
	}
	if cfg.SeedDemo() {
		if a.Demo, err = seed.Demo(ctx, a.Store, seed.Options{DataDir: cfg.DataDir, PublicURL: cfg.PublicURL, Secrets: a.Secrets}); err != nil {
			a.Close()
			return nil, fmt.Errorf("app: seed demo: %w", err)
		}
		if err := a.Demo.WriteJSON(filepath.Join(cfg.DataDir, "demo.json")); err != nil {
			a.Close()
			return nil, fmt.Errorf("app: write demo.json: %w", err)
		}
	}
	return a, nil
}

func (a *App) openRedis() error {
	url := a.Config.RedisURL
	if url == "" {
		srv, err := embedredis.Start("127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("app: embedded redis: %w", err)
		}
		a.embedded = srv
		url = "redis://" + srv.Addr()
		a.Log.Info("embedded Redis-compatible server started", "addr", srv.Addr())
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		return fmt.Errorf("app: REDIS_URL: %w", err)
	}
	a.Redis = redis.NewClient(opts)
	return nil
}

// Handler is the HTTP surface.
func (a *App) Handler() http.Handler {
	s := &server.Server{Store: a.Store, Redis: a.Redis, Pipeline: a.Pipeline, Ingest: a.Ingest, Log: a.Log,
		PublicURL: a.Config.PublicURL, Playground: a.Config.Embedded(), Connect: a.Connect(), Metrics: a.collectors(),
		Events: a.Events(), Setup: a.firstRun(), TrustedProxies: a.Config.TrustedProxies, Secrets: a.Secrets, Outbound: a.Outbound, Mailer: a.Mailer(), OIDC: a.oidc(),
		WebhookTimeout: a.Config.HTTP.WebhookTimeout, APITimeout: a.Config.HTTP.APITimeout,
		MaxDepth: a.Config.API.MaxDepth, MaxComplexity: a.Config.API.MaxComplexity,
		MaxStatements: a.Config.API.MaxStatements, MaxConcurrent: a.Config.API.MaxConcurrent,
		RateLimit: graph.RateLimit{PerMinute: a.Config.API.RatePerMinute, Burst: a.Config.API.RateBurst,
			CostPerMinute: a.Config.API.CostPerMinute, CostBurst: a.Config.API.CostBurst}}
	return s.Handler()
}

// StoreLimits are the store's limits from the configuration.
func StoreLimits(c config.Database) store.Limits {
	return store.Limits{MaxConns: c.MaxConns, WebhookConns: c.WebhookConns,
		StatementTimeout: c.StatementTimeout, LockTimeout: c.LockTimeout}
}

// HTTPLimits are the HTTP server's limits from the configuration.
func HTTPLimits(c config.HTTP) server.Limits {
	return server.Limits{ReadHeaderTimeout: c.ReadHeaderTimeout, ReadTimeout: c.ReadTimeout,
		WriteTimeout: c.WriteTimeout, IdleTimeout: c.IdleTimeout, MaxHeaderBytes: c.MaxHeaderBytes,
		UnauthenticatedConnsPerClient: c.UnauthenticatedConnsPerClient}
}

// Serve listens on the role's address until ctx ends, then drains.
func (a *App) Serve(ctx context.Context) error {
	addr := a.listenAddr()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("app: listen %s: %w", addr, err)
	}
	return a.ServeOn(ctx, ln)
}

// ServeOn is Serve on a listener of the caller's; it closes ln.
func (a *App) ServeOn(ctx context.Context, ln net.Listener) error {
	limits := HTTPLimits(a.Config.HTTP)
	limits.TrustedProxies = a.Config.TrustedProxies
	srv := server.NewHTTP(a.roleHandler(), limits)
	if a.Config.DebugAddr != "" {
		if err := a.serveDebug(ctx); err != nil {
			ln.Close()
			return err
		}
	}
	a.announceSetup(ctx)
	if err := a.startWorker(ctx); err != nil {
		ln.Close()
		return err
	}
	defer a.stopWorker() // after the HTTP server: drains in-flight tasks
	defer a.startWake(ctx)()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.Log.Info("alertdesk listening", "addr", ln.Addr().String(), "public_url", a.Config.PublicURL,
		"database", a.Store.Dialect, "role", a.Config.Role)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("app: shutdown: %w", err)
	}
	return nil
}

// Close releases every dependency.
func (a *App) Close() {
	if a.Redis != nil {
		_ = a.Redis.Close()
	}
	if a.embedded != nil {
		a.embedded.Close()
	}
	if a.Store != nil {
		_ = a.Store.Close()
	}
}

// oidc is the single sign-on provider of the configuration, nil without
// one.
func (a *App) oidc() *signin.OIDC {
	c := a.Config.OIDC
	if c.Issuer == "" {
		return nil
	}
	return &signin.OIDC{Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		RedirectURL: a.Config.PublicURL + signin.OIDCCallbackPath}
}
