package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/alertdesk/alertdesk/rule"
)

// AlertRule routes an integration's alerts: first active match by priority_order wins.
type AlertRule struct{ ent.Schema }

func (AlertRule) Mixin() []ent.Mixin { return tenantScoped() }

func (AlertRule) Fields() []ent.Field {
	return []ent.Field{
		field.Int("integration_id"),
		field.String("name").NotEmpty().MaxLen(200),
		field.Text("description").Default(""),
		field.Bool("is_active").Default(true),
		field.Int("priority_order").Default(0),
		field.JSON("conditions", rule.Conditions{}),
		field.JSON("actions", rule.Actions{}),
		field.Time("updated_at").Default(time.Now).UpdateDefault(time.Now),
	}
}

func (AlertRule) Edges() []ent.Edge {
	return []ent.Edge{edge.To("integration", Integration.Type).Field("integration_id").Unique().Required()}
}

func (AlertRule) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "integration_id", "priority_order")}
}
