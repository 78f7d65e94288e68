package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// User is a person at the MSP: an admin or a technician.
type User struct{ ent.Schema }

func (User) Mixin() []ent.Mixin { return tenantScoped() }

func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("email").NotEmpty().MaxLen(320),
		field.String("name").Default("").MaxLen(200),
		field.Enum("role").Values("admin", "technician").Default("technician"),
		// category -> channel -> enabled; a missing entry means enabled.
		field.JSON("notification_preferences", map[string]map[string]bool{}).Optional(),
		// An argon2id PHC string; empty until the user sets a password
		// (an invited user who has not accepted yet).
		field.String("password_hash").Default("").Sensitive(),
		// A deactivated user signs in no more; its tokens and sessions
		// stop authenticating. Users are deactivated, never deleted.
		field.Time("deactivated_at").Optional().Nillable(),
	}
}

func (User) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "email").Unique()}
}
