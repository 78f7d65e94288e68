package graph

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/tenancy"
)

// CloseAuthChanged is the WebSocket close code of a connection whose token
// or user no longer authenticates as it did; the close reason says why
// ("token revoked", "user deactivated", "role changed"). Reconnecting with
// the same token succeeds only if it is still valid, with the new role.
const CloseAuthChanged = 4403

// socket is one WebSocket connection of the API. Connection_init
// authenticates it once; from then on it is an auth.Session, closed when
// an announced change or a re-check says its token or user changed.
type socket struct {
	mu      sync.Mutex
	conn    transport.WebsocketConn
	cancel  context.CancelFunc
	session *auth.Session
	// cookie is the sign-in session's token from the upgrade request,
	// used when connection_init carries no API token.
	cookie string
}

type socketKey struct{}

func socketOf(ctx context.Context) *socket {
	s, _ := ctx.Value(socketKey{}).(*socket)
	return s
}

// withSockets gives every WebSocket request a socket, and forgets its
// session when the connection ends.
func withSockets(sessions *auth.Sessions, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !isWebSocket(r) {
			next.ServeHTTP(w, r)
			return
		}
		s := &socket{}
		if c, err := r.Cookie(auth.SessionCookie); err == nil {
			s.cookie = c.Value
		}
		defer func() {
			s.mu.Lock()
			ss := s.session
			s.mu.Unlock()
			if ss != nil {
				sessions.Remove(ss)
			}
		}()
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), socketKey{}, s)))
	})
}

// isWebSocket is what the transport takes for one: any request with an
// Upgrade header.
func isWebSocket(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }

// socketAcceptor hands the accepted connection to the request's socket, so
// that it can be closed with CloseAuthChanged. With coder/websocket (the
// handler's) the connection is a wsConn, which the live feed writes its
// shared frames to.
type socketAcceptor struct {
	transport.WebsocketImplementation
}

func (a socketAcceptor) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	var c transport.WebsocketConn
	var err error
	if impl, ok := a.WebsocketImplementation.(transport.CoderWebsocketImplementation); ok {
		var wc *wsConn
		if wc, err = acceptWS(w, r, impl.AcceptOptions, opts); err == nil {
			c = wc
		}
	} else {
		c, err = a.WebsocketImplementation.Accept(w, r, opts)
	}
	if err == nil {
		if s := socketOf(r.Context()); s != nil {
			s.mu.Lock()
			s.conn = c
			s.mu.Unlock()
		}
	}
	return c, err
}

// start makes the authenticated connection a session; the returned context
// is the connection's, ended with the session.
func (s *socket) start(ctx context.Context, sessions *auth.Sessions, id auth.Identity) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	s.mu.Lock()
	s.cancel = cancel
	s.mu.Unlock()
	ss := sessions.Add(id, s.close)
	s.mu.Lock()
	s.session = ss
	s.mu.Unlock()
	return ctx
}

// close sends the close frame with CloseAuthChanged and the reason, then
// ends the connection's context, which stops its subscriptions (the
// transport's own close frame is then not sent: one is on its way).
func (s *socket) close(reason string) {
	s.mu.Lock()
	conn, cancel := s.conn, s.cancel
	s.mu.Unlock()
	if conn != nil {
		_ = conn.WriteClose(CloseAuthChanged, reason)
	}
	if cancel != nil {
		cancel()
	}
}

// recheckSockets re-checks the token of a WebSocket before each of its
// operations: a subscription never starts under a revoked token or a
// stale role, even if the change's broadcast was missed. The socket is
// closed then, and the operation refused.
func recheckSockets(sessions *auth.Sessions, log *slog.Logger) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		s := socketOf(ctx)
		if s == nil {
			return next(ctx)
		}
		s.mu.Lock()
		ss := s.session
		s.mu.Unlock()
		if ss == nil {
			return next(ctx)
		}
		reason, err := sessions.Recheck(ctx, ss)
		switch {
		case err != nil:
			if !errors.Is(err, context.Canceled) {
				log.ErrorContext(ctx, "graph: re-check websocket token", "err", err)
			}
			return graphql.OneShot(codedResponse(CodeUnavailable, "could not check the token; try again"))
		case reason != "":
			return graphql.OneShot(codedResponse(CodeUnauthenticated, reason))
		}
		return next(ctx)
	}
}

func codedResponse(code, msg string) *graphql.Response {
	return &graphql.Response{Errors: gqlerror.List{{Message: msg, Extensions: map[string]any{"code": code}}}}
}

// websocketInit authenticates connection_init and makes the connection a
// session.
func websocketInit(authn *auth.Authenticator, sessions *auth.Sessions, limiter *tokenLimiter, log *slog.Logger) transport.WebsocketInitFunc {
	return func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		token := initToken(p)
		var id auth.Identity
		var err error
		if s := socketOf(ctx); token == "" && s != nil && s.cookie != "" {
			// The browser sends the session cookie with any site's
			// upgrade: only the UI knows the session's CSRF token.
			token = s.cookie
			if csrf, _ := p["csrfToken"].(string); !auth.CheckCSRF(token, csrf) {
				return ctx, nil, errors.New("missing or wrong csrfToken in connection_init")
			}
			id, err = authn.AuthenticateSession(ctx, token)
		} else {
			id, err = authn.Authenticate(ctx, token)
		}
		if err != nil {
			if !errors.Is(err, auth.ErrUnauthenticated) {
				log.ErrorContext(ctx, "graph: authenticate websocket", "err", err)
			}
			return ctx, nil, auth.ErrUnauthenticated
		}
		if res := limiter.allow(ctx, token); !res.Allowed {
			return ctx, nil, errors.New(rateLimitedMessage(retryAfterSeconds(res.RetryAfter)))
		}
		ctx = tenancy.WithViewer(ctx, id.Viewer)
		ctx, _ = withLimited(ctx, token)
		if s := socketOf(ctx); s != nil {
			ctx = s.start(ctx, sessions, id)
		}
		return ctx, nil, nil
	}
}

// announce ends the sessions of a committed auth change: here at once, and
// on every replica through Redis. If Redis fails, the other replicas end
// them at their next re-check.
func (r *Resolver) announce(ctx context.Context, c *auth.Change) {
	if c == nil {
		return
	}
	r.sessions.Apply(*c)
	if r.rdb == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := auth.Announce(ctx, r.rdb, *c); err != nil {
		r.log.WarnContext(ctx, "graph: announce auth change; other replicas apply it at their next re-check",
			"change", *c, "err", err)
	}
}

// frameConn is the socket's connection if the live feed may write
// graphql-transport-ws frames to it itself.
func (s *socket) frameConn() *wsConn {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.conn.(*wsConn); ok && c.Subprotocol() == transportWS {
		return c
	}
	return nil
}
