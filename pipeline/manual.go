package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/rule"
	"github.com/alertdesk/alertdesk/store"
)

// Errors of the stored-alert entry points.
var (
	ErrAlertNotFound = errors.New("pipeline: alert not found")
	ErrAlreadyLinked = errors.New("pipeline: alert already linked to a ticket")
	ErrNotActive     = errors.New("pipeline: alert is not active")
	// ErrKeyUsed says a ticket already has the idempotency key asked for:
	// nothing was written, and the caller returns that ticket.
	ErrKeyUsed = errors.New("pipeline: idempotency key already used")
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

// CreateTicketFrom makes the caller's ticket for an unlinked alert (the
// createTicket mutation with an alert), linked as CreateTicketForAlert
// links it: later firings of its condition join it. The ticket's source is
// the alert's. When in has an idempotency key, it is locked with the alert
// and a ticket that already holds it fails the call with ErrKeyUsed.
func (p *Pipeline) CreateTicketFrom(ctx context.Context, tenantID, alertID int, in desk.NewTicket) (Result, error) {
	var locks []string
	if in.IdempotencyKey != nil {
		locks = append(locks, desk.KeyLock(tenantID, *in.IdempotencyKey))
	}
	return p.withStoredAlert(ctx, tenantID, alertID, "action", func(ctx context.Context, s *State) error {
		if in.IdempotencyKey != nil {
			used, err := s.Tx.Ticket.Query().Where(ticket.TenantID(tenantID), ticket.IdempotencyKey(*in.IdempotencyKey)).Exist(ctx)
			if err != nil {
				return fmt.Errorf("pipeline: idempotency key: %w", err)
			}
			if used {
				return ErrKeyUsed
			}
		}
		if s.Alert.TicketID != nil {
			return ErrAlreadyLinked
		}
		if _, err := p.resolveScope(ctx, s); err != nil {
			return err
		}
		a := s.Alert
		in.TenantID, in.Source, in.SourceReference = tenantID, string(a.Provider), a.ExternalAlertID
		if in.ClientID == nil && in.AssetID == nil {
			in.ClientID, in.AssetID = s.ClientID, s.AssetID
		}
		in.InitialComment = fmt.Sprintf("Ticket opened through the API for a %s alert.\n\n%s",
			s.Event.Provider.Label(), alertDetails(a, s.At))
		t, err := p.desk.Create(ctx, s.Tx, in)
		if err != nil {
			return err
		}
		p.link(s, t, false)
		s.Tracef("created ticket #%d %q through the API", t.Number, t.Title)
		s.Ticket = t
		return nil
	}, locks...)
}

// withStoredAlert loads an alert of the tenant under the pipeline's locks
// (and extra lock keys) and runs fn in the transaction.
func (p *Pipeline) withStoredAlert(ctx context.Context, tenantID, alertID int, origin string, fn func(context.Context, *State) error, extra ...string) (Result, error) {
	a, err := p.store.Ent.Alert.Query().Where(entalert.TenantID(tenantID), entalert.ID(alertID)).Only(ctx)
	if ent.IsNotFound(err) {
		return Result{}, ErrAlertNotFound
	}
	if err != nil {
		return Result{}, fmt.Errorf("pipeline: load alert: %w", err)
	}
	var res Result
	// The locks are taken with BEGIN, in its round trip.
	locks := p.store.LockStatements(append([]string{
		alertLockKey(tenantID, a.IntegrationID, a.ExternalAlertID),
		dedupLockKey(tenantID, a.IntegrationID, a.DedupKey),
	}, extra...)...)
	// A transient failure runs the transaction again (see Process).
	err = store.Retry(ctx, p.retrying(ctx, origin+" on a stored alert", tenantID, alertID), func() error {
		return p.store.BatchTx(ctx, locks, func(tx *ent.Tx, b *store.Batch) error {
			return p.inStoredAlert(ctx, tx, b, a.ID, origin, fn, &res)
		})
	})
	return res, err
}

// inStoredAlert is withStoredAlert's transaction: it reloads the alert
// under the locks and runs fn.
func (p *Pipeline) inStoredAlert(ctx context.Context, tx *ent.Tx, b *store.Batch, alertID int, origin string,
	fn func(context.Context, *State) error, res *Result) error {
	// Reload under the locks: a concurrent caller may have linked it.
	a, err := tx.Alert.Get(ctx, alertID)
	if err != nil {
		return fmt.Errorf("pipeline: reload alert: %w", err)
	}
	s := &State{Event: storedEvent(a, origin), Tx: tx, batch: b, At: time.Now().UTC(), Alert: a}
	if err := fn(ctx, s); err != nil {
		return err
	}
	*res, err = p.finish(ctx, s)
	return err
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
