package worker_test

import (
	"context"
	"testing"

	"entgo.io/ent/dialect"
	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/outbox"
)

// TestRelaySparesIdleTasks: a relay pass marks delivered, without a task,
// the entries whose task consumers have nothing to do: the close of a
// ticket whose last alert reset, and the alert events whose only other
// consumer is the live feed the pass published. The close of a ticket with
// a live alert still gets its task. On PostgreSQL the pass sends one
// statement more than the claim and the mark: the live-alert look-up.
func TestRelaySparesIdleTasks(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := apptest.New(t, d)
			ctx := context.Background()
			opened := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
			if reset := e.PostFixture(ninja, "ninjaone-condition-reset.json"); reset.Status != 200 {
				t.Fatalf("reset answered %d", reset.Status)
			}
			if tk := e.Ticket(*opened.TicketID); tk.ClosedAt == nil {
				t.Fatal("the reset left its ticket open")
			}
			other := e.Post(ninja, apptest.Patch(t, fixtures.Read("ninjaone-condition-triggered.json"), map[string]any{
				"seriesUid": "00000000-0000-4000-8000-000000000009", "sourceConfigUid": "00000000-0000-4000-8000-0000000000c9"}))
			if other.TicketID == nil || *other.TicketID == *opened.TicketID {
				t.Fatalf("second condition: ticket %v", other.TicketID)
			}
			// A close of the ticket whose alert is live (by hand, as if it
			// had been closed without the alert resetting).
			busy := e.DB.OutboxEntry.Create().SetTenantID(e.Demo.TenantID).SetTopic(outbox.TicketClosed).
				SetPayload(map[string]any{"ticketId": *other.TicketID}).SaveX(ctx)

			s, statements := e.Store, func() int { return 0 }
			if d == dialect.Postgres {
				s, statements = storetest.Counted(t, e.Store)
				// Connected first: a new connection's setup is no part of the pass.
				if _, err := s.DB.ExecContext(ctx, "SELECT 1"); err != nil {
					t.Fatal(err)
				}
				statements()
			}
			rdb := redis.NewClient(&redis.Options{Addr: redistest.Addr(t)})
			t.Cleanup(func() { rdb.Close() })
			w := relayOf(t, s, rdb)
			n, err := w.RelayOnce(ctx)
			if err != nil || n == 0 {
				t.Fatalf("pass claimed %d, %v", n, err)
			}
			got := statements()

			left := e.DB.OutboxEntry.Query().Where(outboxentry.DeliveredAtIsNil(),
				outboxentry.TopicIn(outbox.AlertFeed, outbox.AlertTriggered, outbox.AlertResolved, outbox.TicketClosed)).AllX(ctx)
			if len(left) != 1 || left[0].ID != busy.ID {
				var topics []string
				for _, l := range left {
					topics = append(topics, l.Topic)
				}
				t.Errorf("undelivered after the pass: %v, want only the close of the ticket with a live alert", topics)
			}
			if d == dialect.Postgres && got != 3 {
				t.Errorf("a pass over %d entries sent %d statements, want 3 (claim, live alerts, mark)", n, got)
			}
		})
	}
}
