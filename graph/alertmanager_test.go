package graph_test

import (
	"testing"

	"github.com/alertdesk/alertdesk/internal/apptest"
)

// An Alertmanager integration: its condition labels are validated and
// kept, its capabilities say it has no API, and what needs one is refused.
func TestAlertmanagerIntegration(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		create := `mutation($labels: [String!], $p: Provider!) { createIntegration(input: {provider: $p, name: "Prometheus", conditionLabels: $labels}) {
			id provider pollingEnabled conditionLabels capabilities { connect poll reset inventory } } }`
		for _, bad := range [][]string{{"9x"}, {"job", "job"}, {"alertname"}, {"instance"}, {"__name__"}, {"a-b"}} {
			wantFields(t, e.Admin(create, map[string]any{"labels": bad, "p": "ALERTMANAGER"}), "conditionLabels")
		}
		wantFields(t, e.Admin(create, map[string]any{"labels": []string{"job"}, "p": "NINJAONE"}), "conditionLabels")

		var out struct {
			CreateIntegration struct {
				ID              string
				Provider        string
				PollingEnabled  bool
				ConditionLabels []string
				Capabilities    map[string]bool
			}
		}
		e.Admin(create, map[string]any{"labels": []string{" job ", "mountpoint"}, "p": "ALERTMANAGER"}).Must(&out)
		in := out.CreateIntegration
		if in.Provider != "ALERTMANAGER" || in.PollingEnabled || len(in.ConditionLabels) != 2 || in.ConditionLabels[0] != "job" ||
			in.Capabilities["connect"] || in.Capabilities["poll"] || in.Capabilities["reset"] || in.Capabilities["inventory"] {
			t.Fatalf("created %+v", in)
		}
		id := apptest.Vars("id", in.ID)

		// Nothing to poll, sync or connect.
		wantFields(t, e.Admin(`mutation($id: ID!) { updatePollingSettings(input: {integrationId: $id, enabled: true, intervalMinutes: 15}) { id } }`, id), "integrationId")
		wantFields(t, e.Admin(`mutation($id: ID!) { pollNow(integrationId: $id) { id } }`, id), "integrationId")
		wantFields(t, e.Admin(`mutation($id: ID!) { syncInventory(integrationId: $id) { id } }`, id), "integrationId")
		e.Admin(`mutation($id: ID!) { connectTacticalRmm(integrationId: $id, baseUrl: "https://rmm.example.com", apiKey: "k") { webhookRegistered } }`, id).WantCode("WRONG_PROVIDER")

		// Updating the labels: validated, then replaced; empty clears them.
		update := `mutation($id: ID!, $labels: [String!]) { updateIntegration(id: $id, input: {conditionLabels: $labels}) { conditionLabels } }`
		wantFields(t, e.Admin(update, map[string]any{"id": in.ID, "labels": []string{"bad label"}}), "conditionLabels")
		var upd struct {
			UpdateIntegration struct{ ConditionLabels []string }
		}
		e.Admin(update, map[string]any{"id": in.ID, "labels": []string{}}).Must(&upd)
		if len(upd.UpdateIntegration.ConditionLabels) != 0 {
			t.Errorf("cleared labels = %v", upd.UpdateIntegration.ConditionLabels)
		}
		// Another provider's integration has none to set.
		ninja := e.Integration(ninja)
		wantFields(t, e.Admin(update, map[string]any{"id": ninja.ID, "labels": []string{"job"}}), "conditionLabels")
		var n struct {
			Integration struct {
				ConditionLabels []string
				Capabilities    map[string]bool
			}
		}
		e.Admin(`query($id: ID!) { integration(id: $id) { conditionLabels capabilities { connect poll reset inventory } } }`, apptest.Vars("id", ninja.ID)).Must(&n)
		if len(n.Integration.ConditionLabels) != 0 || !n.Integration.Capabilities["poll"] || !n.Integration.Capabilities["reset"] {
			t.Errorf("NinjaOne integration %+v", n.Integration)
		}
	})
}
