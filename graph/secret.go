package graph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/outbound"
	"github.com/alertdesk/alertdesk/validation"
)

// newWebhookSecret returns a new webhook secret in its stored form (hash
// and sealed value): 32 random bytes, hex, the same shape the demo seed
// uses.
func (r *Resolver) newWebhookSecret(tenantID int) (hash string, sealed []byte, err error) {
	if r.secrets == nil {
		return "", nil, errors.New("graph: no secret key to seal webhook secrets")
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("webhook secret: %w", err)
	}
	return r.secrets.SealWebhookSecret(tenantID, hex.EncodeToString(b))
}

// openWebhookSecret is an integration's webhook secret in clear, for its
// admins; nil when it has none.
func (r *Resolver) openWebhookSecret(in *ent.Integration) (*string, error) {
	if len(in.WebhookSecretSealed) == 0 {
		return nil, nil
	}
	if r.secrets == nil {
		return nil, errors.New("graph: no secret key to open webhook secrets")
	}
	s, err := r.secrets.OpenWebhookSecret(in.TenantID, in.WebhookSecretSealed)
	if err != nil {
		return nil, fmt.Errorf("graph: webhook secret of integration %d: %w", in.ID, err)
	}
	return &s, nil
}

// checkBaseURL checks an RMM API base URL: its form, and that its host
// is one outbound requests may reach with credentials.
func (r *Resolver) checkBaseURL(ctx context.Context, errs *validation.Error, s string) string {
	before := len(errs.Errors)
	s = checkURL(errs, "baseUrl", s)
	if s == "" || len(errs.Errors) > before {
		return s
	}
	if msg := outbound.Message(r.outbound.CheckURL(ctx, s, true)); msg != "" {
		errs.Add("baseUrl", msg)
	}
	return s
}
