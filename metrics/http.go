package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/alertdesk/alertdesk/httprecord"
)

// InstrumentWebhooks counts the webhook requests h answers, by the
// {provider} path value and the status code it wrote, and notes when the
// request arrived so the pipeline can observe webhook-to-ticket latency.
// It adds no work to the request beyond in-memory counters.
func InstrumentWebhooks(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httprecord.Of(w)
		h.ServeHTTP(rec, r.WithContext(WithReceipt(r.Context(), time.Now())))
		provider := r.PathValue("provider")
		if provider != "ninjaone" && provider != "tacticalrmm" && provider != "alertmanager" {
			provider = "unknown" // bound label cardinality
		}
		Webhooks.WithLabelValues(provider, strconv.Itoa(rec.Status())).Inc()
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
		rec := httprecord.Of(w)
		mux.ServeHTTP(rec, r)
		// http.ServeMux sets Pattern on the request it routed.
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		method, code := methodLabel(r.Method), strconv.Itoa(rec.Status())
		HTTPRequests.WithLabelValues(method, route, code).Inc()
		if !rec.Hijacked() {
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
