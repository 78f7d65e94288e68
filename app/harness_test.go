package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/app"
	"github.com/alertdesk/alertdesk/config"
	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/seed"
	"github.com/alertdesk/alertdesk/webhook"
)

// running is an alertdesk serving on a port of its own.
type running struct {
	t    testing.TB
	app  *app.App
	addr string // host:port
	url  string
}

// start runs alertdesk (role api) on cfg as the binary would, with the
// demo tenant seeded; cfg's Addr, DataDir, Role and Demo are set here.
func start(t testing.TB, cfg config.Config) *running {
	t.Helper()
	cfg.Role = config.RoleAPI
	return startLogged(t, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// startLogged is start with cfg's role (all when empty), logging to log.
func startLogged(t testing.TB, cfg config.Config, log *slog.Logger) *running {
	t.Helper()
	cfg.Addr, cfg.Demo = "127.0.0.1:0", "on"
	if cfg.Role == "" {
		cfg.Role = config.RoleAll
	}
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatalf("app: %v", err)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		cancel()
		a.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.ServeOn(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	return &running{t: t, app: a, addr: ln.Addr().String(), url: "http://" + ln.Addr().String()}
}

// limits are short timeouts for tests; the caller adjusts them.
func limits() config.HTTP {
	h := config.DefaultHTTP()
	h.ReadHeaderTimeout, h.ReadTimeout, h.IdleTimeout = time.Second, 2*time.Second, 5*time.Second
	h.WebhookTimeout, h.APITimeout, h.WriteTimeout = 2*time.Second, 3*time.Second, 4*time.Second
	return h
}

func (r *running) integration(provider string) seed.Integration {
	for _, in := range r.app.Demo.Integrations {
		if in.Provider == provider {
			return in
		}
	}
	r.t.Fatalf("no demo %s integration", provider)
	return seed.Integration{}
}

// ninjaBody is the NinjaOne TRIGGERED fixture for an alert of its own,
// named by series (the alert's external id).
func ninjaBody(t testing.TB, series string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(fixtures.Read("ninjaone-condition-triggered.json"), &m); err != nil {
		t.Fatal(err)
	}
	m["seriesUid"] = series
	m["id"] = time.Now().UnixNano() % 1_000_000_000
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// answer is a webhook's answer.
type answer struct {
	status int
	body   string
	took   time.Duration
}

// post sends a webhook to the demo NinjaOne integration.
func (r *running) post(body []byte) answer {
	r.t.Helper()
	in := r.integration("ninjaone")
	req, err := http.NewRequest(http.MethodPost, r.url+"/webhooks/ninjaone/"+fmt.Sprint(in.ID), bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set(webhook.SecretHeader, in.Secret)
	return r.do(req)
}

func (r *running) do(req *http.Request) answer {
	r.t.Helper()
	began := time.Now()
	c := &http.Client{Timeout: 30 * time.Second}
	res, err := c.Do(req)
	if err != nil {
		r.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, body: strings.TrimSpace(string(raw)), took: time.Since(began)}
}

// graphql posts a GraphQL query with the token.
func (r *running) graphql(token, query string) answer {
	r.t.Helper()
	req, err := http.NewRequest(http.MethodPost, r.url+"/graphql", strings.NewReader(fmt.Sprintf(`{"query":%q}`, query)))
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	return r.do(req)
}

func (r *running) get(path string) answer {
	r.t.Helper()
	req, err := http.NewRequest(http.MethodGet, r.url+path, nil)
	if err != nil {
		r.t.Fatal(err)
	}
	return r.do(req)
}

// closedWithin reads from c until the server closes it (or answers and
// closes), failing unless that happens within d; it returns what was read
// and when.
func closedWithin(t testing.TB, c net.Conn, d time.Duration) (string, time.Duration) {
	t.Helper()
	began := time.Now()
	_ = c.SetReadDeadline(began.Add(d))
	raw, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open after %s (read %q)", d, raw)
	}
	return string(raw), time.Since(began)
}
