package graph_test

import (
	"fmt"
	"testing"

	"github.com/alertdesk/alertdesk/internal/apptest"
)

// TestOccurrenceCountOnEveryAlert: every alert of a condition reads the
// condition's count and last firing while its ticket is the condition's,
// not only the first alert, which carries them in its row.
func TestOccurrenceCountOnEveryAlert(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		first := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		for i, at := range []float64{1742392000, 1742392100} {
			e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": fmt.Sprintf("again-%d", i), "id": 2 + i, "activityTime": at}))
		}
		var out struct {
			Alerts struct {
				Nodes []struct {
					ID               string
					OccurrenceCount  int
					LastOccurrenceAt *string
				}
			}
		}
		e.Admin(`query($t: ID!) { alerts(filter: {ticketId: $t}) { nodes { id occurrenceCount lastOccurrenceAt } } }`,
			apptest.Vars("t", apptest.ID(*first.TicketID))).Must(&out)
		nodes := out.Alerts.Nodes
		if len(nodes) != 3 {
			t.Fatalf("%d alerts on the ticket, want 3", len(nodes))
		}
		for _, n := range nodes {
			if n.OccurrenceCount != 3 || n.LastOccurrenceAt == nil || *n.LastOccurrenceAt != *nodes[0].LastOccurrenceAt {
				t.Errorf("alert %s: occurrenceCount %d, lastOccurrenceAt %v; want 3 and the same time on each",
					n.ID, n.OccurrenceCount, n.LastOccurrenceAt)
			}
		}
		// Its ticket closed, the group keeps its count.
		e.CloseTicket(*first.TicketID)
		var one struct{ Alert struct{ OccurrenceCount int } }
		e.Admin(`query($id: ID!) { alert(id: $id) { occurrenceCount } }`, apptest.Vars("id", apptest.ID(first.AlertID))).Must(&one)
		if one.Alert.OccurrenceCount != 3 {
			t.Errorf("first alert after its ticket closed: %d, want 3", one.Alert.OccurrenceCount)
		}
	})
}
