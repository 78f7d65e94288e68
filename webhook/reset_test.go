package webhook_test

import (
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/ticketstatus"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/rule"
)

func lastComment(e *apptest.Env, ticketID int) string {
	cs := e.Ticket(ticketID).Edges.Comments
	return cs[len(cs)-1].Body
}

func TestResetClosesUntouchedTicket(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		reset := e.PostFixture(ninja, "ninjaone-condition-reset.json")
		wantOutcome(t, reset, 200, "resolved")
		tk := e.Ticket(*r.TicketID)
		if tk.ClosedAt == nil || !tk.Edges.Status.IsClosed {
			t.Fatalf("untouched ticket not closed: status %s closed_at %v", tk.Edges.Status.Name, tk.ClosedAt)
		}
		if c := lastComment(e, tk.ID); !strings.Contains(c, "NinjaOne reported the reset") || !strings.Contains(c, "closed automatically") {
			t.Errorf("reset comment = %q", c)
		}
		if a := e.Alert(r.AlertID); a.Status != "resolved" || a.ResolvedAt == nil {
			t.Errorf("alert %s resolved_at %v", a.Status, a.ResolvedAt)
		}
		want := []string{"RMM_ALERT_TRIGGERED", "TICKET_CLOSED", "RMM_ALERT_RESOLVED"}
		if got := e.OutboxTopics(); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("outbox = %v, want %v", got, want)
		}
		// The echo of a reset is a no-op.
		before := e.Count()
		wantOutcome(t, e.PostFixture(ninja, "ninjaone-condition-reset.json"), 200, "replay")
		if after := e.Count(); after != before {
			t.Errorf("reset echo wrote rows: %+v -> %+v", before, after)
		}
	})
}

func TestResetClosesWithConfiguredStatus(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		tk := e.Ticket(*r.TicketID)
		resolved := e.DB.TicketStatus.Create().SetTenantID(e.Demo.TenantID).SetBoardID(tk.BoardID).
			SetName("Auto-resolved").SetIsClosed(true).SetSortOrder(9).SaveX(e.Ctx)
		e.SetActions(ninja, rule.Actions{AutoResolveTicket: apptest.Bool(true), AutoResolveStatusID: &resolved.ID})
		e.PostFixture(ninja, "ninjaone-condition-reset.json")
		if got := e.Ticket(tk.ID).Edges.Status; got.ID != resolved.ID {
			t.Errorf("closed with status %s, want Auto-resolved", got.Name)
		}
	})
}

func TestResetLeavesTouchedTicketOpen(t *testing.T) {
	touches := map[string]func(e *apptest.Env, id int){
		"human comment": func(e *apptest.Env, id int) { e.HumanComment(id, "Looking into it") },
		"time entry":    func(e *apptest.Env, id int) { e.LogTime(id, 15) },
		"status change": func(e *apptest.Env, id int) {
			st := e.DB.TicketStatus.Query().Where(ticketstatus.Name("In Progress")).OnlyX(e.Ctx)
			e.ChangeStatus(id, st.ID)
		},
	}
	for name, touch := range touches {
		t.Run(name, func(t *testing.T) {
			eachDialect(t, func(t *testing.T, e *apptest.Env) {
				r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
				touch(e, *r.TicketID)
				wantOutcome(t, e.PostFixture(ninja, "ninjaone-condition-reset.json"), 200, "resolved")
				tk := e.Ticket(*r.TicketID)
				if tk.ClosedAt != nil {
					t.Fatal("touched ticket was closed")
				}
				if c := lastComment(e, tk.ID); !strings.Contains(c, "someone has worked on it") {
					t.Errorf("comment = %q", c)
				}
			})
		})
	}
}

func TestResetKeepsTicketOpenWhileAnotherAlertActive(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		first := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": series(2), "activityTime": 1742392000.0}))
		wantOutcome(t, e.PostFixture(ninja, "ninjaone-condition-reset.json"), 200, "resolved")
		if tk := e.Ticket(*first.TicketID); tk.ClosedAt != nil {
			t.Fatal("ticket closed while a linked alert is still active")
		}
		if c := lastComment(e, *first.TicketID); !strings.Contains(c, "1 other linked alert(s) still active") {
			t.Errorf("comment = %q", c)
		}
		wantOutcome(t, e.Post(ninja, ninjaReset(t, map[string]any{"seriesUid": series(2), "activityTime": 1742393000.0})), 200, "resolved")
		if tk := e.Ticket(*first.TicketID); tk.ClosedAt == nil {
			t.Fatal("ticket still open after its last alert cleared")
		}
	})
}

// TestResetByARuleDeactivatedSince: the rule that opened the ticket still
// decides its auto-resolve after it was switched off (the routing cache
// holds only active rules).
func TestResetByARuleDeactivatedSince(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		if err := e.Rule(ninja).Update().SetIsActive(false).Exec(e.Ctx); err != nil {
			t.Fatal(err)
		}
		// Another alert routes with the new configuration, so the reset
		// finds it cached, without the rule.
		wantOutcome(t, e.Post(ninja, ninjaTrigger(t, merge(onDevice(31, "WS-31", 2), map[string]any{"seriesUid": series(31)}))),
			200, "no_rule_matched")
		wantOutcome(t, e.PostFixture(ninja, "ninjaone-condition-reset.json"), 200, "resolved")
		if tk := e.Ticket(*r.TicketID); tk.ClosedAt == nil {
			t.Fatalf("ticket left open: %q", lastComment(e, tk.ID))
		}
	})
}

func TestResetWithoutAutoResolveComments(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		e.SetActions(ninja, rule.Actions{})
		r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		e.PostFixture(ninja, "ninjaone-condition-reset.json")
		if tk := e.Ticket(*r.TicketID); tk.ClosedAt != nil {
			t.Fatal("closed without autoResolveTicket")
		}
		if c := lastComment(e, *r.TicketID); !strings.Contains(c, "does not auto-resolve") {
			t.Errorf("comment = %q", c)
		}
	})
}

func TestOutOfOrderResetThenTrigger(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		// The reset (later) arrives before the trigger (earlier).
		wantOutcome(t, e.PostFixture(ninja, "ninjaone-condition-reset.json"), 200, "resolved")
		r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		wantOutcome(t, r, 200, "out_of_order")
		if n := e.Count().Tickets; n != 0 {
			t.Errorf("stale trigger made %d tickets", n)
		}
	})
}

// TestResetWaitsForAPersonOnTheTicket: a person comments on the ticket in
// a transaction that has not committed yet when the reset arrives. The
// reset waits for the ticket's lock before deciding, so it sees the
// comment and leaves the ticket open (deciding first and waiting only to
// close would close a ticket someone had just worked on).
func TestResetWaitsForAPersonOnTheTicket(t *testing.T) {
	e := apptest.New(t, dialect.Postgres)
	r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
	release := storetest.Hold(t, e.Store, func(tx *ent.Tx) error {
		_, err := e.Desk.Comment(e.Ctx, tx, e.Demo.TenantID, *r.TicketID, "Looking into it", false,
			desk.Person(e.Demo.AdminUserID))
		return err
	})
	reset := make(chan apptest.Response, 1)
	go func() { reset <- e.PostFixture(ninja, "ninjaone-condition-reset.json") }()
	storetest.WaitForLockWait(t, e.Store, func() bool { return len(reset) > 0 })
	if err := release(); err != nil {
		t.Fatal(err)
	}
	wantOutcome(t, <-reset, 200, "resolved")
	if tk := e.Ticket(*r.TicketID); tk.ClosedAt != nil {
		t.Fatal("the ticket was closed although a person commented before the reset decided")
	}
	if c := lastComment(e, *r.TicketID); !strings.Contains(c, "someone has worked on it") {
		t.Errorf("comment = %q", c)
	}
}
