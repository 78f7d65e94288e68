package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Customer is a client of the MSP. (ent reserves the name "Client"; the
// table and every field that points here say client.)
type Customer struct{ ent.Schema }

func (Customer) Annotations() []schema.Annotation {
	return []schema.Annotation{entsql.Annotation{Table: "clients"}}
}

func (Customer) Mixin() []ent.Mixin { return tenantScoped() }

func (Customer) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200),
		// Retired clients keep their tickets and alerts but leave pickers.
		field.Time("retired_at").Optional().Nillable(),
	}
}

func (Customer) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "name")}
}
