package connect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/alertdesk/alertdesk/config"
	"github.com/alertdesk/alertdesk/connect"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/secrets"
	"github.com/alertdesk/alertdesk/tenancy"
	"github.com/alertdesk/alertdesk/worker"
)

// harness is alertdesk with a connect service and its callback served.
type harness struct {
	*apptest.Env
	Box      *secrets.Box
	Svc      *connect.Service
	Callback *httptest.Server
	polls    chan int
}

// pollRecorder records PollNow calls.
type pollRecorder chan int

func (p pollRecorder) PollNow(_ context.Context, _, integrationID int) error {
	select {
	case p <- integrationID:
	default:
	}
	return nil
}

func eachDialect(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Helper()
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) { fn(t, newHarness(t, d)) })
	}
}

func newHarness(t *testing.T, dialect string) *harness {
	t.Helper()
	e := apptest.New(t, dialect)
	box, err := secrets.New(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	polls := make(pollRecorder, 10)
	svc := &connect.Service{
		Store: e.Store, Redis: apptest.Redis(t), Secrets: box,
		PublicURL: apptest.PublicURL,
		NinjaOne:  config.NinjaOneApp{ClientID: "client", ClientSecret: "secret"},
		Outbound:  apptest.AllowLoopback(t),
		Poller:    polls,
		Log:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		KeyPrefix: redistest.Prefix(t),
	}
	cb := httptest.NewServer(svc.Callback())
	t.Cleanup(cb.Close)
	return &harness{Env: e, Box: box, Svc: svc, Callback: cb, polls: polls}
}

// asAdmin is a request context of the demo admin.
func (h *harness) asAdmin() context.Context {
	return tenancy.WithViewer(h.Ctx, tenancy.Viewer{TenantID: h.Demo.TenantID, UserID: h.Demo.AdminUserID, Role: tenancy.RoleAdmin})
}

// load reads an integration back.
func (h *harness) load(id int) *ent.Integration {
	h.T.Helper()
	in, err := h.DB.Integration.Get(h.Ctx, id)
	if err != nil {
		h.T.Fatal(err)
	}
	return in
}

// pointAt sets the integration's base URL (the fake RMM).
func (h *harness) pointAt(p event.Provider, baseURL string) int {
	h.T.Helper()
	id := h.Integration(p).ID
	h.DB.Integration.UpdateOneID(id).SetBaseURL(baseURL).ExecX(h.Ctx)
	return id
}

// callback calls the OAuth callback with the query and returns the status
// and the page.
func (h *harness) callback(q url.Values) (int, string) {
	h.T.Helper()
	res, err := http.Get(h.Callback.URL + connect.CallbackPath + "?" + q.Encode())
	if err != nil {
		h.T.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		h.T.Errorf("callback Content-Type %q, want HTML", ct)
	}
	return res.StatusCode, string(b)
}

// scheduled reports whether the poll schedules include the integration.
func (h *harness) scheduled(id int) bool {
	h.T.Helper()
	cfgs, err := (&worker.ScheduleProvider{Store: h.Store}).GetConfigs()
	if err != nil {
		h.T.Fatal(err)
	}
	for _, c := range cfgs {
		var p struct {
			IntegrationID int `json:"integrationId"`
		}
		if c.Task.Type() == worker.TypePoll && json.Unmarshal(c.Task.Payload(), &p) == nil && p.IntegrationID == id {
			return true
		}
	}
	return false
}
