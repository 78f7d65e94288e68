package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// TicketCounter holds a tenant's last ticket number. It is advanced in a
// short statement of its own, so ticket creation in one tenant is not
// serialized for the length of the pipeline's transaction.
type TicketCounter struct{ ent.Schema }

func (TicketCounter) Mixin() []ent.Mixin { return tenantScoped() }

func (TicketCounter) Fields() []ent.Field {
	return []ent.Field{field.Int("last_number").Default(0)}
}

func (TicketCounter) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id").Unique()}
}
