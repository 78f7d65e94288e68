package graph_test

import (
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/ent/ticketstatus"
	"github.com/alertdesk/alertdesk/internal/apptest"
)

// Every invalid input is refused with BAD_USER_INPUT naming the field, and
// changes nothing.
func TestValidationErrors(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		if r.TicketID == nil {
			t.Fatalf("no ticket: %+v", r)
		}
		ticket := apptest.ID(*r.TicketID)
		open := e.DB.TicketStatus.Query().Where(ticketstatus.Name("Open")).OnlyX(e.Ctx)
		integ := apptest.ID(e.Integration(ninja).ID)
		ruleID := apptest.ID(e.Rule(ninja).ID)
		tech := technician(e)
		other := e.OtherTenant("other-secret")
		otherBoard := e.DB.Board.Query().Where().AllX(e.Ctx)[1].ID // seeded after the demo's
		_ = other

		const createRule = `mutation($in: CreateAlertRuleInput!) { createAlertRule(input: $in) { id } }`
		rule := func(kv ...any) map[string]any {
			in := map[string]any{"integrationId": integ, "name": "Disks"}
			for i := 0; i+1 < len(kv); i += 2 {
				in[kv[i].(string)] = kv[i+1]
			}
			return map[string]any{"in": in}
		}
		const createWindow = `mutation($in: MaintenanceWindowInput!) { createMaintenanceWindow(input: $in) { id } }`
		weekly := func(change map[string]any) map[string]any {
			rec := map[string]any{"days": []int{6}, "startTime": "22:00", "endTime": "02:00", "timezone": "Europe/Berlin"}
			for k, v := range change {
				rec[k] = v
			}
			return map[string]any{"in": map[string]any{"name": "Patch night", "recurrence": rec}}
		}

		cases := []struct {
			name   string
			token  string
			query  string
			vars   map[string]any
			fields []string
		}{
			{"bad regex", "", createRule, rule("conditions", map[string]any{"messagePattern": "disk (full"}), []string{"conditions.messagePattern"}},
			{"unknown condition", "", createRule, rule("conditions", map[string]any{"severity": []string{"critical"}}), []string{"conditions.severity"}},
			{"unknown severity", "", createRule, rule("conditions", map[string]any{"severities": []string{"huge"}}), []string{"conditions.severities"}},
			{"conditions not an object", "", createRule, rule("conditions", "everything"), []string{"conditions"}},
			{"unknown action", "", createRule, rule("actions", map[string]any{"closeTicket": true}), []string{"actions.closeTicket"}},
			{"wrong type", "", createRule, rule("actions", map[string]any{"boardId": "main"}), []string{"actions.boardId"}},
			{"missing board", "", createRule, rule("actions", map[string]any{"boardId": 999999}), []string{"actions.boardId"}},
			{"other tenant's board", "", createRule, rule("actions", map[string]any{"boardId": otherBoard}), []string{"actions.boardId"}},
			{"missing priority", "", createRule, rule("actions", map[string]any{"priorityOverride": 999999}), []string{"actions.priorityOverride"}},
			{"missing assignee", "", createRule, rule("actions", map[string]any{"assignToUserId": 999999}), []string{"actions.assignToUserId"}},
			{"missing notify user", "", createRule, rule("actions", map[string]any{"notifyUserIds": []int{999999}}), []string{"actions.notifyUserIds"}},
			{"open auto-resolve status", "", createRule, rule("actions", map[string]any{"autoResolveStatusId": open.ID}), []string{"actions.autoResolveStatusId"}},
			{"storm thresholds out of range", "", createRule, rule("actions", map[string]any{"stormComments": 500, "stormQuietMinutes": 0}),
				[]string{"actions.stormComments", "actions.stormQuietMinutes"}},
			{"bad regex and storm threshold", "", createRule, rule("conditions", map[string]any{"messagePattern": "disk ("},
				"actions", map[string]any{"createTicket": true, "stormComments": 500}),
				[]string{"conditions.messagePattern", "actions.stormComments"}},
			{"bad template", "", createRule, rule("actions", map[string]any{"ticketTemplate": map[string]any{"titleTemplate": "{{host}}"}}), []string{"actions.ticketTemplate.titleTemplate"}},
			{"blank name", "", createRule, rule("name", "  "), []string{"name"}},
			{"long name", "", createRule, rule("name", strings.Repeat("x", 201)), []string{"name"}},
			{"missing integration", "", createRule, map[string]any{"in": map[string]any{"integrationId": "999999", "name": "x"}}, []string{"integrationId"}},
			{"several at once", "", createRule, rule("name", "", "conditions", map[string]any{"messagePattern": "("}, "actions", map[string]any{"boardId": 0}),
				[]string{"name", "conditions.messagePattern", "actions.boardId"}},
			{"update bad regex", "", `mutation($id: ID!) { updateAlertRule(id: $id, input: {conditions: {messagePattern: "a++("}}) { id } }`,
				apptest.Vars("id", ruleID), []string{"conditions.messagePattern"}},
			{"reorder incomplete", "", `mutation($i: ID!) { reorderAlertRules(integrationId: $i, ruleIds: []) { id } }`,
				apptest.Vars("i", integ), []string{"ruleIds"}},
			{"reorder foreign rule", "", `mutation($i: ID!, $r: ID!) { reorderAlertRules(integrationId: $i, ruleIds: [$r, "999999"]) { id } }`,
				apptest.Vars("i", integ, "r", ruleID), []string{"ruleIds"}},

			{"bad timezone", "", createWindow, weekly(map[string]any{"timezone": "Mars/Olympus"}), []string{"recurrence.timezone"}},
			{"bad time", "", createWindow, weekly(map[string]any{"startTime": "25:00"}), []string{"recurrence.startTime"}},
			{"bad day", "", createWindow, weekly(map[string]any{"days": []int{7}}), []string{"recurrence.days"}},
			{"bad type", "", createWindow, weekly(map[string]any{"type": "daily"}), []string{"recurrence.type"}},
			{"starts after ends", "", createWindow, map[string]any{"in": map[string]any{"name": "x",
				"startsAt": "2030-01-02T00:00:00Z", "endsAt": "2030-01-01T00:00:00Z"}}, []string{"endsAt"}},
			{"no schedule", "", createWindow, map[string]any{"in": map[string]any{"name": "x"}}, []string{"startsAt"}},
			{"both schedules", "", createWindow, map[string]any{"in": map[string]any{"name": "x", "startsAt": "2030-01-01T00:00:00Z",
				"endsAt": "2030-01-02T00:00:00Z", "recurrence": weekly(nil)["in"].(map[string]any)["recurrence"]}}, []string{"recurrence"}},
			{"missing client scope", "", createWindow, map[string]any{"in": map[string]any{"name": "x", "clientId": "999999",
				"startsAt": "2030-01-01T00:00:00Z", "endsAt": "2030-01-02T00:00:00Z"}}, []string{"clientId"}},
			{"window blank name", "", createWindow, map[string]any{"in": map[string]any{"name": "",
				"startsAt": "2030-01-01T00:00:00Z", "endsAt": "2030-01-02T00:00:00Z"}}, []string{"name"}},

			{"interval too short", "", `mutation($i: ID!) { updatePollingSettings(input: {integrationId: $i, enabled: true, intervalMinutes: 4}) { id } }`,
				apptest.Vars("i", integ), []string{"intervalMinutes"}},
			{"interval too long", "", `mutation($i: ID!) { updatePollingSettings(input: {integrationId: $i, enabled: true, intervalMinutes: 61}) { id } }`,
				apptest.Vars("i", integ), []string{"intervalMinutes"}},
			{"mapping missing client", "", `mutation($i: ID!) { createOrganizationMapping(input: {integrationId: $i, externalOrganizationId: "77", clientId: "999999"}) { id } }`,
				apptest.Vars("i", integ), []string{"clientId"}},
			{"mapping duplicate", "", `mutation($i: ID!) { createOrganizationMapping(input: {integrationId: $i, externalOrganizationId: "2", clientId: "1"}) { id } }`,
				apptest.Vars("i", integ), []string{"externalOrganizationId"}},
			{"mapping blank org", "", `mutation($i: ID!) { createOrganizationMapping(input: {integrationId: $i, externalOrganizationId: " ", clientId: "1"}) { id } }`,
				apptest.Vars("i", integ), []string{"externalOrganizationId"}},
			{"integration bad url", "", `mutation { createIntegration(input: {provider: NINJAONE, name: "", baseUrl: "ftp://x"}) { id } }`,
				nil, []string{"name", "baseUrl"}},
			{"token blank name", "", `mutation { createApiToken(input: {name: ""}) { token } }`, nil, []string{"name"}},
			{"token missing user", "", `mutation { createApiToken(input: {name: "x", userId: "999999"}) { token } }`, nil, []string{"userId"}},

			{"blank comment", tech, `mutation($t: ID!) { addComment(ticketId: $t, body: "  ") { id } }`, apptest.Vars("t", ticket), []string{"body"}},
			{"zero minutes", tech, `mutation($t: ID!) { logTime(ticketId: $t, minutes: 0) { id } }`, apptest.Vars("t", ticket), []string{"minutes"}},
			{"foreign status", tech, `mutation($t: ID!) { changeTicketStatus(ticketId: $t, statusId: "999999") { id } }`, apptest.Vars("t", ticket), []string{"statusId"}},
			{"close with open status", tech, `mutation($t: ID!, $s: ID!) { closeTicket(ticketId: $t, statusId: $s) { id } }`,
				apptest.Vars("t", ticket, "s", apptest.ID(open.ID)), []string{"statusId"}},
			{"assign missing user", tech, `mutation($t: ID!) { assignTicket(ticketId: $t, userId: "999999") { id } }`, apptest.Vars("t", ticket), []string{"userId"}},
			{"unknown category", tech, `mutation { setNotificationPreference(category: "ticket", channel: EMAIL, enabled: false) { id } }`, nil, []string{"category"}},
			{"page too big", tech, `{ alerts(first: 101) { nodes { id } } }`, nil, []string{"first"}},
			{"bad cursor", tech, `{ alerts(after: "bm9wZQ") { nodes { id } } }`, nil, []string{"after"}},
		}
		before := snapshot(t, e)
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				tok := c.token
				if tok == "" {
					tok = e.Demo.AdminToken
				}
				wantFields(t, e.GraphQL(tok, c.query, c.vars), c.fields...)
			})
		}
		if after := snapshot(t, e); after != before {
			t.Errorf("invalid input changed data:\nbefore %s\nafter  %s", before, after)
		}
	})
}
