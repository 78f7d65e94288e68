package pipeline

import (
	"context"
	"time"

	"github.com/alertdesk/alertdesk/outbox"
)

// publishTriggered writes RMM_ALERT_TRIGGERED and, when the rule lists
// users to notify, a notification request.
func (p *Pipeline) publishTriggered(ctx context.Context, s *State) error {
	s.publish(outbox.AlertTriggered, func() map[string]any { return triggeredPayload(s) })
	if s.Rule != nil && len(s.Rule.Actions.NotifyUserIDs) > 0 && s.Ticket != nil {
		s.publish(outbox.NotificationRequest, func() map[string]any {
			return map[string]any{
				"category": "rmm-alert",
				"userIds":  s.Rule.Actions.NotifyUserIDs,
				"alertId":  s.Alert.ID,
				"ticketId": s.Ticket.ID,
				"ruleId":   s.Rule.ID,
			}
		})
		s.Tracef("notification requested for users %v", s.Rule.Actions.NotifyUserIDs)
	}
	return nil
}

// eventPayload is the provider-generic workflow event body.
func eventPayload(s *State, reason string) map[string]any {
	a := s.Alert
	m := map[string]any{
		"alertId":          a.ID,
		"integrationId":    a.IntegrationID,
		"provider":         string(a.Provider),
		"externalAlertId":  a.ExternalAlertID,
		"externalDeviceId": a.ExternalDeviceID,
		"severity":         string(a.Severity),
		"message":          a.Message,
		"assetId":          a.AssetID,
		"clientId":         a.ClientID,
		"ticketId":         a.TicketID,
		"time":             s.At.UTC().Format(time.RFC3339Nano),
	}
	if reason != "" {
		m["reason"] = reason
	}
	return m
}

// triggeredPayload is RMM_ALERT_TRIGGERED's body: the alert, what became of
// it (a ticket created or joined, or only recorded) and how many times its
// condition has fired on its open ticket.
func triggeredPayload(s *State) map[string]any {
	m := eventPayload(s, "")
	m["outcome"] = triggeredOutcome(s.Outcome)
	n := 1
	if c := s.condition; c != nil && c.joined != nil {
		n = c.joined.OccurrenceCount + 1
	}
	m["occurrenceCount"] = n
	return m
}

// triggeredOutcome names an outcome in the workflow event.
func triggeredOutcome(o Outcome) string {
	if o == Joined {
		return "joined"
	}
	return string(o)
}

// feedPayload is a live-feed entry for changes that have no workflow event.
func feedPayload(s *State, kind string) map[string]any {
	m := eventPayload(s, "")
	m["type"] = kind
	m["status"] = string(s.Alert.Status)
	return m
}
