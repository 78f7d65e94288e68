package ninjaone

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/alertdesk/alertdesk/outbound"
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

// OAuth is a NinjaOne OAuth2 endpoint pair for one client. The protocol
// is golang.org/x/oauth2's; what is NinjaOne's are the endpoints, the
// client's credentials sent in the form body, and the scopes.
type OAuth struct {
	// Host is the instance's origin, such as https://eu.ninjarmm.com.
	Host         string
	ClientID     string
	ClientSecret string
	// HTTP sends the token requests: the guarded outbound client
	// (outbound.Default when nil), so a token endpoint is never a way in
	// to private addresses.
	HTTP *http.Client
}

func (o OAuth) endpoint() oauth2.Endpoint {
	host := strings.TrimRight(o.Host, "/")
	return oauth2.Endpoint{
		AuthURL:   host + "/ws/oauth/authorize",
		TokenURL:  host + "/ws/oauth/token",
		AuthStyle: oauth2.AuthStyleInParams,
	}
}

func (o OAuth) config(redirectURI, scope string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: o.ClientID, ClientSecret: o.ClientSecret,
		Endpoint: o.endpoint(), RedirectURL: redirectURI, Scopes: strings.Fields(scope),
	}
}

// context hands the oauth2 package the guarded client, and marks its
// requests as carrying credentials (the client secret is in the body):
// over plain http they go only to allowed hosts.
func (o OAuth) context(ctx context.Context) context.Context {
	hc := o.HTTP
	if hc == nil {
		hc = outbound.Default
	}
	return context.WithValue(outbound.WithCredentials(ctx), oauth2.HTTPClient, hc)
}

// AuthorizeURL is where an admin is sent to grant access (authorization
// code flow with offline_access, so a refresh token comes back).
func (o OAuth) AuthorizeURL(redirectURI, state, scope string) string {
	if scope == "" {
		scope = DefaultScopes + " offline_access"
	}
	return o.config(redirectURI, scope).AuthCodeURL(state)
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
	cc := clientcredentials.Config{
		ClientID: o.ClientID, ClientSecret: o.ClientSecret,
		TokenURL: o.endpoint().TokenURL, Scopes: strings.Fields(scope), AuthStyle: oauth2.AuthStyleInParams,
	}
	t, err := cc.Token(o.context(ctx))
	return o.token(GrantClientCredentials, t, err)
}

// Refresh trades a refresh token for a new access token (and possibly a
// new refresh token).
func (o OAuth) Refresh(ctx context.Context, refreshToken string) (Token, error) {
	t, err := o.config("", "").TokenSource(o.context(ctx), &oauth2.Token{RefreshToken: refreshToken}).Token()
	return o.token("refresh_token", t, err)
}

// Exchange trades an authorization code for tokens.
func (o OAuth) Exchange(ctx context.Context, code, redirectURI string) (Token, error) {
	t, err := o.config(redirectURI, "").Exchange(o.context(ctx), code)
	return o.token(GrantAuthorizationCode, t, err)
}

// token turns the oauth2 package's answer into ours. A refused request
// becomes a *rest.StatusError, as the API calls' are (so a 5xx or 429 is
// retried later and a 4xx is not), naming the OAuth error code but never
// quoting the answer's body.
func (o OAuth) token(grant string, t *oauth2.Token, err error) (Token, error) {
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil {
			se := &rest.StatusError{
				Method: http.MethodPost, URL: o.endpoint().TokenURL, Status: re.Response.StatusCode, Size: len(re.Body),
				RetryAfter: rest.RetryAfter(re.Response.Header.Get("Retry-After"), time.Now()),
				OAuthError: re.ErrorCode,
			}
			if re.ErrorCode != "" {
				return Token{}, fmt.Errorf("ninjaone: token (%s): %s: %w", grant, re.ErrorCode, se)
			}
			if se.Status >= 200 && se.Status <= 299 {
				return Token{}, fmt.Errorf("ninjaone: token (%s): answer without access_token", grant)
			}
			return Token{}, fmt.Errorf("ninjaone: token (%s): %w", grant, se)
		}
		return Token{}, fmt.Errorf("ninjaone: token (%s): %w", grant, err)
	}
	if t == nil || t.AccessToken == "" {
		return Token{}, fmt.Errorf("ninjaone: token (%s): answer without access_token", grant)
	}
	exp := t.Expiry
	if exp.IsZero() {
		// No expires_in: assume NinjaOne's usual hour.
		exp = time.Now().Add(time.Hour)
	}
	return Token{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, ExpiresAt: exp}, nil
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
