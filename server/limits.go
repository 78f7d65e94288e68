package server

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/clientip"
	"github.com/alertdesk/alertdesk/connlimit"
)

// Limits bound what a client may hold of the HTTP server.
type Limits struct {
	ReadHeaderTimeout time.Duration // the request line and headers
	ReadTimeout       time.Duration // the whole request, body included
	WriteTimeout      time.Duration // from the headers to the answer's end; WebSockets exempt
	IdleTimeout       time.Duration // a kept-alive connection between requests
	MaxHeaderBytes    int
	// UnauthenticatedConnsPerClient caps the connections one client
	// address holds before a request on them authenticated (a webhook's
	// secret or an API token); 0: no cap. Connections from TrustedProxies
	// carry many clients and are not counted: the proxy caps them.
	UnauthenticatedConnsPerClient int
	TrustedProxies                clientip.Proxies
}

// HTTP is alertdesk's HTTP server with its limits.
type HTTP struct {
	*http.Server
	conns *connlimit.Limiter
}

// NewHTTP returns a server for h with the limits applied.
func NewHTTP(h http.Handler, l Limits) *HTTP {
	return &HTTP{
		Server: &http.Server{
			Handler:           exemptWebSockets(h),
			ReadHeaderTimeout: l.ReadHeaderTimeout,
			ReadTimeout:       l.ReadTimeout,
			WriteTimeout:      l.WriteTimeout,
			IdleTimeout:       l.IdleTimeout,
			MaxHeaderBytes:    l.MaxHeaderBytes,
			ConnContext:       connlimit.ConnContext,
		},
		conns: connlimit.New(l.UnauthenticatedConnsPerClient, l.TrustedProxies.Trusts),
	}
}

// Serve accepts connections on ln, counting unauthenticated ones per
// client address.
func (s *HTTP) Serve(ln net.Listener) error { return s.Server.Serve(s.conns.Listener(ln)) }

// exemptWebSockets clears the read and write deadlines of a WebSocket
// upgrade: a subscription lives far longer than any request, and the
// WebSocket transport keeps it alive (and drops one that never
// authenticates) itself.
func exemptWebSockets(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth.IsWebSocketUpgrade(r) {
			rc := http.NewResponseController(w)
			_ = rc.SetReadDeadline(time.Time{})
			_ = rc.SetWriteDeadline(time.Time{})
		}
		next.ServeHTTP(w, r)
	})
}

// withDeadline gives each request but WebSocket upgrades a deadline.
func withDeadline(next http.Handler, d time.Duration) http.Handler {
	if d <= 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if auth.IsWebSocketUpgrade(r) {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
