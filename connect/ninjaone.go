package connect

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/providers/ninjaone"
	"github.com/alertdesk/alertdesk/tenancy"
	"github.com/alertdesk/alertdesk/validation"
	"github.com/alertdesk/alertdesk/webhook"
)

// ConnectNinjaOneURL returns the NinjaOne consent page to send an admin
// to. Its state is a one-time token, valid for StateTTL, bound to the
// tenant, the integration and the calling user (from the request's
// tenancy viewer, when there is one, who must be an admin); the callback
// refuses anything else.
func (s *Service) ConnectNinjaOneURL(ctx context.Context, tenantID, integrationID int) (string, error) {
	var userID int
	if v, ok := tenancy.FromContext(ctx); ok {
		if v.TenantID != tenantID {
			return "", fmt.Errorf("%w: viewer of tenant %d asked for tenant %d", ErrForbidden, v.TenantID, tenantID)
		}
		if !v.IsAdmin() {
			return "", fmt.Errorf("%w: connecting an integration needs the admin role", ErrForbidden)
		}
		userID = v.UserID
	}
	if s.NinjaOne.ClientID == "" || s.NinjaOne.ClientSecret == "" {
		return "", ErrNotConfigured
	}
	in, err := s.load(ctx, tenantID, integrationID, integration.ProviderNinjaone)
	if err != nil {
		return "", err
	}
	host, err := instanceHost(in.BaseURL, in.Region)
	if err != nil {
		return "", err
	}
	token, err := s.issueState(ctx, oauthState{
		TenantID: tenantID, IntegrationID: in.ID, UserID: userID, Host: host, IssuedAt: time.Now().UTC(),
	})
	if err != nil {
		return "", err
	}
	o := ninjaone.OAuth{Host: host, ClientID: s.NinjaOne.ClientID}
	return o.AuthorizeURL(s.redirectURI(), token, ""), nil
}

// redirectURI is the callback URL registered for the OAuth app.
func (s *Service) redirectURI() string {
	return strings.TrimRight(s.PublicURL, "/") + CallbackPath
}

// instanceHost is the origin of the integration's NinjaOne instance, where
// OAuth lives even when the API sits under a path.
func instanceHost(baseURL, region string) (string, error) {
	base, err := ninjaone.BaseURL(baseURL, region)
	if err != nil {
		return "", fmt.Errorf("connect: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("connect: NinjaOne base URL: %w", err)
	}
	return u.Scheme + "://" + u.Host, nil
}

// ConnectNinjaOneClientCredentials connects with an API client of the
// admin's own (client-credentials grant). regionOrBaseURL is a region
// name (us, us2, eu, ca, oc), an absolute base URL, or empty to keep the
// integration's. The credentials are tried first (a token and the alerts
// list); if NinjaOne refuses them nothing is stored and the error wraps
// ErrVerify.
func (s *Service) ConnectNinjaOneClientCredentials(ctx context.Context, tenantID, integrationID int, clientID, clientSecret, regionOrBaseURL string) (Result, error) {
	clientID, clientSecret = strings.TrimSpace(clientID), strings.TrimSpace(clientSecret)
	verr := &validation.Error{}
	if clientID == "" {
		verr.Add("clientId", "is required")
	}
	if clientSecret == "" {
		verr.Add("clientSecret", "is required")
	}
	var ep endpoint
	if v := strings.TrimSpace(regionOrBaseURL); strings.Contains(v, "://") {
		if msg := s.checkURL(ctx, v); msg != "" {
			verr.Add("baseUrl", msg)
		}
		region := ""
		ep = endpoint{BaseURL: &v, Region: &region}
	} else if v != "" {
		v = strings.ToLower(v)
		if _, ok := ninjaone.Hosts[v]; !ok {
			verr.Add("region", "must be one of us, us2, eu, ca, oc")
		}
		empty := ""
		ep = endpoint{BaseURL: &empty, Region: &v}
	}
	if len(verr.Errors) > 0 {
		return Result{}, verr
	}
	in, err := s.load(ctx, tenantID, integrationID, integration.ProviderNinjaone)
	if err != nil {
		return Result{}, err
	}
	baseURL, region := in.BaseURL, in.Region
	if ep.BaseURL != nil {
		baseURL, region = *ep.BaseURL, *ep.Region
	}
	creds := ninjaone.Credentials{
		GrantType: ninjaone.GrantClientCredentials, ClientID: clientID, ClientSecret: clientSecret,
		Scope: ninjaone.DefaultScopes,
	}
	c, err := ninjaone.NewClient(ninjaone.Config{BaseURL: baseURL, Region: region, Credentials: creds, HTTP: s.http(),
		SaveCredentials: func(_ context.Context, got ninjaone.Credentials) error { creds = got; return nil }})
	if err != nil {
		return Result{}, fmt.Errorf("connect: %w", err)
	}
	if _, err := c.FetchActive(ctx); err != nil {
		return Result{}, fmt.Errorf("%w: NinjaOne refused the client credentials or could not list alerts: %w", ErrVerify, err)
	}
	plain, err := json.Marshal(creds)
	if err != nil {
		return Result{}, fmt.Errorf("connect: encode credentials: %w", err)
	}
	if in, err = s.save(ctx, in, plain, ep); err != nil {
		return Result{}, err
	}
	res := s.registerWebhook(ctx, in, c)
	s.connected(ctx, in, "client credentials")
	return res, nil
}

// registerWebhook points the instance's webhook at the integration (best
// effort: a refusal, such as a token without system-administrator rights,
// leaves the connection in place and is reported).
func (s *Service) registerWebhook(ctx context.Context, in *ent.Integration, c *ninjaone.Client) Result {
	res := Result{Integration: in}
	if s.SkipWebhookRegistration || len(in.WebhookSecretSealed) == 0 || s.PublicURL == "" {
		return res
	}
	secret, err := s.Secrets.OpenWebhookSecret(in.TenantID, in.WebhookSecretSealed)
	if err == nil {
		err = c.RegisterWebhook(ctx, ninjaone.Webhook{
			URL:     strings.TrimRight(s.PublicURL, "/") + "/webhooks/ninjaone/" + strconv.Itoa(in.ID),
			Headers: map[string]string{webhook.SecretHeader: secret},
		})
	}
	if err != nil {
		res.WebhookError = err.Error()
		s.log().WarnContext(ctx, "NinjaOne webhook not registered; configure it by hand", "integration", in.ID, "err", err)
		return res
	}
	res.WebhookRegistered = true
	return res
}
