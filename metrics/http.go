package metrics

import (
	"net/http"
	"strconv"
)

// InstrumentWebhooks counts the webhook requests h answers, by the
// {provider} path value and the status code it wrote. It adds no work to
// the request beyond an in-memory counter.
func InstrumentWebhooks(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		provider := r.PathValue("provider")
		if provider != "ninjaone" && provider != "tacticalrmm" && provider != "alertmanager" {
			provider = "unknown" // bound label cardinality
		}
		Webhooks.WithLabelValues(provider, strconv.Itoa(sw.status)).Inc()
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
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

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
