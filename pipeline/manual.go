package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/rule"
	"github.com/alertdesk/alertdesk/store"
)

// Errors of the stored-alert entry points.
var (
	ErrAlertNotFound = errors.New("pipeline: alert not found")
	ErrAlreadyLinked = errors.New("pipeline: alert already linked to a ticket")
	ErrNotActive     = errors.New("pipeline: alert is not active")
)

// Reprocess runs a stored alert through the routing stages again, judged at
// the current time: an alert kept because its organization was unmapped,
// a suppressed alert still firing after its window ended, or one whose
// ticket could not be created.
func (p *Pipeline) Reprocess(ctx context.Context, tenantID, alertID int, origin string) (Result, error) {
	return p.withStoredAlert(ctx, tenantID, alertID, origin, func(ctx context.Context, s *State) error {
		a := s.Alert
		switch {
		case a.TicketID != nil:
			return ErrAlreadyLinked
		case a.Status == entalert.StatusResolved:
			return ErrNotActive
		}
		var err error
		// The old ticket error goes: routing records a new one if it fails again.
		if s.Alert, err = s.Tx.Alert.UpdateOne(a).
			SetStatus(entalert.StatusActive).
			ClearSuppressedByWindowID().
			ClearMatchedRuleID().
			SetTicketError("").
			Save(ctx); err != nil {
			return fmt.Errorf("reopen alert: %w", err)
		}
		s.Tracef("reprocessed (%s), judged at %s", origin, s.At.Format(time.RFC3339))
		return p.route.Exec(ctx, s)
	})
}

// CreateTicketForAlert makes a ticket for an unlinked alert through the same
// ticket creator as the pipeline (the rmm.alerts.create_ticket action),
// routed by the alert's matched rule when it still exists.
func (p *Pipeline) CreateTicketForAlert(ctx context.Context, tenantID, alertID int) (Result, error) {
	return p.withStoredAlert(ctx, tenantID, alertID, "action", func(ctx context.Context, s *State) error {
		if s.Alert.TicketID != nil {
			return ErrAlreadyLinked
		}
		if _, err := p.resolveScope(ctx, s); err != nil {
			return err
		}
		s.Rule = &rule.Rule{Name: "manual ticket action"}
		if id := s.Alert.MatchedRuleID; id != nil {
			r, err := s.Tx.AlertRule.Get(ctx, *id)
			if err == nil && r.TenantID == tenantID {
				rr := RuleOf(r)
				s.Rule = &rr
			}
		}
		t, err := p.newTicket(ctx, s, false)
		if err != nil {
			return err
		}
		s.Ticket = t
		return nil
	})
}

// withStoredAlert loads an alert of the tenant under the pipeline's locks
// and runs fn in the transaction.
func (p *Pipeline) withStoredAlert(ctx context.Context, tenantID, alertID int, origin string, fn func(context.Context, *State) error) (Result, error) {
	a, err := p.store.Ent.Alert.Query().Where(entalert.TenantID(tenantID), entalert.ID(alertID)).Only(ctx)
	if ent.IsNotFound(err) {
		return Result{}, ErrAlertNotFound
	}
	if err != nil {
		return Result{}, fmt.Errorf("pipeline: load alert: %w", err)
	}
	var res Result
	// The locks are taken with BEGIN, in its round trip.
	locks := p.store.LockStatements(
		alertLockKey(tenantID, a.IntegrationID, a.ExternalAlertID),
		dedupLockKey(tenantID, a.IntegrationID, a.DedupKey),
	)
	err = p.store.BatchTx(ctx, locks, func(tx *ent.Tx, b *store.Batch) error {
		// Reload under the locks: a concurrent caller may have linked it.
		a, err := tx.Alert.Get(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("pipeline: reload alert: %w", err)
		}
		s := &State{Event: storedEvent(a, origin), Tx: tx, batch: b, At: time.Now().UTC(), Alert: a}
		if err := fn(ctx, s); err != nil {
			return err
		}
		res, err = p.finish(ctx, s)
		return err
	})
	return res, err
}

// storedEvent rebuilds the event a stored alert came from.
func storedEvent(a *ent.Alert, origin string) event.Event {
	at := a.LastEventAt
	if a.TriggeredAt != nil {
		at = *a.TriggeredAt
	}
	return event.Event{
		TenantID:               a.TenantID,
		IntegrationID:          a.IntegrationID,
		Provider:               event.Provider(a.Provider),
		Kind:                   event.Triggered,
		ExternalAlertID:        a.ExternalAlertID,
		ExternalDeviceID:       a.ExternalDeviceID,
		ActivityType:           a.ActivityType,
		AlertClass:             a.AlertClass,
		SourceType:             a.SourceType,
		Severity:               event.Severity(a.Severity),
		Message:                a.Message,
		DeviceName:             a.DeviceName,
		ExternalOrganizationID: a.ExternalOrganizationID,
		OccurredAt:             at,
		Origin:                 origin,
	}
}
