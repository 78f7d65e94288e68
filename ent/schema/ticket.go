package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Ticket is a unit of work in the ticket desk.
type Ticket struct{ ent.Schema }

func (Ticket) Mixin() []ent.Mixin { return tenantScoped() }

func (Ticket) Fields() []ent.Field {
	return []ent.Field{
		field.Int("number"),
		field.String("title").NotEmpty().MaxLen(500),
		field.Text("description").Default(""),
		field.Int("client_id").Optional().Nillable(),
		field.Int("asset_id").Optional().Nillable(),
		field.Int("board_id"),
		field.Int("status_id"),
		field.Int("priority_id").Optional().Nillable(),
		field.Int("assignee_id").Optional().Nillable(),
		// source is the provider that raised the ticket ("" for manual tickets).
		field.String("source").Default(""),
		field.String("source_reference").Default(""),
		field.Time("updated_at").Default(time.Now).UpdateDefault(time.Now),
		field.Time("closed_at").Optional().Nillable(),
		// touched_at is when a person last worked the ticket (a human
		// comment, a time entry, a manual status change): only untouched
		// tickets close themselves when their alerts clear.
		field.Time("touched_at").Optional().Nillable(),
		// idempotency_key is createTicket's: a retried call with the same
		// key gets the ticket back instead of a second one.
		field.String("idempotency_key").Optional().Nillable().MaxLen(200),
	}
}

func (Ticket) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("client", Customer.Type).Field("client_id").Unique(),
		edge.To("asset", Asset.Type).Field("asset_id").Unique(),
		edge.To("board", Board.Type).Field("board_id").Unique().Required(),
		edge.To("status", TicketStatus.Type).Field("status_id").Unique().Required(),
		edge.To("priority", Priority.Type).Field("priority_id").Unique(),
		edge.To("assignee", User.Type).Field("assignee_id").Unique(),
		edge.From("comments", Comment.Type).Ref("ticket"),
		edge.From("time_entries", TimeEntry.Type).Ref("ticket"),
		edge.From("status_changes", StatusChange.Type).Ref("ticket"),
		edge.From("alerts", Alert.Type).Ref("ticket"),
	}
}

func (Ticket) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "number").Unique(),
		index.Fields("tenant_id", "idempotency_key").Unique(),
		index.Fields("tenant_id", "closed_at"),
		// Lists: newest first (id), keyset, for the selective filters.
		index.Fields("tenant_id", "id").StorageKey("ticket_tenant_id_id_open").
			Annotations(entsql.IndexWhere("closed_at IS NULL")),
		index.Fields("tenant_id", "id"),
		index.Fields("tenant_id", "assignee_id", "id"),
		index.Fields("tenant_id", "client_id", "id"),
		index.Fields("tenant_id", "asset_id", "id"),
		index.Fields("tenant_id", "status_id", "id"),
	}
}

// Comment is a note on a ticket, written by a person or by the system.
type Comment struct{ ent.Schema }

func (Comment) Mixin() []ent.Mixin { return tenantScoped() }

func (Comment) Fields() []ent.Field {
	return []ent.Field{
		field.Int("ticket_id"),
		field.Text("body").NotEmpty(),
		field.Bool("internal").Default(true),
		field.Enum("author_kind").Values("human", "system"),
		field.Int("author_id").Optional().Nillable(),
	}
}

func (Comment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("ticket", Ticket.Type).Field("ticket_id").Unique().Required(),
		edge.To("author", User.Type).Field("author_id").Unique(),
	}
}

func (Comment) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "ticket_id")}
}

// TimeEntry is time a person logged on a ticket.
type TimeEntry struct{ ent.Schema }

func (TimeEntry) Mixin() []ent.Mixin { return tenantScoped() }

func (TimeEntry) Fields() []ent.Field {
	return []ent.Field{
		field.Int("ticket_id"),
		field.Int("user_id").Optional().Nillable(),
		field.Int("minutes").Positive(),
		field.Text("note").Default(""),
	}
}

func (TimeEntry) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("ticket", Ticket.Type).Field("ticket_id").Unique().Required(),
		edge.To("user", User.Type).Field("user_id").Unique(),
	}
}

func (TimeEntry) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "ticket_id")}
}

// StatusChange records a ticket moving between statuses and who moved it.
type StatusChange struct{ ent.Schema }

func (StatusChange) Mixin() []ent.Mixin { return tenantScoped() }

func (StatusChange) Fields() []ent.Field {
	return []ent.Field{
		field.Int("ticket_id"),
		field.Int("from_status_id").Optional().Nillable(),
		field.Int("to_status_id"),
		field.Enum("actor_kind").Values("human", "automation"),
		field.Int("actor_id").Optional().Nillable(),
	}
}

func (StatusChange) Edges() []ent.Edge {
	return []ent.Edge{edge.To("ticket", Ticket.Type).Field("ticket_id").Unique().Required()}
}

func (StatusChange) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "ticket_id")}
}
