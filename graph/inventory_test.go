package graph_test

import (
	"slices"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/ent/organizationmapping"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/graph"
	"github.com/alertdesk/alertdesk/internal/apptest"
)

func TestSuggestClients(t *testing.T) {
	clients := []*ent.Customer{{ID: 1, Name: "Contoso"}, {ID: 2, Name: "Contoso Ltd."}, {ID: 3, Name: "Fabrikam, Inc"}, {ID: 4, Name: "Northwind Contoso Trading"}, {ID: 5, Name: "Tailspin"}}
	cases := []struct {
		org  string
		want []int
	}{
		{"contoso", []int{1, 2, 4}},
		{"CONTOSO LTD", []int{1, 2, 4}},
		{"Fabrikam", []int{3}},
		{"fabrikam gmbh", []int{3}},
		{"Tailspin Toys", []int{5}},
		{"", nil},
		{"Ltd", nil},
		{"Adventure Works", nil},
	}
	for _, c := range cases {
		var got []int
		for _, s := range graph.SuggestClients(c.org, clients, 3) {
			got = append(got, s.ID)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("SuggestClients(%q) = %v, want %v", c.org, got, c.want)
		}
	}
}

func TestInventoryOrganizationsAndSync(t *testing.T) {
	eachDialectRedis(t, func(t *testing.T, e *apptest.Env) {
		in := e.Integration(event.NinjaOne)
		tid := e.Demo.TenantID
		for id, name := range map[string]string{"2": "Contoso", "5": "Fabrikam GmbH", "8": ""} {
			e.DB.RmmOrganization.Create().SetTenantID(tid).SetIntegrationID(in.ID).
				SetExternalOrganizationID(id).SetName(name).SetSyncedAt(time.Now()).ExecX(e.Ctx)
		}
		fabrikam := e.DB.Customer.Create().SetTenantID(tid).SetName("Fabrikam").SaveX(e.Ctx)

		// Every unmapped organization of the inventory, named, with
		// suggestions; the mapped one (2, the demo's) is not listed.
		type unmapped struct {
			ExternalOrganizationID, Name string
			InRmm                        bool
			LastSeenAt                   *string
			SuggestedClients             []struct{ ID, Name string }
		}
		var got struct{ UnmappedOrganizations []unmapped }
		q := `query($id: ID) { unmappedOrganizations(integrationId: $id) { externalOrganizationId name inRmm lastSeenAt suggestedClients { id name } } }`
		e.Admin(q, apptest.Vars("id", apptest.ID(in.ID))).Must(&got)
		if len(got.UnmappedOrganizations) != 2 {
			t.Fatalf("unmapped = %+v, want organizations 5 and 8", got.UnmappedOrganizations)
		}
		byID := map[string]unmapped{}
		for _, u := range got.UnmappedOrganizations {
			byID[u.ExternalOrganizationID] = u
		}
		if u := byID["5"]; u.Name != "Fabrikam GmbH" || !u.InRmm || u.LastSeenAt != nil ||
			len(u.SuggestedClients) != 1 || u.SuggestedClients[0].ID != apptest.ID(fabrikam.ID) {
			t.Errorf("organization 5 = %+v, want Fabrikam suggested", u)
		}
		if u := byID["8"]; u.Name != "" || len(u.SuggestedClients) != 0 {
			t.Errorf("organization 8 = %+v", u)
		}

		// createClientFromOrganization: bad input names its fields and changes nothing.
		const create = `mutation($in: CreateClientFromOrganizationInput!) { createClientFromOrganization(input: $in) {
			id externalOrganizationId externalOrganizationName client { id name } } }`
		before := snapshot(t, e)
		wantFields(t, e.Admin(create, apptest.Vars("in", map[string]any{"integrationId": apptest.ID(in.ID), "externalOrganizationId": "404"})), "externalOrganizationId")
		wantFields(t, e.Admin(create, apptest.Vars("in", map[string]any{"integrationId": apptest.ID(in.ID), "externalOrganizationId": "8"})), "name")
		wantFields(t, e.Admin(create, apptest.Vars("in", map[string]any{"integrationId": apptest.ID(in.ID), "externalOrganizationId": "5", "name": " "})), "name")
		wantFields(t, e.Admin(create, apptest.Vars("in", map[string]any{"integrationId": apptest.ID(in.ID), "externalOrganizationId": "2"})), "externalOrganizationId")
		wantFields(t, e.Admin(create, apptest.Vars("in", map[string]any{"integrationId": "987654", "externalOrganizationId": "5"})), "integrationId")
		if after := snapshot(t, e); after != before {
			t.Errorf("refused input changed data:\nbefore %s\nafter  %s", before, after)
		}

		var made struct {
			CreateClientFromOrganization struct {
				ID, ExternalOrganizationID, ExternalOrganizationName string
				Client                                               struct{ ID, Name string }
			}
		}
		e.Admin(create, apptest.Vars("in", map[string]any{"integrationId": apptest.ID(in.ID), "externalOrganizationId": "5"})).Must(&made)
		m := made.CreateClientFromOrganization
		if m.ExternalOrganizationID != "5" || m.ExternalOrganizationName != "Fabrikam GmbH" || m.Client.Name != "Fabrikam GmbH" || m.Client.ID == apptest.ID(fabrikam.ID) {
			t.Errorf("created = %+v", m)
		}
		if n := e.DB.OrganizationMapping.Query().Where(organizationmapping.IntegrationID(in.ID), organizationmapping.ExternalOrganizationID("5")).CountX(e.Ctx); n != 1 {
			t.Errorf("%d mappings of organization 5", n)
		}
		// The one without a name takes the name given.
		e.Admin(create, apptest.Vars("in", map[string]any{"integrationId": apptest.ID(in.ID), "externalOrganizationId": "8", "name": "Woodgrove"})).Must(&made)
		if made.CreateClientFromOrganization.Client.Name != "Woodgrove" {
			t.Errorf("named client = %+v", made.CreateClientFromOrganization)
		}
		e.Admin(q, apptest.Vars("id", apptest.ID(in.ID))).Must(&got)
		if len(got.UnmappedOrganizations) != 0 {
			t.Errorf("unmapped after mapping = %+v", got.UnmappedOrganizations)
		}

		// syncInventory: refused while disconnected; queued once when connected.
		sync := `mutation($id: ID!) { syncInventory(integrationId: $id) { id lastInventorySyncAt lastInventorySyncError lastInventorySyncCounts } }`
		e.Admin(sync, apptest.Vars("id", apptest.ID(in.ID))).WantCode("NOT_CONNECTED")
		e.DB.Integration.UpdateOneID(in.ID).SetConnectionState(integration.ConnectionStateConnected).ExecX(e.Ctx)
		inspector := asynq.NewInspectorFromRedisClient(e.Redis)
		inventoryTasks := func() int {
			tasks, _ := inspector.ListPendingTasks(e.Services.Queue)
			n := 0
			for _, task := range tasks {
				if task.Type == "rmm:inventory" {
					n++
				}
			}
			return n
		}
		before1 := inventoryTasks()
		e.Admin(sync, apptest.Vars("id", apptest.ID(in.ID))).Must(nil)
		e.Admin(sync, apptest.Vars("id", apptest.ID(in.ID))).Must(nil)
		if n := inventoryTasks(); n != 1 || before1 > 1 {
			t.Errorf("inventory tasks queued = %d (before %d), want one", n, before1)
		}
	})
}
