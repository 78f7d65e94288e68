package graph_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/alertdesk/alertdesk/internal/apptest"
)

// The ids inside a rule's actions are the API's own: the strings `me { id }`
// and `boards { id }` return are accepted (numbers still are), returned as
// strings, and steer the pipeline like any other.
func TestRuleActionIDsInAPIForm(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		var refs struct {
			Me             struct{ ID string }
			Boards         []struct{ ID string }
			Priorities     []struct{ ID string }
			TicketStatuses []struct {
				ID       string
				IsClosed bool
			}
		}
		e.Admin(`{ me { id } boards { id } priorities { id } ticketStatuses { id isClosed } }`, nil).Must(&refs)
		closed := ""
		for _, s := range refs.TicketStatuses {
			if s.IsClosed {
				closed = s.ID
			}
		}
		board, priority := refs.Boards[0].ID, refs.Priorities[0].ID
		catchAll := apptest.ID(e.Rule(ninja).ID)
		const update = `mutation($id: ID!, $a: JSON) { updateAlertRule(id: $id, input: {actions: $a}) { actions } }`

		var out struct {
			UpdateAlertRule struct{ Actions map[string]any }
		}
		e.Admin(update, apptest.Vars("id", catchAll, "a", map[string]any{
			"boardId": board, "priorityOverride": priority, "assignToUserId": refs.Me.ID,
			"autoResolveTicket": true, "autoResolveStatusId": closed, "notifyUserIds": []string{refs.Me.ID},
		})).Must(&out)
		want := map[string]any{"boardId": board, "priorityOverride": priority, "assignToUserId": refs.Me.ID,
			"autoResolveStatusId": closed}
		for k, v := range want {
			if out.UpdateAlertRule.Actions[k] != v {
				t.Errorf("actions.%s = %#v, want %#v", k, out.UpdateAlertRule.Actions[k], v)
			}
		}
		if got, _ := json.Marshal(out.UpdateAlertRule.Actions["notifyUserIds"]); string(got) != `["`+refs.Me.ID+`"]` {
			t.Errorf("actions.notifyUserIds = %s", got)
		}
		// Stored as before: numbers.
		if stored := e.Rule(ninja).Actions; stored.AssignToUserID == nil || apptest.ID(*stored.AssignToUserID) != refs.Me.ID ||
			!slices.Equal(stored.NotifyUserIDs, []int{e.Demo.AdminUserID}) {
			t.Errorf("stored actions %+v", stored)
		}

		// The next alert follows the rule.
		r := e.Post(ninja, ninjaTrigger(t, nil))
		if r.TicketID == nil {
			t.Fatalf("webhook: %+v", r)
		}
		var ticket struct {
			Ticket struct {
				Board    struct{ ID string }
				Assignee *struct{ ID string }
			}
		}
		e.Admin(`query($id: ID!) { ticket(id: $id) { board { id } assignee { id } } }`,
			apptest.Vars("id", apptest.ID(*r.TicketID))).Must(&ticket)
		if ticket.Ticket.Board.ID != board || ticket.Ticket.Assignee == nil || ticket.Ticket.Assignee.ID != refs.Me.ID {
			t.Errorf("ticket %+v, want board %s and assignee %s", ticket.Ticket, board, refs.Me.ID)
		}

		// Numbers are still accepted, and come back as strings.
		e.Admin(update, apptest.Vars("id", catchAll, "a", map[string]any{
			"boardId": e.Rule(ninja).Actions.BoardID, "notifyUserIds": []int{e.Demo.AdminUserID},
		})).Must(&out)
		if out.UpdateAlertRule.Actions["boardId"] != board {
			t.Errorf("numeric boardId came back as %#v", out.UpdateAlertRule.Actions["boardId"])
		}
		if got, _ := json.Marshal(out.UpdateAlertRule.Actions["notifyUserIds"]); string(got) != `["`+refs.Me.ID+`"]` {
			t.Errorf("numeric notifyUserIds came back as %s", got)
		}

		// What is not an id says so.
		r2 := e.Admin(update, apptest.Vars("id", catchAll, "a", map[string]any{"boardId": "main", "notifyUserIds": []string{"me"}}))
		wantFields(t, r2, "actions.boardId", "actions.notifyUserIds")
		for _, fe := range r2.Errors[0].Extensions.Fields {
			if fe.Field == "actions.boardId" && fe.Message != `must be an id (such as "12")` {
				t.Errorf("boardId message %q", fe.Message)
			}
		}
	})
}
