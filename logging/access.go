package logging

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/alertdesk/alertdesk/clientip"
	"github.com/alertdesk/alertdesk/httprecord"
	"github.com/alertdesk/alertdesk/requestid"
)

// quiet are routes probed all the time (health checks, scrapes): logged at
// debug level only.
var quiet = map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /metrics": true}

// Access gives every request a request id (the caller's X-Request-Id when
// sane, else a new one), echoes it on the answer, puts it in the
// request's context, and logs one line per request: method, route pattern
// (never the raw path or query, which may hold codes or tokens), status,
// bytes written, duration, remote address, client (the remote address, or
// behind trusted proxies the address they forwarded for) and request id.
// next should be a ServeMux, which sets the pattern it matched on the
// request.
func Access(next http.Handler, log *slog.Logger, proxies clientip.Proxies) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestid.Or(r.Header.Get(requestid.Header))
		w.Header().Set(requestid.Header, id)
		ctx := requestid.With(r.Context(), id)
		r = r.WithContext(ctx)
		rec := httprecord.Of(w)
		next.ServeHTTP(rec, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		level := slog.LevelInfo
		if quiet[route] {
			level = slog.LevelDebug
		}
		if !log.Enabled(ctx, level) {
			return
		}
		log.LogAttrs(ctx, level, "http request",
			slog.String("method", r.Method),
			slog.String("route", route),
			slog.Int("status", rec.Status()),
			slog.Int64("bytes", rec.Bytes()),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote_addr", r.RemoteAddr),
			slog.String("client", proxies.Of(r)))
	})
}
