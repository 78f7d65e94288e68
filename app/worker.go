package app

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/alertdesk/alertdesk/logging"
	"github.com/alertdesk/alertdesk/metrics"
	"github.com/alertdesk/alertdesk/provision"
	"github.com/alertdesk/alertdesk/secrets"
	"github.com/alertdesk/alertdesk/server"
	"github.com/alertdesk/alertdesk/worker"
)

// openSecrets loads the credentials key: ALERTDESK_SECRET_KEY, else one
// generated and kept in the data folder (fine for embedded mode; replicas
// must share a configured key).
func (a *App) openSecrets() error {
	key, generated, err := secrets.LoadKey(a.Config.SecretKey, a.Config.DataDir)
	if err != nil {
		return fmt.Errorf("app: secret key: %w", err)
	}
	switch {
	case generated:
		a.Log.Info("generated a credentials key", "file", a.Config.DataDir+"/"+secrets.KeyFile)
	case a.Config.SecretKey == "" && !a.Config.Embedded():
		a.Log.Warn("ALERTDESK_SECRET_KEY is not set: using the key in the data folder; every replica needs the same key")
	}
	a.setupCode = provision.SetupCode(key)
	a.Secrets, err = secrets.New(key)
	return err
}

// startWorker starts the background workers when the role asks for them.
func (a *App) startWorker(ctx context.Context) error {
	if !a.Config.RunsWorker() {
		return nil
	}
	a.Worker = worker.New(worker.Deps{Store: a.Store, Redis: a.Redis, Pipeline: a.Pipeline, Secrets: a.Secrets,
		Outbound: a.Outbound, Log: a.Log, PollErrorAfter: a.Config.PollErrorAfter,
		PollMinute: a.Config.PollMinute})
	a.registerConsumers(a.Worker)
	if err := a.Worker.Start(ctx); err != nil {
		a.Worker = nil
		return fmt.Errorf("app: %w", err)
	}
	// asynq starts without Redis and waits for it; say so rather than
	// run on silently (/readyz reports it until Redis answers).
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := a.Redis.Ping(pctx).Err(); err != nil {
		a.Log.Warn("worker started but Redis does not answer; tasks wait for it and /readyz reports 503", "error", err)
	}
	return nil
}

// stopWorker drains in-flight tasks.
func (a *App) stopWorker() {
	if a.Worker != nil {
		a.Worker.Shutdown()
		a.Worker = nil
	}
}

// roleHandler is the HTTP surface of the role: everything for api and
// all; health, readiness and metrics only for a worker.
func (a *App) roleHandler() http.Handler {
	if a.Config.RunsAPI() {
		return a.Handler()
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(a.collectors()...))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	mux.Handle("GET /readyz", server.Ready(a.Store, a.Redis))
	return logging.Access(metrics.InstrumentHTTP(mux), a.Log, a.Config.TrustedProxies)
}

// listenAddr is where the role serves: ALERTDESK_WORKER_ADDR for a
// worker, else ALERTDESK_ADDR.
func (a *App) listenAddr() string {
	if !a.Config.RunsAPI() {
		return a.Config.WorkerAddr
	}
	return a.Config.Addr
}

// collectors are the process's scrape-time metrics: its database pools,
// and where workers run, the queue sizes and the integrations' poll ages
// and health states (cached and time-bounded).
func (a *App) collectors() []prometheus.Collector {
	cs := []prometheus.Collector{metrics.DBPools(a.Store.PoolStats)}
	if a.Config.RunsWorker() {
		cs = append(cs,
			metrics.NewQueues(asynq.NewInspectorFromRedisClient(a.Redis), worker.DefaultQueue),
			metrics.NewPollAges(a.Store.Ent),
			metrics.NewIntegrationHealth(a.Store.Ent))
	}
	return cs
}
