package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// AlertCondition is one condition on one device (the dedup key its alerts
// share) and its current ticket: the row a firing reads, by unique index,
// to join the condition's open ticket, whatever the number of its alerts
// or of the tenant's open tickets. Kept in the event's transaction.
type AlertCondition struct{ ent.Schema }

func (AlertCondition) Mixin() []ent.Mixin { return tenantScoped() }

func (AlertCondition) Fields() []ent.Field {
	return []ent.Field{
		field.Int("integration_id"),
		field.String("dedup_key").MaxLen(500),
		// ticket_id is the ticket the condition's firings join while it is
		// open; a closed one is replaced by the next firing's ticket.
		field.Int("ticket_id").Optional().Nillable(),
		// head_alert_id is the alert that opened the ticket; its
		// occurrence_count is kept equal to the condition's.
		field.Int("head_alert_id"),
		// occurrence_count counts the firings since the ticket opened.
		field.Int("occurrence_count").Default(1),
		field.Time("first_occurrence_at"),
		field.Time("last_occurrence_at"),
		// A burst is the firings with less than the rule's quiet period
		// between them: its first few get a comment each (burst_comments
		// counts them), the rest one summary comment, rewritten as they come.
		field.Int("burst_comments").Default(0),
		field.Int("summary_comment_id").Optional().Nillable(),
		field.Int("summary_count").Default(0),
		field.Time("summary_since").Optional().Nillable(),
	}
}

func (AlertCondition) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("integration", Integration.Type).Field("integration_id").Unique().Required(),
		edge.To("ticket", Ticket.Type).Field("ticket_id").Unique(),
	}
}

func (AlertCondition) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "integration_id", "dedup_key").Unique(),
		index.Fields("tenant_id", "ticket_id"),
	}
}
