package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/fixtures"
)

// unmappedNinjaAlert is the NinjaOne fixture from an unknown device of an
// organization (55) that no mapping covers.
func unmappedNinjaAlert(t *testing.T) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(fixtures.Read("ninjaone-condition-triggered.json"), &m); err != nil {
		t.Fatal(err)
	}
	m["id"] = 990001
	m["deviceId"] = 4242
	m["seriesUid"] = "0f6a3c1e-0000-4000-8000-000000000055"
	dev := m["device"].(map[string]any)
	dev["id"] = 4242
	dev["organizationId"] = 55
	dev["displayName"] = "FABRIKAM-DC1"
	dev["systemName"] = "FABRIKAM-DC1"
	dev["references"] = map[string]any{"organization": map[string]any{"id": 55, "name": "Fabrikam"}}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestIntegrationSettings(t *testing.T) {
	u := newUI(t, 1280)
	ninja := u.Integration(event.NinjaOne)
	tactical := u.Integration(event.TacticalRMM)
	if res := u.Post(event.NinjaOne, unmappedNinjaAlert(t)); res.Status != 200 || res.TicketID != nil {
		t.Fatalf("unmapped webhook: %+v", res)
	}
	u.signIn()
	u.goTo(fmt.Sprintf("#/integrations/%d", ninja.ID))
	u.waitJS("settings shown", fmt.Sprintf(`document.querySelector('#wh-url-%d')`, ninja.ID))

	var url string
	u.eval(fmt.Sprintf(`document.querySelector('#wh-url-%d').value`, ninja.ID), &url)
	if want := fmt.Sprintf("/webhooks/ninjaone/%d", ninja.ID); !strings.HasSuffix(url, want) {
		t.Errorf("webhook URL = %q, want …%s", url, want)
	}
	// The secret is masked until shown.
	secretSel := fmt.Sprintf(`#wh-s-%d`, ninja.ID)
	var typ, secret string
	u.eval(fmt.Sprintf(`document.querySelector(%q).type`, secretSel), &typ)
	if typ != "password" {
		t.Errorf("secret input type = %q", typ)
	}
	u.click(fmt.Sprintf(`button[aria-controls="wh-s-%d"]`, ninja.ID))
	u.eval(fmt.Sprintf(`document.querySelector(%q).type + ' ' + document.querySelector(%q).value`, secretSel, secretSel), &typ)
	if typ != "text "+ninja.Secret {
		t.Errorf("shown secret = %q", typ)
	}

	// Rotate, after confirming: the old secret stops working.
	u.clickText("main button", "Rotate")
	u.waitJS("confirmation", `document.querySelector('dialog[open]')`)
	u.clickText("dialog[open] button", "Rotate secret")
	u.waitJS("rotated", fmt.Sprintf(`document.querySelector(%q).value !== %s`, secretSel, jsonString(ninja.Secret)))
	u.eval(fmt.Sprintf(`document.querySelector(%q).value`, secretSel), &secret)
	if res := u.PostTo(event.NinjaOne, ninja.ID, ninja.Secret, fixtures.Read("ninjaone-condition-triggered.json")); res.Status != 401 {
		t.Errorf("old secret answered %d, want 401", res.Status)
	}
	if res := u.PostTo(event.NinjaOne, ninja.ID, secret, fixtures.Read("ninjaone-condition-triggered.json")); res.Status != 200 {
		t.Errorf("new secret answered %d, want 200", res.Status)
	}

	// Polling: an interval out of range is refused inline; a good one saved.
	u.clear(`main .field[data-field="intervalMinutes"] input`)
	u.typeInto(`main .field[data-field="intervalMinutes"] input`, "3")
	u.clickText("main button", "Save polling")
	u.waitJS("interval error", `!document.querySelector('main .field[data-field="intervalMinutes"] .field-error').hidden`)
	u.clear(`main .field[data-field="intervalMinutes"] input`)
	u.typeInto(`main .field[data-field="intervalMinutes"] input`, "30")
	u.click(`main input[role="switch"]`) // polling on
	u.clickText("main button", "Save polling")
	u.eventually("polling saved", func() bool {
		var out struct {
			Integration struct {
				PollingEnabled         bool
				PollingIntervalMinutes int
			}
		}
		u.gql(`query($id: ID!) { integration(id: $id) { pollingEnabled pollingIntervalMinutes } }`, map[string]any{"id": fmt.Sprint(ninja.ID)}, &out)
		return out.Integration.PollingEnabled && out.Integration.PollingIntervalMinutes == 30
	})

	// The unmapped organization: map it to Contoso and reprocess; its alert
	// becomes a ticket.
	u.waitJS("unmapped listed", `document.querySelector('.unmapped') && document.querySelector('.unmapped').textContent.includes('Organization 55')`)
	u.screenshot("integrations-unmapped")
	var clientID string
	u.eval(`[...document.querySelector('select[aria-label="Client for organization 55"]').options].find((o) => o.text === 'Contoso').value`, &clientID)
	u.setValue(`select[aria-label="Client for organization 55"]`, clientID)
	u.typeInto(`input[aria-label="Name of organization 55"]`, "Fabrikam")
	u.clickText(".unmapped button", "Map & reprocess")
	u.waitJS("mapping listed", `[...document.querySelectorAll('main table td')].some((td) => td.textContent.includes('Fabrikam'))`)
	var out struct {
		Alerts struct {
			Nodes []struct {
				DeviceName string
				Ticket     *struct{ ID string }
				Client     *struct{ Name string }
			}
		}
	}
	u.gql(`{ alerts(filter: {externalDeviceId: "4242"}) { nodes { deviceName ticket { id } client { name } } } }`, nil, &out)
	if n := out.Alerts.Nodes; len(n) != 1 || n[0].Ticket == nil || n[0].Client == nil || n[0].Client.Name != "Contoso" {
		t.Errorf("reprocessed alert = %+v", out.Alerts.Nodes)
	}

	// TacticalRMM shows the action body to paste.
	u.goTo(fmt.Sprintf("#/integrations/%d", tactical.ID))
	u.waitJS("action body", fmt.Sprintf(`document.querySelector('#tpl-%d') && document.querySelector('#tpl-%d').textContent.includes('"event": "trigger"')`, tactical.ID, tactical.ID))
	u.screenshot("integrations-tacticalrmm")
}

// fakeConnectAPI adds a connectTacticalRmm mutation to what the page sees
// of the API (introspection and the call), recording the calls: the
// connect form is built from whatever arguments the API declares.
const fakeConnectAPI = `(() => {
  const real = window.fetch.bind(window);
  const nn = (kind, name) => ({ kind: 'NON_NULL', name: null, ofType: { kind, name, ofType: null } });
  const json = (v) => new Response(JSON.stringify(v), { headers: { 'Content-Type': 'application/json' } });
  window.__connectCalls = [];
  window.fetch = async (url, init) => {
    const body = init && init.body ? JSON.parse(init.body) : null;
    if (body && body.query.includes('connectTacticalRmm(')) {
      window.__connectCalls.push(body);
      return json({ data: { connectTacticalRmm: { __typename: 'Integration' } } });
    }
    const res = await real(url, init);
    if (body && body.variables && body.variables.n === 'Mutation' && body.query.includes('__type')) {
      const j = await res.json();
      j.data.__type.fields.push({ name: 'connectTacticalRmm', type: nn('OBJECT', 'Integration'), args: [
        { name: 'integrationId', type: nn('SCALAR', 'ID') },
        { name: 'baseUrl', type: nn('SCALAR', 'String') },
        { name: 'apiKey', type: nn('SCALAR', 'String') },
      ] });
      return json(j);
    }
    return res;
  };
})();`

func TestConnectFormFollowsTheAPI(t *testing.T) {
	u := newUI(t, 1280)
	tactical := u.Integration(event.TacticalRMM)
	u.run("fake API", chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(fakeConnectAPI).Do(ctx)
		return err
	}))
	u.signIn()
	u.goTo(fmt.Sprintf("#/integrations/%d", tactical.ID))
	u.clickText("main button", "Connect")
	u.waitJS("connect dialog", `document.querySelector('dialog[open] form')`)
	u.typeInto(`dialog[open] .field[data-field="baseUrl"] input`, "https://rmm.example.com")
	u.typeInto(`dialog[open] .field[data-field="apiKey"] input`, "KEY123")
	var typ string
	u.eval(`document.querySelector('dialog[open] .field[data-field="apiKey"] input').type`, &typ)
	if typ != "password" {
		t.Errorf("API key input type = %q", typ)
	}
	u.clickText("dialog[open] button", "Connect")
	u.waitJS("called", `window.__connectCalls.length === 1`)
	var vars map[string]any
	u.eval(`window.__connectCalls[0].variables`, &vars)
	want := map[string]any{"integrationId": fmt.Sprint(tactical.ID), "baseUrl": "https://rmm.example.com", "apiKey": "KEY123"}
	if fmt.Sprint(vars) != fmt.Sprint(want) {
		t.Errorf("variables = %v, want %v", vars, want)
	}
}
