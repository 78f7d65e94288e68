// Package server routes alertdesk's HTTP surface: webhooks and health.
package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/providers/ninjaone"
	"github.com/alertdesk/alertdesk/providers/tacticalrmm"
	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/webhook"
)

// Server holds what the HTTP handlers need.
type Server struct {
	Store    *store.Store
	Redis    redis.UniversalClient
	Pipeline *pipeline.Pipeline
	Log      *slog.Logger
}

// Handler returns the routed HTTP handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/{provider}/{integrationId}", &webhook.Handler{
		DB:       s.Store.Ent,
		Pipeline: s.Pipeline,
		Normalizers: map[event.Provider]webhook.Normalizer{
			event.NinjaOne:    ninjaone.NormalizeWebhook,
			event.TacticalRMM: tacticalrmm.NormalizeWebhook,
		},
		Log: s.Log,
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.ready)
	return mux
}

// ready answers 200 when the database and Redis both answer.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{"database": "ok", "redis": "ok"}
	status := http.StatusOK
	if err := s.Store.Ping(ctx); err != nil {
		checks["database"], status = err.Error(), http.StatusServiceUnavailable
	}
	if s.Redis == nil {
		checks["redis"], status = "not configured", http.StatusServiceUnavailable
	} else if err := s.Redis.Ping(ctx).Err(); err != nil {
		checks["redis"], status = err.Error(), http.StatusServiceUnavailable
	}
	writeJSON(w, status, checks)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
