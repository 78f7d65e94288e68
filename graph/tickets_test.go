package graph_test

import (
	"sync"
	"testing"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/ent/ticketstatus"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/rule"
)

const createTicketForAlert = `mutation($id: ID!) { createTicketForAlert(alertId: $id) { id number title alerts { id } } }`

func TestCreateTicketForAlert(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		e.SetActions(ninja, rule.Actions{CreateTicket: apptest.Bool(false)})
		r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		if r.Outcome != "recorded" {
			t.Fatalf("webhook: %+v", r)
		}
		id := apptest.ID(r.AlertID)
		var out struct {
			CreateTicketForAlert struct {
				ID     string
				Title  string
				Alerts []struct{ ID string }
			}
		}
		e.Admin(createTicketForAlert, apptest.Vars("id", id)).Must(&out)
		tk := out.CreateTicketForAlert
		if tk.Title == "" || len(tk.Alerts) != 1 || tk.Alerts[0].ID != id {
			t.Errorf("ticket = %+v", tk)
		}
		again := e.Admin(createTicketForAlert, apptest.Vars("id", id)).WantCode("ALREADY_LINKED")
		if again.Errors[0].Message != "the alert already has a ticket" {
			t.Errorf("already linked message = %q", again.Errors[0].Message)
		}
		e.Admin(createTicketForAlert, apptest.Vars("id", "987654")).WantCode("NOT_FOUND")
		if n := e.Count().Tickets; n != 1 {
			t.Errorf("tickets = %d, want 1", n)
		}
	})
}

func TestCreateTicketForAlertConcurrently(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		e.SetActions(ninja, rule.Actions{CreateTicket: apptest.Bool(false)})
		r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		tech := technician(e)
		var wg sync.WaitGroup
		codes := make([]string, 2)
		for i, tok := range []string{e.Demo.AdminToken, tech} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = e.GraphQL(tok, createTicketForAlert, apptest.Vars("id", apptest.ID(r.AlertID))).Code()
			}()
		}
		wg.Wait()
		ok, linked := 0, 0
		for _, c := range codes {
			switch c {
			case "":
				ok++
			case "ALREADY_LINKED":
				linked++
			}
		}
		if ok != 1 || linked != 1 || e.Count().Tickets != 1 {
			t.Errorf("two concurrent calls: codes %q, %d tickets; want one success, one ALREADY_LINKED, one ticket", codes, e.Count().Tickets)
		}
	})
}

func TestTicketOperations(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		tid := *r.TicketID
		id := apptest.ID(tid)
		tech := technician(e)
		touched := func() bool {
			t.Helper()
			ok := desk.Touched(e.Ticket(tid))
			var api struct{ Ticket struct{ Touched bool } }
			e.Admin(`query($id: ID!) { ticket(id: $id) { touched } }`, apptest.Vars("id", id)).Must(&api)
			if api.Ticket.Touched != ok {
				t.Errorf("API touched = %v, desk says %v", api.Ticket.Touched, ok)
			}
			return ok
		}

		// Assignment never touches a ticket (rules assign too).
		e.GraphQL(tech, `mutation($id: ID!, $u: ID!) { assignTicket(ticketId: $id, userId: $u) { assignee { email } } }`,
			apptest.Vars("id", id, "u", apptest.ID(e.Demo.AdminUserID))).Must(nil)
		if touched() {
			t.Fatal("assignment touched the ticket")
		}

		var c struct {
			AddComment struct {
				AuthorKind string
				Author     struct{ Email string }
			}
		}
		e.GraphQL(tech, `mutation($id: ID!) { addComment(ticketId: $id, body: "Looking into it", internal: false) { authorKind author { email } } }`,
			apptest.Vars("id", id)).Must(&c)
		if c.AddComment.AuthorKind != "HUMAN" || c.AddComment.Author.Email != "tech@demo.test" {
			t.Errorf("comment = %+v", c.AddComment)
		}
		if !touched() {
			t.Error("a human comment did not touch the ticket")
		}
		e.GraphQL(tech, `mutation($id: ID!) { logTime(ticketId: $id, minutes: 15, note: "checked RAM") { minutes user { email } } }`,
			apptest.Vars("id", id)).Must(nil)

		closedStatus := e.DB.TicketStatus.Query().Where(ticketstatus.IsClosed(true)).FirstX(e.Ctx)
		var closed struct {
			CloseTicket struct {
				ClosedAt      *string
				Status        struct{ Name string }
				StatusHistory []struct {
					ActorKind string
					Actor     struct{ Email string }
					ToStatus  struct{ ID string }
				}
				TimeEntries []struct{ Minutes int }
				Comments    []struct{ Body string }
			}
		}
		e.GraphQL(tech, `mutation($id: ID!, $s: ID!) { closeTicket(ticketId: $id, statusId: $s) {
			closedAt status { name } statusHistory { actorKind actor { email } toStatus { id } }
			timeEntries { minutes } comments { body } } }`,
			apptest.Vars("id", id, "s", apptest.ID(closedStatus.ID))).Must(&closed)
		ct := closed.CloseTicket
		h := ct.StatusHistory
		if ct.ClosedAt == nil || ct.Status.Name != closedStatus.Name || len(h) != 1 || h[0].ActorKind != "HUMAN" ||
			h[0].Actor.Email != "tech@demo.test" || len(ct.TimeEntries) != 1 || len(ct.Comments) < 2 {
			t.Errorf("closed ticket = %+v", ct)
		}
		// The close is an outbox entry, for the RMM reset and the workflow.
		entries := e.DB.OutboxEntry.Query().Where(outboxentry.Topic(outbox.TicketClosed)).AllX(e.Ctx)
		if len(entries) != 1 || entries[0].Payload["ticketId"] != float64(tid) || entries[0].Payload["actorKind"] != "human" {
			t.Errorf("TICKET_CLOSED entries = %+v", entries)
		}
		e.GraphQL(tech, `mutation($id: ID!) { closeTicket(ticketId: $id) { id } }`, apptest.Vars("id", id)).WantCode("ALREADY_CLOSED")
	})
}

// A human status change touches the ticket, so a reset no longer closes it.
func TestStatusChangeTouches(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		inProgress := e.DB.TicketStatus.Query().Where(ticketstatus.Name("In Progress")).OnlyX(e.Ctx)
		e.Admin(`mutation($id: ID!, $s: ID!) { changeTicketStatus(ticketId: $id, statusId: $s) { status { name } } }`,
			apptest.Vars("id", apptest.ID(*r.TicketID), "s", apptest.ID(inProgress.ID))).Must(nil)
		if !desk.Touched(e.Ticket(*r.TicketID)) {
			t.Fatal("a human status change did not touch the ticket")
		}
		e.PostFixture(ninja, "ninjaone-condition-reset.json")
		if tk := e.Ticket(*r.TicketID); tk.ClosedAt != nil {
			t.Error("a reset closed a ticket a person had worked")
		}
	})
}
