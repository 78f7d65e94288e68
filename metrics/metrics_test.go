package metrics_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/metrics"
	"github.com/alertdesk/alertdesk/pipeline"
)

type fakeProcessor struct{}

func (fakeProcessor) Process(context.Context, event.Event, ...pipeline.Option) (pipeline.Result, error) {
	return pipeline.Result{Outcome: pipeline.Created}, nil
}

func TestHandlerExposesInstrumentedMetrics(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/{provider}/{id}", metrics.InstrumentWebhooks(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	})))
	mux.Handle("GET /metrics", metrics.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	res, err := http.Post(srv.URL+"/webhooks/ninjaone/1", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if _, err := (metrics.TimedProcessor{Next: fakeProcessor{}}).Process(context.Background(), event.Event{Kind: event.Triggered, Origin: "poller"}); err != nil {
		t.Fatal(err)
	}

	res, err = http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	for _, want := range []string{
		`alertdesk_webhooks_total{outcome="401",provider="ninjaone"} 1`,
		`alertdesk_pipeline_duration_seconds_count{kind="triggered",origin="poller",outcome="ticket_created"} 1`,
		"alertdesk_outbox_lag_seconds",
		"go_goroutines",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestInstrumentHTTPRoutes: requests are labelled by the pattern that
// routed them, never the raw path; unrouted ones are "unmatched".
func TestInstrumentHTTPRoutes(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	})
	mux.Handle("GET /metrics", metrics.Handler())
	srv := httptest.NewServer(metrics.InstrumentHTTP(mux))
	defer srv.Close()
	for _, p := range []string{"/things/1", "/things/2", "/nowhere/3"} {
		res, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	res, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	for _, want := range []string{
		`alertdesk_http_requests_total{code="418",method="GET",route="GET /things/{id}"} 2`,
		`alertdesk_http_request_duration_seconds_count{code="418",method="GET",route="GET /things/{id}"} 2`,
		`alertdesk_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(string(body), "/things/1") {
		t.Error("a raw path is a label value")
	}
}
