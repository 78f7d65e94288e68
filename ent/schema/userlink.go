package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// UserLink is a one-time link sent by email: an invitation (sets the first
// password) or a password reset. Only its token's hash is stored.
type UserLink struct{ ent.Schema }

func (UserLink) Mixin() []ent.Mixin { return tenantScoped() }

func (UserLink) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.Enum("kind").Values("invite", "reset"),
		field.String("token_hash").NotEmpty().Sensitive(),
		field.Time("expires_at"),
		field.Time("used_at").Optional().Nillable(),
	}
}

func (UserLink) Edges() []ent.Edge {
	return []ent.Edge{edge.To("user", User.Type).Field("user_id").Unique().Required()}
}

func (UserLink) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("token_hash").Unique(),
		index.Fields("tenant_id", "user_id"),
	}
}
