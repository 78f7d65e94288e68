// Package connect gives integrations their RMM API access: NinjaOne through
// OAuth (authorization code with a one-time CSRF state, or client
// credentials), TacticalRMM through an API key checked by a test call.
// Credentials are sealed with the secrets box before they are stored; a
// connected integration is picked up by the poll schedules on its own,
// and Disconnect takes it out of them again.
package connect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/config"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/outbound"
	"github.com/alertdesk/alertdesk/secrets"
	"github.com/alertdesk/alertdesk/store"
)

// CallbackPath is where NinjaOne sends the admin back after consent; the
// redirect URI registered for the OAuth app is PublicURL + CallbackPath.
const CallbackPath = "/oauth/ninjaone/callback"

// Errors callers can tell apart.
var (
	// ErrNotFound: no such integration in the tenant.
	ErrNotFound = errors.New("connect: integration not found")
	// ErrWrongProvider: the integration is of another RMM.
	ErrWrongProvider = errors.New("connect: integration is of another provider")
	// ErrNotConfigured: alertdesk has no NinjaOne OAuth app configured.
	ErrNotConfigured = errors.New("connect: NinjaOne OAuth is not configured (ALERTDESK_NINJAONE_CLIENT_ID and _CLIENT_SECRET)")
	// ErrVerify: the RMM refused the credentials or could not be reached
	// by the test call; nothing was stored.
	ErrVerify = errors.New("connect: the RMM did not accept the connection")
	// ErrForbidden: the caller may not connect this tenant's integrations.
	ErrForbidden = errors.New("connect: not allowed")
)

// Poller starts a poll of a freshly connected integration
// (worker.Enqueuer fits).
type Poller interface {
	PollNow(ctx context.Context, tenantID, integrationID int) error
}

// Service connects and disconnects integrations.
type Service struct {
	Store   *store.Store
	Redis   redis.UniversalClient
	Secrets *secrets.Box
	// PublicURL is alertdesk's external base URL (OAuth redirect, webhook URLs).
	PublicURL string
	// NinjaOne is alertdesk's NinjaOne OAuth app.
	NinjaOne config.NinjaOneApp
	// Outbound guards the calls to the RMMs and the base URLs saved (nil:
	// the public internet only); 30 s timeout.
	Outbound *outbound.Guard
	// Poller, when set, polls an integration right after it connects.
	Poller Poller
	Log    *slog.Logger
	// KeyPrefix namespaces the Redis keys (default "alertdesk:").
	KeyPrefix string
	// StateTTL is how long an OAuth state stays valid (default 10 min).
	StateTTL time.Duration
	// SkipWebhookRegistration leaves NinjaOne's webhook alone on connect.
	SkipWebhookRegistration bool

	once       sync.Once
	httpClient *http.Client
}

// Result is a connected integration.
type Result struct {
	Integration *ent.Integration
	// WebhookRegistered says the NinjaOne webhook now points at alertdesk.
	WebhookRegistered bool
	// WebhookError says why registering it failed (the connection stands;
	// the webhook can be configured by hand).
	WebhookError string
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

func (s *Service) http() *http.Client {
	s.once.Do(func() { s.httpClient = s.Outbound.Client(outbound.ClientOptions{Timeout: 30 * time.Second}) })
	return s.httpClient
}

// checkURL returns what is wrong with an API base URL, or "": its form,
// and a host that outbound requests may reach with credentials (plain
// http only to the allowlist).
func (s *Service) checkURL(ctx context.Context, raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "must be an absolute http or https URL"
	}
	return outbound.Message(s.Outbound.CheckURL(ctx, raw, true))
}

func (s *Service) keyPrefix() string {
	if s.KeyPrefix == "" {
		return "alertdesk:"
	}
	return s.KeyPrefix
}

func (s *Service) stateTTL() time.Duration {
	if s.StateTTL <= 0 {
		return 10 * time.Minute
	}
	return s.StateTTL
}

// load returns the tenant's integration of the provider.
func (s *Service) load(ctx context.Context, tenantID, integrationID int, p integration.Provider) (*ent.Integration, error) {
	in, err := s.Store.Ent.Integration.Query().
		Where(integration.TenantID(tenantID), integration.ID(integrationID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("connect: load integration %d: %w", integrationID, err)
	}
	if p != "" && in.Provider != p {
		return nil, fmt.Errorf("%w: integration %d is %s, not %s", ErrWrongProvider, in.ID, in.Provider, p)
	}
	return in, nil
}

// endpoint is where an integration's API is reached; nil fields keep
// the stored value.
type endpoint struct {
	BaseURL, Region *string
}

// save seals the credentials and marks the integration connected.
func (s *Service) save(ctx context.Context, in *ent.Integration, plaintext []byte, ep endpoint) (*ent.Integration, error) {
	if s.Secrets == nil {
		return nil, errors.New("connect: no secret key to seal credentials")
	}
	sealed, err := s.Secrets.SealCredentials(in.ID, plaintext)
	if err != nil {
		return nil, fmt.Errorf("connect: seal credentials: %w", err)
	}
	u := s.Store.Ent.Integration.UpdateOneID(in.ID).
		Where(integration.TenantID(in.TenantID)).
		SetCredentials(sealed).
		SetConnectionState(integration.ConnectionStateConnected).
		SetLastPollError("").
		SetPollFailures(0).
		ClearPollFailingSince()
	if ep.BaseURL != nil {
		u.SetBaseURL(*ep.BaseURL)
	}
	if ep.Region != nil {
		u.SetRegion(*ep.Region)
	}
	out, err := u.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: store credentials of integration %d: %w", in.ID, err)
	}
	return out, nil
}

// connected finishes a connect: a first poll right away, when possible.
func (s *Service) connected(ctx context.Context, in *ent.Integration, how string) {
	s.log().InfoContext(ctx, "integration connected", "tenant", in.TenantID, "integration", in.ID, "provider", in.Provider, "how", how)
	if s.Poller == nil {
		return
	}
	if err := s.Poller.PollNow(ctx, in.TenantID, in.ID); err != nil {
		// The schedule polls it soon anyway.
		s.log().WarnContext(ctx, "first poll after connect not queued", "integration", in.ID, "err", err)
	}
}
