package e2e_test

import (
	"fmt"
	"testing"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/providers/providertest"
)

// TestInventorySyncMapAndTicket connects NinjaOne to a fake instance whose
// inventory has an organization nobody mapped, syncs it, creates its
// client from the integration page, sees its device appear as an asset,
// and has a webhook for that device make a ticket with that asset.
func TestInventorySyncMapAndTicket(t *testing.T) {
	u := newUIWith(t, 1280, true)
	ninja := u.Integration(event.NinjaOne).ID
	rmm := providertest.NewNinjaOne(t)
	rmm.SetInventory(map[int]string{2: "Contoso", 5: "Fabrikam Ltd"},
		providertest.NinjaDevice(7, 2, "SRV-01", "srv01", "WINDOWS_SERVER", false, 1765000000),
		providertest.NinjaDevice(501, 5, "", "FAB-01", "WINDOWS_WORKSTATION", true, 1765000100))

	u.signIn()
	u.goTo(fmt.Sprintf("#/integrations/%d", ninja))
	u.clickText("main button", "Connect with an API client")
	u.waitJS("connect dialog", `document.querySelector('dialog[open] form')`)
	u.typeInto(`dialog[open] .field[data-field="clientId"] input`, rmm.ClientID)
	u.typeInto(`dialog[open] .field[data-field="clientSecret"] input`, rmm.ClientSecret)
	u.clear(`dialog[open] .field[data-field="baseUrl"] input`)
	u.typeInto(`dialog[open] .field[data-field="baseUrl"] input`, rmm.URL)
	u.clickText("dialog[open] button", "Connect")
	u.waitJS("connected", `!document.querySelector('dialog[open]') && [...document.querySelectorAll('main .card-head .badge')].some((b) => b.textContent === 'Connected')`)

	// Connecting polled once, and the poll queued a sync; "Sync now" asks
	// again. The page shows the sync and the unmapped organization by name.
	u.click(`[data-testid="sync-now"]`)
	u.waitJS("sync shown with the organization", `document.querySelector('[data-testid="last-sync"] time') &&
		[...document.querySelectorAll('.unmapped .cell-title')].some((e) => e.textContent === 'Fabrikam Ltd')`)
	u.screenshot("integrations-inventory")

	// Create its client: the mapping is made, and the next sync makes its
	// device an asset of the new client.
	var clicked bool
	u.eval(`(() => { [...document.querySelectorAll('.unmapped')].find((li) => li.textContent.includes('Fabrikam Ltd')).querySelector('[data-testid="create-client"]').click(); return true })()`, &clicked)
	u.waitJS("device listed", `[...document.querySelectorAll('[data-testid="device-row"]')].some((r) => r.textContent.includes('FAB-01') && r.textContent.includes('Fabrikam Ltd') && r.textContent.includes('Offline'))`)

	// The client's page lists the asset with what the RMM says of it.
	var cl struct{ Clients []struct{ ID string } }
	u.gql(`{ clients(search: "Fabrikam Ltd") { id } }`, nil, &cl)
	if len(cl.Clients) != 1 {
		t.Fatalf("clients named Fabrikam Ltd: %+v", cl.Clients)
	}
	u.goTo("#/clients/" + cl.Clients[0].ID)
	u.waitJS("asset with its RMM details", `[...document.querySelectorAll('main tr[data-asset-id]')].some((r) => r.textContent.includes('FAB-01') &&
		r.textContent.includes('device 501') && r.textContent.includes('workstation · Windows') && r.textContent.includes('Offline') && r.querySelector('time'))`)

	// A webhook for the device makes a ticket with that asset.
	r := u.Post(event.NinjaOne, apptest.NinjaTrigger(t, map[string]any{
		"deviceId": 501, "seriesUid": "0b7e5a2c-1111-4222-8333-000000000501",
		"device": map[string]any{"id": 501, "organizationId": 5, "displayName": "", "systemName": "FAB-01"},
	}))
	if r.TicketID == nil {
		t.Fatalf("webhook = %+v", r)
	}
	var out struct {
		Ticket struct {
			Asset  *struct{ Name string }
			Client *struct{ Name string }
		}
	}
	u.gql(`query($id: ID!) { ticket(id: $id) { asset { name } client { name } } }`, map[string]any{"id": fmt.Sprint(*r.TicketID)}, &out)
	if out.Ticket.Asset == nil || out.Ticket.Asset.Name != "FAB-01" || out.Ticket.Client == nil || out.Ticket.Client.Name != "Fabrikam Ltd" {
		t.Errorf("ticket asset %+v, client %+v", out.Ticket.Asset, out.Ticket.Client)
	}
}
