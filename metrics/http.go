package metrics

import (
	"bufio"
	"net"
	"net/http"
	"strconv"
	"time"
)

// InstrumentWebhooks counts the webhook requests h answers, by the
// {provider} path value and the status code it wrote, and notes when the
// request arrived so the pipeline can observe webhook-to-ticket latency.
// It adds no work to the request beyond in-memory counters.
func InstrumentWebhooks(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r.WithContext(WithReceipt(r.Context(), time.Now())))
		provider := r.PathValue("provider")
		if provider != "ninjaone" && provider != "tacticalrmm" && provider != "alertmanager" {
			provider = "unknown" // bound label cardinality
		}
		Webhooks.WithLabelValues(provider, strconv.Itoa(sw.status)).Inc()
	})
}

// InstrumentHTTP counts and times the requests mux answers by the route
// pattern that matched (never the raw path, which would give a series per
// id), the method and the status code. A request that matched no pattern
// is "unmatched". WebSocket upgrades are counted but not timed: their
// duration is the socket's life.
func InstrumentHTTP(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		mux.ServeHTTP(sw, r)
		// http.ServeMux sets Pattern on the request it routed.
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		method, code := methodLabel(r.Method), strconv.Itoa(sw.status)
		HTTPRequests.WithLabelValues(method, route, code).Inc()
		if !sw.hijacked {
			HTTPDuration.WithLabelValues(method, route, code).Observe(time.Since(start).Seconds())
		}
	})
}

// methodLabel bounds the method label to the standard methods.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "OTHER"
}

type statusWriter struct {
	http.ResponseWriter
	status   int
	wrote    bool
	hijacked bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Flush passes streaming responses through.
func (w *statusWriter) Flush() {
	w.wrote = true
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack lets WebSocket upgrades take the connection; it is counted as
// 101 Switching Protocols.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
		if !w.wrote {
			w.status, w.wrote = http.StatusSwitchingProtocols, true
		}
	}
	return c, rw, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
