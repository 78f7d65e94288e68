package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/apitoken"
	"github.com/alertdesk/alertdesk/connlimit"
	"github.com/alertdesk/alertdesk/ent"
	entapitoken "github.com/alertdesk/alertdesk/ent/apitoken"
	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/tenancy"
)

// ErrUnauthenticated means no token, or one that is unknown or revoked.
var ErrUnauthenticated = errors.New("auth: missing, unknown or revoked API token")

// lastUsedEvery is how stale last_used_at may get: it is written at most
// once per interval per token, not on every request.
const lastUsedEvery = time.Minute

// Authenticator looks tokens up. DB is the unscoped client: the tenant is
// not known until the token is found. Give it store.Control(), so that
// token checks never wait behind a full main pool.
type Authenticator struct {
	DB  *ent.Client
	Log *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Identity is what a token authenticates: its viewer, and the API token
// or sign-in session itself (long-lived connections are closed by it when
// it is revoked or ended). One of TokenID and SessionID is set.
type Identity struct {
	tenancy.Viewer
	TokenID   int
	SessionID int
	// Deactivated marks, in re-checks only, a token or session that no
	// longer authenticates because its user was deactivated, so that its
	// sockets close with that reason rather than "token revoked".
	Deactivated bool
}

// Viewer returns who the token belongs to, or ErrUnauthenticated.
func (a *Authenticator) Viewer(ctx context.Context, token string) (tenancy.Viewer, error) {
	id, err := a.Authenticate(ctx, token)
	return id.Viewer, err
}

// Authenticate is Viewer with the token's id.
func (a *Authenticator) Authenticate(ctx context.Context, token string) (Identity, error) {
	if !apitoken.LooksValid(token) {
		return Identity{}, ErrUnauthenticated
	}
	t, err := a.DB.APIToken.Query().
		Where(entapitoken.TokenHash(apitoken.Hash(token)), entapitoken.RevokedAtIsNil()).
		WithUser().
		Only(ctx)
	if ent.IsNotFound(err) {
		return Identity{}, ErrUnauthenticated
	}
	if err != nil {
		return Identity{}, fmt.Errorf("auth: look up token: %w", err)
	}
	id, ok := identityOf(t)
	if !ok {
		return Identity{}, ErrUnauthenticated
	}
	a.touch(ctx, t)
	connlimit.Authenticated(ctx)
	return id, nil
}

// Current returns the identities the tokens authenticate now, by token id;
// a token that is revoked, gone or no longer valid is absent. It re-checks
// connections that authenticated earlier.
func (a *Authenticator) Current(ctx context.Context, tokenIDs ...int) (map[int]Identity, error) {
	out := make(map[int]Identity, len(tokenIDs))
	if len(tokenIDs) == 0 {
		return out, nil
	}
	// Revoked ones too: deactivating a user revokes its tokens, and the
	// socket should say which happened.
	ts, err := a.DB.APIToken.Query().
		Where(entapitoken.IDIn(tokenIDs...)).
		WithUser().
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: re-check tokens: %w", err)
	}
	for _, t := range ts {
		if u := t.Edges.User; u != nil && u.TenantID == t.TenantID && u.DeactivatedAt != nil {
			out[t.ID] = Identity{Viewer: tenancy.Viewer{TenantID: t.TenantID, UserID: u.ID}, TokenID: t.ID, Deactivated: true}
			continue
		}
		if id, ok := identityOf(t); ok && t.RevokedAt == nil {
			out[t.ID] = id
		}
	}
	return out, nil
}

// identityOf is who a token loaded with its user authenticates.
func identityOf(t *ent.APIToken) (Identity, bool) {
	u := t.Edges.User
	if u == nil || u.TenantID != t.TenantID || u.DeactivatedAt != nil {
		// A token must never carry a user across tenants, nor a
		// deactivated user.
		return Identity{}, false
	}
	return Identity{
		Viewer:  tenancy.Viewer{TenantID: t.TenantID, UserID: u.ID, Role: tenancy.Role(u.Role)},
		TokenID: t.ID,
	}, true
}

// touch records the token's use, at most once per lastUsedEvery; the
// condition in the UPDATE keeps replicas from all writing at once.
func (a *Authenticator) touch(ctx context.Context, t *ent.APIToken) {
	now := time.Now()
	if a.Now != nil {
		now = a.Now()
	}
	if t.LastUsedAt != nil && now.Sub(*t.LastUsedAt) < lastUsedEvery {
		return
	}
	_, err := a.DB.APIToken.Update().
		Where(entapitoken.ID(t.ID), entapitoken.Or(
			entapitoken.LastUsedAtIsNil(),
			entapitoken.LastUsedAtLT(now.Add(-lastUsedEvery)),
		)).
		SetLastUsedAt(now).
		Save(ctx)
	if err != nil {
		a.log().WarnContext(ctx, "auth: record token use", "token_id", t.ID, "err", err)
	}
}

func (a *Authenticator) log() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}

// BearerToken extracts the token from an Authorization header value.
func BearerToken(header string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// Middleware puts the request's viewer in its context and answers 401 with
// a GraphQL-shaped error when the token is missing or bad. WebSocket
// upgrades pass through unauthenticated: they authenticate in
// connection_init.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if IsWebSocketUpgrade(r) || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		var id Identity
		var err error
		if token, ok := BearerToken(r.Header.Get("Authorization")); ok {
			id, err = a.Authenticate(r.Context(), token)
			if errors.Is(err, ErrUnauthenticated) {
				Unauthenticated(w, "unknown or revoked API token")
				return
			}
		} else if c, cerr := r.Cookie(SessionCookie); cerr == nil && c.Value != "" {
			// A browser sends the cookie with any site's request: only a
			// request carrying the session's CSRF token is the UI's own.
			if !CheckCSRF(c.Value, r.Header.Get(CSRFHeader)) {
				writeError(w, http.StatusForbidden, "missing or wrong "+CSRFHeader+" header", "FORBIDDEN")
				return
			}
			id, err = a.AuthenticateSession(r.Context(), c.Value)
			if errors.Is(err, ErrUnauthenticated) {
				Unauthenticated(w, "signed out or session expired: sign in again")
				return
			}
		} else {
			Unauthenticated(w, "authentication required: sign in, or send Authorization: Bearer <token>")
			return
		}
		if err != nil {
			a.log().ErrorContext(r.Context(), "auth: authenticate", "err", err)
			if store.Unavailable(err) {
				w.Header().Set("Retry-After", "5")
				writeError(w, http.StatusServiceUnavailable, "database busy or unavailable: retry", "UNAVAILABLE")
				return
			}
			writeError(w, http.StatusInternalServerError, "internal error", "INTERNAL_SERVER_ERROR")
			return
		}
		next.ServeHTTP(w, r.WithContext(tenancy.WithViewer(r.Context(), id.Viewer)))
	})
}

// RefuseUnread marks an answer given without reading the request's body:
// the answer goes out at once and the connection closes after it.
// Otherwise net/http reads the rest of the body first (to reuse the
// connection), so a client sending it a byte at a time would hold the
// refused connection until the read timeout.
func RefuseUnread(w http.ResponseWriter) {
	w.Header().Set("Connection", "close")
	_ = http.NewResponseController(w).SetReadDeadline(time.Now())
}

// IsWebSocketUpgrade reports whether r asks to become a WebSocket.
func IsWebSocketUpgrade(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket") &&
		strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade")
}

// Unauthenticated answers 401 {"errors":[{"message":…,"extensions":{"code":"UNAUTHENTICATED"}}]}.
func Unauthenticated(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="alertdesk"`)
	RefuseUnread(w)
	writeError(w, http.StatusUnauthorized, msg, "UNAUTHENTICATED")
}

func writeError(w http.ResponseWriter, status int, msg, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": code}}},
	})
}
