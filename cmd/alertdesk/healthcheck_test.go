package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthURL(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{":8080", "http://127.0.0.1:8080/healthz"},
		{"0.0.0.0:80", "http://127.0.0.1:80/healthz"},
		{"[::]:8080", "http://[::1]:8080/healthz"},
		{"10.0.0.5:9000", "http://10.0.0.5:9000/healthz"},
		{"desk.internal:8080", "http://desk.internal:8080/healthz"},
	} {
		if got, err := healthURL(tc.addr); err != nil || got != tc.want {
			t.Errorf("healthURL(%q) = %q, %v; want %q", tc.addr, got, err, tc.want)
		}
	}
	for _, tc := range []struct{ url, want string }{
		{"http://10.0.0.5:8080", "http://10.0.0.5:8080/healthz"},
		{"https://desk.example.com/", "https://desk.example.com/healthz"},
		{"http://127.0.0.1:8080/healthz", "http://127.0.0.1:8080/healthz"},
	} {
		if got, err := withHealthPath(tc.url); err != nil || got != tc.want {
			t.Errorf("withHealthPath(%q) = %q, %v; want %q", tc.url, got, err, tc.want)
		}
	}
}

// TestHealthcheck: exit status follows /healthz: 200 is healthy; another
// status, or nothing listening, is not.
func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.URL.Path)
		w.WriteHeader(status)
	}))
	t.Setenv("ALERTDESK_ADDR", strings.TrimPrefix(srv.URL, "http://"))

	if out, _, err := execute(t, "healthcheck"); err != nil || strings.TrimSpace(out) != "ok" {
		t.Errorf("healthy server: %v, %q", err, out)
	}
	if _, _, err := execute(t, "healthcheck", "--url", srv.URL); err != nil {
		t.Errorf("--url: %v", err)
	}
	status = http.StatusServiceUnavailable
	if _, _, err := execute(t, "healthcheck"); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("503: %v", err)
	}
	if strings.Join(paths, " ") != "/healthz /healthz /healthz" {
		t.Errorf("probed %v", paths)
	}
	srv.Close()
	if _, _, err := execute(t, "healthcheck", "--timeout", "2s"); err == nil || !strings.Contains(err.Error(), "unhealthy") {
		t.Errorf("nothing listening: %v", err)
	}
	t.Setenv("ALERTDESK_LOG_LEVEL", "verbose")
	if _, _, err := execute(t, "healthcheck"); err == nil || !strings.Contains(err.Error(), "ALERTDESK_LOG_LEVEL") {
		t.Errorf("bad setting: %v", err)
	}
}

// TestHealthcheckWorker: with ALERTDESK_ROLE=worker the probe goes to
// ALERTDESK_WORKER_ADDR, where a worker serves its health, not to
// ALERTDESK_ADDR.
func TestHealthcheckWorker(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer api.Close()
	t.Setenv("ALERTDESK_ADDR", strings.TrimPrefix(api.URL, "http://"))
	t.Setenv("ALERTDESK_WORKER_ADDR", strings.TrimPrefix(srv.URL, "http://"))
	t.Setenv("ALERTDESK_ROLE", "worker")
	if out, _, err := execute(t, "healthcheck"); err != nil || strings.TrimSpace(out) != "ok" {
		t.Errorf("worker role: %v, %q", err, out)
	}
	t.Setenv("ALERTDESK_ROLE", "api")
	if _, _, err := execute(t, "healthcheck"); err == nil {
		t.Error("api role probed the worker's address")
	}
}
