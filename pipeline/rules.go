package pipeline

import (
	"context"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/rule"
)

// matchRules finds the first matching active rule of the integration. No
// match, or a match that says createTicket false, records the alert only.
func (p *Pipeline) matchRules(ctx context.Context, s *State) error {
	cfg, err := p.config(ctx, s)
	if err != nil {
		return err
	}
	res := cfg.Rules.Evaluate(alertEvent(s))
	for _, l := range res.Lines() {
		s.trace(l)
	}
	if res.Rule == nil {
		s.Tracef("no rule matched: alert recorded without a ticket")
		s.publish(outbox.AlertFeed, func() map[string]any { return feedPayload(s, "triggered") })
		s.Stop(NoRule)
		return nil
	}
	s.Rule = res.Rule
	s.alertChanges().SetMatchedRuleID(res.Rule.ID)
	s.Alert.MatchedRuleID = &res.Rule.ID
	if !res.Rule.Actions.ShouldCreateTicket() {
		s.Tracef("rule %d says createTicket false: alert recorded only", res.Rule.ID)
		s.Stop(Recorded)
		s.publish(outbox.AlertTriggered, func() map[string]any { return triggeredPayload(s) })
	}
	return nil
}

// alertEvent is the stored alert seen as an event, so reprocessing judges
// exactly what the webhook delivered.
func alertEvent(s *State) event.Event {
	a := s.Alert
	ev := s.Event
	ev.Severity = event.Severity(a.Severity)
	ev.Message = a.Message
	ev.ActivityType = a.ActivityType
	ev.AlertClass = a.AlertClass
	ev.SourceType = a.SourceType
	ev.ExternalOrganizationID = a.ExternalOrganizationID
	return ev
}

// RuleOf converts a stored rule to the rule package's view.
func RuleOf(r *ent.AlertRule) rule.Rule {
	return rule.Rule{
		ID:            r.ID,
		Name:          r.Name,
		Version:       r.UpdatedAt,
		PriorityOrder: r.PriorityOrder,
		CreatedAt:     r.CreatedAt,
		Active:        r.IsActive,
		Conditions:    r.Conditions,
		Actions:       r.Actions,
	}
}
