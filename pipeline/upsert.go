package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/metadata"
)

// findAlert loads the event's alert, or nil when it is new; with fields,
// only those columns (and the id).
func findAlert(ctx context.Context, tx *ent.Tx, ev event.Event, fields ...string) (*ent.Alert, error) {
	q := tx.Alert.Query().Where(
		entalert.TenantID(ev.TenantID),
		entalert.IntegrationID(ev.IntegrationID),
		entalert.ExternalAlertID(ev.ExternalAlertID),
	)
	if len(fields) > 0 {
		q.Select(fields...)
	}
	a, err := q.Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load alert: %w", err)
	}
	return a, nil
}

// withEvent is what the alert keeps of the event beyond its columns.
func withEvent(prev metadata.Map, ev event.Event) metadata.Map {
	m := prev.Clone(3)
	if len(ev.Raw) > 0 { // valid and storable: Process cleaned the event
		m["raw"] = ev.Raw
	}
	if ev.Origin != "" {
		m["origin"] = ev.Origin
	}
	if len(ev.Extra) > 0 {
		m["extra"] = ev.Extra
	}
	return m
}

// newAlert creates the alert row for a first-seen event.
func newAlert(ctx context.Context, tx *ent.Tx, ev event.Event, status entalert.Status) (*ent.Alert, error) {
	a, err := alertCreate(tx, firstSeen(ev, status)).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("create alert: %w", err)
	}
	return a, nil
}

// firstSeen is the alert a first-seen event makes, before it has an id.
func firstSeen(ev event.Event, status entalert.Status) *ent.Alert {
	at := ev.OccurredAt
	a := &ent.Alert{
		TenantID:               ev.TenantID,
		CreatedAt:              time.Now(),
		IntegrationID:          ev.IntegrationID,
		Provider:               entalert.Provider(ev.Provider),
		ExternalAlertID:        ev.ExternalAlertID,
		ExternalDeviceID:       ev.ExternalDeviceID,
		ActivityType:           ev.ActivityType,
		AlertClass:             ev.AlertClass,
		SourceType:             ev.SourceType,
		Severity:               entalert.Severity(ev.Severity),
		Message:                ev.Message,
		DeviceName:             ev.DeviceName,
		ExternalOrganizationID: ev.ExternalOrganizationID,
		Status:                 status,
		LastEventAt:            at,
		DedupKey:               ev.DedupKey(),
		OccurrenceCount:        1,
		Metadata:               withEvent(nil, ev),
	}
	switch status {
	case entalert.StatusActive:
		a.TriggeredAt = &at
	case entalert.StatusResolved:
		a.ResolvedAt = &at
	case entalert.StatusAcknowledged:
		a.AcknowledgedAt, a.AcknowledgedBy = &at, ev.AcknowledgedBy
	}
	return a
}

// alertCreate inserts a (firstSeen); stages may add to its mutation first.
func alertCreate(tx *ent.Tx, a *ent.Alert) *ent.AlertCreate {
	return tx.Alert.Create().
		SetTenantID(a.TenantID).
		SetCreatedAt(a.CreatedAt).
		SetIntegrationID(a.IntegrationID).
		SetProvider(a.Provider).
		SetExternalAlertID(a.ExternalAlertID).
		SetExternalDeviceID(a.ExternalDeviceID).
		SetActivityType(a.ActivityType).
		SetAlertClass(a.AlertClass).
		SetSourceType(a.SourceType).
		SetSeverity(a.Severity).
		SetMessage(a.Message).
		SetDeviceName(a.DeviceName).
		SetExternalOrganizationID(a.ExternalOrganizationID).
		SetStatus(a.Status).
		SetLastEventAt(a.LastEventAt).
		SetDedupKey(a.DedupKey).
		SetMetadata(a.Metadata).
		SetNillableTriggeredAt(a.TriggeredAt).
		SetNillableResolvedAt(a.ResolvedAt).
		SetNillableAcknowledgedAt(a.AcknowledgedAt).
		SetAcknowledgedBy(a.AcknowledgedBy)
}

// upsertTriggered records a triggered event: a new alert, a re-trigger of a
// resolved one, or nothing for replays and out-of-order deliveries.
func (p *Pipeline) upsertTriggered(ctx context.Context, s *State) error {
	ev := s.Event
	// Only what the checks below and a re-trigger use (the re-trigger
	// reads the whole row back): a new alert, the common case, finds
	// nothing, yet every column selected costs to build and describe.
	a, err := p.lookupTrigger(ctx, s)
	if err != nil {
		return err
	}
	if a == nil {
		// Inserted by finish, once, with everything routing decides: one
		// INSERT instead of an INSERT and an UPDATE of the fresh row.
		s.Alert = firstSeen(ev, entalert.StatusActive)
		if s.lookup.isNew() {
			s.Alert.ID = s.lookup.drawn // else 0: ent's INSERT numbers it
		}
		s.create = alertCreate(s.Tx, s.Alert)
		s.Tracef("alert %s recorded from %s (dedup key %q)", ev.ExternalAlertID, originOf(ev), ev.DedupKey())
		return nil
	}
	s.Alert = a
	if ev.OccurredAt.Before(a.LastEventAt) {
		s.Tracef("ignored: event from %s is older than the last applied event %s", ev.OccurredAt, a.LastEventAt)
		s.Stop(Stale)
		return nil
	}
	if a.Status != entalert.StatusResolved {
		s.Tracef("replay: alert already %s", a.Status)
		s.Stop(Replay)
		return nil
	}
	// The alert fired again after it cleared: start a new life for it.
	s.Alert, err = s.Tx.Alert.UpdateOne(a).
		SetStatus(entalert.StatusActive).
		SetTriggeredAt(ev.OccurredAt).
		ClearResolvedAt().
		ClearAcknowledgedAt().
		SetAcknowledgedBy("").
		ClearSuppressedByWindowID().
		ClearMatchedRuleID().
		SetTicketError("").
		SetSeverity(entalert.Severity(ev.Severity)).
		SetMessage(ev.Message).
		SetLastEventAt(ev.OccurredAt).
		SetDedupKey(ev.DedupKey()).
		SetMetadata(withEvent(a.Metadata, ev)).
		Save(ctx)
	if err != nil {
		return fmt.Errorf("re-trigger alert: %w", err)
	}
	s.Tracef("alert %s re-triggered after it was resolved", ev.ExternalAlertID)
	return nil
}

func originOf(ev event.Event) string {
	if ev.Origin == "" {
		return "webhook"
	}
	return ev.Origin
}
