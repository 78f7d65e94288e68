package tacticalrmm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/alertdesk/alertdesk/outbound"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/providers/internal/rest"
)

// Credentials are what an integration keeps (encrypted) to call TacticalRMM.
type Credentials struct {
	APIKey string `json:"apiKey"`
}

// ParseCredentials decodes stored credentials.
func ParseCredentials(b []byte) (Credentials, error) {
	var c Credentials
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("tacticalrmm: credentials: %w", err)
	}
	if c.APIKey == "" {
		return c, errors.New("tacticalrmm: credentials: missing API key")
	}
	return c, nil
}

// Client calls a TacticalRMM API host with an API key.
type Client struct {
	base   string
	key    string
	http   *http.Client
	policy rest.Policy
}

// Config builds a Client.
type Config struct {
	// BaseURL is the API host (https://api.example.com); routes hang off its root.
	BaseURL     string
	Credentials Credentials
	HTTP        *http.Client
	Policy      rest.Policy
}

// NewClient returns a client; TacticalRMM is self-hosted, so BaseURL is required.
func NewClient(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if cfg.BaseURL == "" || err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("tacticalrmm: base URL %q is not an absolute URL", cfg.BaseURL)
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = outbound.Default
	}
	return &Client{base: strings.TrimRight(cfg.BaseURL, "/"), key: cfg.Credentials.APIKey, http: hc, policy: cfg.Policy}, nil
}

// FetchActive lists unresolved, unsnoozed alerts: PATCH /alerts/ (there is
// no GET list). A failed request or malformed list is an error.
func (c *Client) FetchActive(ctx context.Context) ([]event.Event, error) {
	body, err := c.do(ctx, http.MethodPatch, "/alerts/", map[string]any{"resolvedFilter": false, "snoozedFilter": false})
	if err != nil {
		return nil, fmt.Errorf("tacticalrmm: list alerts: %w", err)
	}
	return NormalizeAlertsList(body)
}

// ResetAlert resolves an alert: PUT /alerts/{id}/ {"type": "resolve"}.
func (c *Client) ResetAlert(ctx context.Context, id string) error {
	if id == "" {
		return errors.New("tacticalrmm: resolve: empty alert id")
	}
	if _, err := c.do(ctx, http.MethodPut, "/alerts/"+url.PathEscape(id)+"/", map[string]any{"type": "resolve"}); err != nil {
		return fmt.Errorf("tacticalrmm: resolve alert %s: %w", id, err)
	}
	return nil
}

// do sends a request with payload as its JSON body (none when nil).
func (c *Client) do(ctx context.Context, method, path string, payload any) ([]byte, error) {
	var b []byte
	if payload != nil {
		var err error
		if b, err = json.Marshal(payload); err != nil {
			return nil, err
		}
	}
	return rest.Do(ctx, c.http, c.policy, func(ctx context.Context) (*http.Request, error) {
		var body io.Reader
		if b != nil {
			body = bytes.NewReader(b)
		}
		req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
		if err != nil {
			return nil, err
		}
		req.Header.Set("X-API-KEY", c.key)
		if b != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", "application/json")
		return req, nil
	})
}
