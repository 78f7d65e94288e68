package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// APIToken is a bearer token bound to a user; only its hash is stored.
type APIToken struct{ ent.Schema }

func (APIToken) Mixin() []ent.Mixin { return tenantScoped() }

func (APIToken) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.String("name").Default("").MaxLen(200),
		field.String("token_hash").NotEmpty().Sensitive(),
		field.Time("last_used_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

func (APIToken) Edges() []ent.Edge {
	return []ent.Edge{edge.To("user", User.Type).Field("user_id").Unique().Required()}
}

func (APIToken) Indexes() []ent.Index {
	return []ent.Index{
		// Lookup by hash happens before the tenant is known.
		index.Fields("token_hash").Unique(),
		index.Fields("tenant_id", "user_id"),
	}
}
