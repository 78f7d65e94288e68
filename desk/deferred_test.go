package desk_test

import (
	"encoding/json"
	"maps"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/comment"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/ent/statuschange"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/store"
)

// TestDeferredWritesWhatEntWrites: NoteLater and CloseLater leave the rows
// CommentOn and CloseOn by System leave: the comment, the closed ticket,
// its status change and its TICKET_CLOSED entry.
func TestDeferredWritesWhatEntWrites(t *testing.T) {
	f := setup(t, storetest.Open(t, "postgres"))
	closed := f.status(t, "Closed")
	settle := func(fast bool) (int, map[string]string) {
		tk := f.ticket(t)
		at := time.Now().UTC().Round(time.Microsecond)
		err := f.s.BatchTx(f.ctx, nil, func(tx *ent.Tx, b *store.Batch) error {
			t, err := f.d.Lock(f.ctx, tx, tk.TenantID, tk.ID)
			if err != nil {
				return err
			}
			if fast {
				if err := desk.NoteLater(f.ctx, b, t, "Alert cleared", at); err != nil {
					return err
				}
				_, err = desk.CloseLater(f.ctx, b, t, closed, at)
				return err
			}
			if _, err := f.d.CommentOn(f.ctx, tx, t, "Alert cleared", true, desk.System); err != nil {
				return err
			}
			_, err = f.d.CloseOn(f.ctx, tx, t, &closed, desk.System)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		row := f.s.Ent.Ticket.GetX(f.ctx, tk.ID)
		c := f.s.Ent.Comment.Query().Where(comment.TicketID(tk.ID)).OnlyX(f.ctx)
		sc := f.s.Ent.StatusChange.Query().Where(statuschange.TicketID(tk.ID)).OnlyX(f.ctx)
		o := f.s.Ent.OutboxEntry.Query().Where(outboxentry.Topic("TICKET_CLOSED")).
			Order(ent.Desc(outboxentry.FieldID)).FirstX(f.ctx)
		if row.ClosedAt == nil || row.UpdatedAt.Before(tk.UpdatedAt) || c.CreatedAt.IsZero() || sc.CreatedAt.IsZero() {
			t.Errorf("closed_at %v, updated_at %v (was %v), comment at %v, change at %v",
				row.ClosedAt, row.UpdatedAt, tk.UpdatedAt, c.CreatedAt, sc.CreatedAt)
		}
		if got, _ := o.Payload["ticketId"].(float64); int(got) != tk.ID {
			t.Errorf("TICKET_CLOSED names ticket %v, want %d", o.Payload["ticketId"], tk.ID)
		}
		// Everything but ids, numbers and times.
		out := map[string]string{}
		for name, v := range map[string]any{"ticket": row, "comment": c, "change": sc, "outbox": o} {
			b, _ := json.Marshal(v)
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			for _, k := range []string{"id", "number", "ticket_id", "created_at", "updated_at", "closed_at", "available_at", "edges"} {
				delete(m, k)
			}
			if p, ok := m["payload"].(map[string]any); ok {
				delete(p, "ticketId")
				delete(p, "number")
				delete(p, "closedAt")
			}
			b, _ = json.Marshal(m)
			out[name] = string(b)
		}
		return tk.ID, out
	}
	_, viaEnt := settle(false)
	_, viaBatch := settle(true)
	if !maps.Equal(viaBatch, viaEnt) {
		t.Errorf("deferred writes\n got %v\nwant %v (ent)", viaBatch, viaEnt)
	}
}
