package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Notification is an in-app message for one user.
type Notification struct{ ent.Schema }

func (Notification) Mixin() []ent.Mixin { return tenantScoped() }

func (Notification) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.String("category").NotEmpty(),
		field.String("title").NotEmpty().MaxLen(500),
		field.Text("body").Default(""),
		field.String("link").Default(""),
		field.Int("ticket_id").Optional().Nillable(),
		field.Int("alert_id").Optional().Nillable(),
		field.Time("read_at").Optional().Nillable(),
		// dedup_key makes a re-delivered request create no second row
		// (e.g. "outbox:<entry id>"); null for notifications without one.
		field.String("dedup_key").Optional().Nillable().MaxLen(200),
	}
}

func (Notification) Edges() []ent.Edge {
	return []ent.Edge{edge.To("user", User.Type).Field("user_id").Unique().Required()}
}

func (Notification) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "user_id", "read_at"),
		// The list: newest first, keyset on id; all or unread only.
		index.Fields("tenant_id", "user_id", "id"),
		index.Fields("tenant_id", "user_id", "id").StorageKey("notification_tenant_id_user_id_id_unread").
			Annotations(entsql.IndexWhere("read_at IS NULL")),
		index.Fields("tenant_id", "user_id", "dedup_key").Unique(),
	}
}
