package outbound

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/alertdesk/alertdesk/requestid"
)

// ClientOptions shape a guarded client.
type ClientOptions struct {
	// Timeout bounds a whole request (default 30 s).
	Timeout time.Duration
	// NoRedirects returns a redirect as the answer instead of following
	// it. Followed redirects are dialed through the guard like the first
	// request.
	NoRedirects bool
}

// Client returns an HTTP client that dials only what the guard allows.
// It ignores proxy settings from the environment: a proxy would dial for
// it, unchecked. A request over plain http that carries credentials (an
// Authorization or X-API-KEY header, or a context from WithCredentials)
// reaches only addresses on the allowlist.
func (g *Guard) Client(o ClientOptions) *http.Client {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	c := &http.Client{Timeout: o.Timeout, Transport: g.Transport()}
	if o.NoRedirects {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return c
}

// Transport is the guarded RoundTripper Client uses.
func (g *Guard) Transport() http.RoundTripper {
	return &transport{
		open:   newTransport(func(ctx context.Context, n, a string) (net.Conn, error) { return g.dial(ctx, n, a, false) }),
		strict: newTransport(func(ctx context.Context, n, a string) (net.Conn, error) { return g.dial(ctx, n, a, true) }),
	}
}

func newTransport(dial func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Transport {
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           dial,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// transport sends credentials in clear only over connections dialed with
// the allowlist alone; it keeps them apart from the others, so a
// connection opened for a request without credentials is never reused for
// one with.
type transport struct {
	open, strict *http.Transport
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if id := requestid.From(req.Context()); id != "" && req.Header.Get(requestid.Header) == "" {
		// The request that caused this call, for the receiver's logs. A
		// RoundTripper must not change the caller's request: a copy.
		req = req.Clone(req.Context())
		req.Header.Set(requestid.Header, id)
	}
	if req.URL.Scheme == "http" && carriesCredentials(req) {
		return t.strict.RoundTrip(req)
	}
	return t.open.RoundTrip(req)
}

type credentialsKey struct{}

// WithCredentials marks requests made with ctx as carrying credentials in
// their body (an OAuth client secret), like an Authorization header.
func WithCredentials(ctx context.Context) context.Context {
	return context.WithValue(ctx, credentialsKey{}, true)
}

func carriesCredentials(req *http.Request) bool {
	if req.Header.Get("Authorization") != "" || req.Header.Get("X-Api-Key") != "" {
		return true
	}
	v, _ := req.Context().Value(credentialsKey{}).(bool)
	return v
}

// Default is the client of callers given none: the public internet only.
var Default = (*Guard)(nil).Client(ClientOptions{})
