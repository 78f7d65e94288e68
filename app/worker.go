package app

import (
	"context"
	"fmt"
	"net/http"

	"github.com/alertdesk/alertdesk/metrics"
	"github.com/alertdesk/alertdesk/provision"
	"github.com/alertdesk/alertdesk/secrets"
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
		Outbound: a.Outbound, Log: a.Log, PollErrorAfter: a.Config.PollErrorAfter})
	a.registerConsumers(a.Worker)
	if err := a.Worker.Start(ctx); err != nil {
		a.Worker = nil
		return fmt.Errorf("app: %w", err)
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
// all; health and metrics only for a worker.
func (a *App) roleHandler() http.Handler {
	if a.Config.RunsAPI() {
		return a.Handler()
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	return mux
}
