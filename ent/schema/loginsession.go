package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// LoginSession is a browser's sign-in: the cookie's token, stored hashed,
// valid until it expires or is ended (sign-out, deactivation).
type LoginSession struct{ ent.Schema }

func (LoginSession) Mixin() []ent.Mixin { return tenantScoped() }

func (LoginSession) Fields() []ent.Field {
	return []ent.Field{
		field.Int("user_id"),
		field.String("token_hash").NotEmpty().Sensitive(),
		field.Time("expires_at"),
		field.Time("ended_at").Optional().Nillable(),
		// How the user signed in: "password" or "oidc".
		field.String("method").Default("password").MaxLen(20),
	}
}

func (LoginSession) Edges() []ent.Edge {
	return []ent.Edge{edge.To("user", User.Type).Field("user_id").Unique().Required()}
}

func (LoginSession) Indexes() []ent.Index {
	return []ent.Index{
		// Lookup by hash happens before the tenant is known.
		index.Fields("token_hash").Unique(),
		index.Fields("tenant_id", "user_id"),
	}
}
