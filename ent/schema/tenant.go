package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
)

// Tenant is one MSP using alertdesk.
type Tenant struct{ ent.Schema }

func (Tenant) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200),
		field.String("slug").NotEmpty().MaxLen(100).Unique(),
		field.Time("created_at").Default(time.Now).Immutable(),
		// Advanced by database triggers whenever anything the alert
		// pipeline caches changes (rules, windows, boards, statuses,
		// priorities, users, clients, assets, devices, organization
		// mappings), so every replica can tell its cache is stale.
		field.Int64("config_version").Default(0),
	}
}
