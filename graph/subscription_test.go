package graph_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/feed"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
)

const alertEventsQuery = `subscription($i: ID) { alertEvents(integrationId: $i) {
	type at alert { id status ticket { id number } integration { name } matchedRule { name } } } }`

type alertEvent struct {
	AlertEvents struct {
		Type  string
		At    *string
		Alert struct {
			ID          string
			Status      string
			Ticket      *struct{ ID string }
			Integration struct{ Name string }
			MatchedRule *struct{ Name string }
		}
	}
}

func bearer(token string) map[string]any { return map[string]any{"authorization": "Bearer " + token} }

// waitSubscribed waits until n clients listen on the channel, so that a
// message published next is not missed.
func waitSubscribed(t *testing.T, rdb redis.UniversalClient, channel string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if listening(t, rdb, channel) >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("nobody subscribed to %s", channel)
}

// listening counts a channel's subscribers: a tenant's feed subscribers
// share one Redis subscription per process, so the process counts them;
// Redis counts the others.
func listening(t *testing.T, rdb redis.UniversalClient, channel string) int {
	t.Helper()
	if id, ok := strings.CutPrefix(channel, "alertdesk:feed:"); ok {
		tenant, err := strconv.Atoi(id)
		if err != nil {
			t.Fatal(err)
		}
		return feed.Listeners(tenant)
	}
	counts, err := rdb.PubSubNumSub(t.Context(), channel).Result()
	if err != nil {
		t.Fatal(err)
	}
	return int(counts[channel])
}

// relay publishes what the outbox relay would for a webhook's alert.
func relay(t *testing.T, rdb redis.UniversalClient, typ string, tenantID, integrationID int, r apptest.Response) {
	t.Helper()
	err := feed.Publish(t.Context(), rdb, feed.Message{Type: typ, TenantID: tenantID, AlertID: r.AlertID,
		IntegrationID: integrationID, TicketID: r.TicketID, At: time.Now().UTC().Format(time.RFC3339Nano)})
	if err != nil {
		t.Fatal(err)
	}
}

func nextEvent(t *testing.T, s *apptest.Subscription, within time.Duration) alertEvent {
	t.Helper()
	typ, payload, ok := s.Next(within)
	if !ok {
		t.Fatalf("no subscription message within %s (connection err %v)", within, s.Err)
	}
	if typ != "next" {
		t.Fatalf("subscription sent %s %s", typ, payload)
	}
	var msg struct {
		Data   alertEvent
		Errors []any
	}
	if err := json.Unmarshal(payload, &msg); err != nil || len(msg.Errors) > 0 {
		t.Fatalf("subscription payload %s: %v", payload, err)
	}
	return msg.Data
}

func expectNothing(t *testing.T, s *apptest.Subscription, within time.Duration) {
	t.Helper()
	if typ, payload, ok := s.Next(within); ok {
		t.Errorf("subscription got %s %s, want nothing", typ, payload)
	}
}

func TestAlertEventsSubscription(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			rdb := apptest.Redis(t)
			e := apptest.NewWith(t, d, apptest.Options{Redis: rdb})
			tenant, integ := e.Demo.TenantID, e.Integration(ninja).ID
			if tenant < 1_000_000 {
				t.Fatalf("tenant id %d: feed channels could collide with other tests", tenant)
			}
			all, _ := e.Subscribe(bearer(e.Demo.AdminToken), alertEventsQuery, nil)
			tactical, _ := e.Subscribe(map[string]any{"token": technician(e)}, alertEventsQuery,
				apptest.Vars("i", apptest.ID(e.Integration("tacticalrmm").ID)))
			waitSubscribed(t, rdb, feed.Channel(tenant), 2)

			r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
			relay(t, rdb, feed.Triggered, tenant, integ, r)
			ev := nextEvent(t, all, time.Second).AlertEvents
			if ev.Type != "TRIGGERED" || ev.At == nil || ev.Alert.ID != apptest.ID(r.AlertID) || ev.Alert.Status != "ACTIVE" ||
				ev.Alert.Ticket == nil || ev.Alert.Ticket.ID != apptest.ID(*r.TicketID) || ev.Alert.Integration.Name != "NinjaOne" ||
				ev.Alert.MatchedRule == nil {
				t.Errorf("event = %+v", ev)
			}

			// The alert is loaded fresh for each event.
			reset := e.PostFixture(ninja, "ninjaone-condition-reset.json")
			relay(t, rdb, feed.Resolved, tenant, integ, reset)
			if ev := nextEvent(t, all, time.Second).AlertEvents; ev.Type != "RESOLVED" || ev.Alert.Status != "RESOLVED" {
				t.Errorf("resolved event = %+v", ev)
			}
			// The TacticalRMM subscriber saw neither.
			expectNothing(t, tactical, 200*time.Millisecond)
		})
	}
}

func TestSubscriptionNeedsAuthentication(t *testing.T) {
	rdb := apptest.Redis(t)
	e := apptest.NewWith(t, "postgres", apptest.Options{Redis: rdb})
	for name, init := range map[string]map[string]any{
		"no token":      {},
		"bad token":     bearer("adk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
		"garbage token": {"token": "letmein"},
	} {
		s, ok := e.Subscribe(init, alertEventsQuery, nil)
		if ok {
			t.Errorf("%s: connection acknowledged", name)
			continue
		}
		select {
		case <-s.Closed:
		case <-time.After(2 * time.Second):
			t.Errorf("%s: connection not closed", name)
		}
	}
	// Nothing listens: a published message reaches no one.
	if n, err := rdb.PubSubNumSub(t.Context(), feed.Channel(e.Demo.TenantID)).Result(); err != nil || n[feed.Channel(e.Demo.TenantID)] != 0 {
		t.Errorf("subscribers after refused connections: %v %v", n, err)
	}
}

// A subscriber of tenant B receives nothing of tenant A, not even through
// a forged message naming A's alert on B's channel.
func TestSubscriptionTenantScoped(t *testing.T) {
	rdb := apptest.Redis(t)
	e := apptest.NewWith(t, "postgres", apptest.Options{Redis: rdb})
	other := e.OtherTenant("other-secret")
	otherTenant := e.DB.Integration.GetX(e.Ctx, other.ID).TenantID
	tokB, _ := e.NewToken(otherTenant, "b@other.test", user.RoleAdmin)

	// B cannot subscribe to A's integration.
	s, _ := e.Subscribe(bearer(tokB), alertEventsQuery, apptest.Vars("i", apptest.ID(e.Integration(ninja).ID)))
	typ, payload, _ := s.Next(time.Second)
	var refused struct{ Errors []apptest.GQLError }
	if json.Unmarshal(payload, &refused); (typ != "next" && typ != "error") || len(refused.Errors) == 0 ||
		refused.Errors[0].Extensions.Code != "NOT_FOUND" {
		t.Errorf("subscribing to another tenant's integration: %s %s", typ, payload)
	}

	b, _ := e.Subscribe(bearer(tokB), alertEventsQuery, nil)
	a, _ := e.Subscribe(bearer(e.Demo.AdminToken), alertEventsQuery, nil)
	waitSubscribed(t, rdb, feed.Channel(otherTenant), 1)
	waitSubscribed(t, rdb, feed.Channel(e.Demo.TenantID), 1)

	r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
	relay(t, rdb, feed.Triggered, e.Demo.TenantID, e.Integration(ninja).ID, r)
	relay(t, rdb, feed.Triggered, otherTenant, e.Integration(ninja).ID, r) // forged onto B's channel
	nextEvent(t, a, time.Second)
	expectNothing(t, b, 300*time.Millisecond)
}

// Two replicas on one PostgreSQL and Redis: an event published through
// replica 1's Redis client reaches a subscriber of replica 2 within a second.
func TestSubscriptionAcrossReplicas(t *testing.T) {
	rdb1, rdb2 := apptest.Redis(t), apptest.Redis(t)
	one := apptest.NewWith(t, "postgres", apptest.Options{Redis: rdb1})
	two := apptest.NewWith(t, "postgres", apptest.Options{Redis: rdb2, ReplicaOf: one})
	s, _ := two.Subscribe(bearer(one.Demo.AdminToken), alertEventsQuery, nil)
	waitSubscribed(t, rdb1, feed.Channel(one.Demo.TenantID), 1)

	r := one.PostFixture(ninja, "ninjaone-condition-triggered.json")
	start := time.Now()
	relay(t, rdb1, feed.Triggered, one.Demo.TenantID, one.Integration(ninja).ID, r)
	ev := nextEvent(t, s, time.Second).AlertEvents
	if ev.Alert.ID != apptest.ID(r.AlertID) || ev.Alert.Ticket == nil {
		t.Errorf("replica 2 event = %+v", ev)
	}
	t.Logf("replica 2 received the event after %s", time.Since(start))
}

func TestNotificationAdded(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			rdb := apptest.Redis(t)
			e := apptest.NewWith(t, d, apptest.Options{Redis: rdb})
			tenant, admin := e.Demo.TenantID, e.Demo.AdminUserID
			techTok, techID := e.NewToken(tenant, "tech@demo.test", user.RoleTechnician)
			q := `subscription { notificationAdded { id title link readAt } }`
			mine, _ := e.Subscribe(bearer(e.Demo.AdminToken), q, nil)
			theirs, _ := e.Subscribe(bearer(techTok), q, nil)
			waitSubscribed(t, rdb, feed.NotificationChannel(tenant, admin), 1)
			waitSubscribed(t, rdb, feed.NotificationChannel(tenant, techID), 1)

			n := e.DB.Notification.Create().SetTenantID(tenant).SetUserID(admin).SetCategory("rmm-alert").
				SetTitle("Disk full on SRV-01").SetLink("http://alertdesk.test/tickets/1").SaveX(e.Ctx)
			if err := feed.PublishNotification(t.Context(), rdb, tenant, admin, n.ID); err != nil {
				t.Fatal(err)
			}
			// Someone else's notification id on the technician's channel.
			if err := feed.PublishNotification(t.Context(), rdb, tenant, techID, n.ID); err != nil {
				t.Fatal(err)
			}
			typ, payload, ok := mine.Next(time.Second)
			var got struct {
				Data struct {
					NotificationAdded struct{ ID, Title string }
				}
			}
			if !ok || typ != "next" || json.Unmarshal(payload, &got) != nil ||
				got.Data.NotificationAdded.ID != apptest.ID(n.ID) || got.Data.NotificationAdded.Title != n.Title {
				t.Errorf("notification: %s %s", typ, payload)
			}
			expectNothing(t, theirs, 300*time.Millisecond)

			var list struct {
				Notifications           struct{ TotalCount int }
				UnreadNotificationCount int
			}
			e.Admin(`{ notifications { totalCount } unreadNotificationCount }`, nil).Must(&list)
			var marked struct{ MarkNotificationsRead int }
			e.Admin(`mutation { markNotificationsRead(all: true) }`, nil).Must(&marked)
			if list.Notifications.TotalCount != 1 || list.UnreadNotificationCount != 1 || marked.MarkNotificationsRead != 1 {
				t.Errorf("list %+v, marked %d", list, marked.MarkNotificationsRead)
			}
		})
	}
}
