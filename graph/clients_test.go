package graph_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
)

type clientOut struct {
	ID        string
	Name      string
	RetiredAt *string
	Assets    []struct{ Name string }
}

type assetOut struct {
	ID        string
	Name      string
	RetiredAt *string
	Client    *struct{ Name string }
	Devices   []struct {
		Integration      struct{ Name string }
		ExternalDeviceId string
	}
}

const assetFields = `id name retiredAt client { name } devices { integration { name } externalDeviceId }`

// A client and an asset made through the API route alerts: the
// organization's mapping gives the ticket its client, the device link its
// asset; retired ones leave the pickers and come back.
func TestClientsAndAssets(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		ninjaID := apptest.ID(e.Integration(ninja).ID)
		var c struct{ CreateClient clientOut }
		e.Admin(`mutation { createClient(input: {name: "  Fabrikam  "}) { id name retiredAt } }`, nil).Must(&c)
		if c.CreateClient.Name != "Fabrikam" || c.CreateClient.RetiredAt != nil {
			t.Fatalf("created %+v", c.CreateClient)
		}
		clientID := c.CreateClient.ID
		var a struct{ CreateAsset assetOut }
		e.Admin(`mutation($c: ID!, $i: ID!) { createAsset(input: {name: "FAB-DC01", clientId: $c,
			devices: [{integrationId: $i, externalDeviceId: " 4242 "}]}) { `+assetFields+` } }`,
			apptest.Vars("c", clientID, "i", ninjaID)).Must(&a)
		got := a.CreateAsset
		if got.Name != "FAB-DC01" || got.Client == nil || got.Client.Name != "Fabrikam" || len(got.Devices) != 1 ||
			got.Devices[0].ExternalDeviceId != "4242" || got.Devices[0].Integration.Name == "" {
			t.Fatalf("created %+v", got)
		}
		e.Admin(`mutation($c: ID!, $i: ID!) { createOrganizationMapping(input: {integrationId: $i, externalOrganizationId: "77", clientId: $c}) { id } }`,
			apptest.Vars("c", clientID, "i", ninjaID)).Must(nil)
		r := e.Post(ninja, apptest.NinjaTrigger(t, map[string]any{
			"deviceId": 4242,
			"device":   map[string]any{"id": 4242, "organizationId": 77, "displayName": "FAB-DC01"},
		}))
		if r.TicketID == nil {
			t.Fatalf("webhook: %+v", r)
		}
		var tk struct {
			Ticket struct {
				Client struct{ Name string }
				Asset  struct{ Name string }
			}
		}
		e.Admin(`query($id: ID!) { ticket(id: $id) { client { name } asset { name } } }`, apptest.Vars("id", apptest.ID(*r.TicketID))).Must(&tk)
		if tk.Ticket.Client.Name != "Fabrikam" || tk.Ticket.Asset.Name != "FAB-DC01" {
			t.Errorf("ticket routed to %+v", tk.Ticket)
		}

		// Retire the asset and the client: out of the pickers, still on the ticket.
		e.Admin(`mutation($id: ID!) { updateAsset(id: $id, input: {retired: true}) { id retiredAt } }`, apptest.Vars("id", got.ID)).Must(nil)
		var u struct{ UpdateClient clientOut }
		e.Admin(`mutation($id: ID!) { updateClient(id: $id, input: {retired: true, name: "Fabrikam Ltd"}) { id name retiredAt } }`,
			apptest.Vars("id", clientID)).Must(&u)
		if u.UpdateClient.RetiredAt == nil || u.UpdateClient.Name != "Fabrikam Ltd" {
			t.Errorf("retired %+v", u.UpdateClient)
		}
		names := func(q string) []string {
			var out struct {
				Clients []clientOut
				Assets  []assetOut
			}
			e.Admin(q, nil).Must(&out)
			var n []string
			for _, c := range out.Clients {
				n = append(n, "client:"+c.Name)
				for _, a := range c.Assets {
					n = append(n, "asset:"+a.Name)
				}
			}
			for _, a := range out.Assets {
				n = append(n, "asset:"+a.Name)
			}
			return n
		}
		if n := names(`{ clients { name assets { name } } assets { name } }`); slices.Contains(n, "client:Fabrikam Ltd") || slices.Contains(n, "asset:FAB-DC01") {
			t.Errorf("retired ones listed: %v", n)
		}
		if n := names(`{ clients(includeRetired: true) { name assets(includeRetired: true) { name } } assets(includeRetired: true) { name } }`); !slices.Contains(n, "client:Fabrikam Ltd") || !slices.Contains(n, "asset:FAB-DC01") {
			t.Errorf("retired ones missing with includeRetired: %v", n)
		}
		e.Admin(`query($id: ID!) { ticket(id: $id) { client { name } asset { name } } }`, apptest.Vars("id", apptest.ID(*r.TicketID))).Must(&tk)
		if tk.Ticket.Client.Name != "Fabrikam Ltd" || tk.Ticket.Asset.Name != "FAB-DC01" {
			t.Errorf("ticket after retiring: %+v", tk.Ticket)
		}
		// A retired client takes no new assets; restored, it does.
		e.Admin(`mutation($c: ID!) { createAsset(input: {name: "x", clientId: $c}) { id } }`, apptest.Vars("c", clientID)).WantCode("BAD_USER_INPUT")
		e.Admin(`mutation($id: ID!) { updateClient(id: $id, input: {retired: false}) { id } }`, apptest.Vars("id", clientID)).Must(nil)
		e.Admin(`mutation($c: ID!) { createAsset(input: {name: "FAB-WS02", clientId: $c}) { id } }`, apptest.Vars("c", clientID)).Must(nil)

		// Moving a device link: replaced on update, refused while another asset has it.
		var moved struct{ UpdateAsset assetOut }
		e.Admin(`mutation($id: ID!, $i: ID!) { updateAsset(id: $id, input: {devices: [{integrationId: $i, externalDeviceId: "5000"}]}) { `+assetFields+` } }`,
			apptest.Vars("id", got.ID, "i", ninjaID)).Must(&moved)
		if d := moved.UpdateAsset.Devices; len(d) != 1 || d[0].ExternalDeviceId != "5000" {
			t.Errorf("devices after update: %+v", d)
		}
	})
}

// Bad input names its field and changes nothing.
func TestClientAndAssetValidation(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		ninjaID := apptest.ID(e.Integration(ninja).ID)
		tacticalID := apptest.ID(e.Integration(event.TacticalRMM).ID)
		demoDevice := e.DB.AssetDevice.Query().FirstX(e.Ctx)
		long := fmt.Sprintf("%0201d", 0)
		var many []map[string]any
		for i := range 21 {
			many = append(many, map[string]any{"integrationId": ninjaID, "externalDeviceId": fmt.Sprint(i)})
		}
		before := snapshot(t, e)
		for _, c := range []struct {
			query string
			vars  map[string]any
			field string
		}{
			{`mutation { createClient(input: {name: " "}) { id } }`, nil, "name"},
			{`mutation($n: String!) { createClient(input: {name: $n}) { id } }`, apptest.Vars("n", long), "name"},
			{`mutation { createAsset(input: {name: ""}) { id } }`, nil, "name"},
			{`mutation { createAsset(input: {name: "x", clientId: "987654"}) { id } }`, nil, "clientId"},
			{`mutation { createAsset(input: {name: "x", devices: [{integrationId: "987654", externalDeviceId: "1"}]}) { id } }`, nil, "devices[0].integrationId"},
			{`mutation($i: ID!) { createAsset(input: {name: "x", devices: [{integrationId: $i, externalDeviceId: " "}]}) { id } }`, apptest.Vars("i", ninjaID), "devices[0].externalDeviceId"},
			{`mutation($i: ID!, $t: ID!) { createAsset(input: {name: "x", devices: [{integrationId: $t, externalDeviceId: "1"}, {integrationId: $i, externalDeviceId: "1"}, {integrationId: $i, externalDeviceId: "2"}]}) { id } }`,
				apptest.Vars("i", ninjaID, "t", tacticalID), "devices[2].integrationId"},
			{`mutation($i: ID!, $d: String!) { createAsset(input: {name: "x", devices: [{integrationId: $i, externalDeviceId: $d}]}) { id } }`,
				apptest.Vars("i", apptest.ID(demoDevice.IntegrationID), "d", demoDevice.ExternalDeviceID), "devices[0].externalDeviceId"},
			{`mutation($d: [AssetDeviceInput!]) { createAsset(input: {name: "x", devices: $d}) { id } }`, apptest.Vars("d", many), "devices"},
			{`mutation { updateClient(id: "1", input: {name: ""}) { id } }`, nil, "name"},
		} {
			r := e.Admin(c.query, c.vars)
			if r.Code() != "BAD_USER_INPUT" || !slices.Contains(r.Fields(), c.field) {
				t.Errorf("%s %v: %s, want BAD_USER_INPUT on %s", c.query, c.vars, r.Raw, c.field)
			}
		}
		e.Admin(`mutation { updateClient(id: "987654", input: {name: "x"}) { id } }`, nil).WantCode("NOT_FOUND")
		e.Admin(`mutation { updateAsset(id: "987654", input: {name: "x"}) { id } }`, nil).WantCode("NOT_FOUND")
		if after := snapshot(t, e); after != before {
			t.Errorf("refused input changed data:\nbefore %s\nafter  %s", before, after)
		}
	})
}
