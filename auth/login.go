package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/apitoken"
	"github.com/alertdesk/alertdesk/connlimit"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/loginsession"
	"github.com/alertdesk/alertdesk/tenancy"
)

// SessionLifetime is how long a sign-in lasts.
const SessionLifetime = 12 * time.Hour

// sessionPrefix starts sign-in session tokens, as apitoken.Prefix does API
// tokens: the two are never confused.
const sessionPrefix = "ads_"

// Cookie names: the session (HttpOnly) and its CSRF token, which the UI
// reads and sends back in CSRFHeader.
const (
	SessionCookie = "alertdesk_session"
	CSRFCookie    = "alertdesk_csrf"
	CSRFHeader    = "X-CSRF-Token"
)

// StartSession signs u in: a new session token (returned once, stored
// hashed) valid for SessionLifetime.
func StartSession(ctx context.Context, db *ent.Client, u *ent.User, method string, now time.Time) (string, *ent.LoginSession, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("auth: session token: %w", err)
	}
	token := sessionPrefix + base64.RawURLEncoding.EncodeToString(b)
	s, err := db.LoginSession.Create().
		SetTenantID(u.TenantID).SetUserID(u.ID).
		SetTokenHash(apitoken.Hash(token)).
		SetExpiresAt(now.Add(SessionLifetime).UTC()).
		SetMethod(method).
		Save(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("auth: start session: %w", err)
	}
	return token, s, nil
}

// sessionLooksValid is apitoken.LooksValid for session tokens.
func sessionLooksValid(token string) bool {
	rest, ok := strings.CutPrefix(token, sessionPrefix)
	return ok && apitoken.LooksValid(apitoken.Prefix+rest)
}

// CSRFToken is the CSRF token of a session: derived from its secret
// token, so only who holds the session (the UI, which got it at sign-in
// and keeps it in a readable cookie) can present it, and nothing more is
// stored.
func CSRFToken(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte("alertdesk csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF reports whether got is the session's CSRF token.
func CheckCSRF(sessionToken, got string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(CSRFToken(sessionToken)), []byte(got)) == 1
}

// AuthenticateSession is Authenticate for a sign-in session's token: the
// session must be current (not ended, not expired) and its user active.
func (a *Authenticator) AuthenticateSession(ctx context.Context, token string) (Identity, error) {
	if !sessionLooksValid(token) {
		return Identity{}, ErrUnauthenticated
	}
	s, err := a.DB.LoginSession.Query().
		Where(loginsession.TokenHash(apitoken.Hash(token)), loginsession.EndedAtIsNil(),
			loginsession.ExpiresAtGT(a.now())).
		WithUser().
		Only(ctx)
	if ent.IsNotFound(err) {
		return Identity{}, ErrUnauthenticated
	}
	if err != nil {
		return Identity{}, fmt.Errorf("auth: look up session: %w", err)
	}
	id, ok := sessionIdentity(s)
	if !ok {
		return Identity{}, ErrUnauthenticated
	}
	connlimit.Authenticated(ctx)
	return id, nil
}

// CurrentSessions is Current for sign-in sessions, by session id.
func (a *Authenticator) CurrentSessions(ctx context.Context, ids ...int) (map[int]Identity, error) {
	out := make(map[int]Identity, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	// Ended ones too: deactivating a user ends its sessions, and the
	// socket should say which happened.
	now := a.now()
	ss, err := a.DB.LoginSession.Query().
		Where(loginsession.IDIn(ids...)).
		WithUser().
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("auth: re-check sessions: %w", err)
	}
	for _, s := range ss {
		if u := s.Edges.User; u != nil && u.TenantID == s.TenantID && u.DeactivatedAt != nil {
			out[s.ID] = Identity{Viewer: tenancy.Viewer{TenantID: s.TenantID, UserID: u.ID}, SessionID: s.ID, Deactivated: true}
			continue
		}
		if id, ok := sessionIdentity(s); ok && s.EndedAt == nil && s.ExpiresAt.After(now) {
			out[s.ID] = id
		}
	}
	return out, nil
}

func sessionIdentity(s *ent.LoginSession) (Identity, bool) {
	u := s.Edges.User
	if u == nil || u.TenantID != s.TenantID || u.DeactivatedAt != nil {
		return Identity{}, false
	}
	return Identity{
		Viewer:    tenancy.Viewer{TenantID: s.TenantID, UserID: u.ID, Role: tenancy.Role(u.Role)},
		SessionID: s.ID,
	}, true
}

// EndSession ends the session of token (sign-out). The change is nil when
// there was none to end; otherwise announce it, so the session's sockets
// close.
func EndSession(ctx context.Context, db *ent.Client, token string, now time.Time) (*Change, error) {
	if !sessionLooksValid(token) {
		return nil, nil
	}
	s, err := db.LoginSession.Query().
		Where(loginsession.TokenHash(apitoken.Hash(token)), loginsession.EndedAtIsNil()).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("auth: look up session: %w", err)
	}
	if err := s.Update().SetEndedAt(now.UTC()).Exec(ctx); err != nil {
		return nil, fmt.Errorf("auth: end session: %w", err)
	}
	return &Change{TenantID: s.TenantID, SessionID: s.ID, Reason: ReasonSignedOut}, nil
}

// EndUserSessions ends every sign-in session of a user (deactivation,
// password change). db may be a transaction's client.
func EndUserSessions(ctx context.Context, db *ent.Client, tenantID, userID int, now time.Time) error {
	_, err := db.LoginSession.Update().
		Where(loginsession.TenantID(tenantID), loginsession.UserID(userID), loginsession.EndedAtIsNil()).
		SetEndedAt(now.UTC()).
		Save(ctx)
	if err != nil {
		return fmt.Errorf("auth: end sessions of user %d: %w", userID, err)
	}
	return nil
}

func (a *Authenticator) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
