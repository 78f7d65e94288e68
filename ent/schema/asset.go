package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Asset is a device the MSP manages for a client.
type Asset struct{ ent.Schema }

func (Asset) Mixin() []ent.Mixin { return tenantScoped() }

func (Asset) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200),
		field.Int("client_id").Optional().Nillable(),
		// Retired assets keep their tickets and alerts but leave pickers.
		field.Time("retired_at").Optional().Nillable(),
		// What the RMM inventory says of the device (empty or null when the
		// asset was made by hand): server, workstation…; the operating
		// system; online state and last contact as of the last sync.
		field.String("kind").Default("").MaxLen(100),
		field.String("os").Default("").MaxLen(200),
		field.Bool("online").Optional().Nillable(),
		field.Time("last_contact_at").Optional().Nillable(),
		// Set when an inventory sync retired the asset because its device
		// left the RMM: a device that comes back restores it (an asset
		// retired by hand stays retired).
		field.Time("rmm_gone_at").Optional().Nillable(),
	}
}

func (Asset) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("client", Customer.Type).Field("client_id").Unique(),
		edge.From("devices", AssetDevice.Type).Ref("asset"),
	}
}

func (Asset) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "name")}
}

// AssetDevice maps an asset to its device in one RMM integration.
type AssetDevice struct{ ent.Schema }

func (AssetDevice) Mixin() []ent.Mixin { return tenantScoped() }

func (AssetDevice) Fields() []ent.Field {
	return []ent.Field{
		field.Int("asset_id"),
		field.Int("integration_id"),
		field.String("external_device_id").NotEmpty().MaxLen(200),
	}
}

func (AssetDevice) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("asset", Asset.Type).Field("asset_id").Unique().Required(),
		edge.To("integration", Integration.Type).Field("integration_id").Unique().Required(),
	}
}

func (AssetDevice) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("tenant_id", "integration_id", "external_device_id").Unique(),
		index.Fields("tenant_id", "asset_id", "integration_id").Unique(),
	}
}
