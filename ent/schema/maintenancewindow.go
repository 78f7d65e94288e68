package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/alertdesk/alertdesk/maintenance"
)

// MaintenanceWindow holds back ticketing for matching alerts while active.
// A null scope means "all".
type MaintenanceWindow struct{ ent.Schema }

func (MaintenanceWindow) Mixin() []ent.Mixin { return tenantScoped() }

func (MaintenanceWindow) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200),
		field.Bool("is_active").Default(true),
		field.Int("integration_id").Optional().Nillable(),
		field.Int("client_id").Optional().Nillable(),
		field.Int("asset_id").Optional().Nillable(),
		field.Time("starts_at").Optional().Nillable(),
		field.Time("ends_at").Optional().Nillable(),
		field.JSON("recurrence", &maintenance.Recurrence{}).Optional(),
	}
}

func (MaintenanceWindow) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("integration", Integration.Type).Field("integration_id").Unique(),
		edge.To("client", Customer.Type).Field("client_id").Unique(),
		edge.To("asset", Asset.Type).Field("asset_id").Unique(),
	}
}

func (MaintenanceWindow) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "is_active")}
}
