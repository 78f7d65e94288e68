package graph_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent/asset"
	"github.com/alertdesk/alertdesk/ent/board"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/ent/ticketstatus"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/rule"
)

const createTicket = `mutation($in: CreateTicketInput!) { createTicket(input: $in) {
	id number title description source sourceReference board { id } status { id isClosed } priority { id }
	assignee { id } client { id } asset { id } alerts { id } comments { body } } }`

type createdTicket struct {
	CreateTicket struct {
		ID, Title, Description, Source, SourceReference string
		Number                                          int
		Board, Priority, Assignee, Client, Asset        *struct{ ID string }
		Status                                          struct {
			ID       string
			IsClosed bool
		}
		Alerts   []struct{ ID string }
		Comments []struct{ Body string }
	}
}

// deskOf is the demo tenant's desk, as createTicket's tests use it.
type deskOf struct {
	board, open, closed, otherBoard, otherOpen int
	client, asset, otherClientAsset, retired   int
}

func demoDesk(t *testing.T, e *apptest.Env) deskOf {
	t.Helper()
	c, ctx, tn := e.DB, e.Ctx, e.Demo.TenantID
	var d deskOf
	b := c.Board.Query().Where(board.TenantID(tn), board.IsDefault(true)).FirstX(ctx)
	d.board = b.ID
	d.open = c.TicketStatus.Query().Where(ticketstatus.BoardID(b.ID), ticketstatus.IsClosed(false)).FirstIDX(ctx)
	d.closed = c.TicketStatus.Query().Where(ticketstatus.BoardID(b.ID), ticketstatus.IsClosed(true)).FirstIDX(ctx)
	other := c.Board.Create().SetTenantID(tn).SetName("Projects").SaveX(ctx)
	d.otherBoard = other.ID
	d.otherOpen = c.TicketStatus.Create().SetTenantID(tn).SetBoardID(other.ID).SetName("New").SaveX(ctx).ID
	cl := c.Customer.Create().SetTenantID(tn).SetName("Fabrikam").SaveX(ctx)
	d.client = cl.ID
	d.asset = c.Asset.Create().SetTenantID(tn).SetName("FAB-01").SetClientID(cl.ID).SaveX(ctx).ID
	d.otherClientAsset = c.Asset.Query().Where(asset.TenantID(tn), asset.ClientIDNEQ(cl.ID)).FirstIDX(ctx)
	d.retired = c.Customer.Create().SetTenantID(tn).SetName("Gone Ltd").SetRetiredAt(time.Now()).SaveX(ctx).ID
	return d
}

func TestCreateTicket(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		d := demoDesk(t, e)
		var min createdTicket
		e.Admin(createTicket, apptest.Vars("in", map[string]any{"title": "  Replace the UPS battery  "})).Must(&min)
		got := min.CreateTicket
		if got.Title != "Replace the UPS battery" || got.Board == nil || got.Board.ID != apptest.ID(d.board) ||
			got.Status.IsClosed || got.Source != "" || got.Client != nil || len(got.Alerts) != 0 {
			t.Errorf("minimal ticket = %+v", got)
		}

		prio := e.DB.Priority.Query().FirstIDX(e.Ctx)
		var full createdTicket
		e.Admin(createTicket, apptest.Vars("in", map[string]any{
			"title": "Quarterly patch review", "description": "Check the failed patches.",
			"boardId": apptest.ID(d.otherBoard), "statusId": apptest.ID(d.otherOpen), "priorityId": apptest.ID(prio),
			"assigneeId": apptest.ID(e.Demo.AdminUserID), "clientId": apptest.ID(d.client), "assetId": apptest.ID(d.asset),
		})).Must(&full)
		f := full.CreateTicket
		if f.Description != "Check the failed patches." || f.Board.ID != apptest.ID(d.otherBoard) ||
			f.Status.ID != apptest.ID(d.otherOpen) || f.Priority.ID != apptest.ID(prio) ||
			f.Assignee.ID != apptest.ID(e.Demo.AdminUserID) || f.Client.ID != apptest.ID(d.client) ||
			f.Asset.ID != apptest.ID(d.asset) || f.Number != got.Number+1 {
			t.Errorf("full ticket = %+v (after #%d)", f, got.Number)
		}
	})
}

func TestCreateTicketRefusesBadInput(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		d := demoDesk(t, e)
		id := apptest.ID
		for _, c := range []struct {
			name  string
			in    map[string]any
			field string
		}{
			{"blank title", map[string]any{"title": "  "}, "title"},
			{"long title", map[string]any{"title": strings.Repeat("x", 501)}, "title"},
			{"long description", map[string]any{"title": "x", "description": strings.Repeat("x", 2001)}, "description"},
			{"empty key", map[string]any{"title": "x", "idempotencyKey": ""}, "idempotencyKey"},
			{"long key", map[string]any{"title": "x", "idempotencyKey": strings.Repeat("k", 201)}, "idempotencyKey"},
			{"NUL in key", map[string]any{"title": "x", "idempotencyKey": "a\x00b"}, "idempotencyKey"},
			{"missing board", map[string]any{"title": "x", "boardId": "987654"}, "boardId"},
			{"status of another board", map[string]any{"title": "x", "statusId": id(d.otherOpen)}, "statusId"},
			{"closed status", map[string]any{"title": "x", "statusId": id(d.closed)}, "statusId"},
			{"missing priority", map[string]any{"title": "x", "priorityId": "987654"}, "priorityId"},
			{"missing assignee", map[string]any{"title": "x", "assigneeId": "987654"}, "assigneeId"},
			{"retired client", map[string]any{"title": "x", "clientId": id(d.retired)}, "clientId"},
			{"asset of another client", map[string]any{"title": "x", "clientId": id(d.client), "assetId": id(d.otherClientAsset)}, "assetId"},
			{"missing asset", map[string]any{"title": "x", "assetId": "987654"}, "assetId"},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := e.Count()
				wantFields(t, e.Admin(createTicket, apptest.Vars("in", c.in)), c.field)
				if after := e.Count(); after != before {
					t.Errorf("counts %+v, want %+v unchanged", after, before)
				}
			})
		}
		_, gone := e.NewToken(e.Demo.TenantID, "gone@demo.test", user.RoleTechnician)
		e.DB.User.UpdateOneID(gone).SetDeactivatedAt(time.Now()).ExecX(e.Ctx)
		wantFields(t, e.Admin(createTicket, apptest.Vars("in", map[string]any{"title": "x", "assigneeId": id(gone)})), "assigneeId")
		e.DB.Asset.UpdateOneID(d.asset).SetRetiredAt(time.Now()).ExecX(e.Ctx)
		wantFields(t, e.Admin(createTicket, apptest.Vars("in", map[string]any{"title": "x", "assetId": id(d.asset)})), "assetId")
		// No default board: the board is then required.
		e.DB.Board.Update().Where(board.TenantID(e.Demo.TenantID)).SetIsDefault(false).ExecX(e.Ctx)
		wantFields(t, e.Admin(createTicket, apptest.Vars("in", map[string]any{"title": "x"})), "boardId")
		if n := e.Count().Tickets; n != 0 {
			t.Errorf("%d tickets after refused calls", n)
		}
	})
}

// A retried call with the key gets the first call's ticket, unchanged,
// also when the calls run at once; keys are per tenant.
func TestCreateTicketIdempotencyKey(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		first := createWithKey(t, e, e.Demo.AdminToken, "Disk cleanup", "n8n-run-41/step-3")
		again := createWithKey(t, e, e.Demo.AdminToken, "Another title", "n8n-run-41/step-3")
		if again.ID != first.ID || again.Title != "Disk cleanup" {
			t.Errorf("retry = %+v, want ticket %s unchanged", again, first.ID)
		}

		tech := technician(e)
		const n = 8
		ids := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				tok := e.Demo.AdminToken
				if i%2 == 1 {
					tok = tech
				}
				ids[i] = createWithKey(t, e, tok, "Racing", "race-key").ID
			}()
		}
		wg.Wait()
		for _, id := range ids {
			if id != ids[0] || id == "" {
				t.Fatalf("concurrent calls with one key returned %v", ids)
			}
		}
		if k := e.DB.Ticket.Query().Where(ticket.IdempotencyKey("race-key")).CountX(e.Ctx); k != 1 {
			t.Errorf("%d tickets with the raced key, want 1", k)
		}

		other := e.DB.Integration.GetX(e.Ctx, e.OtherTenant("other-secret").ID).TenantID
		tok, _ := e.NewToken(other, "admin@other.test", user.RoleAdmin)
		theirs := createWithKey(t, e, tok, "Their ticket", "n8n-run-41/step-3")
		if theirs.ID == first.ID || theirs.Title != "Their ticket" {
			t.Errorf("another tenant's call with the same key = %+v, want its own ticket", theirs)
		}
	})
}

func createWithKey(t *testing.T, e *apptest.Env, token, title, key string) struct{ ID, Title string } {
	t.Helper()
	var out struct{ CreateTicket struct{ ID, Title string } }
	e.GraphQL(token, `mutation($in: CreateTicketInput!) { createTicket(input: $in) { id title } }`,
		apptest.Vars("in", map[string]any{"title": title, "idempotencyKey": key})).Must(&out)
	return out.CreateTicket
}

// With an alert, the ticket is the alert's, as createTicketForAlert makes
// it: the condition's next firing joins it, and a retry with the key
// returns it rather than ALREADY_LINKED.
func TestCreateTicketForAnAlert(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		e.SetActions(ninja, rule.Actions{CreateTicket: apptest.Bool(false)})
		r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		if r.Outcome != "recorded" {
			t.Fatalf("webhook: %+v", r)
		}
		in := map[string]any{"title": "Disk space on SRV-01", "alertId": apptest.ID(r.AlertID), "idempotencyKey": "wf-7"}
		var out createdTicket
		e.Admin(createTicket, apptest.Vars("in", in)).Must(&out)
		tk := out.CreateTicket
		a := e.Alert(r.AlertID)
		if len(tk.Alerts) != 1 || tk.Alerts[0].ID != apptest.ID(r.AlertID) || a.TicketID == nil ||
			apptest.ID(*a.TicketID) != tk.ID || tk.Source != "ninjaone" || tk.SourceReference != a.ExternalAlertID {
			t.Fatalf("ticket = %+v, alert's ticket %v", tk, a.TicketID)
		}
		if a.ClientID == nil || tk.Client == nil || tk.Client.ID != apptest.ID(*a.ClientID) {
			t.Errorf("client %+v, want the alert's %v", tk.Client, a.ClientID)
		}
		var retry createdTicket
		e.Admin(createTicket, apptest.Vars("in", in)).Must(&retry)
		if retry.CreateTicket.ID != tk.ID {
			t.Errorf("retry made ticket %s, want %s", retry.CreateTicket.ID, tk.ID)
		}
		delete(in, "idempotencyKey")
		e.Admin(createTicket, apptest.Vars("in", in)).WantCode("ALREADY_LINKED")
		e.Admin(createTicket, apptest.Vars("in", map[string]any{"title": "x", "alertId": "987654"})).WantCode("NOT_FOUND")

		// The condition fires again with a new alert id, under a rule that
		// makes tickets: it joins this one.
		e.SetActions(ninja, rule.Actions{})
		again := e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": "second-firing", "id": 2, "activityTime": 1742392000}))
		if again.TicketID == nil || apptest.ID(*again.TicketID) != tk.ID {
			t.Errorf("second firing: %+v, want ticket %s", again, tk.ID)
		}
		if n := e.Count().Tickets; n != 1 {
			t.Errorf("%d tickets, want 1", n)
		}
	})
}

// The workflow actions name mutations the schema has, createTicket among
// them.
func TestWorkflowActions(t *testing.T) {
	e := apptest.New(t, "sqlite3")
	var out struct {
		WorkflowActions []struct{ Name, Mutation, Description string }
		Type            struct{ Fields []struct{ Name string } } `json:"__type"`
	}
	e.GraphQL(technician(e), `{ workflowActions { name mutation description } __type(name: "Mutation") { fields { name } } }`, nil).Must(&out)
	mutations := map[string]bool{}
	for _, f := range out.Type.Fields {
		mutations[f.Name] = true
	}
	names := map[string]string{}
	for _, a := range out.WorkflowActions {
		if !mutations[a.Mutation] || a.Description == "" {
			t.Errorf("action %+v: no such mutation, or undescribed", a)
		}
		names[a.Name] = a.Mutation
	}
	if names["tickets.create"] != "createTicket" || names["rmm.alerts.create_ticket"] != "createTicketForAlert" {
		t.Errorf("actions = %v", names)
	}
}
