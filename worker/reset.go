package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/alertrule"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/metrics"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/providers"
	"github.com/alertdesk/alertdesk/store"
)

// ResetErrorKey is the alert metadata key that records an outbound reset
// that finally failed: {"error", "at", "attempts"}.
const ResetErrorKey = "rmmResetError"

// ResetConsumer handles TICKET_CLOSED: every still-active alert linked to
// the closed ticket whose rule keeps resetAlertOnTicketClose is cleared in
// its RMM, then resolved locally (publishing RMM_ALERT_RESOLVED, reason
// "ticket closed"). It is idempotent: a resolved alert is never reset
// again, so a retry only redoes the alerts that failed.
type ResetConsumer struct {
	Store    *store.Store
	Pipeline *pipeline.Pipeline
	Adapters AdapterFactory
	Log      *slog.Logger
}

// Consume implements Consumer. Transient RMM failures retry the entry;
// on its last attempt, or for a permanent failure, the error is stamped on
// the alert and logged, and the close stands.
func (c *ResetConsumer) Consume(ctx context.Context, e Entry) error {
	ticketID := outbox.Int(e.Payload["ticketId"])
	if ticketID == 0 {
		return Permanent(fmt.Errorf("worker: reset: entry %d without ticketId", e.ID))
	}
	t, err := c.Store.Ent.Ticket.Query().Where(ticket.TenantID(e.TenantID), ticket.ID(ticketID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("worker: reset: load ticket %d: %w", ticketID, err)
	}
	if t.ClosedAt == nil {
		c.Log.InfoContext(ctx, "reset on close skipped: ticket reopened", "tenant", e.TenantID, "ticket", ticketID)
		return nil
	}
	alerts, err := c.Store.Ent.Alert.Query().
		Where(entalert.TenantID(e.TenantID), entalert.TicketID(ticketID),
			entalert.StatusIn(entalert.StatusActive, entalert.StatusAcknowledged)).
		Order(ent.Asc(entalert.FieldID)).
		All(ctx)
	if err != nil {
		return fmt.Errorf("worker: reset: load alerts of ticket %d: %w", ticketID, err)
	}
	adapters := map[int]providers.Adapter{}
	var retry []string
	for _, a := range alerts {
		if err := c.resetOne(ctx, e, a, adapters); err != nil {
			retry = append(retry, fmt.Sprintf("alert %d: %v", a.ID, err))
		}
	}
	if len(retry) > 0 {
		return fmt.Errorf("worker: reset: %s", strings.Join(retry, "; "))
	}
	return nil
}

// resetOne resets one alert; it returns an error only when the entry
// should be retried for it.
func (c *ResetConsumer) resetOne(ctx context.Context, e Entry, a *ent.Alert, adapters map[int]providers.Adapter) error {
	log := c.Log.With("tenant", a.TenantID, "alert", a.ID, "provider", a.Provider, "external_alert", a.ExternalAlertID)
	keep, err := c.resetOnClose(ctx, a)
	if err != nil {
		return err
	}
	if !keep {
		log.DebugContext(ctx, "reset on close: rule opted out")
		metrics.Resets.WithLabelValues(string(a.Provider), "opted_out").Inc()
		return nil
	}
	ad, ok := adapters[a.IntegrationID]
	if !ok {
		in, err := c.Store.Ent.Integration.Query().
			Where(integration.TenantID(a.TenantID), integration.ID(a.IntegrationID)).Only(ctx)
		if err != nil {
			return fmt.Errorf("load integration: %w", err)
		}
		if ad, err = c.Adapters(ctx, in); errors.Is(err, providers.ErrNoAdapter) {
			ad = nil
		} else if err != nil {
			// Bad credentials will not fix themselves by retrying.
			return c.fail(ctx, e, a, err, true, log)
		}
		adapters[a.IntegrationID] = ad
	}
	if ad == nil {
		log.InfoContext(ctx, "reset on close skipped: integration has no adapter")
		metrics.Resets.WithLabelValues(string(a.Provider), "skipped").Inc()
		return nil
	}
	err = ad.ResetAlert(ctx, a.ExternalAlertID)
	if err != nil && !providers.IsNotFound(err) {
		return c.fail(ctx, e, a, err, !providers.Retryable(err), log)
	}
	// Reset (or already gone in the RMM): resolve it here too.
	res, err := c.Pipeline.Process(ctx, resetEvent(a, pipeline.OriginTicketClosed, time.Now()))
	if err != nil {
		return fmt.Errorf("resolve locally: %w", err)
	}
	if _, stamped := a.Metadata[ResetErrorKey]; stamped {
		if err := c.Pipeline.StampMetadata(ctx, a.TenantID, a.ID, ResetErrorKey, nil); err != nil {
			log.WarnContext(ctx, "reset on close: clear old error stamp", "err", err)
		}
	}
	metrics.Resets.WithLabelValues(string(a.Provider), "ok").Inc()
	log.InfoContext(ctx, "alert reset in the RMM after its ticket closed", "outcome", res.Outcome)
	return nil
}

// fail retries a transient failure, or stamps it on the alert when it is
// permanent or this was the last attempt.
func (c *ResetConsumer) fail(ctx context.Context, e Entry, a *ent.Alert, cause error, permanent bool, log *slog.Logger) error {
	if !permanent && !e.LastAttempt {
		metrics.Resets.WithLabelValues(string(a.Provider), "retry").Inc()
		log.WarnContext(ctx, "reset on close failed; will retry", "attempt", e.Attempt, "err", cause)
		return cause
	}
	metrics.Resets.WithLabelValues(string(a.Provider), "failed").Inc()
	log.ErrorContext(ctx, "reset on close failed for good; the ticket stays closed", "attempts", e.Attempt, "err", cause)
	stamp := map[string]any{
		"error":    cause.Error(),
		"at":       time.Now().UTC().Format(time.RFC3339Nano),
		"attempts": e.Attempt,
		"ticketId": outbox.Int(e.Payload["ticketId"]),
	}
	if err := c.Pipeline.StampMetadata(ctx, a.TenantID, a.ID, ResetErrorKey, stamp); err != nil {
		return fmt.Errorf("stamp reset failure: %w", err)
	}
	return nil
}

// resetOnClose reads the alert's rule; without one the default (reset) holds.
func (c *ResetConsumer) resetOnClose(ctx context.Context, a *ent.Alert) (bool, error) {
	if a.MatchedRuleID == nil {
		return true, nil
	}
	r, err := c.Store.Ent.AlertRule.Query().
		Where(alertrule.TenantID(a.TenantID), alertrule.ID(*a.MatchedRuleID)).Only(ctx)
	if ent.IsNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("load rule: %w", err)
	}
	return r.Actions.ShouldResetOnClose(), nil
}

// resetEvent synthesizes a reset of a stored alert. Its condition identity
// is recovered from the stored dedup key so the pipeline takes the same
// condition lock as the alert's other events.
func resetEvent(a *ent.Alert, origin string, at time.Time) event.Event {
	device := a.ExternalDeviceID
	if device == "" {
		device = "alert:" + a.ExternalAlertID
	}
	return event.Event{
		TenantID:          a.TenantID,
		IntegrationID:     a.IntegrationID,
		Provider:          event.Provider(a.Provider),
		Kind:              event.Reset,
		ExternalAlertID:   a.ExternalAlertID,
		ExternalDeviceID:  a.ExternalDeviceID,
		ConditionIdentity: strings.TrimPrefix(a.DedupKey, device+"|"),
		OccurredAt:        at.UTC(),
		Origin:            origin,
	}
}
