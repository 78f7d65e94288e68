package signin

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/people"
)

// OIDC paths: the start redirects to the provider, which sends the browser
// back to the callback (register PublicURL + OIDCCallbackPath with it).
const (
	OIDCStartPath    = "/auth/oidc/start"
	OIDCCallbackPath = "/auth/oidc/callback"
	oidcCookie       = "alertdesk_oidc"
)

// OIDC signs people in with an OpenID Connect provider (Microsoft Entra
// ID, Google Workspace, …): the ID token's email must be an active user's
// (invited first); the provider never creates users.
type OIDC struct {
	Issuer, ClientID, ClientSecret string
	// RedirectURL is PublicURL + OIDCCallbackPath.
	RedirectURL string
	// Client makes the requests to the provider (http.DefaultClient when
	// nil).
	Client *http.Client

	mu       sync.Mutex
	provider *oidc.Provider
}

// Enabled reports whether an issuer and client are configured.
func (o *OIDC) Enabled() bool {
	return o != nil && o.Issuer != "" && o.ClientID != ""
}

// discover fetches the provider's configuration once; a failure is tried
// again on the next sign-in.
func (o *OIDC) discover(ctx context.Context) (*oidc.Provider, *oauth2.Config, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider == nil {
		p, err := oidc.NewProvider(o.context(ctx), o.Issuer)
		if err != nil {
			return nil, nil, fmt.Errorf("signin: oidc discovery of %s: %w", o.Issuer, err)
		}
		o.provider = p
	}
	return o.provider, &oauth2.Config{
		ClientID: o.ClientID, ClientSecret: o.ClientSecret, RedirectURL: o.RedirectURL,
		Endpoint: o.provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"},
	}, nil
}

func (o *OIDC) context(ctx context.Context) context.Context {
	c := o.Client
	if c == nil {
		c = &http.Client{Timeout: 15 * time.Second}
	}
	return oidc.ClientContext(ctx, c)
}

func randomString() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("signin: random: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// oidcStart sends the browser to the provider. The state, nonce and PKCE
// verifier ride in a short-lived HttpOnly cookie, so any replica can
// finish the sign-in.
func (h *Handler) oidcStart(w http.ResponseWriter, r *http.Request) {
	_, cfg, err := h.OIDC.discover(r.Context())
	if err != nil {
		h.log().ErrorContext(r.Context(), "signin: oidc", "err", err)
		http.Redirect(w, r, "/#/signin?sso=unavailable", http.StatusFound)
		return
	}
	state, err1 := randomString()
	nonce, err2 := randomString()
	if err := errors.Join(err1, err2); err != nil {
		h.fail(w, r, err)
		return
	}
	verifier := oauth2.GenerateVerifier()
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: state + "." + nonce + "." + verifier,
		Path: "/auth/oidc", MaxAge: 600, HttpOnly: true, Secure: h.secure(r), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, cfg.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

// oidcCallback finishes the sign-in: the state must be the cookie's, the
// ID token valid for this client with the cookie's nonce, and its email an
// active user's.
func (h *Handler) oidcCallback(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	fail := func(reason string, err error) {
		if err != nil {
			h.log().WarnContext(ctx, "signin: oidc sign-in refused", "reason", reason, "err", err)
		}
		http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: "", Path: "/auth/oidc", MaxAge: -1, HttpOnly: true})
		http.Redirect(w, r, "/#/signin?sso="+reason, http.StatusFound)
	}
	c, err := r.Cookie(oidcCookie)
	parts := []string{}
	if err == nil {
		parts = strings.Split(c.Value, ".")
	}
	q := r.URL.Query()
	if len(parts) != 3 || subtle.ConstantTimeCompare([]byte(parts[0]), []byte(q.Get("state"))) != 1 {
		fail("expired", errors.New("state does not match the sign-in's"))
		return
	}
	if e := q.Get("error"); e != "" {
		fail("refused", fmt.Errorf("provider: %s %s", e, q.Get("error_description")))
		return
	}
	provider, cfg, err := h.OIDC.discover(ctx)
	if err != nil {
		fail("unavailable", err)
		return
	}
	octx := h.OIDC.context(ctx)
	tok, err := cfg.Exchange(octx, q.Get("code"), oauth2.VerifierOption(parts[2]))
	if err != nil {
		fail("refused", fmt.Errorf("exchange code: %w", err))
		return
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		fail("refused", errors.New("no id_token in the token response"))
		return
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: h.OIDC.ClientID}).Verify(octx, raw)
	if err != nil {
		fail("refused", fmt.Errorf("verify id token: %w", err))
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(parts[1])) != 1 {
		fail("refused", errors.New("nonce does not match"))
		return
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified *bool  `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil || claims.Email == "" {
		fail("noemail", fmt.Errorf("no email claim: %v", err))
		return
	}
	if claims.EmailVerified != nil && !*claims.EmailVerified {
		fail("noemail", fmt.Errorf("email %s is not verified by the provider", claims.Email))
		return
	}
	us, err := people.ActiveByEmail(ctx, h.Store.Ent, claims.Email)
	if err != nil {
		fail("unavailable", err)
		return
	}
	if len(us) != 1 {
		// No invited user with that email (or one in several tenants:
		// the password picks the tenant, SSO cannot).
		fail("nouser", fmt.Errorf("%d active users with email %s", len(us), claims.Email))
		return
	}
	token, s, err := auth.StartSession(ctx, h.Store.Ent, us[0], "oidc", h.now())
	if err != nil {
		fail("unavailable", err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: oidcCookie, Value: "", Path: "/auth/oidc", MaxAge: -1, HttpOnly: true})
	h.setCookies(w, r, token, s.ExpiresAt)
	h.log().InfoContext(ctx, "signed in with oidc", "tenant_id", us[0].TenantID, "user_id", us[0].ID)
	http.Redirect(w, r, "/#/tickets", http.StatusFound)
}

// methods tells the sign-in page which ways to sign in exist.
func (h *Handler) methods(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"password": true, "oidc": h.OIDC.Enabled()})
}
