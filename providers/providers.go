// Package providers is the provider-neutral face of the RMM API clients:
// an Adapter reads an integration's active alerts and resets alerts in the
// RMM, built from the integration and its decrypted credentials.
package providers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/alertdesk/alertdesk/outbound"
	"net/http"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/providers/internal/rest"
	"github.com/alertdesk/alertdesk/providers/inventory"
	"github.com/alertdesk/alertdesk/providers/ninjaone"
	"github.com/alertdesk/alertdesk/providers/tacticalrmm"
)

// Adapter talks to one integration's RMM.
type Adapter interface {
	// FetchActive returns the RMM's active alerts as triggered events
	// (without tenant, integration or origin). A failed or malformed fetch
	// is an error, never an empty list.
	FetchActive(ctx context.Context) ([]event.Event, error)
	// ResetAlert clears an alert in the RMM by its external id.
	ResetAlert(ctx context.Context, externalAlertID string) error
}

// Inventory is implemented by adapters whose RMM lists its organizations
// and devices (both providers'); the inventory sync reads it.
type Inventory = inventory.Source

// Compile-time checks: both clients poll and list their inventory.
var (
	_ Adapter   = (*ninjaone.Client)(nil)
	_ Inventory = (*ninjaone.Client)(nil)
	_ Adapter   = (*tacticalrmm.Client)(nil)
	_ Inventory = (*tacticalrmm.Client)(nil)
)

// Capabilities say what alertdesk can do with a provider besides
// receiving its webhooks; the API refuses the rest and the UI hides it.
type Capabilities struct {
	// Connect: API credentials can be stored.
	Connect bool
	// Poll: the reconciliation poller can list the active alerts.
	Poll bool
	// Reset: an alert can be reset in the RMM when its ticket closes.
	Reset bool
	// Inventory: organizations and devices can be listed.
	Inventory bool
}

// CapabilitiesOf returns the provider's capabilities. Alertmanager has no
// API alertdesk calls: its alerts resolve when Alertmanager says so.
func CapabilitiesOf(p integration.Provider) Capabilities {
	switch p {
	case integration.ProviderNinjaone, integration.ProviderTacticalrmm:
		return Capabilities{Connect: true, Poll: true, Reset: true, Inventory: true}
	}
	return Capabilities{}
}

// ErrNoAdapter means the integration cannot be called: no adapter for its
// provider, or no credentials yet.
var ErrNoAdapter = errors.New("providers: no adapter")

// StatusError is a non-2xx answer from an RMM API.
type StatusError = rest.StatusError

// IsNotFound reports a 404 answer (such as an alert the RMM no longer has).
func IsNotFound(err error) bool { return rest.IsNotFound(err) }

// CredentialsRejected reports whether the RMM refused the credentials
// (401, or an OAuth invalid_client / invalid_grant): they must be
// replaced, not retried.
func CredentialsRejected(err error) bool { return rest.Rejected(err) }

// Retryable reports whether an error may go away on a later try
// (network errors, 408, 429, 5xx); other 4xx answers are permanent.
func Retryable(err error) bool { return rest.Retryable(err) }

// Options are what adapters need beyond the integration.
type Options struct {
	// HTTP is the client used (default: outbound.Default, the public
	// internet only, 30 s timeout); give a guarded one (outbound.Guard).
	HTTP *http.Client
	// SaveCredentials persists credentials that changed (refreshed OAuth
	// tokens), as plaintext JSON for the caller to encrypt.
	SaveCredentials func(ctx context.Context, plaintext []byte) error
	// MaxRateLimitWait bounds how long one call waits out a 429 (default 30 s).
	MaxRateLimitWait time.Duration
	// PageSize is the page size of paged inventory lists (NinjaOne);
	// zero is the provider's default.
	PageSize int
}

// New builds the adapter for an integration from its decrypted credentials.
// Without credentials it returns ErrNoAdapter.
func New(in *ent.Integration, credentials []byte, opts Options) (Adapter, error) {
	if len(credentials) == 0 {
		return nil, fmt.Errorf("%w: integration %d has no credentials", ErrNoAdapter, in.ID)
	}
	hc := opts.HTTP
	if hc == nil {
		hc = outbound.Default
	}
	policy := rest.Policy{MaxWait: opts.MaxRateLimitWait}
	switch in.Provider {
	case integration.ProviderNinjaone:
		c, err := ninjaone.ParseCredentials(credentials)
		if err != nil {
			return nil, err
		}
		var save func(context.Context, ninjaone.Credentials) error
		if opts.SaveCredentials != nil {
			save = func(ctx context.Context, c ninjaone.Credentials) error {
				b, err := json.Marshal(c)
				if err != nil {
					return err
				}
				return opts.SaveCredentials(ctx, b)
			}
		}
		return ninjaone.NewClient(ninjaone.Config{
			BaseURL: in.BaseURL, Region: in.Region, Credentials: c,
			SaveCredentials: save, HTTP: hc, Policy: policy, PageSize: opts.PageSize,
		})
	case integration.ProviderTacticalrmm:
		c, err := tacticalrmm.ParseCredentials(credentials)
		if err != nil {
			return nil, err
		}
		return tacticalrmm.NewClient(tacticalrmm.Config{BaseURL: in.BaseURL, Credentials: c, HTTP: hc, Policy: policy})
	}
	return nil, fmt.Errorf("%w for provider %q", ErrNoAdapter, in.Provider)
}
