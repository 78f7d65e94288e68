package connect_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/connect"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/providers/ninjaone"
	"github.com/alertdesk/alertdesk/providers/providertest"
	"github.com/alertdesk/alertdesk/validation"
)

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestNinjaOneClientCredentials(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		n := providertest.NewNinjaOne(t)
		id := h.Integration(event.NinjaOne).ID

		// A wrong secret: refused by the token endpoint, nothing stored.
		_, err := h.Svc.ConnectNinjaOneClientCredentials(h.Ctx, h.Demo.TenantID, id, "client", "wrong", n.URL)
		if !errors.Is(err, connect.ErrVerify) {
			t.Fatalf("wrong secret: %v", err)
		}
		if in := h.load(id); len(in.Credentials) != 0 || in.ConnectionState != integration.ConnectionStateDisconnected || in.BaseURL != "" {
			t.Fatalf("refused credentials stored: %+v", in)
		}

		// A webhook refusal (no system-administrator rights) leaves the connection.
		n.PlanWebhooks(http.StatusForbidden)
		res, err := h.Svc.ConnectNinjaOneClientCredentials(h.Ctx, h.Demo.TenantID, id, " client ", "secret", n.URL)
		if err != nil {
			t.Fatal(err)
		}
		in := h.load(id)
		if in.ConnectionState != integration.ConnectionStateConnected || in.BaseURL != n.URL || res.WebhookRegistered || !strings.Contains(res.WebhookError, "403") {
			t.Fatalf("connected %+v, result %+v", in, res)
		}
		if bytes.Contains(in.Credentials, []byte("secret")) {
			t.Error("client secret stored in clear")
		}
		plain, err := h.Box.OpenCredentials(id, in.Credentials)
		if err != nil {
			t.Fatal(err)
		}
		creds, err := ninjaone.ParseCredentials(plain)
		if err != nil || creds.GrantType != ninjaone.GrantClientCredentials || creds.ClientSecret != "secret" {
			t.Errorf("credentials %+v, %v", creds, err)
		}
		if !h.scheduled(id) {
			t.Error("no poll schedule")
		}
	})
}

func TestNinjaOneClientCredentialsValidation(t *testing.T) {
	h := newHarness(t, "sqlite3")
	id := h.Integration(event.NinjaOne).ID
	cases := []struct {
		id, secret, where string
		fields            []string
	}{
		{"", "", "", []string{"clientId", "clientSecret"}},
		{"c", "s", "mars", []string{"region"}},
		{"c", "s", "ftp://x", []string{"baseUrl"}},
	}
	for _, c := range cases {
		_, err := h.Svc.ConnectNinjaOneClientCredentials(h.Ctx, h.Demo.TenantID, id, c.id, c.secret, c.where)
		var verr *validation.Error
		if !errors.As(err, &verr) {
			t.Errorf("%+v: %v, want a validation error", c, err)
			continue
		}
		for _, f := range c.fields {
			if len(verr.Messages(f)) == 0 {
				t.Errorf("%+v: no error on %s: %v", c, f, err)
			}
		}
	}
}

func TestTacticalRMMConnect(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		f := providertest.NewTactical(t)
		id := h.Integration(event.TacticalRMM).ID
		nothingStored := func(what string) {
			t.Helper()
			if in := h.load(id); len(in.Credentials) != 0 || in.ConnectionState != integration.ConnectionStateDisconnected {
				t.Fatalf("%s: credentials stored", what)
			}
		}

		_, err := h.Svc.ConnectTacticalRMM(h.Ctx, h.Demo.TenantID, id, f.URL, "bad-key")
		if !errors.Is(err, connect.ErrVerify) || !strings.Contains(err.Error(), "refused the API key (HTTP 401)") {
			t.Fatalf("bad key: %v", err)
		}
		nothingStored("bad key")

		f.FailList(http.StatusNotFound)
		if _, err := h.Svc.ConnectTacticalRMM(h.Ctx, h.Demo.TenantID, id, f.URL, "key"); !errors.Is(err, connect.ErrVerify) || !strings.Contains(err.Error(), "404") {
			t.Fatalf("wrong host: %v", err)
		}
		nothingStored("wrong host")
		f.SetAlerts()

		var verr *validation.Error
		if _, err := h.Svc.ConnectTacticalRMM(h.Ctx, h.Demo.TenantID, id, "api.example.com", ""); !errors.As(err, &verr) ||
			len(verr.Messages("baseUrl")) == 0 || len(verr.Messages("apiKey")) == 0 {
			t.Fatalf("invalid input: %v", err)
		}

		res, err := h.Svc.ConnectTacticalRMM(h.Ctx, h.Demo.TenantID, id, f.URL+"/", "key")
		if err != nil {
			t.Fatal(err)
		}
		in := h.load(id)
		if in.ConnectionState != integration.ConnectionStateConnected || in.BaseURL != f.URL || res.Integration.ID != id {
			t.Fatalf("connected %+v", in)
		}
		if bytes.Contains(in.Credentials, []byte("key")) {
			t.Error("API key stored in clear")
		}
		if plain, err := h.Box.OpenCredentials(id, in.Credentials); err != nil || string(plain) != `{"apiKey":"key"}` {
			t.Errorf("credentials %s, %v", plain, err)
		}
		if !h.scheduled(id) {
			t.Error("no poll schedule")
		}

		if _, err := h.Svc.Disconnect(h.Ctx, h.Demo.TenantID, id); err != nil {
			t.Fatal(err)
		}
		nothingStored("after disconnect")
		if h.scheduled(id) {
			t.Error("poll schedule kept after disconnect")
		}
		if _, err := h.Svc.Disconnect(h.Ctx, h.Demo.TenantID+1000, id); !errors.Is(err, connect.ErrNotFound) {
			t.Errorf("disconnect from another tenant: %v", err)
		}
	})
}
