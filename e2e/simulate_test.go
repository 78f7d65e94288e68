package e2e_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
)

// "Try against the last 7 days" replays the week in the rule list, and in
// the editor with the edited rule: recording only loses the alert's ticket.
func TestRuleSimulationButton(t *testing.T) {
	u := newUI(t, 1280)
	ninja := u.Integration(event.NinjaOne).ID
	if r := u.Post(event.NinjaOne, apptest.NinjaTrigger(t, map[string]any{
		"activityTime": float64(time.Now().Add(-time.Hour).Unix()), "message": "Disk D: is full",
	})); r.Outcome != "ticket_created" {
		t.Fatalf("webhook: %+v", r)
	}
	u.signIn()
	u.goTo(fmt.Sprintf("#/rules/%d", ninja))
	u.waitJS("rules listed", `document.querySelectorAll('.rule').length === 1`)

	u.click(`.rules-toolbar button[data-action="simulate"]`)
	u.waitJS("totals shown", `(() => { const s = document.querySelector('.rules .sim-totals');
		return s && s.textContent.includes('1alerts replayed') && s.textContent.includes('0alerts changed'); })()`)

	u.click(`button[aria-label="Edit Catch-all"]`)
	u.waitJS("dialog open", `document.querySelector('dialog[open] form')`)
	u.click(dlg(`.field[data-field="actions.createTicket"] input`))
	u.click(dlg(`button[data-action="simulate"]`))
	u.waitJS("difference shown", `(() => { const s = document.querySelector('dialog[open] .simulation');
		return s && s.textContent.includes('1tickets lost') && s.textContent.includes('Disk D: is full')
			&& s.textContent.includes('Record only'); })()`)
	if rs := u.rules(ninja); len(rs) != 1 || rs[0].Actions["createTicket"] == false {
		t.Errorf("trying saved the rule: %+v", rs)
	}
}
