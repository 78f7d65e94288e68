package secrets

import (
	"context"
	"fmt"

	"github.com/alertdesk/alertdesk/ent/eventsubscription"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/store"
)

// SealStored seals the webhook secrets and event-subscription signing
// secrets that rows written before sealing hold in clear, and reports how
// many it sealed. It runs at startup, after the migrations; a row already
// sealed is left alone, so running it again changes nothing.
func (b *Box) SealStored(ctx context.Context, st *store.Store) (int, error) {
	n := 0
	ins, err := st.Ent.Integration.Query().
		Where(integration.WebhookSecretNEQ(""), integration.Not(integration.WebhookSecretHasPrefix(hashPrefix))).
		All(ctx)
	if err != nil {
		return n, fmt.Errorf("secrets: find clear webhook secrets: %w", err)
	}
	for _, in := range ins {
		hash, sealed, err := b.SealWebhookSecret(in.TenantID, in.WebhookSecret)
		if err != nil {
			return n, err
		}
		// Only if unchanged meanwhile (another replica, a rotation).
		k, err := st.Ent.Integration.Update().
			Where(integration.ID(in.ID), integration.WebhookSecret(in.WebhookSecret)).
			SetWebhookSecret(hash).SetWebhookSecretSealed(sealed).Save(ctx)
		if err != nil {
			return n, fmt.Errorf("secrets: seal webhook secret of integration %d: %w", in.ID, err)
		}
		n += k
	}
	subs, err := st.Ent.EventSubscription.Query().Where(eventsubscription.SecretNEQ("")).All(ctx)
	if err != nil {
		return n, fmt.Errorf("secrets: find clear signing secrets: %w", err)
	}
	for _, sub := range subs {
		sealed, err := b.SealSigningSecret(sub.TenantID, sub.Secret)
		if err != nil {
			return n, err
		}
		k, err := st.Ent.EventSubscription.Update().
			Where(eventsubscription.ID(sub.ID), eventsubscription.Secret(sub.Secret)).
			SetSecret("").SetSecretSealed(sealed).Save(ctx)
		if err != nil {
			return n, fmt.Errorf("secrets: seal signing secret of subscription %d: %w", sub.ID, err)
		}
		n += k
	}
	return n, nil
}
