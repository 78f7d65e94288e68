package worker_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/asset"
	"github.com/alertdesk/alertdesk/ent/assetdevice"
	"github.com/alertdesk/alertdesk/ent/organizationmapping"
	"github.com/alertdesk/alertdesk/ent/rmmorganization"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/providers/providertest"
	"github.com/alertdesk/alertdesk/worker"
)

// deviceAsset returns the asset linked to a device of the integration.
func (h *harness) deviceAsset(integrationID int, device string) *ent.Asset {
	h.T.Helper()
	l, err := h.DB.AssetDevice.Query().Where(assetdevice.IntegrationID(integrationID), assetdevice.ExternalDeviceID(device)).Only(h.Ctx)
	if err != nil {
		h.T.Fatalf("device %s: %v", device, err)
	}
	return h.DB.Asset.GetX(h.Ctx, l.AssetID)
}

func (h *harness) newClient(name string) *ent.Customer {
	h.T.Helper()
	return h.DB.Customer.Create().SetTenantID(h.Demo.TenantID).SetName(name).SaveX(h.Ctx)
}

func (h *harness) mapOrg(integrationID int, org string, clientID int) {
	h.T.Helper()
	h.DB.OrganizationMapping.Create().SetTenantID(h.Demo.TenantID).SetIntegrationID(integrationID).
		SetExternalOrganizationID(org).SetClientID(clientID).ExecX(h.Ctx)
}

func clientIDOf(a *ent.Asset) int {
	if a.ClientID == nil {
		return 0
	}
	return *a.ClientID
}

func TestInventorySyncNinjaOne(t *testing.T) {
	eachDialectTuned(t, func(d *worker.Deps) { d.InventoryPageSize = 2 }, func(t *testing.T, h *harness) {
		n := providertest.NewNinjaOne(t)
		in := h.connect(ninja, n.URL, n.Credentials())
		contoso := h.deviceAsset(in.ID, "7").ClientID
		fabrikam := h.newClient("Fabrikam")
		h.mapOrg(in.ID, "5", fabrikam.ID)
		orgs := map[int]string{2: "Contoso Ltd", 5: "Fabrikam", 8: ""}
		srv := providertest.NinjaDevice(7, 2, "SRV-01", "srv01", "WINDOWS_SERVER", false, 1765000000.25)
		ws := providertest.NinjaDevice(9, 2, "", "WS-22B", "WINDOWS_WORKSTATION", true, 1764000000)
		mac := providertest.NinjaDevice(11, 2, "LAPTOP-3", "laptop3", "MAC", false, 1765000100)
		fab := providertest.NinjaDevice(12, 5, "FAB-SRV", "fabsrv", "LINUX_SERVER", false, 1765000200)
		stray := providertest.NinjaDevice(13, 8, "STRAY", "stray", "WINDOWS_WORKSTATION", false, 1765000300)
		n.SetInventory(orgs, srv, ws, mac, fab, stray)

		c, err := h.Worker.SyncInventory(h.Ctx, in.TenantID, in.ID)
		want := worker.InventoryCounts{Organizations: 3, Devices: 5, Created: 2, Updated: 2, Unmapped: 1}
		if err != nil || c != want {
			t.Fatalf("sync = %+v, %v; want %+v", c, err, want)
		}
		// Five devices at two a page: three pages and the empty one that ends the list.
		var pages []string
		for _, call := range n.InventoryCalls() {
			if strings.HasPrefix(call, "/v2/devices") {
				pages = append(pages, call)
			}
		}
		if want := []string{"/v2/devices?pageSize=2", "/v2/devices?after=9&pageSize=2",
			"/v2/devices?after=12&pageSize=2", "/v2/devices?after=13&pageSize=2"}; !slices.Equal(pages, want) {
			t.Errorf("device pages %q, want %q", pages, want)
		}
		a := h.deviceAsset(in.ID, "7")
		if a.Name != "SRV-01" || a.Kind != "server" || a.Os != "Windows" || a.Online == nil || !*a.Online ||
			a.LastContactAt == nil || a.LastContactAt.Unix() != 1765000000 || a.RetiredAt != nil {
			t.Errorf("SRV-01 = %+v", a)
		}
		if a := h.deviceAsset(in.ID, "9"); a.Name != "WS-22B" || a.Online == nil || *a.Online || a.Kind != "workstation" {
			t.Errorf("device with an empty displayName = %+v (want its systemName, offline)", a)
		}
		if a := h.deviceAsset(in.ID, "11"); a.Name != "LAPTOP-3" || !eqInt(a.ClientID, contoso) || a.Os != "macOS" {
			t.Errorf("new Contoso device = %+v", a)
		}
		if a := h.deviceAsset(in.ID, "12"); clientIDOf(a) != fabrikam.ID || a.Kind != "server" || a.Os != "Linux" {
			t.Errorf("new Fabrikam device = %+v", a)
		}
		if n := h.DB.AssetDevice.Query().Where(assetdevice.IntegrationID(in.ID), assetdevice.ExternalDeviceID("13")).CountX(h.Ctx); n != 0 {
			t.Error("a device of an unmapped organization became an asset")
		}
		got := map[string]string{}
		for _, o := range h.DB.RmmOrganization.Query().Where(rmmorganization.IntegrationID(in.ID)).AllX(h.Ctx) {
			got[o.ExternalOrganizationID] = o.Name
		}
		if len(got) != 3 || got["2"] != "Contoso Ltd" || got["5"] != "Fabrikam" || got["8"] != "" {
			t.Errorf("organizations = %v", got)
		}
		if m := h.DB.OrganizationMapping.Query().Where(organizationmapping.IntegrationID(in.ID), organizationmapping.ExternalOrganizationID("2")).OnlyX(h.Ctx); m.ExternalOrganizationName != "Contoso Ltd" {
			t.Errorf("mapping name %q, want the RMM's", m.ExternalOrganizationName)
		}
		stored := h.DB.Integration.GetX(h.Ctx, in.ID)
		if stored.LastInventorySyncAt == nil || stored.LastInventorySyncError != "" || stored.LastInventorySyncCounts["created"] != 2 {
			t.Errorf("integration: synced %v, error %q, counts %v", stored.LastInventorySyncAt, stored.LastInventorySyncError, stored.LastInventorySyncCounts)
		}

		// The same inventory again changes nothing.
		if c, err := h.Worker.SyncInventory(h.Ctx, in.TenantID, in.ID); err != nil || c.Created+c.Updated+c.Retired+c.Moved != 0 {
			t.Errorf("repeat sync = %+v, %v; want no change", c, err)
		}

		// LAPTOP-3 moves to Fabrikam; FAB-SRV leaves the RMM.
		mac["organizationId"] = 5
		n.SetInventory(orgs, srv, ws, mac, stray)
		c, err = h.Worker.SyncInventory(h.Ctx, in.TenantID, in.ID)
		if err != nil || c.Moved != 1 || c.Retired != 1 || c.Created != 0 {
			t.Fatalf("sync after the move = %+v, %v", c, err)
		}
		if a := h.deviceAsset(in.ID, "11"); clientIDOf(a) != fabrikam.ID || a.RetiredAt != nil {
			t.Errorf("moved device = %+v, want Fabrikam's", a)
		}
		gone := h.deviceAsset(in.ID, "12")
		if gone.RetiredAt == nil || gone.RmmGoneAt == nil {
			t.Errorf("device gone from the RMM: asset %+v, want retired (kept)", gone)
		}

		// A fetch that fails on its second page retires nothing, though the
		// first page lacks SRV-01.
		n.SetInventory(orgs, ws, mac, stray)
		n.FailDevicePage(2)
		c, err = h.Worker.SyncInventory(h.Ctx, in.TenantID, in.ID)
		if err == nil || c.Retired != 0 {
			t.Fatalf("failed sync = %+v, %v; want an error", c, err)
		}
		if a := h.deviceAsset(in.ID, "7"); a.RetiredAt != nil {
			t.Error("a failed fetch retired an asset")
		}
		if stored := h.DB.Integration.GetX(h.Ctx, in.ID); !strings.Contains(stored.LastInventorySyncError, "500") {
			t.Errorf("last sync error %q", stored.LastInventorySyncError)
		}

		// FAB-SRV comes back: its asset is restored; one retired by hand stays retired.
		h.DB.Asset.UpdateOneID(h.deviceAsset(in.ID, "9").ID).SetRetiredAt(*gone.RetiredAt).ExecX(h.Ctx)
		n.SetInventory(orgs, srv, ws, mac, fab, stray)
		c, err = h.Worker.SyncInventory(h.Ctx, in.TenantID, in.ID)
		if err != nil || c.Restored != 1 {
			t.Fatalf("sync after the return = %+v, %v", c, err)
		}
		if a := h.deviceAsset(in.ID, "12"); a.RetiredAt != nil || a.RmmGoneAt != nil {
			t.Errorf("returned device still retired: %+v", a)
		}
		if a := h.deviceAsset(in.ID, "9"); a.RetiredAt == nil {
			t.Error("an asset retired by hand was restored")
		}
		if n := h.DB.Asset.Query().Where(asset.HasDevicesWith(assetdevice.IntegrationID(in.ID))).CountX(h.Ctx); n != 4 {
			t.Errorf("%d linked assets, want 4 (none deleted, none doubled)", n)
		}
	})
}

func eqInt(a, b *int) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func TestInventorySyncTacticalRMM(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		f := providertest.NewTactical(t)
		in := h.connect(tactical, f.URL, f.Credentials())
		const srvAgent = "ZqXbLmNoPqRsTuVwXyZaBcDeFgHiJkLmNoPqRsTu"
		contoso := h.deviceAsset(in.ID, srvAgent).ClientID
		clients := []map[string]any{providertest.TacticalClient(3, "Contoso"), providertest.TacticalClient(4, "Fabrikam")}
		srv := providertest.TacticalAgent(srvAgent, "SRV-01", "Contoso", "server", "windows", "Windows Server 2022 Standard, 64 bit v21H2 (build 20348)", "online", "2026-06-12T10:00:00.5Z")
		ws := providertest.TacticalAgent("Pq9rStUvWxYz0123456789AbCdEfGhIjKlMnOpQr", "WS-22", "Contoso", "workstation", "windows", "Windows 11 Pro", "overdue", "2026-06-11T09:00:00Z")
		fab := providertest.TacticalAgent("fab-agent-1", "FAB-WS", "Fabrikam", "workstation", "darwin", "", "offline", "2026-06-10T08:00:00Z")
		orphan := providertest.TacticalAgent("orphan-1", "ORPHAN", "Nobody Inc", "server", "linux", "Ubuntu 22.04", "online", "2026-06-12T10:00:00Z")
		f.SetInventory(clients, srv, ws, fab, orphan)

		c, err := h.Worker.SyncInventory(h.Ctx, in.TenantID, in.ID)
		want := worker.InventoryCounts{Organizations: 2, Devices: 4, Updated: 2, Unmapped: 2}
		if err != nil || c != want {
			t.Fatalf("sync = %+v, %v; want %+v", c, err, want)
		}
		if a := h.deviceAsset(in.ID, srvAgent); a.Kind != "server" || !strings.HasPrefix(a.Os, "Windows Server 2022") ||
			a.Online == nil || !*a.Online || a.LastContactAt == nil || a.LastContactAt.Format("2006-01-02T15:04:05.0") != "2026-06-12T10:00:00.5" {
			t.Errorf("SRV-01 = %+v", a)
		}
		if a := h.deviceAsset(in.ID, "Pq9rStUvWxYz0123456789AbCdEfGhIjKlMnOpQr"); a.Online == nil || *a.Online {
			t.Errorf("overdue agent = %+v, want offline", a)
		}
		// The agent whose client name matches no client stays out, counted as unmapped.
		if n := h.DB.AssetDevice.Query().Where(assetdevice.ExternalDeviceID("orphan-1")).CountX(h.Ctx); n != 0 {
			t.Error("an agent of an unknown client became an asset")
		}

		// Fabrikam mapped: its agent becomes an asset, its OS from plat.
		fabrikam := h.newClient("Fabrikam")
		h.mapOrg(in.ID, "4", fabrikam.ID)
		c, err = h.Worker.SyncInventory(h.Ctx, in.TenantID, in.ID)
		if err != nil || c.Created != 1 || c.Unmapped != 1 {
			t.Fatalf("sync after mapping = %+v, %v", c, err)
		}
		if a := h.deviceAsset(in.ID, "fab-agent-1"); clientIDOf(a) != fabrikam.ID || a.Os != "macOS" || a.Name != "FAB-WS" {
			t.Errorf("Fabrikam agent = %+v", a)
		}

		// The agent moves to Contoso.
		fab["client_name"] = "Contoso"
		f.SetInventory(clients, srv, ws, fab, orphan)
		if c, err := h.Worker.SyncInventory(h.Ctx, in.TenantID, in.ID); err != nil || c.Moved != 1 {
			t.Fatalf("sync after the move = %+v, %v", c, err)
		}
		if a := h.deviceAsset(in.ID, "fab-agent-1"); !eqInt(a.ClientID, contoso) {
			t.Errorf("moved agent in client %v, want Contoso %v", a.ClientID, *contoso)
		}

		// The agents list fails: nothing is retired, the error is kept.
		f.SetInventory(clients, ws)
		f.FailAgents(http.StatusBadGateway)
		if _, err := h.Worker.SyncInventory(h.Ctx, in.TenantID, in.ID); err == nil {
			t.Fatal("failed fetch: no error")
		}
		if n := h.DB.Asset.Query().Where(asset.RetiredAtNotNil()).CountX(h.Ctx); n != 0 {
			t.Errorf("%d assets retired by a failed fetch", n)
		}
		if stored := h.DB.Integration.GetX(h.Ctx, in.ID); !strings.Contains(stored.LastInventorySyncError, "502") {
			t.Errorf("last sync error %q", stored.LastInventorySyncError)
		}
		// Listed whole again without SRV-01: it is retired.
		f.SetInventory(clients, ws, fab, orphan)
		if c, err := h.Worker.SyncInventory(h.Ctx, in.TenantID, in.ID); err != nil || c.Retired != 1 {
			t.Fatalf("sync without SRV-01 = %+v, %v", c, err)
		}
		if a := h.deviceAsset(in.ID, srvAgent); a.RetiredAt == nil {
			t.Error("gone agent's asset not retired")
		}

		// An agent without a hostname is named by its id.
		blank := providertest.TacticalAgent("blank-agent-9", "", "Contoso", "workstation", "windows", "", "online", "2026-06-12T11:00:00Z")
		f.SetInventory(clients, ws, fab, orphan, blank)
		if c, err := h.Worker.SyncInventory(h.Ctx, in.TenantID, in.ID); err != nil || c.Created != 1 {
			t.Fatalf("sync with a blank hostname = %+v, %v", c, err)
		}
		if a := h.deviceAsset(in.ID, "blank-agent-9"); a.Name != "agent blank-agent-9" || a.Os != "Windows" || !eqInt(a.ClientID, contoso) {
			t.Errorf("agent without a hostname = %+v", a)
		}

		// The agents list breaks off halfway through its body: the sync
		// fails and retires none of the agents the half lacks.
		f.SetInventory(clients, orphan)
		f.CutAgents()
		if c, err := h.Worker.SyncInventory(h.Ctx, in.TenantID, in.ID); err == nil || c.Retired != 0 {
			t.Fatalf("sync of a cut-off list = %+v, %v; want an error", c, err)
		}
		if n := h.DB.Asset.Query().Where(asset.RetiredAtNotNil()).CountX(h.Ctx); n != 1 {
			t.Errorf("%d assets retired after a cut-off list, want 1 (SRV-01 only)", n)
		}
		if stored := h.DB.Integration.GetX(h.Ctx, in.ID); stored.LastInventorySyncError == "" {
			t.Error("a cut-off list left no sync error")
		}
	})
}

// An alert for a device no sync has listed yet, in a mapped organization,
// makes the device's asset in the client, says so in the trace, and the
// ticket has that asset; the next sync finds the asset linked.
func TestAlertForUnknownDeviceCreatesAsset(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		n := providertest.NewNinjaOne(t)
		in := h.connect(ninja, n.URL, n.Credentials())
		contoso := h.deviceAsset(in.ID, "7").ClientID
		body := apptest.NinjaTrigger(t, map[string]any{
			"deviceId": 4242, "seriesUid": "6a1d2b9e-0000-4000-8000-000000004242",
			"device": map[string]any{"id": 4242, "organizationId": 2, "displayName": "NEW-LAPTOP", "systemName": "newlaptop",
				"references": map[string]any{"organization": map[string]any{"id": 2, "name": "Contoso"}}},
		})
		r := h.Post(ninja, body)
		if r.Status != http.StatusOK || r.TicketID == nil {
			t.Fatalf("webhook = %+v", r)
		}
		a := h.deviceAsset(in.ID, "4242")
		if a.Name != "NEW-LAPTOP" || !eqInt(a.ClientID, contoso) {
			t.Errorf("new asset = %+v, want NEW-LAPTOP of Contoso", a)
		}
		alert := h.Alert(r.AlertID)
		if alert.AssetID == nil || *alert.AssetID != a.ID || !strings.Contains(fmt.Sprint(alert.DecisionTrace), `device 4242 was unknown: created asset "NEW-LAPTOP"`) {
			t.Errorf("alert asset %v, trace %v", alert.AssetID, alert.DecisionTrace)
		}
		if tk := h.Ticket(*r.TicketID); tk.Edges.Asset == nil || tk.Edges.Asset.ID != a.ID {
			t.Errorf("ticket asset = %+v", tk.Edges.Asset)
		}
		// Another alert of the device uses the same asset.
		h.Post(ninja, apptest.Patch(t, body, map[string]any{"seriesUid": "6a1d2b9e-0000-4000-8000-000000004243", "sourceConfigUid": "other-condition"}))
		if n := h.DB.AssetDevice.Query().Where(assetdevice.ExternalDeviceID("4242")).CountX(h.Ctx); n != 1 {
			t.Errorf("%d links of device 4242", n)
		}
		// The sync that lists it updates that asset rather than making another.
		n.SetInventory(map[int]string{2: "Contoso"}, providertest.NinjaDevice(4242, 2, "NEW-LAPTOP", "newlaptop", "WINDOWS_WORKSTATION", false, 1765000000))
		if c, err := h.Worker.SyncInventory(h.Ctx, in.TenantID, in.ID); err != nil || c.Created != 0 || c.Updated != 1 {
			t.Errorf("sync = %+v, %v", c, err)
		}
	})
}

// Connecting an integration through the API syncs its inventory with
// nobody asking: the connect polls at once, and the poll cycle queues a
// sync, whose devices of mapped organizations become assets.
func TestConnectSyncsInventory(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			// The worker opens what the API sealed.
			h := newAPIHarness(t, d, func(d *worker.Deps) { d.Secrets = storetest.Secrets(t) })
			f := providertest.NewTactical(t)
			f.SetInventory([]map[string]any{providertest.TacticalClient(3, "Contoso")},
				providertest.TacticalAgent("new-agent-1", "NEW-PC", "Contoso", "workstation", "windows", "Windows 11 Pro", "online", "2026-06-12T10:00:00Z"))
			in := h.Integration(tactical)
			h.Admin(`mutation($id: ID!, $url: String!, $key: String!) {
				connectTacticalRmm(integrationId: $id, baseUrl: $url, apiKey: $key) { integration { id } } }`,
				apptest.Vars("id", apptest.ID(in.ID), "url", f.URL, "key", f.APIKey)).Must(nil)
			eventually(t, 30*time.Second, "the inventory synced after connecting", func() bool {
				got, err := h.DB.Integration.Get(h.Ctx, in.ID)
				return err == nil && got.LastInventorySyncAt != nil
			})
			stored := h.DB.Integration.GetX(h.Ctx, in.ID)
			if stored.LastInventorySyncError != "" || stored.LastInventorySyncCounts["created"] != 1 {
				t.Errorf("sync after connect: error %q, counts %v", stored.LastInventorySyncError, stored.LastInventorySyncCounts)
			}
			if a := h.deviceAsset(in.ID, "new-agent-1"); a.Name != "NEW-PC" || a.ClientID == nil {
				t.Errorf("the new agent's asset = %+v", a)
			}
		})
	}
}
