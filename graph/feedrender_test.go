package graph_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/feed"
	"github.com/alertdesk/alertdesk/graph"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
)

const (
	feedRowQuery = `subscription { alertEvents { type at alert { id status occurrenceCount
		integration { id name } ticket { id number status { name } } } } }`
	feedIDQuery     = `subscription { alertEvents { alert { id } } }`
	feedSecretQuery = `subscription { alertEvents { alert { id integration { name webhookSecret } } } }`
)

// nextPayload is a subscriber's next message's payload as sent.
func nextPayload(t *testing.T, name string, s *apptest.Subscription) string {
	t.Helper()
	typ, payload, ok := s.Next(2 * time.Second)
	if !ok || typ != "next" {
		t.Fatalf("%s: got %s %s (ok %v, connection err %v)", name, typ, payload, ok, s.Err)
	}
	return string(payload)
}

// Subscribers with the same operation and the same visibility (tenant and
// role) share one execution per message and receive the same bytes;
// another operation, role or tenant gets its own, and a response with
// errors is not shared.
func TestAlertEventsSharedRender(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			rdb := apptest.Redis(t)
			e := apptest.NewWith(t, d, apptest.Options{Redis: rdb})
			tenant, integ := e.Demo.TenantID, e.Integration(ninja).ID
			admin2, _ := e.NewToken(tenant, "admin2@demo.test", user.RoleAdmin)
			tech1, _ := e.NewToken(tenant, "tech1@demo.test", user.RoleTechnician)
			tech2, _ := e.NewToken(tenant, "tech2@demo.test", user.RoleTechnician)
			other := e.OtherTenant("other-secret")
			otherTenant := e.DB.Integration.GetX(e.Ctx, other.ID).TenantID
			otherAdmin, _ := e.NewToken(otherTenant, "b@other.test", user.RoleAdmin)

			subs := map[string]*apptest.Subscription{}
			for name, s := range map[string]struct{ token, query string }{
				"admin row":        {e.Demo.AdminToken, feedRowQuery},
				"admin2 row":       {admin2, feedRowQuery},
				"tech1 row":        {tech1, feedRowQuery},
				"tech2 row":        {tech2, feedRowQuery},
				"admin id":         {e.Demo.AdminToken, feedIDQuery},
				"admin secret":     {e.Demo.AdminToken, feedSecretQuery},
				"tech1 secret":     {tech1, feedSecretQuery},
				"tech2 secret":     {tech2, feedSecretQuery},
				"other tenant row": {otherAdmin, feedRowQuery},
			} {
				subs[name], _ = e.Subscribe(bearer(s.token), s.query, nil)
			}
			waitSubscribed(t, rdb, feed.Channel(tenant), 8)
			waitSubscribed(t, rdb, feed.Channel(otherTenant), 1)

			before := graph.FeedRenders(tenant)
			r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
			m := feed.Message{Type: feed.Triggered, TenantID: tenant, AlertID: r.AlertID, IntegrationID: integ,
				TicketID: r.TicketID, At: time.Now().UTC().Format(time.RFC3339Nano)}
			if err := feed.Publish(t.Context(), rdb, m); err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for name, s := range subs {
				if name != "other tenant row" {
					got[name] = nextPayload(t, name, s)
				}
			}
			// The same message forged onto the other tenant's channel: its
			// subscriber's key differs by tenant, and the alert is not theirs.
			forged := m
			forged.TenantID = otherTenant
			if err := feed.Publish(t.Context(), rdb, forged); err != nil {
				t.Fatal(err)
			}
			expectNothing(t, subs["other tenant row"], 300*time.Millisecond)

			if got["admin row"] != got["admin2 row"] || got["tech1 row"] != got["tech2 row"] || got["admin row"] != got["tech1 row"] {
				t.Errorf("row payloads differ:\n%s\n%s\n%s\n%s", got["admin row"], got["admin2 row"], got["tech1 row"], got["tech2 row"])
			}
			var row struct {
				Data   alertEvent
				Errors []any
			}
			if err := json.Unmarshal([]byte(got["admin row"]), &row); err != nil || len(row.Errors) > 0 ||
				row.Data.AlertEvents.Alert.ID != apptest.ID(r.AlertID) || row.Data.AlertEvents.Alert.Ticket == nil {
				t.Errorf("row payload %s: %v", got["admin row"], err)
			}
			if want := fmt.Sprintf(`{"data":{"alertEvents":{"alert":{"id":"%s"}}}}`, apptest.ID(r.AlertID)); got["admin id"] != want {
				t.Errorf("id payload %s, want %s", got["admin id"], want)
			}
			var adminSecret struct {
				Data struct {
					AlertEvents struct {
						Alert struct {
							Integration struct{ WebhookSecret *string }
						}
					}
				}
				Errors []any
			}
			if err := json.Unmarshal([]byte(got["admin secret"]), &adminSecret); err != nil || len(adminSecret.Errors) > 0 ||
				adminSecret.Data.AlertEvents.Alert.Integration.WebhookSecret == nil || *adminSecret.Data.AlertEvents.Alert.Integration.WebhookSecret == "" {
				t.Errorf("admin's secret payload %s: %v", got["admin secret"], err)
			}
			for _, name := range []string{"tech1 secret", "tech2 secret"} {
				if !strings.Contains(got[name], `"webhookSecret":null`) || !strings.Contains(got[name], "FORBIDDEN") {
					t.Errorf("%s: %s", name, got[name])
				}
			}

			// Executions: admin row, technician row, id, admin secret, and
			// each technician's secret (errors are not shared).
			if n := graph.FeedRenders(tenant) - before; n != 6 {
				t.Errorf("%d executions for 8 subscribers, want 6", n)
			}
			if n := graph.FeedRenders(otherTenant); n != 0 {
				t.Errorf("%d executions for the other tenant's forged message, want 0", n)
			}
		})
	}
}

// Many subscribers of one operation, several messages at once: every
// subscriber receives every message with its own alert, in one execution
// per message. Run with -race.
func TestAlertEventsSharedRenderConcurrent(t *testing.T) {
	const n, messages = 40, 3
	rdb := apptest.Redis(t)
	e := apptest.NewWith(t, "postgres", apptest.Options{Redis: rdb})
	tenant, integ := e.Demo.TenantID, e.Integration(ninja).ID
	subs := make([]*apptest.Subscription, n)
	for i := range subs {
		subs[i], _ = e.Subscribe(bearer(e.Demo.AdminToken), feedIDQuery, nil)
	}
	waitSubscribed(t, rdb, feed.Channel(tenant), n)

	before := graph.FeedRenders(tenant)
	r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
	want := map[string]bool{}
	for i := range messages {
		// One alert, three changes: three messages, three keys.
		err := feed.Publish(t.Context(), rdb, feed.Message{Type: feed.Occurrence, TenantID: tenant, AlertID: r.AlertID,
			IntegrationID: integ, At: time.Now().UTC().Add(time.Duration(i) * time.Millisecond).Format(time.RFC3339Nano)})
		if err != nil {
			t.Fatal(err)
		}
		want[fmt.Sprintf(`{"data":{"alertEvents":{"alert":{"id":"%s"}}}}`, apptest.ID(r.AlertID))] = true
	}
	var wg sync.WaitGroup
	for i, s := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range messages {
				typ, payload, ok := s.Next(5 * time.Second)
				if !ok || typ != "next" || !want[string(payload)] {
					t.Errorf("subscriber %d: %s %s (ok %v)", i, typ, payload, ok)
					return
				}
			}
		}()
	}
	wg.Wait()
	if got := graph.FeedRenders(tenant) - before; got != messages {
		t.Errorf("%d executions for %d messages to %d subscribers, want %d", got, messages, n, messages)
	}
}
