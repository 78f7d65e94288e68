package ninjaone

import (
	"bytes"
	"context"
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

// Hosts are NinjaOne's regional instances by region name.
var Hosts = map[string]string{
	"us":  "https://app.ninjarmm.com",
	"us2": "https://us2.ninjarmm.com",
	"eu":  "https://eu.ninjarmm.com",
	"ca":  "https://ca.ninjarmm.com",
	"oc":  "https://oc.ninjarmm.com",
}

// BaseURL returns the API base for an integration: its configured base URL
// (which may carry a path such as /api for some installs), else its
// region's host, else the US host.
func BaseURL(baseURL, region string) (string, error) {
	if baseURL != "" {
		u, err := url.Parse(baseURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return "", fmt.Errorf("ninjaone: base URL %q is not an absolute URL", baseURL)
		}
		return strings.TrimRight(baseURL, "/"), nil
	}
	region = strings.ToLower(strings.TrimSpace(region))
	if region == "" {
		region = "us"
	}
	h, ok := Hosts[region]
	if !ok {
		return "", fmt.Errorf("ninjaone: unknown region %q", region)
	}
	return h, nil
}

// origin is scheme://host of a base URL: OAuth lives at the host root
// even when the API sits under a path.
func origin(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	return u.Scheme + "://" + u.Host
}

// Client calls the NinjaOne public API (v2) for one integration.
type Client struct {
	base   string
	http   *http.Client
	tokens *TokenSource
	policy rest.Policy
	// pageSize is the inventory lists' page size (DefaultPageSize when 0).
	pageSize int
}

// Config builds a Client.
type Config struct {
	BaseURL, Region string
	Credentials     Credentials
	// SaveCredentials persists refreshed tokens.
	SaveCredentials func(ctx context.Context, c Credentials) error
	HTTP            *http.Client
	Policy          rest.Policy
	// PageSize is the inventory lists' page size (DefaultPageSize when 0).
	PageSize int
}

// NewClient returns a client for the integration's instance.
func NewClient(cfg Config) (*Client, error) {
	base, err := BaseURL(cfg.BaseURL, cfg.Region)
	if err != nil {
		return nil, err
	}
	hc := cfg.HTTP
	if hc == nil {
		hc = outbound.Default
	}
	ts := NewTokenSource(OAuth{Host: origin(base), HTTP: hc}, cfg.Credentials, cfg.SaveCredentials)
	return &Client{base: base, http: hc, tokens: ts, policy: cfg.Policy, pageSize: cfg.PageSize}, nil
}

// FetchActive lists the instance's active (triggered) alerts: GET /v2/alerts.
// A failed request or a malformed list is an error, never an empty list.
func (c *Client) FetchActive(ctx context.Context) ([]event.Event, error) {
	body, err := c.do(ctx, http.MethodGet, "/v2/alerts", nil)
	if err != nil {
		return nil, fmt.Errorf("ninjaone: list alerts: %w", err)
	}
	return NormalizeAlertsList(body)
}

// ResetAlert resets an alert by its uid (the webhook's seriesUid):
// POST /v2/alert/{uid}/reset, answered 204.
func (c *Client) ResetAlert(ctx context.Context, uid string) error {
	if uid == "" {
		return errors.New("ninjaone: reset: empty alert uid")
	}
	if _, err := c.do(ctx, http.MethodPost, "/v2/alert/"+url.PathEscape(uid)+"/reset", []byte("{}")); err != nil {
		return fmt.Errorf("ninjaone: reset alert %s: %w", uid, err)
	}
	return nil
}

// do sends an authorized request; a 401 refreshes the token once.
func (c *Client) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		token, err := c.tokens.Token(ctx)
		if err != nil {
			return nil, err
		}
		out, err := rest.Do(ctx, c.http, c.policy, func(ctx context.Context) (*http.Request, error) {
			var rd io.Reader
			if body != nil {
				rd = bytes.NewReader(body)
			}
			req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Accept", "application/json")
			if body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			return req, nil
		})
		var se *rest.StatusError
		if attempt == 0 && errors.As(err, &se) && se.Status == http.StatusUnauthorized {
			c.tokens.Invalidate()
			continue
		}
		return out, err
	}
}
