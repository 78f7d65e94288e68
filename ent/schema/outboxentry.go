package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// OutboxEntry is a side effect written in the same transaction as the state
// change that caused it, delivered later by the relay.
type OutboxEntry struct{ ent.Schema }

func (OutboxEntry) Mixin() []ent.Mixin { return tenantScoped() }

func (OutboxEntry) Fields() []ent.Field {
	return []ent.Field{
		field.String("topic").NotEmpty(),
		field.JSON("payload", map[string]any{}),
		field.Time("available_at").Default(time.Now),
		field.Int("attempts").Default(0),
		field.String("last_error").Default(""),
		field.Time("delivered_at").Optional().Nillable(),
	}
}

func (OutboxEntry) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "topic"),
		// The relay claims undelivered entries across tenants in id order,
		// and its lag gauges count them: a walk of the few undelivered
		// entries, however many delivered ones the table keeps. Without
		// available_at in an index, the claim's lease moves a row in place.
		index.Fields("id").StorageKey("outboxentry_undelivered").
			Annotations(entsql.IndexWhere("delivered_at IS NULL")),
	}
}
