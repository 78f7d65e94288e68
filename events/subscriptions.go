package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/eventdelivery"
	"github.com/alertdesk/alertdesk/ent/eventsubscription"
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
	u := checkURL(verr, in.URL)
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
	c := s.Store.Ent.EventSubscription.Create().
		SetTenantID(tenantID).SetURL(u).SetSecret(secret).SetEventTypes(types).SetDescription(in.Description)
	if in.Active != nil {
		c.SetIsActive(*in.Active)
	}
	sub, err := c.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("events: create subscription: %w", err)
	}
	return sub, nil
}

// UpdateSubscription changes the given fields of a subscription.
func (s *Service) UpdateSubscription(ctx context.Context, tenantID, id int, in SubscriptionUpdate) (*ent.EventSubscription, error) {
	verr := &validation.Error{}
	up := s.Store.Ent.EventSubscription.UpdateOneID(id).Where(eventsubscription.TenantID(tenantID))
	if in.URL != nil {
		up.SetURL(checkURL(verr, *in.URL))
	}
	if in.EventTypes != nil {
		up.SetEventTypes(checkTypes(verr, in.EventTypes))
	}
	if in.Secret != nil {
		secret := strings.TrimSpace(*in.Secret)
		checkSecret(verr, secret)
		up.SetSecret(secret)
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
	return sub, nil
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
	return sub, nil
}

func checkURL(verr *validation.Error, raw string) string {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		verr.Add("url", "is required")
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		verr.Add("url", "must be an absolute http or https URL")
	case len(raw) > 2000:
		verr.Add("url", "must be at most 2000 characters")
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

func checkSecret(verr *validation.Error, secret string) {
	if len(secret) < minSecret {
		verr.Add("secret", fmt.Sprintf("must be at least %d characters", minSecret))
	}
}

// newSecret returns 32 random bytes, hex.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("events: secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}
