package workflow_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/rule"
	"github.com/alertdesk/alertdesk/workflow"
)

// TestTriggeredOutcomes: every routed firing reaches a workflow receiver as
// RMM_ALERT_TRIGGERED, saying what became of it and its condition's count:
// the ticket created, the open ticket joined (twice, counting), and an
// alert a createTicket-false rule only recorded.
func TestTriggeredOutcomes(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		recv := newReceiver(t)
		if _, err := h.Svc.CreateSubscription(h.Ctx, h.Demo.TenantID, workflow.SubscriptionInput{
			URL: recv.URL, EventTypes: []string{outbox.AlertTriggered}}); err != nil {
			t.Fatal(err)
		}
		first := h.PostFixture(event.NinjaOne, "ninjaone-condition-triggered.json")
		for i, at := range []float64{1742392000, 1742392100} {
			h.Post(event.NinjaOne, apptest.NinjaTrigger(t, map[string]any{"seriesUid": "again-" + string(rune('a'+i)), "id": 2 + i, "activityTime": at}))
		}
		h.AddRule(event.NinjaOne, "Record disks", -1, rule.Conditions{Keywords: []string{"disk"}},
			rule.Actions{CreateTicket: apptest.Bool(false)})
		recorded := h.Post(event.NinjaOne, apptest.NinjaTrigger(t, map[string]any{"seriesUid": "disk-1", "id": 9,
			"deviceId": 8, "device": map[string]any{"id": 8, "organizationId": 2}, "message": "Disk C: almost full"}))

		type data struct {
			AlertID         int    `json:"alertId"`
			TicketID        *int   `json:"ticketId"`
			Outcome         string `json:"outcome"`
			OccurrenceCount int    `json:"occurrenceCount"`
		}
		var got []data
		eventually(t, 20*time.Second, "four events delivered", func() bool {
			got = got[:0]
			for _, req := range recv.requests() {
				var body struct{ Data data }
				if err := json.Unmarshal(req.Body, &body); err != nil {
					t.Fatal(err)
				}
				got = append(got, body.Data)
			}
			return len(got) >= 4
		})
		byOutcome := map[string][]data{}
		for _, d := range got {
			byOutcome[d.Outcome] = append(byOutcome[d.Outcome], d)
		}
		if c := byOutcome["ticket_created"]; len(c) != 1 || c[0].AlertID != first.AlertID || c[0].OccurrenceCount != 1 {
			t.Errorf("ticket_created events = %+v", c)
		}
		joined := byOutcome["joined"]
		if len(joined) != 2 || joined[0].TicketID == nil || *joined[0].TicketID != *first.TicketID ||
			joined[0].OccurrenceCount+joined[1].OccurrenceCount != 5 {
			t.Errorf("joined events = %+v, want two on ticket %d counting 2 and 3", joined, *first.TicketID)
		}
		if r := byOutcome["recorded"]; len(r) != 1 || r[0].AlertID != recorded.AlertID || r[0].TicketID != nil {
			t.Errorf("recorded events = %+v (alert %d)", r, recorded.AlertID)
		}
	})
}
