package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/alertdesk/alertdesk/metadata"
)

// Alert is one RMM alert as alertdesk knows it.
type Alert struct{ ent.Schema }

func (Alert) Mixin() []ent.Mixin { return tenantScoped() }

func (Alert) Fields() []ent.Field {
	return []ent.Field{
		field.Int("integration_id"),
		field.Enum("provider").Values("ninjaone", "tacticalrmm", "alertmanager"),
		field.String("external_alert_id").NotEmpty().MaxLen(200),
		field.String("external_device_id").Default("").MaxLen(200),
		field.Int("asset_id").Optional().Nillable(),
		field.Int("client_id").Optional().Nillable(),
		field.String("activity_type").Default(""),
		field.String("alert_class").Default(""),
		field.String("source_type").Default(""),
		field.Enum("severity").Values("critical", "major", "moderate", "minor", "none").Default("none"),
		field.Text("message").Default(""),
		field.String("device_name").Default(""),
		field.String("external_organization_id").Default(""),
		// organization_unmapped: the alert's organization has no mapping and
		// its client is unknown; it waits for an admin to map and reprocess.
		field.Bool("organization_unmapped").Default(false),
		field.Enum("status").Values("active", "acknowledged", "resolved", "suppressed").Default("active"),
		field.Time("triggered_at").Optional().Nillable(),
		field.Time("acknowledged_at").Optional().Nillable(),
		field.Time("resolved_at").Optional().Nillable(),
		field.String("acknowledged_by").Default(""),
		// last_event_at is the newest event time applied; older events are ignored.
		field.Time("last_event_at"),
		field.String("dedup_key").MaxLen(500),
		field.Int("occurrence_count").Default(1),
		field.Time("last_occurrence_at").Optional().Nillable(),
		field.Int("matched_rule_id").Optional().Nillable(),
		field.Bool("auto_ticket_created").Default(false),
		field.Int("suppressed_by_window_id").Optional().Nillable(),
		field.Int("ticket_id").Optional().Nillable(),
		// ticket_error is why the ticket could not be created; retried later.
		field.String("ticket_error").Default(""),
		// metadata decodes numbers exactly: an RMM may send any JSON number.
		field.JSON("metadata", metadata.Map{}).Optional(),
		field.JSON("decision_trace", []map[string]any{}).Optional(),
	}
}

func (Alert) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("integration", Integration.Type).Field("integration_id").Unique().Required(),
		edge.To("asset", Asset.Type).Field("asset_id").Unique(),
		edge.To("client", Customer.Type).Field("client_id").Unique(),
		edge.To("matched_rule", AlertRule.Type).Field("matched_rule_id").Unique(),
		edge.To("suppressed_by_window", MaintenanceWindow.Type).Field("suppressed_by_window_id").Unique(),
		edge.To("ticket", Ticket.Type).Field("ticket_id").Unique(),
	}
}

func (Alert) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "integration_id", "external_alert_id").Unique(),
		// A reset asks whether another alert of the ticket is still live:
		// the ticket of a storm has thousands of alerts, few of them live.
		index.Fields("tenant_id", "ticket_id", "status"),
		// Lists: newest event first, keyset on (last_event_at, id), one
		// index for each filter the API offers, so a page reads its rows
		// and no more (graph.alertPage).
		index.Fields("tenant_id", "last_event_at", "id"),
		index.Fields("tenant_id", "status", "last_event_at", "id"),
		index.Fields("tenant_id", "severity", "last_event_at", "id"),
		// An integration is a tenant's own: this index leads with it, not
		// with tenant_id, so that an event's lookup by (tenant,
		// integration, external id) never finds its prefix as good a match
		// as its own unique index when the planner has no statistics to
		// tell them apart.
		index.Fields("integration_id", "last_event_at", "id"),
		index.Fields("tenant_id", "client_id", "last_event_at", "id"),
		index.Fields("tenant_id", "asset_id", "last_event_at", "id"),
		index.Fields("tenant_id", "ticket_id", "last_event_at", "id"),
		index.Fields("tenant_id", "organization_unmapped", "last_event_at", "id"),
		// unmappedOrganizations groups the unmapped alerts from this small
		// index alone (an index-only scan), not from the table.
		index.Fields("tenant_id", "integration_id", "external_organization_id", "last_event_at", "status", "ticket_id").
			StorageKey("alert_unmapped_organizations").
			Annotations(entsql.IndexWhere("organization_unmapped")),
	}
}
