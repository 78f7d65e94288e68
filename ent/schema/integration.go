package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/alertdesk/alertdesk/health"
)

// Integration is one connection to an RMM.
type Integration struct{ ent.Schema }

func (Integration) Mixin() []ent.Mixin { return tenantScoped() }

func (Integration) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("provider").Values("ninjaone", "tacticalrmm", "alertmanager"),
		field.String("name").NotEmpty().MaxLen(200),
		field.Enum("connection_state").Values("disconnected", "connected", "error").Default("disconnected"),
		field.Bytes("credentials").Optional().Sensitive(),
		// webhook_secret is the keyed hash of the webhook secret
		// (secrets.Box.HashWebhookSecret), compared when a webhook arrives;
		// rows from before sealing held the secret in clear until startup.
		field.String("webhook_secret").Default("").Sensitive(),
		// webhook_secret_sealed is the secret itself, sealed and bound to
		// the tenant: shown to admins and registered with the RMM.
		field.Bytes("webhook_secret_sealed").Optional().Sensitive(),
		field.String("base_url").Default(""),
		field.String("region").Default(""),
		field.Bool("polling_enabled").Default(true),
		field.Int("polling_interval_minutes").Default(15).Range(5, 60),
		field.Time("last_polled_at").Optional().Nillable(),
		field.String("last_poll_error").Default(""),
		field.JSON("last_poll_counts", map[string]int{}).Optional(),
		// Consecutive cycles that could not reach the RMM, and since when;
		// enough of them turn the state to error.
		field.Int("poll_failures").Default(0),
		field.Time("poll_failing_since").Optional().Nillable(),
		// A cycle asked for by pollNow starts at this time; cleared by the
		// cycle that claims the integration.
		field.Time("poll_requested_at").Optional().Nillable(),
		// Live alerts this recent are not reset by a poll: an RMM's list
		// may lag its webhooks.
		field.Int("poll_grace_seconds").Default(120).Range(0, 3600),
		// The last inventory sync (organizations and devices): when it
		// ran, what it did and its error (empty when it succeeded).
		field.Time("last_inventory_sync_at").Optional().Nillable(),
		field.String("last_inventory_sync_error").Default(""),
		field.JSON("last_inventory_sync_counts", map[string]int{}).Optional(),
		// Alertmanager: the labels that, with alertname, tell one
		// condition from another (on top of the instance label's device).
		field.Strings("condition_labels").Optional(),
		// Observations of health (package health): when a webhook last
		// arrived (written at most once a minute), the run of poll cycles
		// that found alerts no webhook brought, when the RMM rejected the
		// credentials, and when they expire where the provider says so.
		field.Time("last_webhook_at").Optional().Nillable(),
		field.Int("webhook_missed_polls").Default(0),
		field.Time("webhook_missed_since").Optional().Nillable(),
		field.Time("credentials_rejected_at").Optional().Nillable(),
		field.Time("credentials_expire_at").Optional().Nillable(),
		// The health last evaluated, and since when its state holds;
		// health_version advances with each change, so that of two
		// replicas evaluating at once only one records it (and notifies).
		field.Enum("health_state").Values("healthy", "degraded", "failing").Default("healthy"),
		field.JSON("health_reasons", []health.Reason{}).Optional(),
		field.Time("health_since").Optional().Nillable(),
		field.Int("health_version").Default(0),
	}
}

func (Integration) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "provider")}
}

// OrganizationMapping maps an RMM organization (NinjaOne organization,
// TacticalRMM client) to a client.
type OrganizationMapping struct{ ent.Schema }

func (OrganizationMapping) Mixin() []ent.Mixin { return tenantScoped() }

func (OrganizationMapping) Fields() []ent.Field {
	return []ent.Field{
		field.Int("integration_id"),
		field.String("external_organization_id").NotEmpty().MaxLen(200),
		field.String("external_organization_name").Default("").MaxLen(200),
		field.Int("client_id"),
	}
}

func (OrganizationMapping) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("integration", Integration.Type).Field("integration_id").Unique().Required(),
		edge.To("client", Customer.Type).Field("client_id").Unique().Required(),
	}
}

func (OrganizationMapping) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "integration_id", "external_organization_id").Unique()}
}

// RmmOrganization is an organization (NinjaOne organization, TacticalRMM
// client) as the integration's last inventory sync listed it: what
// unmappedOrganizations offers for mapping, with its name.
type RmmOrganization struct{ ent.Schema }

func (RmmOrganization) Mixin() []ent.Mixin { return tenantScoped() }

func (RmmOrganization) Fields() []ent.Field {
	return []ent.Field{
		field.Int("integration_id"),
		field.String("external_organization_id").NotEmpty().MaxLen(200),
		field.String("name").Default("").MaxLen(200),
		field.Time("synced_at"),
	}
}

func (RmmOrganization) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("integration", Integration.Type).Field("integration_id").Unique().Required(),
	}
}

func (RmmOrganization) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "integration_id", "external_organization_id").Unique()}
}
