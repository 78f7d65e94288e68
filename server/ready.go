package server

import (
	"context"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/store"
)

// Ready answers 200 when the database and Redis both answer within 2 s,
// else 503 with each one's reason: {"database": "ok", "redis": "…"}.
// Both are asked afresh on every request, so readiness returns with them.
func Ready(st *store.Store, rdb redis.UniversalClient) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		checks := map[string]string{"database": "ok", "redis": "ok"}
		status := http.StatusOK
		if err := st.Ping(ctx); err != nil {
			checks["database"], status = err.Error(), http.StatusServiceUnavailable
		}
		if rdb == nil {
			checks["redis"], status = "not configured", http.StatusServiceUnavailable
		} else if err := rdb.Ping(ctx).Err(); err != nil {
			checks["redis"], status = err.Error(), http.StatusServiceUnavailable
		}
		writeJSON(w, status, checks)
	}
}
