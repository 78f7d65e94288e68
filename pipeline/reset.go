package pipeline

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/alertrule"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/rule"
)

// loadForReset finds the alert a reset is about. A reset of an unknown
// alert is recorded as resolved history; a reset of a resolved alert (such
// as the RMM echoing a reset alertdesk made) changes nothing.
func (p *Pipeline) loadForReset(ctx context.Context, s *State) error {
	var (
		a   *ent.Alert
		err error
	)
	if s.reset != nil {
		a = s.reset.alert
	} else if a, err = findAlert(ctx, s.Tx, s.Event); err != nil {
		return err
	}
	if a == nil {
		if s.Alert, err = newAlert(ctx, s.Tx, s.Event, entalert.StatusResolved); err != nil {
			return err
		}
		s.Tracef("reset of an alert never seen triggered: recorded as resolved")
		s.Stop(Resolved)
		return nil
	}
	s.Alert = a
	switch {
	case s.Event.OccurredAt.Before(a.LastEventAt):
		s.Tracef("ignored: reset from %s is older than the last applied event %s", s.Event.OccurredAt, a.LastEventAt)
		s.Stop(Stale)
	case a.Status == entalert.StatusResolved:
		s.Tracef("replay: alert already resolved")
		s.Stop(Replay)
	}
	return nil
}

// resolve marks the alert resolved. A suppressed alert resolves quietly.
func (p *Pipeline) resolve(ctx context.Context, s *State) error {
	a, at := s.Alert, s.Event.OccurredAt
	was := a.Status
	// Written by finish with the trace: nothing before it reads the row.
	a.Status, a.ResolvedAt, a.LastEventAt, a.Metadata = entalert.StatusResolved, &at, at, withEvent(a.Metadata, s.Event)
	m := s.alertChanges()
	m.SetStatus(a.Status)
	m.SetResolvedAt(at)
	m.SetLastEventAt(at)
	m.SetMetadata(a.Metadata)
	s.Outcome = Resolved
	if was == entalert.StatusSuppressed {
		s.Tracef("suppressed alert resolved quietly")
		s.Stop(Resolved)
		return nil
	}
	s.Tracef("alert resolved (%s)", resetReason(s.Event))
	return nil
}

// OriginTicketClosed marks the reset alertdesk applies locally after it
// cleared the alert in the RMM because its ticket closed.
const OriginTicketClosed = "ticket-closed"

// resetReason says who noticed the alert clear.
func resetReason(ev event.Event) string {
	if ev.Origin == OriginTicketClosed {
		return "ticket closed"
	}
	if ev.Origin == "poller" {
		return "the poller found it no longer active in " + ev.Provider.Label()
	}
	return ev.Provider.Label() + " reported the reset"
}

// syncTicketOnReset comments on the linked open ticket and, when the rule
// auto-resolves, closes it if nobody touched it and no other linked alert
// is still active.
func (p *Pipeline) syncTicketOnReset(ctx context.Context, s *State) error {
	a := s.Alert
	if a.TicketID == nil {
		return nil
	}
	// Locked before the decision: a person touching the ticket meanwhile
	// waits, so "untouched" still holds when it closes. On PostgreSQL the
	// lookup took the lock and read the ticket with the pipeline's locks.
	t := s.reset.lockedTicketOf(a)
	if t == nil {
		var err error
		if t, err = p.desk.Lock(ctx, s.Tx, a.TenantID, *a.TicketID); err != nil {
			return err
		}
	}
	s.Ticket = t
	if t.ClosedAt != nil {
		s.Tracef("ticket #%d already closed", t.Number)
		return nil
	}
	decision, closeIt, statusID, err := p.autoResolveDecision(ctx, s)
	if err != nil {
		return err
	}
	body := fmt.Sprintf("Alert cleared — %s.\n%s\n\n%s", resetReason(s.Event), decision, alertDetails(a, s.At))
	s.Tracef("ticket #%d: %s", t.Number, strings.ToLower(decision[:1])+decision[1:])
	if s.reset != nil {
		return p.settleLater(ctx, s, body, closeIt, statusID)
	}
	if _, err := p.desk.CommentOn(ctx, s.Tx, t, body, true, desk.System); err != nil {
		return fmt.Errorf("reset comment: %w", err)
	}
	if !closeIt {
		return nil
	}
	if s.Ticket, err = p.desk.CloseOn(ctx, s.Tx, t, statusID, desk.System); err != nil {
		return fmt.Errorf("auto-resolve ticket: %w", err)
	}
	return nil
}

// settleLater comments on the ticket and closes it when asked with
// statements deferred to COMMIT, to the closed status the cached
// configuration gives (PostgreSQL); in a page of resets, with the page's.
func (p *Pipeline) settleLater(ctx context.Context, s *State, body string, closeIt bool, statusID *int) error {
	t, now := s.Ticket, time.Now().UTC()
	if !closeIt {
		if err := s.noteLater(ctx, t, body, now); err != nil {
			return fmt.Errorf("reset comment: %w", err)
		}
		return nil
	}
	cfg, err := p.config(ctx, s)
	if err != nil {
		return err
	}
	to, ok := cfg.Boards[t.BoardID].CloseStatus(statusID)
	if !ok {
		return fmt.Errorf("auto-resolve ticket: %w: board %d has no closed status", desk.ErrNoStatus, t.BoardID)
	}
	// One statement: the comment's bump of updated_at and the close's
	// would be two updates of the ticket's row.
	if s.Ticket, err = s.noteAndCloseLater(ctx, t, body, to, now); err != nil {
		return fmt.Errorf("auto-resolve ticket: %w", err)
	}
	return nil
}

func (p *Pipeline) autoResolveDecision(ctx context.Context, s *State) (string, bool, *int, error) {
	a := s.Alert
	if a.MatchedRuleID == nil {
		return "The ticket stays open: no rule asks to auto-resolve it.", false, nil, nil
	}
	// The cached configuration holds the integration's active rules; a
	// rule deactivated since the ticket opened still decides, so read it.
	var r rule.Rule
	cfg := p.cachedConfig(s)
	found := false
	if cfg != nil {
		r, found = cfg.Rules.Rule(*a.MatchedRuleID)
	}
	if !found {
		row, err := s.Tx.AlertRule.Query().
			Where(alertrule.TenantID(a.TenantID), alertrule.ID(*a.MatchedRuleID)).
			Only(ctx)
		if err != nil {
			return "The ticket stays open: its rule no longer exists.", false, nil, nil
		}
		r = RuleOf(row)
	}
	if !r.Actions.ShouldAutoResolve() {
		return fmt.Sprintf("The ticket stays open: rule %q does not auto-resolve.", r.Name), false, nil, nil
	}
	if desk.Touched(s.Ticket) {
		return "The ticket stays open: someone has worked on it.", false, nil, nil
	}
	others, err := p.othersLive(ctx, s)
	if err != nil {
		return "", false, nil, err
	}
	switch {
	case others >= liveCap:
		return fmt.Sprintf("The ticket stays open: %d or more other linked alerts still active.", liveCap), false, nil, nil
	case others > 0:
		return fmt.Sprintf("The ticket stays open: %d other linked alert(s) still active.", others), false, nil, nil
	}
	return "The ticket was untouched and is closed automatically.", true, r.Actions.AutoResolveStatusID, nil
}

// othersLive counts the ticket's other live alerts, up to liveCap.
func (p *Pipeline) othersLive(ctx context.Context, s *State) (int, error) {
	a := s.Alert
	if s.reset != nil && s.reset.alert != nil && s.reset.alert.ID == a.ID {
		return min(s.reset.othersLive, liveCap), nil
	}
	ids, err := s.Tx.Alert.Query().
		Where(entalert.TenantID(a.TenantID), entalert.TicketID(*a.TicketID), entalert.IDNEQ(a.ID),
			entalert.StatusIn(entalert.StatusActive, entalert.StatusAcknowledged)).
		Limit(liveCap).IDs(ctx)
	if err != nil {
		return 0, fmt.Errorf("count linked active alerts: %w", err)
	}
	return len(ids), nil
}

// publishResolved writes RMM_ALERT_RESOLVED.
func (p *Pipeline) publishResolved(ctx context.Context, s *State) error {
	s.publish(outbox.AlertResolved, func() map[string]any { return eventPayload(s, resetReason(s.Event)) })
	return nil
}
