package notify

import (
	"fmt"

	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/worker"
)

// request is a NOTIFICATION_REQUESTED payload (pipeline/publish.go).
type request struct {
	Category string
	UserIDs  []int
	AlertID  int
	TicketID int
	RuleID   int
	// A request about an integration (its health) carries its own words.
	IntegrationID int
	Title, Body   string
}

// parseRequest reads the payload; one that names no category or users
// can never be delivered, so it is a permanent error.
func parseRequest(e worker.Entry) (request, error) {
	r := request{
		Category: outbox.String(e.Payload["category"]),
		AlertID:  outbox.Int(e.Payload["alertId"]),
		TicketID: outbox.Int(e.Payload["ticketId"]),
		RuleID:   outbox.Int(e.Payload["ruleId"]),

		IntegrationID: outbox.Int(e.Payload["integrationId"]),
		Title:         outbox.String(e.Payload["title"]),
		Body:          outbox.String(e.Payload["body"]),
	}
	ids, _ := e.Payload["userIds"].([]any)
	seen := map[int]bool{}
	for _, v := range ids {
		if id := outbox.Int(v); id > 0 && !seen[id] {
			seen[id] = true
			r.UserIDs = append(r.UserIDs, id)
		}
	}
	if r.Category == "" || len(r.UserIDs) == 0 {
		return r, worker.Permanent(fmt.Errorf("notify: entry %d names no category or users: %v", e.ID, e.Payload))
	}
	return r, nil
}
