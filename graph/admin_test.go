package graph_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/alertdesk/alertdesk/internal/apptest"
)

// loadSchema parses the committed schema files.
func loadSchema(t *testing.T) *ast.Schema {
	t.Helper()
	files, err := filepath.Glob("schema/*.graphqls")
	if err != nil || len(files) == 0 {
		t.Fatalf("schema files: %v", err)
	}
	var srcs []*ast.Source
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, &ast.Source{Name: f, Input: string(b)})
	}
	s, gerr := gqlparser.LoadSchema(srcs...)
	if gerr != nil {
		t.Fatalf("schema: %v", gerr)
	}
	return s
}

// adminCalls has one call per @admin field, as a technician would make it
// with otherwise valid arguments.
var adminCalls = map[string]string{
	"createApiToken":                   `mutation { createApiToken(input: {name: "x"}) { token } }`,
	"revokeApiToken":                   `mutation { revokeApiToken(id: "1") { id } }`,
	"apiTokens":                        `{ apiTokens { id } }`,
	"createIntegration":                `mutation { createIntegration(input: {provider: NINJAONE, name: "x"}) { id } }`,
	"updateIntegration":                `mutation { updateIntegration(id: "1", input: {name: "x"}) { id } }`,
	"deleteIntegration":                `mutation { deleteIntegration(id: "1") }`,
	"rotateWebhookSecret":              `mutation { rotateWebhookSecret(id: "1") { id } }`,
	"updatePollingSettings":            `mutation { updatePollingSettings(input: {integrationId: "1", enabled: false, intervalMinutes: 10}) { id } }`,
	"webhookSecret":                    `{ integrations { webhookSecret } }`,
	"createOrganizationMapping":        `mutation { createOrganizationMapping(input: {integrationId: "1", externalOrganizationId: "99", clientId: "1"}) { id } }`,
	"updateOrganizationMapping":        `mutation { updateOrganizationMapping(id: "1", input: {externalOrganizationName: "x"}) { id } }`,
	"deleteOrganizationMapping":        `mutation { deleteOrganizationMapping(id: "1") }`,
	"reprocessUnmappedAlerts":          `mutation { reprocessUnmappedAlerts(integrationId: "1", externalOrganizationId: "2") { processed } }`,
	"createAlertRule":                  `mutation { createAlertRule(input: {integrationId: "1", name: "x"}) { id } }`,
	"updateAlertRule":                  `mutation { updateAlertRule(id: "1", input: {name: "x"}) { id } }`,
	"deleteAlertRule":                  `mutation { deleteAlertRule(id: "1") }`,
	"setAlertRuleActive":               `mutation { setAlertRuleActive(id: "1", active: false) { id } }`,
	"reorderAlertRules":                `mutation { reorderAlertRules(integrationId: "1", ruleIds: ["1"]) { id } }`,
	"simulateAlertRules":               `{ simulateAlertRules(integrationId: "1", rules: [{name: "x"}], since: "2026-01-01T00:00:00Z", until: "2026-01-02T00:00:00Z") { alerts } }`,
	"createMaintenanceWindow":          `mutation { createMaintenanceWindow(input: {name: "x", startsAt: "2030-01-01T00:00:00Z", endsAt: "2030-01-02T00:00:00Z"}) { id } }`,
	"updateMaintenanceWindow":          `mutation { updateMaintenanceWindow(id: "1", input: {name: "x", startsAt: "2030-01-01T00:00:00Z", endsAt: "2030-01-02T00:00:00Z"}) { id } }`,
	"deleteMaintenanceWindow":          `mutation { deleteMaintenanceWindow(id: "1") }`,
	"connectNinjaOne":                  `mutation { connectNinjaOne(integrationId: "1") { authorizeUrl } }`,
	"connectNinjaOneClientCredentials": `mutation { connectNinjaOneClientCredentials(integrationId: "1", clientId: "x", clientSecret: "y", region: "eu") { webhookRegistered } }`,
	"connectTacticalRmm":               `mutation { connectTacticalRmm(integrationId: "2", baseUrl: "https://api.example.com", apiKey: "k") { webhookRegistered } }`,
	"disconnectIntegration":            `mutation { disconnectIntegration(integrationId: "1") { id } }`,
	"pollNow":                          `mutation { pollNow(integrationId: "1") { id } }`,
	"syncInventory":                    `mutation { syncInventory(integrationId: "1") { id } }`,
	"createClientFromOrganization":     `mutation { createClientFromOrganization(input: {integrationId: "1", externalOrganizationId: "2", name: "x"}) { id } }`,
	"eventSubscriptions":               `{ eventSubscriptions { id } }`,
	"eventDeliveries":                  `{ eventDeliveries(subscriptionId: "1") { id } }`,
	"createEventSubscription":          `mutation { createEventSubscription(input: {url: "https://example.com/h", eventTypes: ["RMM_ALERT_TRIGGERED"]}) { id } }`,
	"updateEventSubscription":          `mutation { updateEventSubscription(id: "1", input: {active: false}) { id } }`,
	"deleteEventSubscription":          `mutation { deleteEventSubscription(id: "1") }`,
	"createClient":                     `mutation { createClient(input: {name: "x"}) { id } }`,
	"updateClient":                     `mutation { updateClient(id: "1", input: {retired: true}) { id } }`,
	"createAsset":                      `mutation { createAsset(input: {name: "x", clientId: "1"}) { id } }`,
	"updateAsset":                      `mutation { updateAsset(id: "1", input: {retired: true}) { id } }`,
	"createBoard":                      `mutation { createBoard(input: {name: "x"}) { id } }`,
	"updateBoard":                      `mutation { updateBoard(id: "1", input: {name: "x"}) { id } }`,
	"createTicketStatus":               `mutation { createTicketStatus(input: {boardId: "1", name: "x"}) { id } }`,
	"updateTicketStatus":               `mutation { updateTicketStatus(id: "1", input: {name: "x"}) { id } }`,
	"reorderTicketStatuses":            `mutation { reorderTicketStatuses(boardId: "1", statusIds: ["3", "2", "1"]) { id } }`,
	"createPriority":                   `mutation { createPriority(input: {name: "x"}) { id } }`,
	"updatePriority":                   `mutation { updatePriority(id: "1", input: {name: "x"}) { id } }`,
	"reorderPriorities":                `mutation { reorderPriorities(priorityIds: ["1"]) { id } }`,
	"inviteUser":                       `mutation { inviteUser(input: {email: "new@acme.test"}) { id } }`,
	"updateUser":                       `mutation { updateUser(id: "1", input: {role: TECHNICIAN}) { id } }`,
	"deactivateUser":                   `mutation { deactivateUser(id: "1") { id } }`,
	"reactivateUser":                   `mutation { reactivateUser(id: "1") { id } }`,
}

// Every field marked @admin refuses a technician with FORBIDDEN and
// changes nothing; the table above must cover each one.
func TestAdminGating(t *testing.T) {
	var admin []string
	for _, def := range loadSchema(t).Types {
		for _, f := range def.Fields {
			if f.Directives.ForName("admin") != nil {
				admin = append(admin, f.Name)
			}
		}
	}
	slices.Sort(admin)
	if len(admin) < 20 {
		t.Fatalf("only %d @admin fields found: %v", len(admin), admin)
	}
	for _, name := range admin {
		if _, ok := adminCalls[name]; !ok {
			t.Errorf("@admin field %s has no gating test", name)
		}
	}
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		tech := technician(e)
		before := snapshot(t, e)
		for _, name := range admin {
			r := e.GraphQL(tech, adminCalls[name], nil)
			if r.Code() != "FORBIDDEN" {
				t.Errorf("%s as technician: %s", name, r.Raw)
			}
		}
		if after := snapshot(t, e); after != before {
			t.Errorf("technician changed data:\nbefore %s\nafter  %s", before, after)
		}
		// The secret alone is withheld; the rest of the answer stands.
		var partial struct {
			Integrations []struct {
				Name          string
				WebhookSecret *string
			}
		}
		r := e.GraphQL(tech, `{ integrations { name webhookSecret } }`, nil).WantCode("FORBIDDEN")
		if err := json.Unmarshal(r.Data, &partial); err != nil || len(partial.Integrations) != 2 ||
			partial.Integrations[0].Name == "" || partial.Integrations[0].WebhookSecret != nil {
			t.Errorf("technician's integrations: %s", r.Raw)
		}
		// A technician still reads and works tickets.
		e.GraphQL(tech, `{ integrations { id name webhookUrl } alertRules(integrationId: "1") { id } }`, nil).Must(nil)
		e.GraphQL(tech, `mutation { ping }`, nil).Must(nil)
	})
}
