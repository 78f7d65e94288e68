package worker

import (
	"context"
	"fmt"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/ent/predicate"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/health"
	"github.com/alertdesk/alertdesk/outbox"
)

// CategoryIntegrationHealth is the notification category of health changes.
const CategoryIntegrationHealth = "integration-health"

// unmappedLimit bounds the unmapped alerts read for one evaluation: the
// reason says "at least" past it.
const unmappedLimit = 1000

// HealthChange is what EvaluateHealth found.
type HealthChange struct {
	Report health.Report
	// Changed: the state or its set of reasons changed, and this call
	// recorded it (and notified the admins).
	Changed bool
}

// EvaluateHealth gathers an integration's observations, evaluates its
// health and stores it. A change of state or of the set of reasons is
// recorded with one conditional UPDATE on health_version, in the
// transaction that writes the admins' notification request: of replicas
// evaluating at once, one records it and notifies, the others find the
// version moved and do nothing. Reasons that merely move (one more failed
// cycle) are stored without a notification.
func (w *Worker) EvaluateHealth(ctx context.Context, tenantID, integrationID int) (HealthChange, error) {
	db := w.d.Store.Ent
	in, err := db.Integration.Query().
		Where(integration.TenantID(tenantID), integration.ID(integrationID)).Only(ctx)
	if err != nil {
		return HealthChange{}, fmt.Errorf("worker: health: load integration %d: %w", integrationID, err)
	}
	obs, err := w.observe(ctx, in)
	if err != nil {
		return HealthChange{}, err
	}
	prev := storedHealth(in)
	next := health.Evaluate(obs, prev, health.Thresholds{PollErrorAfter: w.d.PollErrorAfter}, time.Now())
	one := func(c *ent.Client) *ent.IntegrationUpdate {
		return c.Integration.Update().Where(integration.TenantID(tenantID), integration.ID(integrationID),
			integration.HealthVersion(in.HealthVersion))
	}
	if !health.Changed(prev, next) {
		if !sameReasons(prev.Reasons, next.Reasons) {
			if err := one(db).SetHealthReasons(next.Reasons).Exec(ctx); err != nil {
				return HealthChange{}, fmt.Errorf("worker: health: store reasons: %w", err)
			}
		}
		return HealthChange{Report: next}, nil
	}
	changed := false
	err = w.d.Store.Tx(ctx, func(tx *ent.Tx) error {
		n, err := one(tx.Client()).
			SetHealthState(integration.HealthState(next.State)).
			SetHealthReasons(next.Reasons).
			SetHealthSince(next.Since).
			AddHealthVersion(1).
			Save(ctx)
		if err != nil || n == 0 {
			return err
		}
		changed = true
		admins, err := tx.User.Query().
			Where(user.TenantID(tenantID), user.RoleEQ(user.RoleAdmin), user.DeactivatedAtIsNil()).
			Order(ent.Asc(user.FieldID)).IDs(ctx)
		if err != nil || len(admins) == 0 {
			return err
		}
		title, body := healthMessage(in, prev, next)
		return tx.OutboxEntry.Create().SetTenantID(tenantID).SetTopic(outbox.NotificationRequest).
			SetPayload(map[string]any{
				"category":      CategoryIntegrationHealth,
				"userIds":       admins,
				"integrationId": integrationID,
				"title":         title,
				"body":          body,
			}).Exec(ctx)
	})
	if err != nil {
		return HealthChange{}, fmt.Errorf("worker: health: record change: %w", err)
	}
	if changed {
		w.log.InfoContext(ctx, "integration health changed", "tenant", tenantID, "integration", integrationID,
			"from", prev.State, "to", next.State, "reasons", next.Codes())
		w.Wake()
	}
	return HealthChange{Report: next, Changed: changed}, nil
}

// observe reads what the integration row does not hold: its pending
// alerts from organizations without a mapping.
func (w *Worker) observe(ctx context.Context, in *ent.Integration) (health.Observations, error) {
	o := health.Observations{
		Polled:                in.ConnectionState != integration.ConnectionStateDisconnected && in.PollingEnabled,
		LastWebhookAt:         in.LastWebhookAt,
		WebhookMissedPolls:    in.WebhookMissedPolls,
		WebhookMissedSince:    in.WebhookMissedSince,
		PollFailures:          in.PollFailures,
		PollFailingSince:      in.PollFailingSince,
		LastPollError:         in.LastPollError,
		CredentialsRejectedAt: in.CredentialsRejectedAt,
		CredentialsExpireAt:   in.CredentialsExpireAt,
	}
	rows, err := w.d.Store.Ent.Alert.Query().
		Where(entalert.TenantID(in.TenantID), entalert.IntegrationID(in.ID), entalert.OrganizationUnmapped(true),
			entalert.StatusNEQ(entalert.StatusResolved), entalert.TicketIDIsNil()).
		Order(ent.Asc(entalert.FieldID)).Limit(unmappedLimit).
		Select(entalert.FieldExternalOrganizationID, entalert.FieldCreatedAt).All(ctx)
	if err != nil {
		return o, fmt.Errorf("worker: health: unmapped alerts: %w", err)
	}
	orgs := map[string]bool{}
	for _, a := range rows {
		orgs[a.ExternalOrganizationID] = true
		if o.UnmappedSince == nil || a.CreatedAt.Before(*o.UnmappedSince) {
			t := a.CreatedAt
			o.UnmappedSince = &t
		}
	}
	o.UnmappedAlerts, o.UnmappedOrganizations = len(rows), len(orgs)
	return o, nil
}

// storedHealth is the report last recorded on the integration.
func storedHealth(in *ent.Integration) health.Report {
	r := health.Report{State: health.State(in.HealthState), Reasons: in.HealthReasons}
	if in.HealthSince != nil {
		r.Since = *in.HealthSince
	}
	return r
}

func sameReasons(a, b []health.Reason) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Code != b[i].Code || a[i].Message != b[i].Message || !a[i].Since.Equal(b[i].Since) {
			return false
		}
	}
	return true
}

// healthMessage is the notification's title and body.
func healthMessage(in *ent.Integration, prev, next health.Report) (string, string) {
	title := fmt.Sprintf("Integration %s is %s", in.Name, strings.ToUpper(string(next.State)))
	var b strings.Builder
	fmt.Fprintf(&b, "Integration %q (%s) went from %s to %s.", in.Name, in.Provider,
		strings.ToUpper(string(prev.State)), strings.ToUpper(string(next.State)))
	for _, r := range next.Reasons {
		fmt.Fprintf(&b, "\n- %s since %s: %s", strings.ToUpper(string(r.Code)), r.Since.UTC().Format(time.RFC3339), r.Message)
	}
	if len(next.Reasons) == 0 {
		b.WriteString("\nNothing needs attention any more.")
	}
	return title, b.String()
}

// missedRunStarts selects integrations whose run of cycles missed by
// webhooks starts afresh: none running, or a webhook arrived since it began.
func missedRunStarts() predicate.Integration {
	return integration.Or(integration.WebhookMissedSinceIsNil(),
		predicate.Integration(sql.FieldsGTE(integration.FieldLastWebhookAt, integration.FieldWebhookMissedSince)))
}
