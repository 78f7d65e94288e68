package graph

import (
	"context"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/graph/model"
	"github.com/alertdesk/alertdesk/maintenance"
	"github.com/alertdesk/alertdesk/validation"
)

// windowOf is the maintenance package's view of a stored window.
func windowOf(w *ent.MaintenanceWindow) maintenance.Window {
	return maintenance.Window{
		ID:            w.ID,
		Name:          w.Name,
		Active:        w.IsActive,
		IntegrationID: w.IntegrationID,
		ClientID:      w.ClientID,
		AssetID:       w.AssetID,
		StartsAt:      w.StartsAt,
		EndsAt:        w.EndsAt,
		Recurrence:    w.Recurrence,
	}
}

// windowFromInput validates a window input: its shape (maintenance's rules,
// paths such as recurrence.timezone) and that its scopes exist in the
// tenant (through the scoped client c).
func windowFromInput(ctx context.Context, c *ent.Client, in model.MaintenanceWindowInput) (maintenance.Window, error) {
	w := maintenance.Window{
		Name:          in.Name,
		Active:        in.IsActive == nil || *in.IsActive,
		IntegrationID: in.IntegrationID,
		ClientID:      in.ClientID,
		AssetID:       in.AssetID,
		StartsAt:      utc(in.StartsAt),
		EndsAt:        utc(in.EndsAt),
	}
	if rec := in.Recurrence; rec != nil {
		w.Recurrence = &maintenance.Recurrence{
			Type:      deref(rec.Type),
			Days:      rec.Days,
			StartTime: rec.StartTime,
			EndTime:   rec.EndTime,
			Timezone:  rec.Timezone,
		}
		if w.Recurrence.Days == nil {
			w.Recurrence.Days = []int{}
		}
	}
	var errs validation.Error
	errs.Merge(maintenance.ValidateWindow(w))
	checks := []struct {
		field, kind string
		id          *int
		lookup      func(context.Context, int) (bool, error)
	}{
		{"integrationId", "integration", w.IntegrationID, refs{c}.Integration},
		{"clientId", "client", w.ClientID, refs{c}.Client},
		{"assetId", "asset", w.AssetID, refs{c}.Asset},
	}
	for _, ch := range checks {
		if ch.id != nil && *ch.id > 0 {
			if err := errs.CheckRef(ctx, ch.field, ch.kind, ch.id, ch.lookup); err != nil {
				return w, err
			}
		}
	}
	if errs.OrNil() != nil {
		return w, &errs
	}
	w.Name = strings.TrimSpace(w.Name)
	return w, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
