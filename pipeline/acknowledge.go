package pipeline

import (
	"context"

	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/outbox"
)

// acknowledge records who acknowledged the alert in the RMM. A suppressed
// alert stays suppressed; a resolved one is left alone.
func (p *Pipeline) acknowledge(ctx context.Context, s *State) error {
	ev := s.Event
	a, err := findAlert(ctx, s.Tx, ev)
	if err != nil {
		return err
	}
	if a == nil {
		if s.Alert, err = newAlert(ctx, s.Tx, ev, entalert.StatusAcknowledged); err != nil {
			return err
		}
		s.Tracef("acknowledgement of an alert never seen triggered: recorded as acknowledged")
		s.Stop(Acknowledged)
		return nil
	}
	s.Alert = a
	switch {
	case ev.OccurredAt.Before(a.LastEventAt):
		s.Tracef("ignored: acknowledgement older than the last applied event")
		s.Stop(Stale)
		return nil
	case a.Status == entalert.StatusResolved || a.Status == entalert.StatusAcknowledged:
		s.Tracef("replay: alert already %s", a.Status)
		s.Stop(Replay)
		return nil
	}
	// Written by finish with the trace.
	at := ev.OccurredAt
	m := s.alertChanges()
	m.SetAcknowledgedAt(at)
	m.SetAcknowledgedBy(ev.AcknowledgedBy)
	m.SetLastEventAt(at)
	a.AcknowledgedAt, a.AcknowledgedBy, a.LastEventAt = &at, ev.AcknowledgedBy, at
	if a.Status == entalert.StatusActive {
		m.SetStatus(entalert.StatusAcknowledged)
		a.Status = entalert.StatusAcknowledged
	}
	s.Tracef("acknowledged by %q", ev.AcknowledgedBy)
	s.Stop(Acknowledged)
	s.publish(outbox.AlertFeed, func() map[string]any { return feedPayload(s, "acknowledged") })
	return nil
}
