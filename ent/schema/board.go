package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Board is a queue of tickets with its own statuses.
type Board struct{ ent.Schema }

func (Board) Mixin() []ent.Mixin { return tenantScoped() }

func (Board) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200),
		field.Bool("is_default").Default(false),
		// Retired boards keep their tickets but take no new ones.
		field.Time("retired_at").Optional().Nillable(),
	}
}

func (Board) Edges() []ent.Edge {
	return []ent.Edge{edge.From("statuses", TicketStatus.Type).Ref("board")}
}

func (Board) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "name")}
}

// TicketStatus is one step of a board's workflow.
type TicketStatus struct{ ent.Schema }

func (TicketStatus) Mixin() []ent.Mixin { return tenantScoped() }

func (TicketStatus) Fields() []ent.Field {
	return []ent.Field{
		field.Int("board_id"),
		field.String("name").NotEmpty().MaxLen(100),
		field.Int("sort_order").Default(0),
		field.Bool("is_closed").Default(false),
		field.Bool("is_default").Default(false),
		// Retired statuses keep their tickets but are chosen no more.
		field.Time("retired_at").Optional().Nillable(),
	}
}

func (TicketStatus) Edges() []ent.Edge {
	return []ent.Edge{edge.To("board", Board.Type).Field("board_id").Unique().Required()}
}

func (TicketStatus) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "board_id", "sort_order")}
}

// Priority is a named, ordered ticket priority (lower order = more urgent).
type Priority struct{ ent.Schema }

func (Priority) Mixin() []ent.Mixin { return tenantScoped() }

func (Priority) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(100),
		field.Int("sort_order").Default(0),
		// Retired priorities keep their tickets but are chosen no more.
		field.Time("retired_at").Optional().Nillable(),
	}
}

func (Priority) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "sort_order")}
}
