package pipeline

import (
	"context"

	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/maintenance"
	"github.com/alertdesk/alertdesk/outbox"
)

// maintenance suppresses the alert when an active window in scope covers
// the time it is judged at: no ticket, no notification, no event.
func (p *Pipeline) maintenance(ctx context.Context, s *State) error {
	cfg, err := p.config(ctx, s)
	if err != nil {
		return err
	}
	ws := cfg.Windows
	if len(ws) == 0 {
		s.Tracef("maintenance: no active windows")
		return nil
	}
	w, lines := maintenance.FirstCovering(ws, s.Event.IntegrationID, s.ClientID, s.AssetID, s.At)
	for _, l := range lines {
		s.Tracef("maintenance: %s", l)
	}
	if w == nil {
		return nil
	}
	m := s.alertChanges()
	m.SetStatus(entalert.StatusSuppressed)
	m.SetSuppressedByWindowID(w.ID)
	s.Alert.Status, s.Alert.SuppressedByWindowID = entalert.StatusSuppressed, &w.ID
	s.Tracef("suppressed by maintenance window %d %q", w.ID, w.Name)
	s.publish(outbox.AlertFeed, func() map[string]any { return feedPayload(s, "suppressed") })
	s.Stop(Suppressed)
	return nil
}

// WindowOf converts a stored window to the maintenance package's view.
func WindowOf(r *ent.MaintenanceWindow) maintenance.Window {
	return maintenance.Window{
		ID:            r.ID,
		Name:          r.Name,
		Active:        r.IsActive,
		IntegrationID: r.IntegrationID,
		ClientID:      r.ClientID,
		AssetID:       r.AssetID,
		StartsAt:      r.StartsAt,
		EndsAt:        r.EndsAt,
		Recurrence:    r.Recurrence,
	}
}
