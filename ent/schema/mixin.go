package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// TenantMixin puts tenant_id on a table. Every unique index and every query
// leads with it, so the schema can be distributed by tenant later.
type TenantMixin struct{ mixin.Schema }

func (TenantMixin) Fields() []ent.Field {
	return []ent.Field{field.Int("tenant_id").Immutable()}
}

func (TenantMixin) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("tenant", Tenant.Type).Field("tenant_id").Unique().Required().Immutable(),
	}
}

// TimeMixin records creation time.
type TimeMixin struct{ mixin.Schema }

func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{field.Time("created_at").Default(time.Now).Immutable()}
}

func tenantScoped() []ent.Mixin { return []ent.Mixin{TenantMixin{}, TimeMixin{}} }
