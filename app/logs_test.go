package app_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/config"
	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/logging"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/providers/providertest"
	"github.com/alertdesk/alertdesk/requestid"
	"github.com/alertdesk/alertdesk/seed"
	"github.com/alertdesk/alertdesk/webhook"
	"github.com/alertdesk/alertdesk/workflow"
)

// TestLogsKeepSecretsAndFollowRequests runs a whole flow with the log at
// debug level in JSON, as an operator chasing a problem would: a
// TacticalRMM integration connected through the API, a person signed in
// with a password, a workflow subscription, a webhook that opens a
// ticket, the ticket closed (the RMM alert reset by the worker) and both
// workflow events delivered. No log line may hold any secret or token
// the flow used; the webhook's and the close's request ids must reach
// the pipeline's and the workers' lines and the outbound calls made for
// them.
func TestLogsKeepSecretsAndFollowRequests(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) { logsFlow(t, d) })
	}
}

func logsFlow(t *testing.T, dialectName string) {
	var logs syncBuffer
	log, err := logging.New(&logs, "json", "debug")
	if err != nil {
		t.Fatal(err)
	}
	// Packages that log through slog.Default() write here too.
	prev := slog.Default()
	slog.SetDefault(log)
	t.Cleanup(func() { slog.SetDefault(prev) })

	const (
		secretKey     = "bG9ncy1mbG93LXNlY3JldC1rZXktMzItYnl0ZXMhIT0=" // 32 bytes
		apiKey        = "tactical-api-key-Zq81vXw3"
		signingSecret = "whsec-signing-Ke7Tq2Lp9Ux4"
		password      = "correct horse battery staple 41"
		webhookReq    = "rmm-delivery-4e1f2a"
		closeReq      = "ui-close-77b0c3"
	)
	cfg := config.Config{SecretKey: secretKey, HTTP: limits(), PollErrorAfter: 3,
		OutboundAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	if dialectName == dialect.Postgres {
		cfg.DatabaseURL = storetest.URL(t, storetest.Open(t, dialect.Postgres)) // Redis stays in process
	}
	cfg.Database = config.DefaultDatabase()
	r := startLogged(t, cfg, log)

	// The fake RMM behind a recorder of the request ids it is sent.
	fake := providertest.NewTactical(t)
	fake.APIKey = apiKey
	var rmm headers
	front := httptest.NewServer(rmm.record(fake.Config.Handler))
	t.Cleanup(front.Close)
	// The subscription's receiver.
	var (
		receiver headers
		leaked   atomic.Bool // the request id inside a workflow event
	)
	sink := httptest.NewServer(receiver.record(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if bytes.Contains(body, []byte(outbox.RequestIDKey)) {
			leaked.Store(true)
		}
	})))
	t.Cleanup(sink.Close)

	token := r.app.Demo.AdminToken
	in := r.integration("tacticalrmm")
	api := func(query string, vars map[string]any, header http.Header) map[string]any {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req, _ := http.NewRequest(http.MethodPost, r.url+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header[k] = v
		}
		a := r.do(req)
		var out struct {
			Data   map[string]any
			Errors []any
		}
		if err := json.Unmarshal([]byte(a.body), &out); err != nil || a.status != 200 || len(out.Errors) > 0 {
			t.Fatalf("graphql %q: %d %s", query, a.status, a.body)
		}
		return out.Data
	}
	bearer := http.Header{"Authorization": {"Bearer " + token}}

	api(`mutation($id: ID!, $url: String!, $key: String!) {
		connectTacticalRmm(integrationId: $id, baseUrl: $url, apiKey: $key) { integration { id } } }`,
		map[string]any{"id": fmt.Sprint(in.ID), "url": front.URL, "key": apiKey}, bearer)
	api(`mutation($in: CreateEventSubscriptionInput!) { createEventSubscription(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"url": sink.URL, "secret": signingSecret,
			"eventTypes": []string{"RMM_ALERT_TRIGGERED", "RMM_ALERT_RESOLVED"}}}, bearer)

	// A person signs in with a password.
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	r.app.Store.Ent.User.UpdateOneID(r.app.Demo.AdminUserID).SetPasswordHash(hash).ExecX(t.Context())
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	login, _ := json.Marshal(map[string]string{"email": seed.AdminEmail, "password": password})
	res, err := browser.Post(r.url+"/auth/login", "application/json", bytes.NewReader(login))
	if err != nil {
		t.Fatal(err)
	}
	var signedIn struct{ CSRFToken string }
	_ = json.NewDecoder(res.Body).Decode(&signedIn)
	res.Body.Close()
	var session string
	for _, c := range res.Cookies() {
		if c.Name == auth.SessionCookie {
			session = c.Value
		}
	}
	if res.StatusCode != 200 || session == "" || signedIn.CSRFToken == "" {
		t.Fatalf("sign in: %d, session %q, csrf %q", res.StatusCode, session, signedIn.CSRFToken)
	}

	// The RMM's webhook, with its own request id.
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/webhooks/tacticalrmm/%d", r.url, in.ID),
		bytes.NewReader(fixtures.Read("tactical-check-trigger.json")))
	req.Header.Set(webhook.SecretHeader, in.Secret)
	req.Header.Set(requestid.Header, webhookReq)
	wres, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ TicketID int }
	_ = json.NewDecoder(wres.Body).Decode(&created)
	wres.Body.Close()
	if wres.StatusCode != 200 || created.TicketID == 0 {
		t.Fatalf("webhook: %d, ticket %d", wres.StatusCode, created.TicketID)
	}
	if got := wres.Header.Get(requestid.Header); got != webhookReq {
		t.Errorf("webhook answer's X-Request-Id %q, want %q", got, webhookReq)
	}
	waitFor(t, "the triggered event's delivery", func() bool { return receiver.has("RMM_ALERT_TRIGGERED", webhookReq) })

	// The person closes the ticket in the browser; the worker resets the
	// RMM alert and the resolved event goes out, all under the close's id.
	closeQ, _ := json.Marshal(map[string]any{"query": `mutation($id: ID!) { closeTicket(ticketId: $id) { id } }`,
		"variables": map[string]any{"id": fmt.Sprint(created.TicketID)}})
	creq, _ := http.NewRequest(http.MethodPost, r.url+"/graphql", bytes.NewReader(closeQ))
	creq.Header.Set("Content-Type", "application/json")
	creq.Header.Set(auth.CSRFHeader, signedIn.CSRFToken)
	creq.Header.Set(requestid.Header, closeReq)
	cres, err := browser.Do(creq)
	if err != nil {
		t.Fatal(err)
	}
	craw, _ := io.ReadAll(cres.Body)
	cres.Body.Close()
	if cres.StatusCode != 200 || strings.Contains(string(craw), `"errors"`) {
		t.Fatalf("closeTicket: %d %s", cres.StatusCode, craw)
	}
	waitFor(t, "the RMM reset", func() bool { return rmm.has("PUT", closeReq) })
	waitFor(t, "the resolved event's delivery", func() bool { return receiver.has("RMM_ALERT_RESOLVED", closeReq) })
	waitFor(t, "the reset's log line", func() bool {
		return strings.Contains(logs.String(), "alert reset in the RMM after its ticket closed")
	})

	if leaked.Load() {
		t.Error("a workflow event's data holds the request id; it goes in the X-Request-Id header only")
	}

	secrets := map[string]string{
		"API token": token, "webhook secret": in.Secret, "RMM API key": apiKey,
		"signing secret": signingSecret, "password": password, "session token": session,
		"CSRF token": signedIn.CSRFToken, "secret key": secretKey,
	}
	lines := logs.lines(t)
	for _, l := range lines {
		for name, s := range secrets {
			if strings.Contains(l.raw, s) {
				t.Errorf("the %s is in a log line: %s", name, l.raw)
			}
		}
	}

	// Each request's id is on the lines of the work it caused.
	want := []struct {
		id, what string
		match    func(l logLine) bool
	}{
		{webhookReq, "access log", func(l logLine) bool {
			return l.msg("http request") && l.is("route", "POST /webhooks/{provider}/{integrationId}")
		}},
		{webhookReq, "pipeline", func(l logLine) bool { return l.msg("pipeline: event processed") && l.is("origin", "webhook") }},
		{webhookReq, "worker delivering the triggered event", func(l logLine) bool {
			return l.msg("outbox: delivering") && l.is("topic", "RMM_ALERT_TRIGGERED")
		}},
		{closeReq, "access log", func(l logLine) bool { return l.msg("http request") && l.is("route", "/graphql") }},
		{closeReq, "worker delivering the close", func(l logLine) bool { return l.msg("outbox: delivering") && l.is("topic", "TICKET_CLOSED") }},
		{closeReq, "reset consumer", func(l logLine) bool { return l.msg("alert reset in the RMM after its ticket closed") }},
		{closeReq, "pipeline resolving in the worker", func(l logLine) bool {
			return l.msg("pipeline: event processed") && l.is("origin", "ticket-closed")
		}},
		{closeReq, "worker delivering the resolved event", func(l logLine) bool {
			return l.msg("outbox: delivering") && l.is("topic", "RMM_ALERT_RESOLVED")
		}},
	}
	for _, w := range want {
		found := false
		for _, l := range lines {
			if w.match(l) && l.is(logging.RequestIDKey, w.id) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("no %s line with request id %s", w.what, w.id)
		}
	}
	if t.Failed() {
		t.Logf("log:\n%s", logs.String())
	}
}

// waitFor polls cond for up to 20 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// headers records, per request, its method (or workflow event) and its
// X-Request-Id.
type headers struct {
	mu  sync.Mutex
	got [][2]string
}

func (h *headers) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind := r.Method
		if e := r.Header.Get(workflow.HeaderEvent); e != "" {
			kind = e
		}
		h.mu.Lock()
		h.got = append(h.got, [2]string{kind, r.Header.Get(requestid.Header)})
		h.mu.Unlock()
		next.ServeHTTP(w, r)
	})
}

func (h *headers) has(kind, id string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, g := range h.got {
		if g == [2]string{kind, id} {
			return true
		}
	}
	return false
}

// syncBuffer is a log destination shared by goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logLine is one JSON log line, raw and decoded.
type logLine struct {
	raw string
	m   map[string]any
}

func (l logLine) msg(m string) bool { return l.m["msg"] == m }

func (l logLine) is(key, v string) bool { return fmt.Sprint(l.m[key]) == v }

// lines decodes every line, failing on one that is not a JSON object.
func (b *syncBuffer) lines(t *testing.T) []logLine {
	t.Helper()
	var out []logLine
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		l := logLine{raw: sc.Text()}
		if err := json.Unmarshal([]byte(l.raw), &l.m); err != nil {
			t.Errorf("not a JSON log line: %q", l.raw)
			continue
		}
		out = append(out, l)
	}
	return out
}
