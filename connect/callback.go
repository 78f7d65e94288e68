package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/providers/ninjaone"
)

// Callback is the handler of GET /oauth/ninjaone/callback. It consumes the
// state (once), exchanges the code at the instance the admin consented on,
// stores the tokens sealed, marks the integration connected and registers
// the webhook. Every failure is an HTML page that says what to do; a
// wrong, replayed or expired state changes nothing.
func (s *Service) Callback() http.Handler {
	return http.HandlerFunc(s.serveCallback)
}

func (s *Service) serveCallback(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		s.page(w, http.StatusMethodNotAllowed, "Method not allowed", "Open this address from NinjaOne's consent page.")
		return
	}
	q := r.URL.Query()
	st, err := s.consumeState(r.Context(), q.Get("state"))
	switch {
	case errors.Is(err, errBadState):
		s.log().WarnContext(r.Context(), "NinjaOne callback refused: bad state", "remote", r.RemoteAddr)
		s.page(w, http.StatusBadRequest, "This connection link is not valid",
			"The link is invalid, has expired (after 10 minutes) or was already used. "+
				"Start again with Connect on the integration in alertdesk.")
		return
	case err != nil:
		s.log().ErrorContext(r.Context(), "NinjaOne callback: state store unavailable", "err", err)
		s.page(w, http.StatusServiceUnavailable, "Try again", "alertdesk could not check the connection request. Start again in a moment.")
		return
	}
	if e := q.Get("error"); e != "" {
		msg := e
		if d := q.Get("error_description"); d != "" {
			msg += ": " + d
		}
		s.page(w, http.StatusBadRequest, "NinjaOne did not grant access",
			"NinjaOne answered “"+msg+"”. Nothing was changed; start again from alertdesk to retry.")
		return
	}
	code := q.Get("code")
	if code == "" {
		s.page(w, http.StatusBadRequest, "No authorization code", "NinjaOne sent no authorization code. Start again from alertdesk.")
		return
	}
	res, err := s.finishOAuth(r.Context(), st, code)
	if err != nil {
		status := http.StatusBadGateway
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrForbidden) || errors.Is(err, ErrWrongProvider) {
			status = http.StatusBadRequest
		}
		s.log().WarnContext(r.Context(), "NinjaOne callback failed", "tenant", st.TenantID, "integration", st.IntegrationID, "err", err)
		s.page(w, status, "NinjaOne could not be connected", err.Error())
		return
	}
	msg := fmt.Sprintf("The integration “%s” is connected; polling starts shortly.", res.Integration.Name)
	switch {
	case res.WebhookRegistered:
		msg += " NinjaOne's webhook now posts condition alerts to alertdesk."
	case res.WebhookError != "":
		msg += " The webhook could not be registered (" + res.WebhookError + "); configure it in NinjaOne by hand."
	}
	s.page(w, http.StatusOK, "NinjaOne connected", msg)
}

// finishOAuth exchanges the code and stores the connection for the
// tenant and integration the state was issued for.
func (s *Service) finishOAuth(ctx context.Context, st oauthState, code string) (Result, error) {
	in, err := s.load(ctx, st.TenantID, st.IntegrationID, integration.ProviderNinjaone)
	if err != nil {
		return Result{}, err
	}
	if st.UserID != 0 {
		// The user who started must still be an admin of the tenant.
		ok, err := s.Store.Ent.User.Query().
			Where(user.TenantID(st.TenantID), user.ID(st.UserID), user.RoleEQ(user.RoleAdmin)).Exist(ctx)
		if err != nil {
			return Result{}, fmt.Errorf("connect: check user: %w", err)
		}
		if !ok {
			return Result{}, fmt.Errorf("%w: the user who started the connection is no longer an admin", ErrForbidden)
		}
	}
	if s.NinjaOne.ClientID == "" || s.NinjaOne.ClientSecret == "" {
		return Result{}, ErrNotConfigured
	}
	o := ninjaone.OAuth{Host: st.Host, ClientID: s.NinjaOne.ClientID, ClientSecret: s.NinjaOne.ClientSecret, HTTP: s.http()}
	tok, err := o.Exchange(ctx, code, s.redirectURI())
	if err != nil {
		return Result{}, fmt.Errorf("%w: NinjaOne refused the authorization code: %w", ErrVerify, err)
	}
	if tok.RefreshToken == "" {
		return Result{}, fmt.Errorf("%w: NinjaOne returned no refresh token (the offline_access scope is needed)", ErrVerify)
	}
	creds := ninjaone.Credentials{
		GrantType: ninjaone.GrantAuthorizationCode, ClientID: s.NinjaOne.ClientID, ClientSecret: s.NinjaOne.ClientSecret,
		RefreshToken: tok.RefreshToken, AccessToken: tok.AccessToken, ExpiresAt: tok.ExpiresAt,
	}
	plain, err := json.Marshal(creds)
	if err != nil {
		return Result{}, fmt.Errorf("connect: encode credentials: %w", err)
	}
	if in, err = s.save(ctx, in, plain, endpoint{}); err != nil {
		return Result{}, err
	}
	c, err := ninjaone.NewClient(ninjaone.Config{BaseURL: in.BaseURL, Region: in.Region, Credentials: creds, HTTP: s.http(),
		SaveCredentials: s.saveRefreshed(in)})
	if err != nil {
		return Result{Integration: in}, nil
	}
	res := s.registerWebhook(ctx, in, c)
	s.connected(ctx, in, "oauth")
	if st.UserID != 0 {
		s.log().InfoContext(ctx, "NinjaOne connected through OAuth", "tenant", st.TenantID, "integration", in.ID, "user", st.UserID)
	}
	return res, nil
}

// saveRefreshed keeps tokens refreshed during the connect itself.
func (s *Service) saveRefreshed(in *ent.Integration) func(context.Context, ninjaone.Credentials) error {
	return func(ctx context.Context, c ninjaone.Credentials) error {
		plain, err := json.Marshal(c)
		if err != nil {
			return err
		}
		_, err = s.save(ctx, in, plain, endpoint{})
		return err
	}
}

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · alertdesk</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}
h1{font-size:1.4rem}.ok{color:#17603a}.err{color:#9b1c1c}</style></head>
<body><h1 class="{{if .OK}}ok{{else}}err{{end}}">{{.Title}}</h1><p>{{.Message}}</p>
{{if .Back}}<p><a href="{{.Back}}">Back to alertdesk</a></p>{{end}}</body></html>
`))

// page answers with a small HTML page; the callback URL carries a code,
// so it is neither cached nor sent on as a referrer.
func (s *Service) page(w http.ResponseWriter, status int, title, message string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	back := ""
	if s.PublicURL != "" {
		back = strings.TrimRight(s.PublicURL, "/") + "/#/integrations"
	}
	_ = pageTmpl.Execute(w, map[string]any{"Title": title, "Message": message, "OK": status < 300, "Back": back})
}
