package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/providers"
)

// buildAdapter opens the integration's credentials and builds its adapter;
// refreshed credentials (OAuth tokens) are sealed and saved back.
func (w *Worker) buildAdapter(ctx context.Context, in *ent.Integration) (providers.Adapter, error) {
	if len(in.Credentials) == 0 {
		return nil, fmt.Errorf("%w: integration %d has no credentials", providers.ErrNoAdapter, in.ID)
	}
	if w.d.Secrets == nil {
		return nil, errors.New("worker: no secret key configured to open credentials")
	}
	plain, err := w.d.Secrets.OpenCredentials(in.ID, in.Credentials)
	if err != nil {
		return nil, fmt.Errorf("worker: integration %d credentials: %w", in.ID, err)
	}
	tenantID, id := in.TenantID, in.ID
	return providers.New(in, plain, providers.Options{
		HTTP:     w.http,
		PageSize: w.d.InventoryPageSize,
		SaveCredentials: func(ctx context.Context, plaintext []byte) error {
			sealed, err := w.d.Secrets.SealCredentials(id, plaintext)
			if err != nil {
				return err
			}
			// Never inside a transaction: this runs around an HTTP call.
			return w.d.Store.Ent.Integration.Update().
				Where(integration.TenantID(tenantID), integration.ID(id)).
				SetCredentials(sealed).
				Exec(ctx)
		},
	})
}
