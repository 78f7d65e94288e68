package schema

import (
	"time"

	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// EventSubscription is an outbound webhook of a tenant: workflow events of
// the listed types are posted to url, signed with secret.
type EventSubscription struct{ ent.Schema }

func (EventSubscription) Mixin() []ent.Mixin { return tenantScoped() }

func (EventSubscription) Fields() []ent.Field {
	return []ent.Field{
		field.String("url").NotEmpty().MaxLen(2000),
		// secret is the HMAC key in clear as rows before sealing held it;
		// startup moves such a key into secret_sealed and empties this.
		field.String("secret").Sensitive(),
		// secret_sealed is the HMAC key sealed with the secrets box, bound
		// to the tenant; opened to sign.
		field.Bytes("secret_sealed").Optional().Sensitive(),
		field.JSON("event_types", []string{}),
		field.String("description").Default("").MaxLen(500),
		field.Bool("is_active").Default(true),
		field.Time("updated_at").Default(time.Now).UpdateDefault(time.Now),
	}
}

func (EventSubscription) Edges() []ent.Edge {
	return []ent.Edge{edge.From("deliveries", EventDelivery.Type).Ref("subscription")}
}

func (EventSubscription) Indexes() []ent.Index {
	return []ent.Index{index.Fields("tenant_id", "is_active")}
}

// EventDelivery is one attempt to post a workflow event to a subscription:
// the delivery log.
type EventDelivery struct{ ent.Schema }

func (EventDelivery) Mixin() []ent.Mixin { return tenantScoped() }

func (EventDelivery) Fields() []ent.Field {
	return []ent.Field{
		field.Int("subscription_id"),
		// outbox_entry_id is the event; with subscription_id it identifies
		// the delivery across its attempts.
		field.Int("outbox_entry_id"),
		field.String("delivery_id").NotEmpty().MaxLen(100),
		field.String("event_type").NotEmpty().MaxLen(100),
		field.Int("attempt"),
		// status_code is 0 when no answer came (network error, timeout).
		field.Int("status_code").Default(0),
		field.Bool("success").Default(false),
		// error says why it failed: the status or the network error, never
		// the receiver's answer (which would let an admin read whatever
		// the URL reached).
		field.String("error").Default("").MaxLen(1000),
		// response_bytes is the size of the receiver's answer body (counted
		// up to 64 KiB, the rest is not read).
		field.Int("response_bytes").Default(0),
		field.Int("duration_ms").Default(0),
	}
}

func (EventDelivery) Edges() []ent.Edge {
	return []ent.Edge{edge.To("subscription", EventSubscription.Type).Field("subscription_id").Unique().Required()}
}

func (EventDelivery) Indexes() []ent.Index {
	return []ent.Index{
		// The delivery log: newest first, keyset on id, all or failed only.
		index.Fields("tenant_id", "subscription_id", "id"),
		index.Fields("tenant_id", "subscription_id", "success", "id"),
		index.Fields("tenant_id", "outbox_entry_id", "subscription_id"),
	}
}
