package worker_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/feed"
	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/embedredis"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/providers/providertest"
	"github.com/alertdesk/alertdesk/worker"
)

// secondFiring is the same condition on the same device as the fixture,
// as a new alert (another seriesUid), a little later.
func secondFiring(t testing.TB) []byte {
	return apptest.Patch(t, fixtures.Read("ninjaone-condition-triggered.json"),
		map[string]any{"seriesUid": "00000000-0000-4000-8000-000000000002", "activityTime": 1742392000.0})
}

func TestFeedReceivesAlertChanges(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		ctx, cancel := context.WithTimeout(h.Ctx, 20*time.Second)
		defer cancel()
		msgs, err := feed.Subscribe(ctx, h.Redis, h.Demo.TenantID)
		if err != nil {
			t.Fatal(err)
		}
		r := h.PostFixture(ninja, "ninjaone-condition-triggered.json")
		h.Post(ninja, secondFiring(t))
		h.PostFixture(ninja, "ninjaone-condition-acknowledged.json")
		h.PostFixture(ninja, "ninjaone-condition-reset.json")

		want := []string{feed.Acknowledged, feed.Occurrence, feed.Resolved, feed.Triggered}
		var got []string
		for len(got) < len(want) {
			select {
			case m := <-msgs:
				if m.TenantID != h.Demo.TenantID || m.AlertID == 0 || m.IntegrationID != h.Integration(ninja).ID {
					t.Errorf("bad message %+v", m)
				}
				if m.Type == feed.Triggered && (m.AlertID != r.AlertID || m.TicketID == nil || *m.TicketID != *r.TicketID) {
					t.Errorf("triggered message %+v, want alert %d ticket %d", m, r.AlertID, *r.TicketID)
				}
				got = append(got, m.Type)
			case <-ctx.Done():
				t.Fatalf("feed got %v, want %v", got, want)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("feed got %v, want %v", got, want)
		}
	})
}

// counter wraps a consumer and counts the entries it applied.
type counter struct {
	next worker.Consumer
	mu   sync.Mutex
	seen map[int]int
}

func (c *counter) Consume(ctx context.Context, e worker.Entry) error {
	if err := c.next.Consume(ctx, e); err != nil {
		return err
	}
	c.mu.Lock()
	c.seen[e.ID]++
	c.mu.Unlock()
	return nil
}

func (c *counter) counts() map[int]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[int]int{}
	for k, v := range c.seen {
		out[k] = v
	}
	return out
}

// TestRedisOutage: with Redis down, webhooks answer 200 and the pipeline
// commits; when Redis is back every feed message and reset is delivered
// exactly once in effect. The embedded server restarts empty, so anything
// only queued in Redis is lost and must come from the outbox again.
func TestRedisOutage(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			srv, err := embedredis.Start("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := srv.Addr()
			t.Cleanup(func() { srv.Close() })
			h := newHarness(t, dialect, addr, nil)
			c := &counter{next: worker.FeedConsumer{Redis: h.Redis}, seen: map[int]int{}}
			h.Worker.HandleInline(outbox.AlertFeed, c)
			h.Worker.Handle(outbox.AlertTriggered, c)
			h.Worker.Handle(outbox.AlertResolved, c)
			n := providertest.NewNinjaOne(t)
			h.connect(ninja, n.URL, n.Credentials())

			srv.Close()
			// A: triggered, re-fired as a second alert (occurrence),
			// acknowledged, reset. B, on another device: its ticket is
			// closed by a person, so B is reset in NinjaOne.
			a := h.PostFixture(ninja, "ninjaone-condition-triggered.json")
			h.Post(ninja, secondFiring(t))
			h.PostFixture(ninja, "ninjaone-condition-acknowledged.json")
			bUID := "00000000-0000-4000-8000-00000000000b"
			b := h.Post(ninja, apptest.Patch(t, fixtures.Read("ninjaone-condition-triggered.json"), map[string]any{
				"seriesUid": bUID, "deviceId": 9, "device": map[string]any{"id": 9, "organizationId": 2, "displayName": "WS-22"}}))
			h.CloseTicket(*b.TicketID)
			for _, r := range []apptest.Response{a, b, h.PostFixture(ninja, "ninjaone-condition-reset.json")} {
				if r.Status != 200 || r.AlertID == 0 {
					t.Fatalf("webhook during the outage answered %d %q", r.Status, r.Error)
				}
			}
			if h.Alert(a.AlertID).Status != "resolved" || h.Ticket(*b.TicketID).ClosedAt == nil {
				t.Fatal("pipeline did not commit during the outage")
			}
			time.Sleep(500 * time.Millisecond)
			total := h.DB.OutboxEntry.Query().CountX(h.Ctx)
			if pending := h.DB.OutboxEntry.Query().Where(outboxentry.DeliveredAtIsNil()).CountX(h.Ctx); pending != total || len(n.Resets()) != 0 {
				t.Fatalf("delivered during the outage: %d of %d pending, resets %v", pending, total, n.Resets())
			}

			srv2, err := embedredis.Start(addr)
			if err != nil {
				t.Fatalf("restart Redis on %s: %v", addr, err)
			}
			t.Cleanup(srv2.Close)
			h.drained(outbox.AlertFeed, outbox.AlertTriggered, outbox.AlertResolved, outbox.TicketClosed)
			eventually(t, 10*time.Second, "B resolved", func() bool { return h.Alert(b.AlertID).Status == "resolved" })
			// Past a lease: nothing is delivered a second time.
			time.Sleep(3 * time.Second)

			feedTopics := []string{outbox.AlertFeed, outbox.AlertTriggered, outbox.AlertResolved}
			entries := h.DB.OutboxEntry.Query().Where(outboxentry.TopicIn(feedTopics...)).AllX(h.Ctx)
			seen := c.counts()
			for _, e := range entries {
				if seen[e.ID] != 1 {
					t.Errorf("%s entry %d applied %d times, want once", e.Topic, e.ID, seen[e.ID])
				}
			}
			// triggered A, occurrence, acknowledged, triggered B,
			// resolved A, resolved B (ticket closed).
			if len(entries) != 6 || len(seen) != 6 {
				t.Errorf("%d feed entries, %d applied; want 6", len(entries), len(seen))
			}
			if got := n.Resets(); !slices.Equal(got, []string{bUID}) {
				t.Errorf("NinjaOne resets = %v, want exactly [%s]", got, bUID)
			}
		})
	}
}
