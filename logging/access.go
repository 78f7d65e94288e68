package logging

import (
	"bufio"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/alertdesk/alertdesk/clientip"
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
		rw := &recorder{ResponseWriter: w}
		next.ServeHTTP(rw, r)
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
			slog.Int("status", rw.statusCode()),
			slog.Int64("bytes", rw.bytes),
			slog.Duration("duration", time.Since(start)),
			slog.String("remote_addr", r.RemoteAddr),
			slog.String("client", proxies.Of(r)))
	})
}

// recorder notes the status and counts the bytes of an answer.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 || w.status < 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *recorder) statusCode() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Unwrap lets http.ResponseController reach the underlying writer
// (deadlines of webhooks and WebSockets).
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush serves streaming answers that assert http.Flusher.
func (w *recorder) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Hijack serves WebSocket upgrades that assert http.Hijacker.
func (w *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, fmt.Errorf("logging: hijack: %w", err)
	}
	if w.status == 0 {
		w.status = http.StatusSwitchingProtocols
	}
	return c, rw, nil
}
