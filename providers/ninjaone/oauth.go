package ninjaone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/alertdesk/alertdesk/outbound"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/alertdesk/alertdesk/providers/internal/rest"
)

// Grant types of NinjaOne credentials.
const (
	GrantClientCredentials = "client_credentials"
	GrantAuthorizationCode = "authorization_code"
)

// DefaultScopes are asked for: reading alerts and resetting them.
const DefaultScopes = "monitoring management"

// tokenSkew refreshes a token this long before it expires.
const tokenSkew = 2 * time.Minute

// Credentials are what an integration keeps (encrypted) to call NinjaOne:
// the OAuth client, and the current tokens as they are refreshed.
type Credentials struct {
	GrantType    string    `json:"grantType"`
	ClientID     string    `json:"clientId"`
	ClientSecret string    `json:"clientSecret"`
	Scope        string    `json:"scope,omitempty"`
	RefreshToken string    `json:"refreshToken,omitempty"`
	AccessToken  string    `json:"accessToken,omitempty"`
	ExpiresAt    time.Time `json:"expiresAt,omitzero"`
}

// ParseCredentials decodes stored credentials and checks they can get a token.
func ParseCredentials(b []byte) (Credentials, error) {
	var c Credentials
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("ninjaone: credentials: %w", err)
	}
	if c.GrantType == "" {
		c.GrantType = GrantClientCredentials
		if c.RefreshToken != "" {
			c.GrantType = GrantAuthorizationCode
		}
	}
	switch {
	case c.ClientID == "" || c.ClientSecret == "":
		return c, errors.New("ninjaone: credentials: missing client id or secret")
	case c.GrantType == GrantAuthorizationCode && c.RefreshToken == "":
		return c, errors.New("ninjaone: credentials: authorization code grant without refresh token")
	case c.GrantType != GrantAuthorizationCode && c.GrantType != GrantClientCredentials:
		return c, fmt.Errorf("ninjaone: credentials: unknown grant type %q", c.GrantType)
	}
	return c, nil
}

// OAuth is a NinjaOne OAuth2 endpoint pair for one client.
type OAuth struct {
	// Host is the instance's origin, such as https://eu.ninjarmm.com.
	Host         string
	ClientID     string
	ClientSecret string
	HTTP         *http.Client
}

// AuthorizeURL is where an admin is sent to grant access (authorization
// code flow with offline_access, so a refresh token comes back).
func (o OAuth) AuthorizeURL(redirectURI, state, scope string) string {
	if scope == "" {
		scope = DefaultScopes + " offline_access"
	}
	q := url.Values{
		"response_type": {"code"},
		"client_id":     {o.ClientID},
		"redirect_uri":  {redirectURI},
		"scope":         {scope},
		"state":         {state},
	}
	return strings.TrimRight(o.Host, "/") + "/ws/oauth/authorize?" + q.Encode()
}

// Token is an access token answer.
type Token struct {
	AccessToken  string
	RefreshToken string
	ExpiresAt    time.Time
}

// ClientCredentials gets a token for the client itself.
func (o OAuth) ClientCredentials(ctx context.Context, scope string) (Token, error) {
	if scope == "" {
		scope = DefaultScopes
	}
	return o.token(ctx, url.Values{"grant_type": {"client_credentials"}, "scope": {scope}})
}

// Refresh trades a refresh token for a new access token (and possibly a
// new refresh token).
func (o OAuth) Refresh(ctx context.Context, refreshToken string) (Token, error) {
	return o.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
}

// Exchange trades an authorization code for tokens.
func (o OAuth) Exchange(ctx context.Context, code, redirectURI string) (Token, error) {
	return o.token(ctx, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}})
}

func (o OAuth) token(ctx context.Context, form url.Values) (Token, error) {
	form.Set("client_id", o.ClientID)
	form.Set("client_secret", o.ClientSecret)
	endpoint := strings.TrimRight(o.Host, "/") + "/ws/oauth/token"
	// The client secret is in the body: over plain http only to allowed hosts.
	body, err := rest.Do(outbound.WithCredentials(ctx), o.HTTP, rest.Policy{}, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		return req, nil
	})
	if err != nil {
		return Token{}, fmt.Errorf("ninjaone: token (%s): %w", form.Get("grant_type"), err)
	}
	var t struct {
		AccessToken  string  `json:"access_token"`
		RefreshToken string  `json:"refresh_token"`
		ExpiresIn    float64 `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &t); err != nil || t.AccessToken == "" {
		return Token{}, fmt.Errorf("ninjaone: token (%s): answer without access_token", form.Get("grant_type"))
	}
	if t.ExpiresIn <= 0 {
		t.ExpiresIn = 3600
	}
	return Token{
		AccessToken:  t.AccessToken,
		RefreshToken: t.RefreshToken,
		ExpiresAt:    time.Now().Add(time.Duration(t.ExpiresIn * float64(time.Second))),
	}, nil
}

// TokenSource hands out a valid access token, refreshing it shortly before
// it expires and saving the new credentials through Save.
type TokenSource struct {
	OAuth OAuth
	// Save persists refreshed credentials (a rotated refresh token must not
	// be lost). A failure to save is returned: the old refresh token may
	// already be spent.
	Save func(ctx context.Context, c Credentials) error

	mu    sync.Mutex
	creds Credentials
}

// NewTokenSource starts from stored credentials.
func NewTokenSource(o OAuth, c Credentials, save func(context.Context, Credentials) error) *TokenSource {
	o.ClientID, o.ClientSecret = c.ClientID, c.ClientSecret
	return &TokenSource{OAuth: o, Save: save, creds: c}
}

// Token returns an access token valid for at least a little while.
func (ts *TokenSource) Token(ctx context.Context) (string, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.creds.AccessToken != "" && time.Until(ts.creds.ExpiresAt) > tokenSkew {
		return ts.creds.AccessToken, nil
	}
	var (
		t   Token
		err error
	)
	if ts.creds.GrantType == GrantAuthorizationCode {
		t, err = ts.OAuth.Refresh(ctx, ts.creds.RefreshToken)
	} else {
		t, err = ts.OAuth.ClientCredentials(ctx, ts.creds.Scope)
	}
	if err != nil {
		return "", err
	}
	next := ts.creds
	next.AccessToken, next.ExpiresAt = t.AccessToken, t.ExpiresAt
	if t.RefreshToken != "" {
		next.RefreshToken = t.RefreshToken
	}
	if ts.Save != nil {
		if err := ts.Save(ctx, next); err != nil {
			return "", fmt.Errorf("ninjaone: save refreshed token: %w", err)
		}
	}
	ts.creds = next
	return next.AccessToken, nil
}

// Invalidate forgets the access token (after a 401), so the next Token
// refreshes it.
func (ts *TokenSource) Invalidate() {
	ts.mu.Lock()
	ts.creds.AccessToken = ""
	ts.mu.Unlock()
}
