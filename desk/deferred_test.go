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

// TestDeferredWritesWhatEntWrites: NoteLater leaves the comment and ticket
// CommentOn by System leaves; NoteAndCloseLater also the closed ticket, its
// status change and its TICKET_CLOSED entry that CloseOn leaves.
func TestDeferredWritesWhatEntWrites(t *testing.T) {
	f := setup(t, storetest.Open(t, "postgres"))
	closed := f.status(t, "Closed")
	settle := func(fast, closeIt bool) map[string]string {
		tk := f.ticket(t)
		at := time.Now().UTC().Round(time.Microsecond)
		err := f.s.BatchTx(f.ctx, nil, func(tx *ent.Tx, b *store.Batch) error {
			t, err := f.d.Lock(f.ctx, tx, tk.TenantID, tk.ID)
			if err != nil {
				return err
			}
			switch {
			case fast && closeIt:
				_, err = desk.NoteAndCloseLater(f.ctx, b, t, "Alert cleared", closed, at)
				return err
			case fast:
				return desk.NoteLater(f.ctx, b, t, "Alert cleared", at)
			}
			if _, err := f.d.CommentOn(f.ctx, tx, t, "Alert cleared", true, desk.System); err != nil || !closeIt {
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
		if row.UpdatedAt.Before(tk.UpdatedAt) || c.CreatedAt.IsZero() {
			t.Errorf("updated_at %v (was %v), comment at %v", row.UpdatedAt, tk.UpdatedAt, c.CreatedAt)
		}
		rows := map[string]any{"ticket": row, "comment": c}
		if closeIt {
			sc := f.s.Ent.StatusChange.Query().Where(statuschange.TicketID(tk.ID)).OnlyX(f.ctx)
			o := f.s.Ent.OutboxEntry.Query().Where(outboxentry.Topic("TICKET_CLOSED")).
				Order(ent.Desc(outboxentry.FieldID)).FirstX(f.ctx)
			if row.ClosedAt == nil || sc.CreatedAt.IsZero() {
				t.Errorf("closed_at %v, change at %v", row.ClosedAt, sc.CreatedAt)
			}
			if got, _ := o.Payload["ticketId"].(float64); int(got) != tk.ID {
				t.Errorf("TICKET_CLOSED names ticket %v, want %d", o.Payload["ticketId"], tk.ID)
			}
			rows["change"], rows["outbox"] = sc, o
		} else if n := f.s.Ent.StatusChange.Query().Where(statuschange.TicketID(tk.ID)).CountX(f.ctx); n != 0 || row.ClosedAt != nil {
			t.Errorf("a note alone: %d status changes, closed_at %v", n, row.ClosedAt)
		}
		// Everything but ids, numbers and times.
		out := map[string]string{}
		for name, v := range rows {
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
		return out
	}
	for _, closeIt := range []bool{false, true} {
		viaEnt, viaBatch := settle(false, closeIt), settle(true, closeIt)
		if !maps.Equal(viaBatch, viaEnt) {
			t.Errorf("close %v: deferred writes\n got %v\nwant %v (ent)", closeIt, viaBatch, viaEnt)
		}
	}
}
