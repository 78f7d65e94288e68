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
	"github.com/alertdesk/alertdesk/internal/race"
	"github.com/alertdesk/alertdesk/internal/storetest"
)

// A shared response is encoded once and each subscription gets it under
// its own id: several subscriptions on one socket, the same ids on two
// sockets, an id that needs escaping, and a client naming another
// subscription's id in the extension the server uses for it. Every frame
// is whole, every subscription gets every message once, in order.
func TestAlertEventsSharedFrameIDs(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			rdb := apptest.Redis(t)
			e := apptest.NewWith(t, d, apptest.Options{Redis: rdb})
			tenant, integ := e.Demo.TenantID, e.Integration(ninja).ID
			admin2, _ := e.NewToken(tenant, "admin2@demo.test", user.RoleAdmin)

			const odd = "x\"y\\z <&> \u2028 é"
			one, _ := e.Subscribe(bearer(e.Demo.AdminToken), feedRowQuery, nil) // id "1"
			one.Start(odd, feedRowQuery, nil)
			one.Start("2", feedRowQuery, nil)
			two, _ := e.Subscribe(bearer(admin2), feedRowQuery, nil) // id "1"
			two.StartWith("spoof", map[string]any{"query": feedRowQuery,
				"extensions": map[string]any{"alertdesk.subscriptionId": "1"}})
			waitSubscribed(t, rdb, feed.Channel(tenant), 5)

			before := graph.FeedRenders(tenant)
			r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
			const messages = 3
			start := time.Now().UTC()
			for i := range messages {
				err := feed.Publish(t.Context(), rdb, feed.Message{Type: feed.Occurrence, TenantID: tenant, AlertID: r.AlertID,
					IntegrationID: integ, TicketID: r.TicketID, At: start.Add(time.Duration(i) * time.Second).Format(time.RFC3339Nano)})
				if err != nil {
					t.Fatal(err)
				}
			}

			type frame struct{ id, payload string }
			read := func(name string, s *apptest.Subscription, n int) []frame {
				var got []frame
				for range n {
					id, typ, payload, ok := s.NextWithID(5 * time.Second)
					if !ok || typ != "next" {
						t.Fatalf("%s: got %q %s %s (ok %v, connection err %v)", name, id, typ, payload, ok, s.Err)
					}
					got = append(got, frame{id, string(payload)})
				}
				return got
			}
			byID := map[string][]string{}
			for _, f := range read("one", one, 3*messages) {
				byID["one "+f.id] = append(byID["one "+f.id], f.payload)
			}
			for _, f := range read("two", two, 2*messages) {
				byID["two "+f.id] = append(byID["two "+f.id], f.payload)
			}
			expectNothing(t, one, 200*time.Millisecond)
			expectNothing(t, two, 100*time.Millisecond)

			for _, sub := range []string{"one 1", "one " + odd, "one 2", "two 1", "two spoof"} {
				got := byID[sub]
				if len(got) != messages {
					t.Fatalf("%q: %d frames, want %d (all: %v)", sub, len(got), messages, byID)
				}
				for i, p := range got {
					var ev struct {
						Data   alertEvent
						Errors []any
					}
					if err := json.Unmarshal([]byte(p), &ev); err != nil || len(ev.Errors) > 0 {
						t.Fatalf("%q frame %d: %s: %v", sub, i, p, err)
					}
					want := start.Add(time.Duration(i) * time.Second)
					if ev.Data.AlertEvents.Alert.ID != apptest.ID(r.AlertID) || !strings.Contains(p, want.Format("2006-01-02T15:04:05")) {
						t.Errorf("%q frame %d is %s, want alert %d at %s", sub, i, p, r.AlertID, want)
					}
					if p != byID["one 1"][i] {
						t.Errorf("%q frame %d differs from subscription 1's:\n%s\n%s", sub, i, p, byID["one 1"][i])
					}
				}
			}
			if n := graph.FeedRenders(tenant) - before; n != messages {
				t.Errorf("%d executions for %d messages to 5 subscriptions, want %d", n, messages, messages)
			}
		})
	}
}

// A subscriber whose client stops reading does not hold up the others:
// once its socket's buffers are full its frames wait (and the hub drops
// what it cannot take), while the others get every message; and once a
// write to it has waited past the write timeout, its connection is closed.
func TestAlertEventsSlowSubscriberIsolated(t *testing.T) {
	if race.Enabled {
		// Filling a socket takes some 18 MB of frames per subscriber,
		// which the detector slows to minutes; the other feed tests run
		// the same code paths under it.
		t.Skip("data volume too large for the race detector")
	}
	// Far shorter than the publishing below takes, far longer than a
	// write to a reading client.
	graph.SetWSWriteTimeout(t, time.Second)
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			rdb := apptest.Redis(t)
			e := apptest.NewWith(t, d, apptest.Options{Redis: rdb})
			tenant, integ := e.Demo.TenantID, e.Integration(ninja).ID
			// Large frames (500 times the event's time, about 22 kB), so
			// that a few hundred fill the socket buffers of a client that
			// stopped reading.
			var q strings.Builder
			q.WriteString("subscription { alertEvents { alert { id } ")
			for i := range 500 {
				fmt.Fprintf(&q, "a%d: at ", i)
			}
			q.WriteString("} }")
			slow, _ := e.Subscribe(bearer(e.Demo.AdminToken), q.String(), nil) // never read until the end
			fast := []*apptest.Subscription{}
			for range 2 {
				s, _ := e.Subscribe(bearer(e.Demo.AdminToken), q.String(), nil)
				fast = append(fast, s)
			}
			waitSubscribed(t, rdb, feed.Channel(tenant), 3)

			r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
			const n = 800 // about 18 MB a subscriber; a full socket holds about 7 MB here
			start := time.Now().UTC()
			for i := range n {
				at := start.Add(time.Duration(i) * time.Millisecond).Format(time.RFC3339Nano)
				err := feed.Publish(t.Context(), rdb, feed.Message{Type: feed.Occurrence, TenantID: tenant, AlertID: r.AlertID,
					IntegrationID: integ, At: at})
				if err != nil {
					t.Fatal(err)
				}
				// Each read before the next is published: the fast ones
				// never fall behind by themselves.
				var wg sync.WaitGroup
				for j, s := range fast {
					wg.Add(1)
					go func() {
						defer wg.Done()
						typ, payload, ok := s.Next(10 * time.Second)
						if !ok || typ != "next" || !strings.Contains(string(payload), at) {
							t.Errorf("message %d: fast subscriber %d got %s %.200s (ok %v, err %v)", i, j, typ, payload, ok, s.Err)
						}
					}()
				}
				wg.Wait()
				if t.Failed() {
					t.FailNow()
				}
			}
			// A last message finds the slow one's socket full, and its
			// write waits out the write timeout before the client reads.
			err := feed.Publish(t.Context(), rdb, feed.Message{Type: feed.Occurrence, TenantID: tenant, AlertID: r.AlertID,
				IntegrationID: integ, At: start.Format(time.RFC3339Nano)})
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(3 * time.Second)
			// The slow one was held up: it now reads what its socket held
			// and what the hub kept, which is not everything.
			got := 0
			for {
				typ, _, ok := slow.Next(2 * time.Second)
				if !ok {
					break
				}
				if typ == "next" {
					got++
				}
			}
			if got >= n {
				t.Fatalf("the slow subscriber got all %d messages: its socket never filled, the test shows nothing", n)
			}
			select {
			case <-slow.Closed:
			case <-time.After(5 * time.Second):
				t.Errorf("the slow subscriber's connection is still open after %d of %d messages", got, n)
			}
			t.Logf("slow subscriber: %d of %d messages, then closed (%v)", got, n, slow.Err)
		})
	}
}
