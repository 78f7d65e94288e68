package notify

import (
	"fmt"

	"github.com/alertdesk/alertdesk/worker"
)

// request is a NOTIFICATION_REQUESTED payload (pipeline/publish.go).
type request struct {
	Category string
	UserIDs  []int
	AlertID  int
	TicketID int
	RuleID   int
}

// parseRequest reads the payload; one that names no category or users
// can never be delivered, so it is a permanent error.
func parseRequest(e worker.Entry) (request, error) {
	r := request{
		Category: stringOf(e.Payload["category"]),
		AlertID:  intOf(e.Payload["alertId"]),
		TicketID: intOf(e.Payload["ticketId"]),
		RuleID:   intOf(e.Payload["ruleId"]),
	}
	ids, _ := e.Payload["userIds"].([]any)
	seen := map[int]bool{}
	for _, v := range ids {
		if id := intOf(v); id > 0 && !seen[id] {
			seen[id] = true
			r.UserIDs = append(r.UserIDs, id)
		}
	}
	if r.Category == "" || len(r.UserIDs) == 0 {
		return r, worker.Permanent(fmt.Errorf("notify: entry %d names no category or users: %v", e.ID, e.Payload))
	}
	return r, nil
}

// intOf reads a JSON number (float64 after decoding) or an integer.
func intOf(v any) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case int:
		return n
	case int64:
		return int(n)
	}
	return 0
}

func stringOf(v any) string {
	s, _ := v.(string)
	return s
}
