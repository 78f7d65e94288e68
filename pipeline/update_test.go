package pipeline

import (
	"context"
	"encoding/json"
	"maps"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/store"
)

// TestUpdateAlertWritesWhatEntWrites: updateAlert's one statement and
// ent's UPDATE plus outbox.Add leave the same alert and outbox rows, for
// changes that set, clear and add; and the reset's lookup reads back
// the alert (but its metadata and trace) and its ticket as ent does,
// column for column.
func TestUpdateAlertWritesWhatEntWrites(t *testing.T) {
	st, in, ticket := rowFixture(t)
	ctx, tn := context.Background(), ticket.TenantID
	at := time.Now().Add(-time.Minute).Round(time.Microsecond)
	changes := []struct {
		name   string
		change func(*ent.AlertMutation)
	}{
		{"set", func(m *ent.AlertMutation) {
			m.SetStatus(entalert.StatusResolved)
			m.SetResolvedAt(at)
			m.SetLastEventAt(at)
			m.SetTicketID(ticket.ID)
			m.SetMetadata(map[string]any{"raw": json.RawMessage(`{"n": 1e400}`), "origin": "webhook"})
			m.SetDecisionTrace([]map[string]any{{"steps": []string{"a"}, "outcome": "resolved"}})
		}},
		{"clear and add", func(m *ent.AlertMutation) {
			m.ClearAcknowledgedAt()
			m.ClearTicketID()
			m.AddOccurrenceCount(2)
			m.SetLastOccurrenceAt(at)
		}},
	}
	for _, tc := range changes {
		t.Run(tc.name, func(t *testing.T) {
			write := func(id string, fast bool) (*ent.Alert, *ent.OutboxEntry) {
				ev := event.Event{TenantID: tn, IntegrationID: in.ID, Provider: event.NinjaOne, Kind: event.Reset,
					ExternalAlertID: id, ExternalDeviceID: "7", ConditionIdentity: "cpu", Severity: event.Major,
					OccurredAt: at}
				a := firstSeen(ev, entalert.StatusActive)
				err := st.Tx(ctx, func(tx *ent.Tx) error {
					return alertCreate(tx, a).SetAcknowledgedAt(at).SetTicketID(ticket.ID).Exec(ctx)
				})
				if err != nil {
					t.Fatal(err)
				}
				a = st.Ent.Alert.Query().Where(entalert.ExternalAlertID(id)).OnlyX(ctx)
				if err := st.BatchTx(ctx, nil, func(tx *ent.Tx, b *store.Batch) error {
					s := &State{Event: ev, Tx: tx, batch: b, Alert: a}
					tc.change(s.alertChanges())
					s.publish(outbox.AlertResolved, func() map[string]any { return eventPayload(s, "") })
					if fast {
						return updateAlert(ctx, s)
					}
					if err := s.pending.Exec(ctx); err != nil {
						return err
					}
					return outbox.Add(ctx, tx.Client(), tn, s.outbox[0].topic, s.outbox[0].payload())
				}); err != nil {
					t.Fatal(err)
				}
				return st.Ent.Alert.GetX(ctx, a.ID),
					st.Ent.OutboxEntry.Query().Where(outboxentry.TenantID(tn)).Order(ent.Desc(outboxentry.FieldID)).FirstX(ctx)
			}
			viaEnt, entOutbox := write("ent-"+tc.name, false)
			viaUpdate, updateOutbox := write("update-"+tc.name, true)
			if got, want := alertFields(t, viaUpdate), alertFields(t, viaEnt); !maps.Equal(got, want) {
				t.Errorf("alert row\n got %v\nwant %v (ent)", got, want)
			}
			if got, want := outboxFields(t, updateOutbox, viaUpdate.ID), outboxFields(t, entOutbox, viaEnt.ID); !maps.Equal(got, want) {
				t.Errorf("outbox row\n got %v\nwant %v (ent)", got, want)
			}

			// The reset's lookup reads what ent reads, but the metadata and
			// the trace (storedjson.go).
			ev := event.Event{TenantID: tn, IntegrationID: in.ID, ExternalAlertID: viaUpdate.ExternalAlertID}
			l := &resetLookup{}
			if err := st.BatchTx(ctx, l.statements(ev), func(*ent.Tx, *store.Batch) error { return nil }); err != nil {
				t.Fatal(err)
			}
			want := jsonFields(t, viaUpdate)
			delete(want, "metadata")
			delete(want, "decision_trace")
			if got := jsonFields(t, l.alert); !maps.Equal(got, want) || !l.jsonUnread {
				t.Errorf("lookup's alert (unread JSON: %v)\n got %v\nwant %v (ent)", l.jsonUnread, got, want)
			}
			if viaUpdate.TicketID == nil {
				if l.ticket != nil || l.lockedTicket != 0 {
					t.Errorf("lookup found ticket %+v (locked %d) for an alert without one", l.ticket, l.lockedTicket)
				}
				return
			}
			if got, want := jsonFields(t, l.ticket), jsonFields(t, st.Ent.Ticket.GetX(ctx, ticket.ID)); !maps.Equal(got, want) {
				t.Errorf("lookup's ticket\n got %v\nwant %v (ent)", got, want)
			}
			if l.lockedTicket != ticket.ID || l.lockedTicketOf(l.alert) == nil {
				t.Errorf("locked ticket %d, want %d", l.lockedTicket, ticket.ID)
			}
		})
	}
}
