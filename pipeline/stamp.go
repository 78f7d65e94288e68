package pipeline

import (
	"context"
	"fmt"

	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/store"
)

// StampMetadata sets one key of a stored alert's metadata (such as the
// outcome of an outbound reset), under the alert's pipeline lock so a
// concurrent event cannot overwrite it. A nil value removes the key.
func (p *Pipeline) StampMetadata(ctx context.Context, tenantID, alertID int, key string, value any) error {
	a, err := p.store.Ent.Alert.Query().Where(entalert.TenantID(tenantID), entalert.ID(alertID)).Only(ctx)
	if ent.IsNotFound(err) {
		return ErrAlertNotFound
	}
	if err != nil {
		return fmt.Errorf("pipeline: load alert: %w", err)
	}
	return store.Retry(ctx, p.retrying(ctx, "metadata stamp", tenantID, alertID), func() error {
		return p.stamp(ctx, tenantID, a, key, value)
	})
}

// stamp is StampMetadata's transaction.
func (p *Pipeline) stamp(ctx context.Context, tenantID int, a *ent.Alert, key string, value any) error {
	return p.store.Tx(ctx, func(tx *ent.Tx) error {
		if err := p.store.LockKeys(ctx, tx, alertLockKey(tenantID, a.IntegrationID, a.ExternalAlertID)); err != nil {
			return fmt.Errorf("pipeline: lock: %w", err)
		}
		a, err := tx.Alert.Query().Where(entalert.TenantID(tenantID), entalert.ID(a.ID)).Only(ctx)
		if err != nil {
			return fmt.Errorf("pipeline: reload alert: %w", err)
		}
		m := a.Metadata.Clone(1)
		if value == nil {
			delete(m, key)
		} else {
			m[key] = value
		}
		if err := tx.Alert.UpdateOneID(a.ID).SetMetadata(m).Exec(ctx); err != nil {
			return fmt.Errorf("pipeline: stamp %s: %w", key, err)
		}
		return nil
	})
}
