// Package signin serves the browser's sign-in under /auth: email and
// password into a cookie session, sign-out, who is signed in, password
// reset requests, and the one-time links that set a password.
package signin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/clientip"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/people"
	"github.com/alertdesk/alertdesk/store"
)

// Limits of failed sign-ins in a throttle window (15 minutes).
const (
	FailuresPerAccount = 5
	FailuresPerAddress = 30
	// ResetsPerAddress bounds reset requests of one client address.
	ResetsPerAddress = 10
)

// Handler serves /auth/….
type Handler struct {
	Store *store.Store
	// Authn checks sessions (GET /auth/session).
	Authn *auth.Authenticator
	// Throttle counts failures; share its Redis between replicas.
	Throttle *auth.Throttle
	Links    *Links
	// Secure marks cookies Secure; set it when alertdesk is reached over
	// https. Requests that arrive over TLS, or through a trusted proxy
	// that says X-Forwarded-Proto: https, get Secure cookies anyway.
	Secure bool
	// Announce publishes an auth change (sign-out) to every replica.
	Announce func(context.Context, auth.Change)
	// OIDC, when configured, adds single sign-on.
	OIDC *OIDC
	// Proxies are the trusted reverse proxies: failures and resets are
	// counted per client behind them, not per proxy.
	Proxies clientip.Proxies
	Log     *slog.Logger
	Now     func() time.Time
}

// Routes registers the handler's paths on mux.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /auth/login", h.login)
	mux.HandleFunc("POST /auth/logout", h.logout)
	mux.HandleFunc("GET /auth/session", h.session)
	mux.HandleFunc("POST /auth/reset", h.requestReset)
	mux.HandleFunc("GET /auth/link", h.linkInfo)
	mux.HandleFunc("POST /auth/password", h.setPassword)
	mux.HandleFunc("POST /auth/change-password", h.changePassword)
	mux.HandleFunc("GET /auth/methods", h.methods)
	if h.OIDC.Enabled() {
		mux.HandleFunc("GET "+OIDCStartPath, h.oidcStart)
		mux.HandleFunc("GET "+OIDCCallbackPath, h.oidcCallback)
	}
}

type loginInput struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	// Tenant (a slug) picks the account when the email is a user of
	// several tenants with the same password.
	Tenant string `json:"tenant"`
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	var in loginInput
	if !decode(w, r, &in) {
		return
	}
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if email == "" || in.Password == "" {
		writeJSON(w, http.StatusBadRequest, errorBody("enter your email and password", "email"))
		return
	}
	ctx := r.Context()
	keys := []auth.ThrottleKey{
		{Key: "account:" + email, Limit: FailuresPerAccount},
		{Key: "address:" + h.Proxies.Of(r), Limit: FailuresPerAddress},
	}
	if wait, err := h.Throttle.Blocked(ctx, keys...); err != nil {
		h.fail(w, r, err)
		return
	} else if wait > 0 {
		tooMany(w, wait, "too many failed sign-ins: try again in "+minutes(wait))
		return
	}
	u, err := h.verify(ctx, email, in.Password, in.Tenant)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if u == nil {
		if err := h.Throttle.Fail(ctx, keys...); err != nil {
			h.log().WarnContext(ctx, "signin: count failure", "err", err)
		}
		writeJSON(w, http.StatusUnauthorized, errorBody("wrong email or password", ""))
		return
	}
	if err := h.Throttle.Clear(ctx, keys[0].Key); err != nil {
		h.log().WarnContext(ctx, "signin: clear failures", "err", err)
	}
	if h.startSession(w, r, u) {
		h.log().InfoContext(ctx, "signed in", "tenant_id", u.TenantID, "user_id", u.ID)
	}
}

// verify finds the active user the password is right for, nil when none
// (or several and tenant does not pick one). Every candidate's hash is
// checked, and an unknown email costs one verification too, so the answer
// takes as long whether the email exists or not.
func (h *Handler) verify(ctx context.Context, email, password, tenantSlug string) (*ent.User, error) {
	us, err := people.ActiveByEmail(ctx, h.Store.Ent, email)
	if err != nil {
		return nil, err
	}
	if len(us) == 0 {
		auth.VerifyNothing(password)
		return nil, nil
	}
	var match []*ent.User
	for _, u := range us {
		ok, err := auth.VerifyPassword(u.PasswordHash, password)
		if err != nil {
			h.log().WarnContext(ctx, "signin: unreadable password hash", "user_id", u.ID, "err", err)
			continue
		}
		if !ok {
			continue
		}
		if tenantSlug == "" || (u.Edges.Tenant != nil && u.Edges.Tenant.Slug == tenantSlug) {
			match = append(match, u)
		}
	}
	if len(match) != 1 {
		return nil, nil
	}
	return match[0], nil
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(auth.SessionCookie)
	if err == nil && c.Value != "" {
		// Only the UI may sign its user out: another site's form must not.
		if !auth.CheckCSRF(c.Value, r.Header.Get(auth.CSRFHeader)) {
			writeJSON(w, http.StatusForbidden, errorBody("missing or wrong "+auth.CSRFHeader+" header", ""))
			return
		}
		change, err := auth.EndSession(r.Context(), h.Store.Ent, c.Value, h.now())
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if change != nil && h.Announce != nil {
			h.Announce(r.Context(), *change)
		}
	}
	h.clearCookies(w, r)
	w.WriteHeader(http.StatusNoContent)
}

// session answers who the cookie signs in, with the CSRF token the UI
// sends back; 401 when nobody.
func (h *Handler) session(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(auth.SessionCookie)
	if err != nil || c.Value == "" {
		writeJSON(w, http.StatusUnauthorized, errorBody("not signed in", ""))
		return
	}
	id, err := h.Authn.AuthenticateSession(r.Context(), c.Value)
	if errors.Is(err, auth.ErrUnauthenticated) {
		h.clearCookies(w, r)
		writeJSON(w, http.StatusUnauthorized, errorBody("signed out or session expired: sign in again", ""))
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	u, err := h.Store.Ent.User.Get(r.Context(), id.UserID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sessionBody(u, auth.CSRFToken(c.Value)))
}

func sessionBody(u *ent.User, csrf string) map[string]any {
	return map[string]any{"userId": u.ID, "tenantId": u.TenantID, "email": u.Email, "name": u.Name,
		"role": strings.ToUpper(string(u.Role)), "csrfToken": csrf}
}

// requestReset sends a reset link to every active user with the email. It
// answers the same whether there is one or not.
func (h *Handler) requestReset(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email string `json:"email"`
	}
	if !decode(w, r, &in) {
		return
	}
	ctx := r.Context()
	key := auth.ThrottleKey{Key: "reset:" + h.Proxies.Of(r), Limit: ResetsPerAddress}
	if wait, err := h.Throttle.Blocked(ctx, key); err != nil {
		h.fail(w, r, err)
		return
	} else if wait > 0 {
		tooMany(w, wait, "too many reset requests: try again in "+minutes(wait))
		return
	}
	if err := h.Throttle.Fail(ctx, key); err != nil {
		h.log().WarnContext(ctx, "signin: count reset request", "err", err)
	}
	if _, err := people.CheckEmail(in.Email); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody("enter your email address", "email"))
		return
	}
	us, err := people.ActiveByEmail(ctx, h.Store.Ent, in.Email)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, u := range us {
		token, err := people.NewLink(ctx, h.Store.Ent, u, people.KindReset, h.now())
		if err == nil {
			err = h.Links.Send(ctx, u, people.KindReset, token)
		}
		if err != nil {
			// Said in the log only: the answer must not tell that the
			// email exists.
			h.log().ErrorContext(ctx, "signin: reset link", "user_id", u.ID, "err", err)
		}
	}
	writeJSON(w, http.StatusAccepted, map[string]string{
		"message": "if that email belongs to an account, a link to reset its password is on its way"})
}

// linkInfo answers what a link is for, before the password is set.
func (h *Handler) linkInfo(w http.ResponseWriter, r *http.Request) {
	l, err := people.Lookup(r.Context(), h.Store.Ent, r.URL.Query().Get("token"), h.now())
	if errors.Is(err, people.ErrLinkInvalid) {
		writeJSON(w, http.StatusNotFound, errorBody(err.Error(), "token"))
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"kind": string(l.Kind), "email": l.Edges.User.Email, "name": l.Edges.User.Name})
}

// setPassword uses an invitation or reset link: sets the password and
// signs the user in.
func (h *Handler) setPassword(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if !decode(w, r, &in) {
		return
	}
	ctx := r.Context()
	var u *ent.User
	err := store.WithTx(ctx, h.Store.Ent, func(tx *ent.Tx) error {
		var err error
		u, err = people.SetPassword(ctx, tx, in.Token, in.Password, h.now())
		return err
	})
	var weak *people.PasswordError
	switch {
	case errors.As(err, &weak):
		writeJSON(w, http.StatusBadRequest, errorBody(weak.Error(), "password"))
		return
	case errors.Is(err, people.ErrLinkInvalid):
		writeJSON(w, http.StatusNotFound, errorBody(err.Error(), "token"))
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	// The user's other sign-in sessions ended with the new password; their
	// sockets close at their next re-check (API tokens stay).
	h.startSession(w, r, u)
}

// startSession signs u in with a password: a new session, its cookies,
// and the session's answer; false when it answered an error instead.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, u *ent.User) bool {
	token, s, err := auth.StartSession(r.Context(), h.Store.Ent, u, "password", h.now())
	if err != nil {
		h.fail(w, r, err)
		return false
	}
	h.setCookies(w, r, token, s.ExpiresAt)
	writeJSON(w, http.StatusOK, sessionBody(u, auth.CSRFToken(token)))
	return true
}

// secure reports whether r's cookies must be Secure: the browser reached
// alertdesk over https, directly or through a trusted proxy that ended
// TLS. Another client's X-Forwarded-Proto proves nothing.
func (h *Handler) secure(r *http.Request) bool {
	if h.Secure || r.TLS != nil {
		return true
	}
	if !h.Proxies.Trusts(r.RemoteAddr) {
		return false
	}
	for _, v := range r.Header.Values("X-Forwarded-Proto") {
		for _, p := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(p), "https") {
				return true
			}
		}
	}
	return false
}

func (h *Handler) setCookies(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	secure := h.secure(r)
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
	// Readable by the UI, which sends it back in the CSRF header.
	http.SetCookie(w, &http.Cookie{Name: auth.CSRFCookie, Value: auth.CSRFToken(token), Path: "/", Expires: expires,
		Secure: secure, SameSite: http.SameSiteLaxMode})
}

func (h *Handler) clearCookies(w http.ResponseWriter, r *http.Request) {
	secure := h.secure(r)
	for _, name := range []string{auth.SessionCookie, auth.CSRFCookie} {
		http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1,
			HttpOnly: name == auth.SessionCookie, Secure: secure, SameSite: http.SameSiteLaxMode})
	}
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	h.log().ErrorContext(r.Context(), "signin", "path", r.URL.Path, "err", err)
	if store.Unavailable(err) {
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, errorBody("database busy or unavailable: retry", ""))
		return
	}
	writeJSON(w, http.StatusInternalServerError, errorBody("internal error", ""))
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) log() *slog.Logger {
	if h.Log != nil {
		return h.Log
	}
	return slog.Default()
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	// Another site's form can post text/plain or form data without the
	// browser asking first, but not JSON: so it cannot sign a victim in to
	// its own account, or ask for resets in bulk through their browsers.
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeJSON(w, http.StatusUnsupportedMediaType, errorBody("send Content-Type: application/json", ""))
		return false
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10)).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody("the body must be a JSON object", ""))
		return false
	}
	return true
}

func tooMany(w http.ResponseWriter, wait time.Duration, msg string) {
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
	writeJSON(w, http.StatusTooManyRequests, errorBody(msg, ""))
}

func minutes(d time.Duration) string {
	m := int(d.Minutes() + 0.999)
	if m <= 1 {
		return "a minute"
	}
	return fmt.Sprintf("%d minutes", m)
}

func errorBody(msg, field string) map[string]any {
	b := map[string]any{"error": msg}
	if field != "" {
		b["field"] = field
	}
	return b
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
