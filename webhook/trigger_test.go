package webhook_test

import (
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent/priority"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/rule"
)

func TestTriggerCreatesRoutedTicket(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		admin := e.DB.User.Query().Where(user.TenantID(e.Demo.TenantID)).FirstX(e.Ctx)
		b := e.DB.Board.Create().SetTenantID(e.Demo.TenantID).SetName("Infrastructure").SaveX(e.Ctx)
		e.DB.TicketStatus.Create().SetTenantID(e.Demo.TenantID).SetBoardID(b.ID).SetName("New").SetIsDefault(true).SetSortOrder(1).ExecX(e.Ctx)
		e.DB.TicketStatus.Create().SetTenantID(e.Demo.TenantID).SetBoardID(b.ID).SetName("Done").SetIsClosed(true).SetSortOrder(2).ExecX(e.Ctx)
		e.SetActions(ninja, rule.Actions{
			BoardID:        &b.ID,
			AssignToUserID: &admin.ID,
			TicketTemplate: &rule.TicketTemplate{TitleTemplate: "{{severity}}: {{message}} ({{device}}, {{organization}})"},
		})

		r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		wantOutcome(t, r, 200, "ticket_created")
		tk := e.Ticket(*r.TicketID)
		if tk.Edges.Board.ID != b.ID || tk.Edges.Status.Name != "New" {
			t.Errorf("board/status = %s/%s, want Infrastructure/New", tk.Edges.Board.Name, tk.Edges.Status.Name)
		}
		if tk.Edges.Priority == nil || tk.Edges.Priority.Name != "High" {
			t.Errorf("priority = %v, want High for a MAJOR alert", tk.Edges.Priority)
		}
		if tk.Edges.Assignee == nil || tk.Edges.Assignee.ID != admin.ID {
			t.Errorf("assignee = %v, want admin", tk.Edges.Assignee)
		}
		if tk.Edges.Client == nil || tk.Edges.Client.Name != "Contoso" {
			t.Errorf("client = %v, want Contoso", tk.Edges.Client)
		}
		if tk.Edges.Asset == nil || tk.Edges.Asset.Name != "SRV-01" {
			t.Errorf("asset = %v, want SRV-01", tk.Edges.Asset)
		}
		wantTitle := "major: Memory Utilization is greater than or equal to 80% for 5 minutes (SRV-01, Contoso)"
		if tk.Title != wantTitle {
			t.Errorf("title = %q, want %q", tk.Title, wantTitle)
		}
		if tk.Source != "ninjaone" || tk.SourceReference != "e6b0b0bd-5753-445d-9e4a-71c08983cbd5" {
			t.Errorf("source = %q/%q", tk.Source, tk.SourceReference)
		}
		if len(tk.Edges.Comments) != 1 || !strings.Contains(tk.Edges.Comments[0].Body, "Memory Utilization") ||
			tk.Edges.Comments[0].AuthorKind != "system" || !tk.Edges.Comments[0].Internal {
			t.Errorf("initial comment = %+v", tk.Edges.Comments)
		}
		a := e.Alert(r.AlertID)
		if a.TicketID == nil || *a.TicketID != tk.ID || !a.AutoTicketCreated || a.MatchedRuleID == nil ||
			a.Status != "active" || a.OccurrenceCount != 1 || len(a.DecisionTrace) != 1 {
			t.Errorf("alert = %+v", a)
		}
		if got := e.OutboxTopics(); len(got) != 1 || got[0] != "RMM_ALERT_TRIGGERED" {
			t.Errorf("outbox = %v", got)
		}
	})
}

func TestDefaultTitleAndSeverityPriority(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		for _, tc := range []struct {
			severity, priority string
			n                  int
		}{
			{"CRITICAL", "Urgent", 1}, {"MAJOR", "High", 2}, {"moderate", "Medium", 3},
			{"MINOR", "Low", 4}, {"", "Low", 5},
		} {
			body := ninjaTrigger(t, merge(map[string]any{"seriesUid": series(tc.n), "severity": tc.severity},
				onDevice(100+tc.n, "PC-"+tc.priority, 2)))
			if tc.severity == "" {
				body = ninjaTrigger(t, merge(map[string]any{"seriesUid": series(tc.n), "severity": nil},
					onDevice(100+tc.n, "PC-none", 2)))
			}
			r := e.Post(ninja, body)
			wantOutcome(t, r, 200, "ticket_created")
			tk := e.Ticket(*r.TicketID)
			if tk.Edges.Priority == nil || tk.Edges.Priority.Name != tc.priority {
				t.Errorf("severity %q: priority %v, want %s", tc.severity, tk.Edges.Priority, tc.priority)
			}
			if !strings.HasPrefix(tk.Title, "[NinjaOne alert] Memory Utilization") || !strings.Contains(tk.Title, " on PC-") {
				t.Errorf("default title = %q", tk.Title)
			}
		}
		// A priority override wins over severity.
		low := e.DB.Priority.Query().Where(priority.Name("Low")).OnlyX(e.Ctx)
		e.SetActions(ninja, rule.Actions{PriorityOverride: &low.ID})
		r := e.Post(ninja, ninjaTrigger(t, merge(map[string]any{"seriesUid": series(9), "severity": "CRITICAL"}, onDevice(200, "PC-x", 2))))
		if tk := e.Ticket(*r.TicketID); tk.Edges.Priority.Name != "Low" {
			t.Errorf("override priority = %s, want Low", tk.Edges.Priority.Name)
		}
	})
}

func TestReplayChangesNothing(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		first := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		wantOutcome(t, first, 200, "ticket_created")
		before := e.Count()
		again := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		wantOutcome(t, again, 200, "replay")
		if after := e.Count(); after != before {
			t.Errorf("replay changed rows: %+v -> %+v", before, after)
		}
		if again.AlertID != first.AlertID {
			t.Errorf("replay alert %d, want %d", again.AlertID, first.AlertID)
		}
	})
}

func TestRepeatJoinsOpenTicket(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		first := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		second := e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": series(2), "id": 2, "activityTime": 1742392000.0}))
		wantOutcome(t, second, 200, "occurrence_added")
		if *second.TicketID != *first.TicketID {
			t.Fatalf("repeat went to ticket %d, want %d", *second.TicketID, *first.TicketID)
		}
		third := e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": series(3), "id": 3, "activityTime": 1742392100.0}))
		wantOutcome(t, third, 200, "occurrence_added")
		tk := e.Ticket(*first.TicketID)
		var occ []string
		for _, c := range tk.Edges.Comments {
			if strings.HasPrefix(c.Body, "Alert re-triggered") {
				occ = append(occ, strings.SplitN(c.Body, "\n", 2)[0])
			}
		}
		want := []string{"Alert re-triggered — 2nd occurrence", "Alert re-triggered — 3rd occurrence"}
		if strings.Join(occ, "|") != strings.Join(want, "|") {
			t.Errorf("occurrence comments = %q, want %q", occ, want)
		}
		if n := e.Count().Tickets; n != 1 {
			t.Errorf("tickets = %d, want 1", n)
		}
		if a := e.Alert(first.AlertID); a.OccurrenceCount != 3 || a.LastOccurrenceAt == nil {
			t.Errorf("group count = %d (last %v), want 3", a.OccurrenceCount, a.LastOccurrenceAt)
		}
		if len(tk.Edges.Alerts) != 3 {
			t.Errorf("linked alerts = %d, want 3", len(tk.Edges.Alerts))
		}
	})
}

func TestNewTicketAfterClose(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		first := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		e.CloseTicket(*first.TicketID)
		second := e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": series(2), "activityTime": 1742392000.0}))
		wantOutcome(t, second, 200, "ticket_created")
		if *second.TicketID == *first.TicketID {
			t.Fatal("firing after close joined the closed ticket")
		}
	})
}

func TestOtherDeviceGetsOwnTicket(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		first := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		other := e.Post(ninja, ninjaTrigger(t, merge(map[string]any{"seriesUid": series(2)}, onDevice(9, "WS-22", 2))))
		wantOutcome(t, other, 200, "ticket_created")
		if *other.TicketID == *first.TicketID {
			t.Fatal("another device joined the first device's ticket")
		}
		if tk := e.Ticket(*other.TicketID); tk.Edges.Asset == nil || tk.Edges.Asset.Name != "WS-22" {
			t.Errorf("asset = %v, want WS-22", tk.Edges.Asset)
		}
	})
}

func TestNoTicketWithoutRuleOrWhenRuleSaysNo(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		e.SetActions(ninja, rule.Actions{CreateTicket: apptest.Bool(false)})
		r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		wantOutcome(t, r, 200, "recorded")
		if r.TicketID != nil || e.Alert(r.AlertID).MatchedRuleID == nil {
			t.Errorf("createTicket false: ticket %v, matched rule %v", r.TicketID, e.Alert(r.AlertID).MatchedRuleID)
		}
		e.Rule(ninja).Update().SetIsActive(false).ExecX(e.Ctx)
		r = e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": series(2)}))
		wantOutcome(t, r, 200, "no_rule_matched")
		if n := e.Count().Tickets; n != 0 {
			t.Errorf("tickets = %d, want 0", n)
		}
	})
}

func TestClientFromAssetElseMapping(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		// A device no asset has yet: client from the organization mapping,
		// and a new asset of that client for the device.
		r := e.Post(ninja, ninjaTrigger(t, merge(map[string]any{"seriesUid": series(2)}, onDevice(555, "LAPTOP-9", 2))))
		tk := e.Ticket(*r.TicketID)
		if tk.Edges.Client == nil || tk.Edges.Client.Name != "Contoso" || tk.Edges.Asset == nil ||
			tk.Edges.Asset.Name != "LAPTOP-9" || tk.Edges.Asset.ClientID == nil || *tk.Edges.Asset.ClientID != tk.Edges.Client.ID {
			t.Errorf("mapping: asset %v client %v", tk.Edges.Asset, tk.Edges.Client)
		}
		// A mapped device whose asset belongs to another client wins over the mapping.
		fabrikam := e.DB.Customer.Create().SetTenantID(e.Demo.TenantID).SetName("Fabrikam").SaveX(e.Ctx)
		e.DB.Asset.Update().SetClientID(fabrikam.ID).ExecX(e.Ctx)
		r = e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		tk = e.Ticket(*r.TicketID)
		if tk.Edges.Client == nil || tk.Edges.Client.Name != "Fabrikam" || tk.Edges.Asset == nil {
			t.Errorf("asset: client %v asset %v, want Fabrikam and SRV-01", tk.Edges.Client, tk.Edges.Asset)
		}
	})
}

func TestUnmappedOrganizationKept(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		r := e.Post(ninja, ninjaTrigger(t, merge(map[string]any{"seriesUid": series(2)}, onDevice(777, "X-1", 42))))
		wantOutcome(t, r, 200, "unmapped_organization")
		a := e.Alert(r.AlertID)
		if !a.OrganizationUnmapped || a.ExternalOrganizationID != "42" || a.TicketID != nil {
			t.Errorf("alert = unmapped %v org %q ticket %v", a.OrganizationUnmapped, a.ExternalOrganizationID, a.TicketID)
		}
	})
}

func TestAcknowledged(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		ack := e.PostFixture(ninja, "ninjaone-condition-acknowledged.json")
		wantOutcome(t, ack, 200, "acknowledged")
		a := e.Alert(r.AlertID)
		if a.Status != "acknowledged" || a.AcknowledgedAt == nil || a.AcknowledgedBy != "12" {
			t.Errorf("alert = %s at %v by %q", a.Status, a.AcknowledgedAt, a.AcknowledgedBy)
		}
	})
}

// A rule's assignee who has been deactivated does not hold routing up:
// the ticket is made unassigned and the trace says why.
func TestTriggerWithDeactivatedAssignee(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		gone := e.DB.User.Create().SetTenantID(e.Demo.TenantID).SetEmail("gone@demo.test").SetName("Gone").
			SetDeactivatedAt(time.Now()).SaveX(e.Ctx)
		e.SetActions(ninja, rule.Actions{AssignToUserID: &gone.ID})
		r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		wantOutcome(t, r, 200, "ticket_created")
		if tk := e.Ticket(*r.TicketID); tk.Edges.Assignee != nil {
			t.Errorf("assignee = %v, want none", tk.Edges.Assignee.Email)
		}
		trace := strings.Join(traceLines(e.Alert(r.AlertID).DecisionTrace), "\n")
		if !strings.Contains(trace, "is deactivated: the ticket is left unassigned") {
			t.Errorf("trace %s does not say why the ticket is unassigned", trace)
		}
	})
}
