package e2e_test

import (
	"fmt"
	"testing"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/providers/providertest"
)

// TestConnectPollNowDisconnect connects the NinjaOne integration to a fake
// NinjaOne with an API client, polls it on demand (its active alert
// becomes a ticket) and disconnects it, all through the UI.
func TestConnectPollNowDisconnect(t *testing.T) {
	u := newUIWith(t, 1280, true)
	ninja := u.Integration(event.NinjaOne).ID
	rmm := providertest.NewNinjaOne(t)
	rmm.SetAlerts(providertest.Alert("9d1c5b7e-poll-4c8e-9a3b-000000000001", 7, "CPU above 95% for 10 minutes"))

	u.signIn()
	u.goTo(fmt.Sprintf("#/integrations/%d", ninja))
	u.clickText("main button", "Connect with an API client")
	u.waitJS("connect dialog", `document.querySelector('dialog[open] form')`)
	u.typeInto(`dialog[open] .field[data-field="clientId"] input`, rmm.ClientID)
	u.typeInto(`dialog[open] .field[data-field="clientSecret"] input`, rmm.ClientSecret)
	u.clear(`dialog[open] .field[data-field="baseUrl"] input`)
	u.typeInto(`dialog[open] .field[data-field="baseUrl"] input`, rmm.URL)
	var secretType string
	u.eval(`document.querySelector('dialog[open] .field[data-field="clientSecret"] input').type`, &secretType)
	if secretType != "password" {
		t.Errorf("client secret input type = %q", secretType)
	}
	u.clickText("dialog[open] button", "Connect")
	u.waitJS("connected", `!document.querySelector('dialog[open]') && [...document.querySelectorAll('main .card-head .badge')].some((b) => b.textContent === 'Connected')`)

	// Poll now: the RMM's active alert becomes a ticket; the card shows
	// the cycle.
	u.clickText("main button", "Poll now")
	u.eventually("polled alert ticketed", func() bool {
		var out struct {
			Alerts struct {
				Nodes []struct{ Ticket *struct{ ID string } }
			}
		}
		u.gql(`{ alerts(filter: {externalDeviceId: "7"}) { nodes { ticket { id } } } }`, nil, &out)
		return len(out.Alerts.Nodes) == 1 && out.Alerts.Nodes[0].Ticket != nil
	})
	u.waitJS("last poll shown", `document.querySelector('[data-testid="last-poll"] time')`)
	u.screenshot("integrations-connected")

	u.clickText("main button", "Disconnect")
	u.waitJS("confirmation", `document.querySelector('dialog[open]')`)
	u.clickText("dialog[open] button", "Disconnect")
	u.waitJS("disconnected", `[...document.querySelectorAll('main .card-head .badge')].some((b) => b.textContent === 'Disconnected')`)
	var out struct {
		Integration struct{ ConnectionState string }
	}
	u.gql(`query($id: ID!) { integration(id: $id) { connectionState } }`, map[string]any{"id": fmt.Sprint(ninja)}, &out)
	if out.Integration.ConnectionState != "DISCONNECTED" {
		t.Errorf("state = %s", out.Integration.ConnectionState)
	}
}
