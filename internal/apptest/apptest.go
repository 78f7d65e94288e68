// Package apptest starts a real alertdesk (store, pipeline, HTTP server)
// seeded with the demo tenant, for integration tests through HTTP.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/provision"
	"github.com/alertdesk/alertdesk/seed"
	"github.com/alertdesk/alertdesk/server"
	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/webhook"
)

// Env is one running alertdesk on a fresh database.
type Env struct {
	T        testing.TB
	Ctx      context.Context
	Store    *store.Store
	DB       *ent.Client
	Desk     *desk.Desk
	Pipeline *pipeline.Pipeline
	Demo     *seed.Result
	HTTP     *httptest.Server
	// Redis is Options.Redis (nil unless given).
	Redis redis.UniversalClient
	// Services are the connect, events and task-queue services the API
	// runs with.
	Services Services
}

// SetupCode is the first-run screen's code of test servers.
const SetupCode = "0123456789abcdef0123456789abcdef"

// PublicURL is the public URL test servers pretend to have.
const PublicURL = "http://alertdesk.test"

// New starts alertdesk on a fresh database of the dialect, seeded with the
// demo tenant.
func New(t testing.TB, dialect string) *Env {
	t.Helper()
	return NewWith(t, dialect, Options{})
}

// NewWith is New with options.
func NewWith(t testing.TB, dialect string, opts Options) *Env {
	t.Helper()
	ctx := context.Background()
	st, demo := opts.store(t, dialect)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	d := desk.New(st)
	p := pipeline.New(st, d, log)
	guard := opts.Outbound
	if guard == nil {
		guard = AllowLoopback(t)
	}
	svc := newServices(t, st, opts.Redis, log, guard)
	srv := &server.Server{Store: st, Redis: opts.Redis, Pipeline: p, Log: log, Desk: d, PublicURL: PublicURL,
		Connect: svc.Connect, Events: svc.Events, Enqueuer: svc.enqueuer(), Secrets: svc.Secrets, Outbound: guard,
		Setup: &provision.FirstRun{Store: st, Code: SetupCode, Log: log}, Mailer: opts.Mailer, OIDC: opts.OIDC,
		TrustedProxies: opts.TrustedProxies}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &Env{T: t, Ctx: ctx, Store: st, DB: st.Ent, Desk: d, Pipeline: p, Demo: demo, HTTP: hs, Redis: opts.Redis,
		Services: svc}
}

// Integration returns the demo integration of a provider.
func (e *Env) Integration(p event.Provider) seed.Integration {
	e.T.Helper()
	for _, in := range e.Demo.Integrations {
		if in.Provider == string(p) {
			return in
		}
	}
	e.T.Fatalf("no demo integration for %s", p)
	return seed.Integration{}
}

// Response is a webhook answer.
type Response struct {
	Status   int
	Outcome  string `json:"status"`
	AlertID  int    `json:"alertId"`
	TicketID *int   `json:"ticketId"`
	Error    string `json:"error"`
	// RetryAfter is the Retry-After header ("" when absent).
	RetryAfter string `json:"-"`
}

// Post sends a webhook body to the demo integration of the provider with
// its secret.
func (e *Env) Post(p event.Provider, body []byte) Response {
	e.T.Helper()
	in := e.Integration(p)
	return e.PostTo(p, in.ID, in.Secret, body)
}

// PostFixture posts a named fixture.
func (e *Env) PostFixture(p event.Provider, name string) Response {
	e.T.Helper()
	return e.Post(p, fixtures.Read(name))
}

// PostTo sends a webhook with an explicit integration id and secret.
func (e *Env) PostTo(p event.Provider, integrationID int, secret string, body []byte) Response {
	e.T.Helper()
	url := e.HTTP.URL + "/webhooks/" + string(p) + "/" + strconv.Itoa(integrationID)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		e.T.Fatal(err)
	}
	if secret != "" {
		req.Header.Set(webhook.SecretHeader, secret)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatalf("post webhook: %v", err)
	}
	defer res.Body.Close()
	out := Response{Status: res.StatusCode, RetryAfter: res.Header.Get("Retry-After")}
	raw, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		e.T.Fatalf("webhook answered %d with non-JSON %q", res.StatusCode, raw)
	}
	return out
}

// Patch decodes a JSON object, applies changes, and encodes it again: handy
// to vary a fixture.
func Patch(t testing.TB, body []byte, changes map[string]any) []byte {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber() // numbers as sent, whatever their size
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("patch: %v", err)
	}
	for k, v := range changes {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// EachDialect runs a test on PostgreSQL and on SQLite, each with a fresh
// Env.
func EachDialect(t *testing.T, fn func(t *testing.T, e *Env)) {
	t.Helper()
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) { fn(t, New(t, d)) })
	}
}

// NinjaTrigger is the NinjaOne TRIGGERED fixture with changes applied.
func NinjaTrigger(t testing.TB, changes map[string]any) []byte {
	return Patch(t, fixtures.Read("ninjaone-condition-triggered.json"), changes)
}
