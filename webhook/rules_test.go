package webhook_test

import (
	"testing"

	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/rule"
)

// matched returns the name of the rule that routed the alert ("" for none).
func matched(e *apptest.Env, alertID int) string {
	a := e.Alert(alertID)
	if a.MatchedRuleID == nil {
		return ""
	}
	return e.DB.AlertRule.GetX(e.Ctx, *a.MatchedRuleID).Name
}

func TestRuleSelection(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		e.Rule(ninja).Update().SetIsActive(false).ExecX(e.Ctx)
		// A stored rule with a regex that no longer compiles (written around
		// validation) is skipped and the next rule is tried.
		e.AddRule(ninja, "broken regex", 1, rule.Conditions{MessagePattern: "(unclosed"}, rule.Actions{})
		e.AddRule(ninja, "inactive critical", 2, rule.Conditions{}, rule.Actions{}).
			Update().SetIsActive(false).ExecX(e.Ctx)
		e.AddRule(ninja, "critical only", 3, rule.Conditions{Severities: []string{"critical"}}, rule.Actions{})
		e.AddRule(ninja, "memory on org 2", 4, rule.Conditions{
			OrganizationIDs: []string{"2"}, Keywords: []string{"MEMORY"}, ActivityTypes: []string{"condition"},
		}, rule.Actions{})
		e.AddRule(ninja, "memory, later", 4, rule.Conditions{Keywords: []string{"memory"}}, rule.Actions{})
		e.AddRule(ninja, "anything", 9, rule.Conditions{}, rule.Actions{CreateTicket: apptest.Bool(false)})
		// Rules of the other integration and of another tenant are never seen.
		e.AddRule(tactical, "tactical catch-all first", 0, rule.Conditions{}, rule.Actions{})
		other := e.OtherTenant("s3cret")
		e.DB.AlertRule.Create().SetTenantID(e.DB.Integration.GetX(e.Ctx, other.ID).TenantID).
			SetIntegrationID(other.ID).SetName("other tenant first").SetPriorityOrder(-1).
			SetConditions(rule.Conditions{}).SetActions(rule.Actions{}).ExecX(e.Ctx)

		cases := []struct {
			name    string
			changes map[string]any
			want    string
		}{
			{"first match by priority, ties by creation", nil, "memory on org 2"},
			{"critical matches its own rule first", map[string]any{"severity": "CRITICAL"}, "critical only"},
			{"organization condition mismatches: next rule", onDevice(7, "SRV-01", 3), "memory, later"},
			{"keyword mismatches", map[string]any{"message": "Disk full"}, "anything"},
		}
		for i, c := range cases {
			changes := merge(map[string]any{"seriesUid": series(100 + i)}, c.changes)
			if _, ok := changes["message"]; ok {
				changes["sourceName"] = "Disk"
			}
			r := e.Post(ninja, ninjaTrigger(t, changes))
			if r.Status != 200 {
				t.Fatalf("%s: %d %s", c.name, r.Status, r.Error)
			}
			if got := matched(e, r.AlertID); got != c.want {
				t.Errorf("%s: matched %q, want %q", c.name, got, c.want)
			}
		}
	})
}

func TestRuleTemplatesAndTrace(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		e.SetActions(ninja, rule.Actions{TicketTemplate: &rule.TicketTemplate{
			TitleTemplate:       "{{ device }} / {{organization}}",
			DescriptionTemplate: "Severity {{severity}}: {{message}}",
		}})
		r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		tk := e.Ticket(*r.TicketID)
		if tk.Title != "SRV-01 / Contoso" ||
			tk.Description != "Severity major: Memory Utilization is greater than or equal to 80% for 5 minutes" {
			t.Errorf("rendered %q / %q", tk.Title, tk.Description)
		}
		a := e.Alert(r.AlertID)
		steps, _ := a.DecisionTrace[0]["steps"].([]any)
		if len(steps) < 4 {
			t.Fatalf("decision trace too thin: %v", a.DecisionTrace)
		}
	})
}

func TestTicketFailureKeepsAlert(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		// No default board: the ticket cannot be made.
		e.DB.Board.Update().SetIsDefault(false).ExecX(e.Ctx)
		r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		wantOutcome(t, r, 200, "ticket_failed")
		a := e.Alert(r.AlertID)
		if a.TicketError == "" || a.TicketID != nil || a.Status != "active" {
			t.Errorf("alert: error %q ticket %v status %s", a.TicketError, a.TicketID, a.Status)
		}
		if c := e.Count(); c.Tickets != 0 || c.Comments != 0 {
			t.Errorf("half-made ticket left behind: %+v", c)
		}
		// Fixed configuration: the action makes the ticket.
		e.DB.Board.Update().SetIsDefault(true).ExecX(e.Ctx)
		if _, err := e.Pipeline.CreateTicketForAlert(e.Ctx, e.Demo.TenantID, r.AlertID); err != nil {
			t.Fatal(err)
		}
		if a := e.Alert(r.AlertID); a.TicketID == nil || a.TicketError != "" {
			t.Errorf("after retry: ticket %v error %q", a.TicketID, a.TicketError)
		}
	})
}
