package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// TicketCounter holds a tenant's last ticket number on SQLite, advanced
// inside the transaction (SQLite runs writers one at a time). PostgreSQL
// numbers tickets from a sequence per tenant (store.NextTicketNumber);
// counter rows written there by earlier versions only seed the sequences.
type TicketCounter struct{ ent.Schema }

func (TicketCounter) Mixin() []ent.Mixin { return tenantScoped() }

func (TicketCounter) Fields() []ent.Field {
	return []ent.Field{field.Int("last_number").Default(0)}
}

func (TicketCounter) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id").Unique()}
}
