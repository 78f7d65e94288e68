package ninjaone_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/outbound"
	"github.com/alertdesk/alertdesk/providers"
	"github.com/alertdesk/alertdesk/providers/ninjaone"
	"github.com/alertdesk/alertdesk/providers/providertest"
)

func TestBaseURL(t *testing.T) {
	cases := []struct {
		base, region, want string
		bad                bool
	}{
		{"", "", "https://app.ninjarmm.com", false},
		{"", "EU", "https://eu.ninjarmm.com", false},
		{"", "oc", "https://oc.ninjarmm.com", false},
		{"", "mars", "", true},
		{"https://ninja.example.com/api/", "eu", "https://ninja.example.com/api", false},
		{"ninja.example.com", "", "", true},
	}
	for _, c := range cases {
		got, err := ninjaone.BaseURL(c.base, c.region)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("BaseURL(%q, %q) = %q, %v", c.base, c.region, got, err)
		}
	}
}

func TestParseCredentials(t *testing.T) {
	cases := []struct {
		json, grant string
		bad         bool
	}{
		{`{"clientId":"a","clientSecret":"b"}`, ninjaone.GrantClientCredentials, false},
		{`{"clientId":"a","clientSecret":"b","refreshToken":"r"}`, ninjaone.GrantAuthorizationCode, false},
		{`{"grantType":"authorization_code","clientId":"a","clientSecret":"b"}`, "", true},
		{`{"clientId":"a"}`, "", true},
		{`{"grantType":"password","clientId":"a","clientSecret":"b"}`, "", true},
		{`not json`, "", true},
	}
	for _, c := range cases {
		got, err := ninjaone.ParseCredentials([]byte(c.json))
		if (err != nil) != c.bad || (!c.bad && got.GrantType != c.grant) {
			t.Errorf("ParseCredentials(%s) = %q, %v", c.json, got.GrantType, err)
		}
	}
}

func newClient(t *testing.T, n *providertest.NinjaOne, c ninjaone.Credentials, saved *[]ninjaone.Credentials) *ninjaone.Client {
	t.Helper()
	cl, err := ninjaone.NewClient(ninjaone.Config{
		BaseURL: n.URL, Credentials: c, HTTP: n.Client(),
		SaveCredentials: func(_ context.Context, c ninjaone.Credentials) error {
			if saved != nil {
				*saved = append(*saved, c)
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func TestClientFetchAndReset(t *testing.T) {
	n := providertest.NewNinjaOne(t)
	n.SetAlerts(providertest.Alert("uid-1", 7, "Memory high"))
	var saved []ninjaone.Credentials
	cl := newClient(t, n, ninjaone.Credentials{GrantType: ninjaone.GrantClientCredentials, ClientID: "client", ClientSecret: "secret"}, &saved)
	ctx := context.Background()

	evs, err := cl.FetchActive(ctx)
	if err != nil || len(evs) != 1 || evs[0].ExternalAlertID != "uid-1" || evs[0].ExternalDeviceID != "7" {
		t.Fatalf("FetchActive = %+v, %v", evs, err)
	}
	if err := cl.ResetAlert(ctx, "uid-1"); err != nil {
		t.Fatal(err)
	}
	if got := n.Resets(); !slices.Equal(got, []string{"uid-1"}) {
		t.Errorf("resets = %v", got)
	}
	// One token for both calls, saved once.
	if g := n.Grants(); !slices.Equal(g, []string{"client_credentials"}) || len(saved) != 1 {
		t.Errorf("grants %v, saved %d times", g, len(saved))
	}

	n.PlanResets(http.StatusInternalServerError)
	if err := cl.ResetAlert(ctx, "uid-2"); err == nil {
		t.Error("500 reset reported success")
	}
}

func TestClientFetchErrorsAreNotEmpty(t *testing.T) {
	n := providertest.NewNinjaOne(t)
	cl := newClient(t, n, ninjaone.Credentials{GrantType: ninjaone.GrantClientCredentials, ClientID: "client", ClientSecret: "secret"}, nil)
	for name, fail := range map[string]func(){
		"500":          func() { n.FailList(http.StatusInternalServerError, `{"error":"boom"}`) },
		"html":         func() { n.FailList(http.StatusOK, `<html>maintenance</html>`) },
		"object":       func() { n.FailList(http.StatusOK, `{"alerts":[]}`) },
		"bad entry":    func() { n.FailList(http.StatusOK, `[{"deviceId":7}]`) },
		"truncated":    func() { n.FailList(http.StatusOK, `[{"uid":"a"`) },
		"unauthorized": func() { n.FailList(http.StatusForbidden, ``) },
	} {
		fail()
		if evs, err := cl.FetchActive(context.Background()); err == nil {
			t.Errorf("%s: FetchActive = %v, nil error", name, evs)
		}
	}
}

func TestClientRefreshesBeforeExpiry(t *testing.T) {
	n := providertest.NewNinjaOne(t)
	n.SetTokenLifetime(60) // inside the refresh margin: every call refreshes
	var saved []ninjaone.Credentials
	cl := newClient(t, n, ninjaone.Credentials{GrantType: ninjaone.GrantAuthorizationCode, ClientID: "client", ClientSecret: "secret", RefreshToken: "first"}, &saved)
	ctx := context.Background()
	for range 2 {
		if _, err := cl.FetchActive(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if g := n.Grants(); !slices.Equal(g, []string{"refresh_token", "refresh_token"}) {
		t.Errorf("grants = %v", g)
	}
	// The rotated refresh token is saved and used next.
	if len(saved) != 2 || saved[0].RefreshToken == "first" || saved[1].RefreshToken == saved[0].RefreshToken {
		t.Errorf("saved = %+v", saved)
	}
	b, _ := json.Marshal(saved[1])
	if c, err := ninjaone.ParseCredentials(b); err != nil || c.AccessToken == "" || c.ExpiresAt.Before(time.Now()) {
		t.Errorf("saved credentials do not round-trip: %+v %v", c, err)
	}
}

func TestClientReusesValidStoredToken(t *testing.T) {
	n := providertest.NewNinjaOne(t)
	cl := newClient(t, n, ninjaone.Credentials{GrantType: ninjaone.GrantClientCredentials, ClientID: "client", ClientSecret: "secret",
		AccessToken: "revoked", ExpiresAt: time.Now().Add(time.Hour)}, nil)
	// The stored token is rejected (401): the client gets a new one once.
	if _, err := cl.FetchActive(context.Background()); err != nil {
		t.Fatal(err)
	}
	if g := n.Grants(); len(g) != 1 {
		t.Errorf("grants = %v, want one after the 401", g)
	}
}

func TestClientHonoursRetryAfter(t *testing.T) {
	n := providertest.NewNinjaOne(t)
	cl := newClient(t, n, ninjaone.Credentials{GrantType: ninjaone.GrantClientCredentials, ClientID: "client", ClientSecret: "secret"}, nil)
	n.RateLimit(1, "1")
	start := time.Now()
	if err := cl.ResetAlert(context.Background(), "uid-1"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("reset after 429 took %v, want >= Retry-After 1s", d)
	}
	if got := n.Resets(); !slices.Equal(got, []string{"uid-1"}) {
		t.Errorf("resets = %v", got)
	}
}

func TestOAuthExchangeAndAuthorizeURL(t *testing.T) {
	n := providertest.NewNinjaOne(t)
	o := ninjaone.OAuth{Host: n.URL, ClientID: "client", ClientSecret: "secret", HTTP: n.Client()}
	tok, err := o.Exchange(context.Background(), "code", "https://alertdesk.example/cb")
	if err != nil || tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("Exchange = %+v, %v", tok, err)
	}
	u := o.AuthorizeURL("https://alertdesk.example/cb", "st", "")
	for _, want := range []string{n.URL + "/ws/oauth/authorize?", "state=st", "offline_access", "response_type=code"} {
		if !contains(u, want) {
			t.Errorf("authorize URL %s lacks %s", u, want)
		}
	}
	bad := o
	bad.ClientSecret = "wrong"
	if _, err := bad.ClientCredentials(context.Background(), ""); err == nil {
		t.Error("wrong client secret accepted")
	}
}

// A refused token request is a status error as the API calls' are: 401
// is not worth retrying, and the answer's text stays out of the error.
func TestTokenRefusalIsAStatusError(t *testing.T) {
	n := providertest.NewNinjaOne(t)
	o := ninjaone.OAuth{Host: n.URL, ClientID: "client", ClientSecret: "wrong", HTTP: n.Client()}
	_, err := o.ClientCredentials(context.Background(), "")
	var se *providers.StatusError
	if !errors.As(err, &se) || se.Status != http.StatusUnauthorized || providers.Retryable(err) {
		t.Fatalf("wrong secret: %v, want a 401 status error, not retryable", err)
	}
	if strings.Contains(err.Error(), "{") {
		t.Errorf("error quotes the answer: %v", err)
	}
	if !providers.CredentialsRejected(err) {
		t.Errorf("wrong secret: %v, want the credentials rejected", err)
	}
	// A revoked refresh token is a 400 with invalid_grant: rejected too.
	if !providers.CredentialsRejected(&providers.StatusError{Status: http.StatusBadRequest, OAuthError: "invalid_grant"}) {
		t.Error("invalid_grant not taken for rejected credentials")
	}
	if _, err := o.Refresh(context.Background(), "never-issued"); !errors.As(err, &se) {
		t.Errorf("refresh with a wrong secret: %v", err)
	}
	// A server failure is not.
	if providers.CredentialsRejected(&providers.StatusError{Status: http.StatusBadGateway}) {
		t.Error("502 taken for rejected credentials")
	}
}

// Token requests go through the client given, never a default one: the
// guarded outbound client refuses a token endpoint on a private address
// before anything is sent.
func TestTokenRequestsUseTheGuardedClient(t *testing.T) {
	n := providertest.NewNinjaOne(t)
	for name, call := range map[string]func(o ninjaone.OAuth) error{
		"client credentials": func(o ninjaone.OAuth) error { _, err := o.ClientCredentials(context.Background(), ""); return err },
		"refresh":            func(o ninjaone.OAuth) error { _, err := o.Refresh(context.Background(), "r"); return err },
		"exchange": func(o ninjaone.OAuth) error {
			_, err := o.Exchange(context.Background(), "c", "https://a.example/cb")
			return err
		},
	} {
		o := ninjaone.OAuth{Host: n.URL, ClientID: n.ClientID, ClientSecret: n.ClientSecret, HTTP: outbound.New(nil).Client(outbound.ClientOptions{})}
		if err := call(o); !errors.Is(err, outbound.ErrRefused) {
			t.Errorf("%s: %v, want refused", name, err)
		}
	}
	if g := n.Grants(); len(g) != 0 {
		t.Errorf("token requests reached a loopback server: %v", g)
	}
	// With the loopback allowed, the same request gets its token.
	o := ninjaone.OAuth{Host: n.URL, ClientID: n.ClientID, ClientSecret: n.ClientSecret,
		HTTP: outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}).Client(outbound.ClientOptions{})}
	if tok, err := o.ClientCredentials(context.Background(), ""); err != nil || tok.AccessToken == "" {
		t.Errorf("allowed loopback: %+v, %v", tok, err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
