package graph_test

import (
	"fmt"
	"testing"

	"github.com/alertdesk/alertdesk/internal/apptest"
)

type ruleOut struct {
	ID            string
	Name          string
	PriorityOrder int
	IsActive      bool
}

// fire posts a NinjaOne trigger for a new condition on device n and
// returns the outcome and the alert's matched rule as the API shows it.
func fire(t *testing.T, e *apptest.Env, n int) (outcome, matchedRule string) {
	t.Helper()
	r := e.Post(ninja, ninjaTrigger(t, map[string]any{
		"seriesUid": fmt.Sprintf("00000000-0000-4000-8000-%012d", n),
		"deviceId":  100 + n,
		"device":    map[string]any{"id": 100 + n, "organizationId": 2, "displayName": fmt.Sprintf("PC-%d", n)},
	}))
	if r.Status != 200 {
		t.Fatalf("webhook: %+v", r)
	}
	var out struct {
		Alert struct{ MatchedRule *struct{ Name string } }
	}
	e.Admin(`query($id: ID!) { alert(id: $id) { matchedRule { name } } }`, apptest.Vars("id", apptest.ID(r.AlertID))).Must(&out)
	if out.Alert.MatchedRule != nil {
		matchedRule = out.Alert.MatchedRule.Name
	}
	return r.Outcome, matchedRule
}

// Rule changes through the API steer the very next webhook.
func TestRuleChangesSteerThePipeline(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		integ := apptest.ID(e.Integration(ninja).ID)
		catchAll := apptest.ID(e.Rule(ninja).ID)

		var created struct{ CreateAlertRule ruleOut }
		e.Admin(`mutation($i: ID!) { createAlertRule(input: {integrationId: $i, name: "Memory: record only",
			conditions: {keywords: ["memory"]}, actions: {createTicket: false}}) { id name priorityOrder isActive } }`,
			apptest.Vars("i", integ)).Must(&created)
		memory := created.CreateAlertRule
		if memory.PriorityOrder != 2 || !memory.IsActive {
			t.Fatalf("created rule = %+v, want appended last (order 2), active", memory)
		}

		if o, m := fire(t, e, 1); o != "ticket_created" || m != "Catch-all" {
			t.Errorf("before reorder: %s by %q", o, m)
		}

		var reordered struct{ ReorderAlertRules []ruleOut }
		e.Admin(`mutation($i: ID!, $ids: [ID!]!) { reorderAlertRules(integrationId: $i, ruleIds: $ids) { id priorityOrder } }`,
			apptest.Vars("i", integ, "ids", []string{memory.ID, catchAll})).Must(&reordered)
		if got := reordered.ReorderAlertRules; len(got) != 2 || got[0].ID != memory.ID || got[0].PriorityOrder != 1 || got[1].PriorityOrder != 2 {
			t.Fatalf("reordered = %+v", got)
		}
		var listed struct{ AlertRules []ruleOut }
		e.Admin(`query($i: ID!) { alertRules(integrationId: $i) { id } }`, apptest.Vars("i", integ)).Must(&listed)
		if len(listed.AlertRules) != 2 || listed.AlertRules[0].ID != memory.ID {
			t.Errorf("alertRules order = %+v", listed.AlertRules)
		}
		if o, m := fire(t, e, 2); o != "recorded" || m != "Memory: record only" {
			t.Errorf("after reorder: %s by %q", o, m)
		}

		e.Admin(`mutation($id: ID!) { setAlertRuleActive(id: $id, active: false) { isActive } }`, apptest.Vars("id", memory.ID)).Must(nil)
		if o, m := fire(t, e, 3); o != "ticket_created" || m != "Catch-all" {
			t.Errorf("after deactivating: %s by %q", o, m)
		}

		e.Admin(`mutation($id: ID!) { deleteAlertRule(id: $id) }`, apptest.Vars("id", catchAll)).Must(nil)
		if o, m := fire(t, e, 4); o != "no_rule_matched" || m != "" {
			t.Errorf("after deleting the catch-all: %s by %q", o, m)
		}

		e.Admin(`mutation($id: ID!) { setAlertRuleActive(id: $id, active: true) { isActive } }`, apptest.Vars("id", memory.ID)).Must(nil)
		e.Admin(`mutation($id: ID!) { updateAlertRule(id: $id, input: {actions: {createTicket: true}}) { id } }`,
			apptest.Vars("id", memory.ID)).Must(nil)
		if o, m := fire(t, e, 5); o != "ticket_created" || m != "Memory: record only" {
			t.Errorf("after updating: %s by %q", o, m)
		}
		// The first alert's rule is gone; its ticket stays.
		var first struct {
			Alerts struct {
				Nodes []struct {
					MatchedRule *struct{ Name string }
					Ticket      *struct{ ID string }
				}
			}
		}
		e.Admin(`{ alerts(first: 100) { nodes { matchedRule { name } ticket { id } } } }`, nil).Must(&first)
		last := first.Alerts.Nodes[len(first.Alerts.Nodes)-1]
		if last.MatchedRule != nil || last.Ticket == nil {
			t.Errorf("oldest alert after its rule was deleted: rule %v ticket %v", last.MatchedRule, last.Ticket)
		}
	})
}
