package workflow

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/eventdelivery"
	"github.com/alertdesk/alertdesk/ent/eventsubscription"
	"github.com/alertdesk/alertdesk/outbound"
	"github.com/alertdesk/alertdesk/secrets"
	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/validation"
)

// ErrNotFound: no such subscription in the tenant.
var ErrNotFound = errors.New("events: subscription not found")

// minSecret is the shortest secret accepted from a caller.
const minSecret = 16

// Service manages a tenant's webhook subscriptions and reads their
// delivery logs. Every function takes the tenant and touches nothing else.
type Service struct {
	Store *store.Store
	// Outbound decides which URLs may be saved (nil: the public internet
	// only); the Deliverer's guard checks them again at each dial.
	Outbound *outbound.Guard
	// Secrets seals signing secrets (stored sealed, returned in clear).
	Secrets *secrets.Box
}

// SubscriptionInput creates a subscription.
type SubscriptionInput struct {
	// URL receives the deliveries (http or https).
	URL string
	// Secret signs them; empty generates one (read it back from the result).
	Secret string
	// EventTypes are the catalog events to deliver (at least one).
	EventTypes  []string
	Description string
	// Active defaults to true.
	Active *bool
}

// SubscriptionUpdate changes a subscription; nil fields keep their value.
type SubscriptionUpdate struct {
	URL         *string
	Secret      *string
	EventTypes  []string
	Description *string
	Active      *bool
}

// CreateSubscription validates and stores a subscription. Invalid input is
// a *validation.Error naming the fields (url, secret, eventTypes).
func (s *Service) CreateSubscription(ctx context.Context, tenantID int, in SubscriptionInput) (*ent.EventSubscription, error) {
	verr := &validation.Error{}
	u := s.checkURL(ctx, verr, in.URL)
	types := checkTypes(verr, in.EventTypes)
	secret := strings.TrimSpace(in.Secret)
	if secret == "" {
		var err error
		if secret, err = newSecret(); err != nil {
			return nil, err
		}
	} else {
		checkSecret(verr, secret)
	}
	if len(in.Description) > 500 {
		verr.Add("description", "must be at most 500 characters")
	}
	if len(verr.Errors) > 0 {
		return nil, verr
	}
	sealed, err := s.seal(tenantID, secret)
	if err != nil {
		return nil, err
	}
	c := s.Store.Ent.EventSubscription.Create().
		SetTenantID(tenantID).SetURL(u).SetSecret("").SetSecretSealed(sealed).
		SetEventTypes(types).SetDescription(in.Description)
	if in.Active != nil {
		c.SetIsActive(*in.Active)
	}
	sub, err := c.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("events: create subscription: %w", err)
	}
	return s.open(sub)
}

func (s *Service) seal(tenantID int, secret string) ([]byte, error) {
	if s.Secrets == nil {
		return nil, errors.New("events: no secret key to seal signing secrets")
	}
	sealed, err := s.Secrets.SealSigningSecret(tenantID, secret)
	if err != nil {
		return nil, fmt.Errorf("events: seal signing secret: %w", err)
	}
	return sealed, nil
}

// open puts a subscription's signing secret in clear into Secret, for
// its owner to read back; the row keeps it sealed.
func (s *Service) open(sub *ent.EventSubscription) (*ent.EventSubscription, error) {
	secret, err := OpenSecret(s.Secrets, sub)
	if err != nil {
		return nil, err
	}
	sub.Secret = secret
	return sub, nil
}

// OpenSecret returns a subscription's signing secret: opened from its
// sealed column, or the clear one of a row not sealed yet.
func OpenSecret(box *secrets.Box, sub *ent.EventSubscription) (string, error) {
	if len(sub.SecretSealed) == 0 {
		return sub.Secret, nil
	}
	if box == nil {
		return "", errors.New("events: no secret key to open signing secrets")
	}
	secret, err := box.OpenSigningSecret(sub.TenantID, sub.SecretSealed)
	if err != nil {
		return "", fmt.Errorf("events: signing secret of subscription %d: %w", sub.ID, err)
	}
	return secret, nil
}

// UpdateSubscription changes the given fields of a subscription.
func (s *Service) UpdateSubscription(ctx context.Context, tenantID, id int, in SubscriptionUpdate) (*ent.EventSubscription, error) {
	verr := &validation.Error{}
	up := s.Store.Ent.EventSubscription.UpdateOneID(id).Where(eventsubscription.TenantID(tenantID))
	if in.URL != nil {
		up.SetURL(s.checkURL(ctx, verr, *in.URL))
	}
	if in.EventTypes != nil {
		up.SetEventTypes(checkTypes(verr, in.EventTypes))
	}
	if in.Secret != nil {
		secret := strings.TrimSpace(*in.Secret)
		checkSecret(verr, secret)
		if len(verr.Errors) == 0 {
			sealed, err := s.seal(tenantID, secret)
			if err != nil {
				return nil, err
			}
			up.SetSecret("").SetSecretSealed(sealed)
		}
	}
	if in.Description != nil {
		if len(*in.Description) > 500 {
			verr.Add("description", "must be at most 500 characters")
		}
		up.SetDescription(*in.Description)
	}
	if in.Active != nil {
		up.SetIsActive(*in.Active)
	}
	if len(verr.Errors) > 0 {
		return nil, verr
	}
	sub, err := up.Save(ctx)
	if ent.IsNotFound(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("events: update subscription %d: %w", id, err)
	}
	return s.open(sub)
}

// DeleteSubscription removes a subscription with its delivery log.
func (s *Service) DeleteSubscription(ctx context.Context, tenantID, id int) error {
	return s.Store.Tx(ctx, func(tx *ent.Tx) error {
		if _, err := tx.EventDelivery.Delete().
			Where(eventdelivery.TenantID(tenantID), eventdelivery.SubscriptionID(id)).Exec(ctx); err != nil {
			return fmt.Errorf("events: delete deliveries of subscription %d: %w", id, err)
		}
		n, err := tx.EventSubscription.Delete().
			Where(eventsubscription.TenantID(tenantID), eventsubscription.ID(id)).Exec(ctx)
		if err != nil {
			return fmt.Errorf("events: delete subscription %d: %w", id, err)
		}
		if n == 0 {
			return ErrNotFound
		}
		return nil
	})
}

// ListSubscriptions returns the tenant's subscriptions, oldest first.
func (s *Service) ListSubscriptions(ctx context.Context, tenantID int) ([]*ent.EventSubscription, error) {
	subs, err := s.Store.Ent.EventSubscription.Query().
		Where(eventsubscription.TenantID(tenantID)).
		Order(ent.Asc(eventsubscription.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("events: list subscriptions: %w", err)
	}
	for _, sub := range subs {
		if _, err := s.open(sub); err != nil {
			return nil, err
		}
	}
	return subs, nil
}

// Subscription returns one subscription of the tenant.
func (s *Service) Subscription(ctx context.Context, tenantID, id int) (*ent.EventSubscription, error) {
	sub, err := s.Store.Ent.EventSubscription.Query().
		Where(eventsubscription.TenantID(tenantID), eventsubscription.ID(id)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("events: load subscription %d: %w", id, err)
	}
	return s.open(sub)
}

// checkURL refuses what is not an absolute http(s) URL, and a host that
// is, or resolves to, an address outbound requests may not reach.
func (s *Service) checkURL(ctx context.Context, verr *validation.Error, raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		verr.Add("url", "is required")
		return raw
	}
	if len(raw) > 2000 {
		verr.Add("url", "must be at most 2000 characters")
		return raw
	}
	if msg := outbound.Message(s.Outbound.CheckURL(ctx, raw, false)); msg != "" {
		verr.Add("url", msg)
	}
	return raw
}

func checkTypes(verr *validation.Error, types []string) []string {
	var out []string
	for _, t := range types {
		t = strings.ToUpper(strings.TrimSpace(t))
		if !Known(t) {
			verr.Add("eventTypes", fmt.Sprintf("unknown event %q (known: %s)", t, strings.Join(Names(), ", ")))
			continue
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	if len(types) == 0 {
		verr.Add("eventTypes", "must name at least one event")
	}
	return out
}

// checkSecret accepts a Standard Webhooks secret ("whsec_" and the base64
// of 24 to 64 bytes) or, as before that format, any other string of at
// least minSecret characters, used as its bytes.
func checkSecret(verr *validation.Error, secret string) {
	switch {
	case strings.HasPrefix(secret, SecretPrefix):
		if !checkStandardSecret(secret) {
			verr.Add("secret", fmt.Sprintf("must be %s followed by the base64 of %d to %d bytes", SecretPrefix, minKey, maxKey))
		}
	case len(secret) < minSecret:
		verr.Add("secret", fmt.Sprintf("must be at least %d characters", minSecret))
	}
}

// newSecret returns a Standard Webhooks secret of 32 random bytes.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("events: secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}
