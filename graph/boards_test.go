package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/alertdesk/alertdesk/internal/apptest"
)

type statusOut struct {
	ID        string
	Name      string
	SortOrder int
	IsClosed  bool
	IsDefault bool
	RetiredAt *string
}

type boardOut struct {
	ID        string
	Name      string
	IsDefault bool
	RetiredAt *string
	Statuses  []statusOut
}

type priorityOut struct {
	ID        string
	Name      string
	SortOrder int
	RetiredAt *string
}

const (
	statusFields = `id name sortOrder isClosed isDefault retiredAt`
	boardFields  = `id name isDefault retiredAt statuses(includeRetired: true) { ` + statusFields + ` }`
)

// boardsOf lists the boards (retired ones too when all).
func boardsOf(e *apptest.Env, all bool) []boardOut {
	var out struct{ Boards []boardOut }
	e.Admin(`query($all: Boolean) { boards(includeRetired: $all) { `+boardFields+` } }`, apptest.Vars("all", all)).Must(&out)
	return out.Boards
}

func statusNames(ss []statusOut) []string {
	var n []string
	for _, s := range ss {
		n = append(n, s.Name)
	}
	return n
}

func statusNamed(t *testing.T, ss []statusOut, name string) statusOut {
	t.Helper()
	for _, s := range ss {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no status %q in %v", name, statusNames(ss))
	return statusOut{}
}

// Boards and their statuses are made, renamed, reordered and retired
// through the API; routing, status changes and rules follow.
func TestBoardsAndStatuses(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		demo := boardsOf(e, false)
		if len(demo) != 1 || !demo[0].IsDefault {
			t.Fatalf("demo boards: %+v", demo)
		}
		var c struct{ CreateBoard boardOut }
		e.Admin(`mutation { createBoard(input: {name: " Projects "}) { `+boardFields+` } }`, nil).Must(&c)
		projects := c.CreateBoard
		if projects.Name != "Projects" || projects.IsDefault || !slices.Equal(statusNames(projects.Statuses), []string{"Open", "In Progress", "Closed"}) ||
			!statusNamed(t, projects.Statuses, "Open").IsDefault || !statusNamed(t, projects.Statuses, "Closed").IsClosed {
			t.Fatalf("created %+v", projects)
		}

		oldTicket := e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": "00000000-0000-4000-8000-0000000000a1",
			"deviceId": 301, "device": map[string]any{"id": 301, "organizationId": 2, "displayName": "PC-301"}}))
		if oldTicket.TicketID == nil {
			t.Fatalf("webhook: %+v", oldTicket)
		}
		// Switching the default leaves exactly one.
		e.Admin(`mutation($id: ID!) { updateBoard(id: $id, input: {isDefault: true, name: "Projects desk"}) { id } }`, apptest.Vars("id", projects.ID)).Must(nil)
		var defaults []string
		for _, b := range boardsOf(e, true) {
			if b.IsDefault {
				defaults = append(defaults, b.Name)
			}
		}
		if !slices.Equal(defaults, []string{"Projects desk"}) {
			t.Errorf("default boards: %v", defaults)
		}
		// The old default is retired: out of the picker, still on its tickets.
		old := demo[0]
		e.Admin(`mutation($id: ID!) { updateBoard(id: $id, input: {retired: true}) { id } }`, apptest.Vars("id", old.ID)).Must(nil)
		if b := boardsOf(e, false); len(b) != 1 || b[0].ID != projects.ID {
			t.Errorf("boards after retiring: %+v", b)
		}
		if b := boardsOf(e, true); len(b) != 2 {
			t.Errorf("boards with retired: %+v", b)
		}
		var tk struct {
			Ticket struct {
				Board  struct{ Name string }
				Status struct{ Name string }
			}
		}
		e.Admin(`query($id: ID!) { ticket(id: $id) { board { name } status { name } } }`, apptest.Vars("id", apptest.ID(*oldTicket.TicketID))).Must(&tk)
		if tk.Ticket.Board.Name != old.Name {
			t.Errorf("ticket's board after retiring it: %+v", tk.Ticket)
		}
		// A rule cannot route to it any more.
		integ := apptest.ID(e.Integration(ninja).ID)
		r := e.Admin(`mutation($i: ID!, $b: String!) { createAlertRule(input: {integrationId: $i, name: "x", actions: {boardId: $b}}) { id } }`,
			apptest.Vars("i", integ, "b", old.ID))
		if r.Code() != "BAD_USER_INPUT" || !strings.Contains(string(r.Raw), "is retired") {
			t.Errorf("rule to a retired board: %s", r.Raw)
		}

		// Statuses: add, reorder, move the default, retire.
		var cs struct{ CreateTicketStatus statusOut }
		e.Admin(`mutation($b: ID!) { createTicketStatus(input: {boardId: $b, name: "Waiting"}) { `+statusFields+` } }`,
			apptest.Vars("b", projects.ID)).Must(&cs)
		waiting := cs.CreateTicketStatus
		if waiting.SortOrder != 4 || waiting.IsClosed || waiting.IsDefault {
			t.Errorf("created status %+v", waiting)
		}
		st := projects.Statuses
		order := []string{waiting.ID, st[0].ID, st[1].ID, st[2].ID}
		var ro struct{ ReorderTicketStatuses []statusOut }
		e.Admin(`mutation($b: ID!, $ids: [ID!]!) { reorderTicketStatuses(boardId: $b, statusIds: $ids) { `+statusFields+` } }`,
			apptest.Vars("b", projects.ID, "ids", order)).Must(&ro)
		if n := statusNames(ro.ReorderTicketStatuses); !slices.Equal(n, []string{"Waiting", "Open", "In Progress", "Closed"}) {
			t.Errorf("reordered: %v", n)
		}
		e.Admin(`mutation($id: ID!) { updateTicketStatus(id: $id, input: {isDefault: true}) { id } }`, apptest.Vars("id", waiting.ID)).Must(nil)
		e.Admin(`mutation($id: ID!) { updateTicketStatus(id: $id, input: {retired: true, name: "Working"}) { id } }`, apptest.Vars("id", st[1].ID)).Must(nil)
		var done struct{ CreateTicketStatus statusOut }
		e.Admin(`mutation($b: ID!) { createTicketStatus(input: {boardId: $b, name: "Done", isClosed: true}) { id } }`,
			apptest.Vars("b", projects.ID)).Must(&done)
		e.Admin(`mutation($id: ID!) { updateTicketStatus(id: $id, input: {retired: true}) { id } }`, apptest.Vars("id", st[2].ID)).Must(nil)
		var pb struct{ Boards []boardOut }
		e.Admin(`{ boards { `+boardFields+` } }`, nil).Must(&pb)
		got := pb.Boards[0].Statuses
		if !statusNamed(t, got, "Waiting").IsDefault || statusNamed(t, got, "Open").IsDefault || statusNamed(t, got, "Working").RetiredAt == nil {
			t.Errorf("statuses: %+v", got)
		}
		var picker struct{ TicketStatuses []statusOut }
		e.Admin(`query($b: ID!) { ticketStatuses(boardId: $b) { `+statusFields+` } }`, apptest.Vars("b", projects.ID)).Must(&picker)
		if n := statusNames(picker.TicketStatuses); !slices.Equal(n, []string{"Waiting", "Open", "Done"}) {
			t.Errorf("status picker: %v", n)
		}

		// New tickets land on the new default board, in its default status.
		nt := e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": "00000000-0000-4000-8000-0000000000a2",
			"deviceId": 302, "device": map[string]any{"id": 302, "organizationId": 2, "displayName": "PC-302"}}))
		if nt.TicketID == nil {
			t.Fatalf("webhook: %+v", nt)
		}
		ntID := apptest.ID(*nt.TicketID)
		e.Admin(`query($id: ID!) { ticket(id: $id) { board { name } status { name } } }`, apptest.Vars("id", ntID)).Must(&tk)
		if tk.Ticket.Board.Name != "Projects desk" || tk.Ticket.Status.Name != "Waiting" {
			t.Errorf("new ticket: %+v", tk.Ticket)
		}
		// Nothing moves to a retired status; closing takes a live one.
		r = e.Admin(`mutation($t: ID!, $s: ID!) { changeTicketStatus(ticketId: $t, statusId: $s) { id } }`, apptest.Vars("t", ntID, "s", st[1].ID))
		wantFieldMessage(t, r, "statusId", "is retired")
		r = e.Admin(`mutation($t: ID!, $s: ID!) { closeTicket(ticketId: $t, statusId: $s) { id } }`, apptest.Vars("t", ntID, "s", st[2].ID))
		wantFieldMessage(t, r, "statusId", "is retired")
		e.Admin(`mutation($t: ID!) { closeTicket(ticketId: $t) { id } }`, apptest.Vars("t", ntID)).Must(nil)
		e.Admin(`query($id: ID!) { ticket(id: $id) { board { name } status { name } } }`, apptest.Vars("id", ntID)).Must(&tk)
		if tk.Ticket.Status.Name != "Done" {
			t.Errorf("closed in %q, want Done (Closed is retired)", tk.Ticket.Status.Name)
		}
		r = e.Admin(`mutation($i: ID!, $s: String!) { createAlertRule(input: {integrationId: $i, name: "x", actions: {autoResolveStatusId: $s}}) { id } }`,
			apptest.Vars("i", integ, "s", st[2].ID))
		wantFieldMessage(t, r, "actions.autoResolveStatusId", "is retired")
	})
}

// A board, status or priority that enabled rules name cannot be retired:
// their alerts would silently stop making tickets. The error names the
// rules; once they are disabled it can. A rule still naming a retired
// board (stored before the board was retired) makes no ticket, and the
// alert keeps the reason.
func TestRetiredBoardStopsRouting(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		var c struct{ CreateBoard boardOut }
		e.Admin(`mutation { createBoard(input: {name: "Old"}) { id } }`, nil).Must(&c)
		var p struct{ CreatePriority priorityOut }
		e.Admin(`mutation { createPriority(input: {name: "Urgent"}) { id } }`, nil).Must(&p)
		var st struct{ CreateTicketStatus statusOut }
		e.Admin(`mutation($b: ID!) { createTicketStatus(input: {boardId: $b, name: "Resolved", isClosed: true}) { id } }`,
			apptest.Vars("b", c.CreateBoard.ID)).Must(&st)
		closed := st.CreateTicketStatus.ID
		catchAll := e.Rule(ninja)
		e.Admin(`mutation($id: ID!, $b: String!, $p: String!, $s: String!) { updateAlertRule(id: $id, input: {actions: {boardId: $b, priorityOverride: $p, autoResolveStatusId: $s}}) { id } }`,
			apptest.Vars("id", apptest.ID(catchAll.ID), "b", c.CreateBoard.ID, "p", p.CreatePriority.ID, "s", closed)).Must(nil)
		for _, tc := range []struct{ what, id string }{
			{"Board", c.CreateBoard.ID}, {"Priority", p.CreatePriority.ID}, {"TicketStatus", closed},
		} {
			r := e.Admin(`mutation($id: ID!) { update`+tc.what+`(id: $id, input: {retired: true}) { id } }`, apptest.Vars("id", tc.id))
			if r.Code() != "BAD_USER_INPUT" || !slices.Contains(r.Fields(), "retired") || !strings.Contains(r.Errors[0].Message, "enabled alert rules still use this") || !strings.Contains(r.Errors[0].Message, catchAll.Name) {
				t.Errorf("retire %s used by a rule: %s", tc.what, r.Raw)
			}
		}

		// Stored as an older release could: the rule names a retired board.
		e.Admin(`mutation($id: ID!) { setAlertRuleActive(id: $id, active: false) { id } }`, apptest.Vars("id", apptest.ID(catchAll.ID))).Must(nil)
		e.Admin(`mutation($id: ID!) { updateBoard(id: $id, input: {retired: true}) { id } }`, apptest.Vars("id", c.CreateBoard.ID)).Must(nil)
		e.DB.AlertRule.UpdateOneID(catchAll.ID).SetIsActive(true).ExecX(e.Ctx)
		r := e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": "00000000-0000-4000-8000-0000000000b1",
			"deviceId": 303, "device": map[string]any{"id": 303, "organizationId": 2, "displayName": "PC-303"}}))
		if r.Status != 200 || r.TicketID != nil {
			t.Fatalf("webhook: %+v", r)
		}
		var out struct{ Alert struct{ TicketError string } }
		e.Admin(`query($id: ID!) { alert(id: $id) { ticketError } }`, apptest.Vars("id", apptest.ID(r.AlertID))).Must(&out)
		if want := fmt.Sprintf("board %s is retired", c.CreateBoard.ID); !strings.Contains(out.Alert.TicketError, want) {
			t.Errorf("ticketError %q, want …%s…", out.Alert.TicketError, want)
		}
	})
}

// Priorities are made, moved and retired; a retired one is no rule's
// override and no severity's choice.
func TestPriorities(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		list := func(all bool) []priorityOut {
			var out struct{ Priorities []priorityOut }
			e.Admin(`query($all: Boolean) { priorities(includeRetired: $all) { id name sortOrder retiredAt } }`, apptest.Vars("all", all)).Must(&out)
			return out.Priorities
		}
		names := func(ps []priorityOut) []string {
			var n []string
			for _, p := range ps {
				n = append(n, p.Name)
			}
			return n
		}
		before := list(false)
		var c struct{ CreatePriority priorityOut }
		e.Admin(`mutation { createPriority(input: {name: "Emergency", sortOrder: 0}) { id name sortOrder } }`, nil).Must(&c)
		emergency := c.CreatePriority
		if got := names(list(false)); got[0] != "Emergency" || len(got) != len(before)+1 {
			t.Errorf("priorities: %v", got)
		}
		var last struct{ CreatePriority priorityOut }
		e.Admin(`mutation { createPriority(input: {name: "Someday"}) { id sortOrder } }`, nil).Must(&last)
		if last.CreatePriority.SortOrder <= before[len(before)-1].SortOrder {
			t.Errorf("appended at %d after %+v", last.CreatePriority.SortOrder, before)
		}
		// Reorder: reversed.
		all := list(true)
		var ids []string
		for i := len(all) - 1; i >= 0; i-- {
			ids = append(ids, all[i].ID)
		}
		var ro struct{ ReorderPriorities []priorityOut }
		e.Admin(`mutation($ids: [ID!]!) { reorderPriorities(priorityIds: $ids) { id name sortOrder } }`, apptest.Vars("ids", ids)).Must(&ro)
		if got := names(ro.ReorderPriorities); got[0] != "Someday" || got[len(got)-1] != "Emergency" {
			t.Errorf("reordered: %v", got)
		}
		var u struct{ UpdatePriority priorityOut }
		e.Admin(`mutation($id: ID!) { updatePriority(id: $id, input: {retired: true, name: "Emergency!"}) { id name retiredAt } }`,
			apptest.Vars("id", emergency.ID)).Must(&u)
		if u.UpdatePriority.RetiredAt == nil || u.UpdatePriority.Name != "Emergency!" {
			t.Errorf("retired %+v", u.UpdatePriority)
		}
		if got := names(list(false)); slices.Contains(got, "Emergency!") {
			t.Errorf("retired one in the picker: %v", got)
		}
		if got := names(list(true)); !slices.Contains(got, "Emergency!") {
			t.Errorf("retired one missing with includeRetired: %v", got)
		}
		r := e.Admin(`mutation($i: ID!, $p: String!) { createAlertRule(input: {integrationId: $i, name: "x", actions: {priorityOverride: $p}}) { id } }`,
			apptest.Vars("i", apptest.ID(e.Integration(ninja).ID), "p", emergency.ID))
		wantFieldMessage(t, r, "actions.priorityOverride", "is retired")
		e.Admin(`mutation($id: ID!) { updatePriority(id: $id, input: {retired: false}) { id } }`, apptest.Vars("id", emergency.ID)).Must(nil)
		e.Admin(`mutation($i: ID!, $p: String!) { createAlertRule(input: {integrationId: $i, name: "x", actions: {priorityOverride: $p}}) { id } }`,
			apptest.Vars("i", apptest.ID(e.Integration(ninja).ID), "p", emergency.ID)).Must(nil)
	})
}

// wantFieldMessage wants BAD_USER_INPUT with a message on field holding part.
func wantFieldMessage(t *testing.T, r apptest.GQLResponse, field, part string) {
	t.Helper()
	if r.Code() != "BAD_USER_INPUT" || !slices.Contains(r.Fields(), field) || !strings.Contains(string(r.Raw), part) {
		t.Errorf("want BAD_USER_INPUT on %s (…%s…): %s", field, part, r.Raw)
	}
}

// Bad input names its field and changes nothing.
func TestBoardValidation(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		b := boardsOf(e, false)[0]
		st := b.Statuses
		open, progress, closed := statusNamed(t, st, "Open"), statusNamed(t, st, "In Progress"), statusNamed(t, st, "Closed")
		var prios struct{ Priorities []priorityOut }
		e.Admin(`{ priorities { id } }`, nil).Must(&prios)
		long := fmt.Sprintf("%0201d", 0)
		before := snapshot(t, e)
		for _, c := range []struct {
			name  string
			query string
			vars  map[string]any
			field string
		}{
			{"blank board name", `mutation { createBoard(input: {name: "  "}) { id } }`, nil, "name"},
			{"long board name", `mutation($n: String!) { createBoard(input: {name: $n}) { id } }`, apptest.Vars("n", long), "name"},
			{"rename blank", `mutation($id: ID!) { updateBoard(id: $id, input: {name: ""}) { id } }`, apptest.Vars("id", b.ID), "name"},
			{"unset the default board", `mutation($id: ID!) { updateBoard(id: $id, input: {isDefault: false}) { id } }`, apptest.Vars("id", b.ID), "isDefault"},
			{"retire the default board", `mutation($id: ID!) { updateBoard(id: $id, input: {retired: true}) { id } }`, apptest.Vars("id", b.ID), "retired"},
			{"status on no board", `mutation { createTicketStatus(input: {boardId: "987654", name: "x"}) { id } }`, nil, "boardId"},
			{"long status name", `mutation($b: ID!) { createTicketStatus(input: {boardId: $b, name: "` + strings.Repeat("x", 101) + `"}) { id } }`, apptest.Vars("b", b.ID), "name"},
			{"closed default status", `mutation($b: ID!) { createTicketStatus(input: {boardId: $b, name: "x", isClosed: true, isDefault: true}) { id } }`, apptest.Vars("b", b.ID), "isDefault"},
			{"unset the default status", `mutation($id: ID!) { updateTicketStatus(id: $id, input: {isDefault: false}) { id } }`, apptest.Vars("id", open.ID), "isDefault"},
			{"close the default status", `mutation($id: ID!) { updateTicketStatus(id: $id, input: {isClosed: true}) { id } }`, apptest.Vars("id", open.ID), "isClosed"},
			{"retire the default status", `mutation($id: ID!) { updateTicketStatus(id: $id, input: {retired: true}) { id } }`, apptest.Vars("id", open.ID), "retired"},
			{"closed status as default", `mutation($id: ID!) { updateTicketStatus(id: $id, input: {isDefault: true}) { id } }`, apptest.Vars("id", closed.ID), "isDefault"},
			{"retire the only closed status", `mutation($id: ID!) { updateTicketStatus(id: $id, input: {retired: true}) { id } }`, apptest.Vars("id", closed.ID), "retired"},
			{"reopen the only closed status", `mutation($id: ID!) { updateTicketStatus(id: $id, input: {isClosed: false}) { id } }`, apptest.Vars("id", closed.ID), "isClosed"},
			{"blank status name", `mutation($id: ID!) { updateTicketStatus(id: $id, input: {name: " "}) { id } }`, apptest.Vars("id", progress.ID), "name"},
			{"reorder missing one", `mutation($b: ID!, $ids: [ID!]!) { reorderTicketStatuses(boardId: $b, statusIds: $ids) { id } }`,
				apptest.Vars("b", b.ID, "ids", []string{open.ID, closed.ID}), "statusIds"},
			{"reorder twice", `mutation($b: ID!, $ids: [ID!]!) { reorderTicketStatuses(boardId: $b, statusIds: $ids) { id } }`,
				apptest.Vars("b", b.ID, "ids", []string{open.ID, progress.ID, closed.ID, open.ID}), "statusIds"},
			{"reorder unknown", `mutation($b: ID!, $ids: [ID!]!) { reorderTicketStatuses(boardId: $b, statusIds: $ids) { id } }`,
				apptest.Vars("b", b.ID, "ids", []string{open.ID, progress.ID, closed.ID, "987654"}), "statusIds"},
			{"blank priority", `mutation { createPriority(input: {name: ""}) { id } }`, nil, "name"},
			{"negative order", `mutation { createPriority(input: {name: "x", sortOrder: -1}) { id } }`, nil, "sortOrder"},
			{"huge order", `mutation($id: ID!) { updatePriority(id: $id, input: {sortOrder: 10001}) { id } }`, apptest.Vars("id", prios.Priorities[0].ID), "sortOrder"},
			{"reorder priorities short", `mutation($ids: [ID!]!) { reorderPriorities(priorityIds: $ids) { id } }`, apptest.Vars("ids", []string{prios.Priorities[0].ID}), "priorityIds"},
		} {
			t.Run(c.name, func(t *testing.T) {
				r := e.Admin(c.query, c.vars)
				if r.Code() != "BAD_USER_INPUT" || !slices.Contains(r.Fields(), c.field) {
					t.Errorf("%s %v: %s, want BAD_USER_INPUT on %s", c.query, c.vars, r.Raw, c.field)
				}
			})
		}
		e.Admin(`mutation { updateBoard(id: "987654", input: {name: "x"}) { id } }`, nil).WantCode("NOT_FOUND")
		e.Admin(`mutation { updateTicketStatus(id: "987654", input: {name: "x"}) { id } }`, nil).WantCode("NOT_FOUND")
		e.Admin(`mutation { updatePriority(id: "987654", input: {name: "x"}) { id } }`, nil).WantCode("NOT_FOUND")
		e.Admin(`mutation { reorderTicketStatuses(boardId: "987654", statusIds: []) { id } }`, nil).WantCode("NOT_FOUND")
		if after := snapshot(t, e); after != before {
			t.Errorf("refused input changed data:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// Concurrent switches of the default board leave exactly one default, and
// concurrent retirements cannot leave a board without a live closed status.
func TestConcurrentDefaultsAndRetirements(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		var ids []string
		for i := range 4 {
			var c struct{ CreateBoard boardOut }
			e.Admin(fmt.Sprintf(`mutation { createBoard(input: {name: "B%d"}) { `+boardFields+` } }`, i), nil).Must(&c)
			ids = append(ids, c.CreateBoard.ID)
		}
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Go(func() {
				for range 3 {
					if r := e.Admin(`mutation($id: ID!) { updateBoard(id: $id, input: {isDefault: true}) { id } }`, apptest.Vars("id", id)); len(r.Errors) > 0 {
						t.Errorf("switch default to %s: %s", id, r.Raw)
					}
				}
			})
		}
		wg.Wait()
		n := 0
		for _, b := range boardsOf(e, true) {
			if b.IsDefault {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d default boards, want 1", n)
		}

		// Two closed statuses retired at once: one of them must stay.
		b := boardsOf(e, false)[0]
		var c struct{ CreateTicketStatus statusOut }
		e.Admin(`mutation($b: ID!) { createTicketStatus(input: {boardId: $b, name: "Done", isClosed: true}) { id } }`, apptest.Vars("b", b.ID)).Must(&c)
		closed := []string{statusNamed(t, b.Statuses, "Closed").ID, c.CreateTicketStatus.ID}
		for _, id := range closed {
			wg.Go(func() {
				e.Admin(`mutation($id: ID!) { updateTicketStatus(id: $id, input: {retired: true}) { id } }`, apptest.Vars("id", id))
			})
		}
		wg.Wait()
		var picker struct{ TicketStatuses []statusOut }
		e.Admin(`query($b: ID!) { ticketStatuses(boardId: $b) { `+statusFields+` } }`, apptest.Vars("b", b.ID)).Must(&picker)
		live := 0
		for _, s := range picker.TicketStatuses {
			if s.IsClosed {
				live++
			}
		}
		if live != 1 {
			t.Errorf("%d live closed statuses after concurrent retirements, want 1: %+v", live, picker.TicketStatuses)
		}
	})
}
