package providers_test

import (
	"context"
	"errors"
	"testing"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/outbound"
	"github.com/alertdesk/alertdesk/providers"
	"github.com/alertdesk/alertdesk/providers/providertest"
)

func TestNew(t *testing.T) {
	n := providertest.NewNinjaOne(t)
	n.SetAlerts(providertest.Alert("uid-1", 7, "Memory high"))
	f := providertest.NewTactical(t)
	f.SetAlerts(providertest.TacticalAlert(1523, "agent-1", "SRV-01", 88))

	var saved [][]byte
	// The fake RMMs listen on loopback: allowed the way configuration
	// allows a private RMM.
	allow, err := outbound.ParseAllow("127.0.0.0/8,::1")
	if err != nil {
		t.Fatal(err)
	}
	opts := providers.Options{
		HTTP:            outbound.New(allow).Client(outbound.ClientOptions{}),
		SaveCredentials: func(_ context.Context, b []byte) error { saved = append(saved, b); return nil },
	}
	cases := []struct {
		name  string
		in    *ent.Integration
		creds []byte
		want  string // first active alert, "" for a build error
	}{
		{"ninjaone", &ent.Integration{ID: 1, Provider: integration.ProviderNinjaone, BaseURL: n.URL}, n.Credentials(), "uid-1"},
		{"tacticalrmm", &ent.Integration{ID: 2, Provider: integration.ProviderTacticalrmm, BaseURL: f.URL}, f.Credentials(), "1523"},
		{"tacticalrmm without host", &ent.Integration{ID: 3, Provider: integration.ProviderTacticalrmm}, f.Credentials(), ""},
		{"bad credentials", &ent.Integration{ID: 4, Provider: integration.ProviderNinjaone, BaseURL: n.URL}, []byte(`{}`), ""},
	}
	for _, c := range cases {
		a, err := providers.New(c.in, c.creds, opts)
		if c.want == "" {
			if err == nil {
				t.Errorf("%s: built an adapter", c.name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		evs, err := a.FetchActive(context.Background())
		if err != nil || len(evs) == 0 || evs[0].ExternalAlertID != c.want {
			t.Errorf("%s: FetchActive = %+v, %v", c.name, evs, err)
		}
	}
	if len(saved) != 1 {
		t.Errorf("NinjaOne token saved %d times, want 1", len(saved))
	}
	if _, err := providers.New(&ent.Integration{ID: 5, Provider: integration.ProviderNinjaone}, nil, opts); !errors.Is(err, providers.ErrNoAdapter) {
		t.Errorf("no credentials: %v, want ErrNoAdapter", err)
	}
}

// TestDefaultClientRefusesLoopback: an adapter built without a client
// reaches the public internet only, so an RMM URL on loopback is refused
// when it is dialed.
func TestDefaultClientRefusesLoopback(t *testing.T) {
	f := providertest.NewTactical(t)
	a, err := providers.New(&ent.Integration{ID: 1, Provider: integration.ProviderTacticalrmm, BaseURL: f.URL},
		[]byte(`{"apiKey":"key"}`), providers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.FetchActive(context.Background()); !errors.Is(err, outbound.ErrRefused) {
		t.Fatalf("FetchActive on loopback = %v, want a refusal", err)
	}
}

// Alertmanager has no API: no capability, and no adapter even with
// something in its credentials.
func TestAlertmanagerHasNoAPI(t *testing.T) {
	if c := providers.CapabilitiesOf(integration.ProviderAlertmanager); c != (providers.Capabilities{}) {
		t.Errorf("capabilities %+v", c)
	}
	for _, p := range []integration.Provider{integration.ProviderNinjaone, integration.ProviderTacticalrmm} {
		if c := providers.CapabilitiesOf(p); !c.Connect || !c.Poll || !c.Reset || !c.Inventory {
			t.Errorf("%s capabilities %+v", p, c)
		}
	}
	in := &ent.Integration{ID: 1, Provider: integration.ProviderAlertmanager}
	if _, err := providers.New(in, []byte(`{"apiKey":"k"}`), providers.Options{}); !errors.Is(err, providers.ErrNoAdapter) {
		t.Errorf("New: %v, want ErrNoAdapter", err)
	}
}
