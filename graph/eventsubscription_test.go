package graph_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/outbox"
)

type subscriptionOut struct {
	ID          string
	URL         string
	Secret      string
	EventTypes  []string
	Description string
	Active      bool
}

const subscriptionFields = `id url secret eventTypes description active createdAt updatedAt`

func TestEventSubscriptions(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		// Invalid input names its fields and stores nothing.
		wantFields(t, e.Admin(`mutation { createEventSubscription(input: {url: "ftp://x", eventTypes: ["NOPE"], secret: "short"}) { id } }`, nil),
			"url", "eventTypes", "secret")

		var created struct{ CreateEventSubscription subscriptionOut }
		e.Admin(`mutation($in: CreateEventSubscriptionInput!) { createEventSubscription(input: $in) { `+subscriptionFields+` } }`,
			apptest.Vars("in", map[string]any{"url": "https://hooks.example.com/alertdesk", "eventTypes": []string{"rmm_alert_triggered"},
				"description": "n8n"})).Must(&created)
		sub := created.CreateEventSubscription
		if sub.URL != "https://hooks.example.com/alertdesk" || !strings.HasPrefix(sub.Secret, "whsec_") || len(sub.Secret) != len("whsec_")+44 || !sub.Active ||
			len(sub.EventTypes) != 1 || sub.EventTypes[0] != outbox.AlertTriggered || sub.Description != "n8n" {
			t.Errorf("created = %+v", sub)
		}

		var updated struct{ UpdateEventSubscription subscriptionOut }
		e.Admin(`mutation($id: ID!) { updateEventSubscription(id: $id, input: {active: false, eventTypes: ["RMM_ALERT_TRIGGERED", "RMM_ALERT_RESOLVED"]}) { `+subscriptionFields+` } }`,
			apptest.Vars("id", sub.ID)).Must(&updated)
		if u := updated.UpdateEventSubscription; u.Active || len(u.EventTypes) != 2 || u.Secret != sub.Secret {
			t.Errorf("updated = %+v", u)
		}
		wantFields(t, e.Admin(`mutation($id: ID!) { updateEventSubscription(id: $id, input: {url: "nope"}) { id } }`, apptest.Vars("id", sub.ID)), "url")

		var list struct{ EventSubscriptions []subscriptionOut }
		e.Admin(`{ eventSubscriptions { `+subscriptionFields+` } }`, nil).Must(&list)
		if len(list.EventSubscriptions) != 1 || list.EventSubscriptions[0].ID != sub.ID {
			t.Errorf("list = %+v", list.EventSubscriptions)
		}

		// The delivery log, newest first, optionally failures only.
		id, err := strconv.Atoi(sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, ok := range []bool{false, true} {
			c := e.DB.EventDelivery.Create().SetTenantID(e.Demo.TenantID).SetSubscriptionID(id).SetOutboxEntryID(1).
				SetDeliveryID("d-1").SetEventType(outbox.AlertTriggered).SetAttempt(i + 1).SetSuccess(ok).SetDurationMs(12)
			if ok {
				c.SetStatusCode(204)
			} else {
				c.SetError("connection refused")
			}
			c.ExecX(e.Ctx)
		}
		type deliveryOut struct {
			ID, DeliveryID, EventType, Error string
			Attempt, StatusCode, DurationMs  int
			Success                          bool
		}
		var log struct{ EventDeliveries []deliveryOut }
		const deliveries = `query($id: ID!, $failed: Boolean, $first: Int) {
		  eventDeliveries(subscriptionId: $id, failedOnly: $failed, first: $first) {
		    id deliveryId eventType attempt statusCode success error durationMs createdAt
		  }
		}`
		e.Admin(deliveries, apptest.Vars("id", sub.ID)).Must(&log)
		if d := log.EventDeliveries; len(d) != 2 || d[0].Attempt != 2 || !d[0].Success || d[0].StatusCode != 204 ||
			d[1].Success || d[1].Error != "connection refused" || d[1].DeliveryID != "d-1" || d[1].DurationMs != 12 {
			t.Errorf("deliveries = %+v", d)
		}
		e.Admin(deliveries, apptest.Vars("id", sub.ID, "failed", true)).Must(&log)
		if d := log.EventDeliveries; len(d) != 1 || d[0].Success {
			t.Errorf("failed deliveries = %+v", d)
		}
		e.Admin(deliveries, apptest.Vars("id", sub.ID, "first", 1)).Must(&log)
		if d := log.EventDeliveries; len(d) != 1 || d[0].Attempt != 2 {
			t.Errorf("first page = %+v", d)
		}
		wantFields(t, e.Admin(deliveries, apptest.Vars("id", sub.ID, "first", 0)), "first")
		e.Admin(deliveries, apptest.Vars("id", "999999")).WantCode("NOT_FOUND")

		// Delete takes the log with it.
		var deleted struct{ DeleteEventSubscription string }
		e.Admin(`mutation($id: ID!) { deleteEventSubscription(id: $id) }`, apptest.Vars("id", sub.ID)).Must(&deleted)
		if deleted.DeleteEventSubscription != sub.ID {
			t.Errorf("deleted %q", deleted.DeleteEventSubscription)
		}
		e.Admin(`{ eventSubscriptions { id } }`, nil).Must(&list)
		if len(list.EventSubscriptions) != 0 || e.DB.EventDelivery.Query().CountX(e.Ctx) != 0 {
			t.Errorf("after delete: %+v", list.EventSubscriptions)
		}
		e.Admin(`mutation($id: ID!) { deleteEventSubscription(id: $id) }`, apptest.Vars("id", sub.ID)).WantCode("NOT_FOUND")
	})
}

// Another tenant's admin cannot see or touch a subscription: NOT_FOUND,
// exactly as for an id that exists nowhere.
func TestEventSubscriptionsAcrossTenants(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		var created struct{ CreateEventSubscription subscriptionOut }
		e.Admin(`mutation { createEventSubscription(input: {url: "https://hooks.example.com/a", eventTypes: ["RMM_ALERT_RESOLVED"]}) { id } }`, nil).Must(&created)
		id := created.CreateEventSubscription.ID
		other := e.OtherTenant("other-tenant-secret-0123456789")
		otherAdmin, _ := e.NewToken(e.DB.Integration.GetX(e.Ctx, other.ID).TenantID, "admin@other.test", user.RoleAdmin)

		before := snapshot(t, e)
		vars := apptest.Vars("id", id)
		e.GraphQL(otherAdmin, `mutation($id: ID!) { updateEventSubscription(id: $id, input: {active: false}) { id } }`, vars).WantCode("NOT_FOUND")
		e.GraphQL(otherAdmin, `mutation($id: ID!) { deleteEventSubscription(id: $id) }`, vars).WantCode("NOT_FOUND")
		e.GraphQL(otherAdmin, `query($id: ID!) { eventDeliveries(subscriptionId: $id) { id } }`, vars).WantCode("NOT_FOUND")
		var list struct{ EventSubscriptions []subscriptionOut }
		e.GraphQL(otherAdmin, `{ eventSubscriptions { id } }`, nil).Must(&list)
		if len(list.EventSubscriptions) != 0 {
			t.Errorf("other tenant sees %+v", list.EventSubscriptions)
		}
		if after := snapshot(t, e); after != before {
			t.Errorf("cross-tenant calls changed data:\nbefore %s\nafter  %s", before, after)
		}
	})
}
