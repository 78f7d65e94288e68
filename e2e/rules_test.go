package e2e_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/alertdesk/alertdesk/event"
)

type ruleView struct {
	ID            string
	Name          string
	IsActive      bool
	PriorityOrder int
	Conditions    map[string]any
	Actions       map[string]any
}

const rulesQuery = `query($id: ID!) { alertRules(integrationId: $id) { id name isActive priorityOrder conditions actions } }`

func (u *UI) rules(integrationID int) []ruleView {
	u.T.Helper()
	var out struct{ AlertRules []ruleView }
	u.gql(rulesQuery, map[string]any{"id": fmt.Sprint(integrationID)}, &out)
	return out.AlertRules
}

func ruleNames(rs []ruleView) string {
	var names []string
	for _, r := range rs {
		names = append(names, r.Name)
	}
	return strings.Join(names, ", ")
}

// dlg scopes a selector to the open dialog.
func dlg(sel string) string { return "dialog[open] " + sel }

// fieldInput is the control of the dialog field with that data-field.
func fieldInput(field, control string) string {
	return dlg(fmt.Sprintf(`.field[data-field=%q] %s`, field, control))
}

func TestRuleEditorCreatesRuleAndShowsInlineErrors(t *testing.T) {
	u := newUI(t, 1280)
	ninja := u.Integration(event.NinjaOne).ID
	u.signIn()
	u.goTo(fmt.Sprintf("#/rules/%d", ninja))
	u.waitJS("rules listed", `document.querySelectorAll('.rule').length === 1`)
	u.screenshot("rules")

	u.clickText("button", "+ New rule")
	u.waitJS("dialog open", `document.querySelector('dialog[open] form')`)
	var focused string
	u.eval(`document.activeElement.closest('.field') ? document.activeElement.closest('.field').dataset.field : ''`, &focused)
	if focused != "name" {
		t.Errorf("focus on open is in field %q, want name", focused)
	}
	u.typeInto(fieldInput("name", "input"), "Disk space")
	u.click(dlg(`input[aria-label="Severity: Critical"]`))
	u.click(dlg(`input[aria-label="Severity: Major"]`))
	u.typeInto(fieldInput("conditions.keywords", "input.chip-entry"), "disk"+kb.Enter)
	u.typeInto(fieldInput("conditions.keywords", "input.chip-entry"), "volume"+kb.Enter)
	u.typeInto(fieldInput("actions.ticketTemplate.titleTemplate", "input"), "Disk alert on {{device}}")
	u.typeInto(fieldInput("conditions.messagePattern", "input"), "disk (")
	u.typeInto(fieldInput("actions.stormComments", "input"), "500")
	if got := u.text(dlg(".preview-title")); got != "Disk alert on SRV-01" {
		t.Errorf("live preview title = %q", got)
	}
	if got := u.text(dlg(".test-result")); !strings.Contains(got, "Not a valid pattern") {
		t.Errorf("regex test = %q", got)
	}

	// Saving the bad regex: the API's BAD_USER_INPUT error appears next to
	// the message pattern field.
	u.clickText("dialog[open] button", "Create rule")
	errSel := fieldInput("conditions.messagePattern", ".field-error")
	u.waitJS("inline regex error", fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e && !e.hidden && e.textContent.toLowerCase().includes('invalid regular expression'); })()`, errSel))
	var invalid string
	u.eval(fmt.Sprintf(`document.querySelector(%q).getAttribute('aria-invalid') || ''`, fieldInput("conditions.messagePattern", "input")), &invalid)
	if invalid != "true" {
		t.Errorf("pattern input aria-invalid = %q", invalid)
	}
	u.eval(`document.activeElement.closest('.field') ? document.activeElement.closest('.field').dataset.field : ''`, &focused)
	if focused != "conditions.messagePattern" {
		t.Errorf("focus after the error is in %q, want the pattern field", focused)
	}
	stormErr := fieldInput("actions.stormComments", ".field-error")
	u.waitJS("inline storm error", fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e && !e.hidden && e.textContent.includes('between 0 and 100'); })()`, stormErr))
	if n := len(u.rules(ninja)); n != 1 {
		t.Fatalf("%d rules after a refused save, want 1", n)
	}
	u.screenshot("rule-editor")

	// Fix the pattern and save: the rule is created last.
	u.clear(fieldInput("conditions.messagePattern", "input"))
	u.typeInto(fieldInput("conditions.messagePattern", "input"), "(?i)disk .* full")
	u.clear(fieldInput("actions.stormComments", "input"))
	u.typeInto(fieldInput("actions.stormComments", "input"), "5")
	u.typeInto(fieldInput("actions.stormQuietMinutes", "input"), "30")
	u.clickText("dialog[open] button", "Create rule")
	u.waitJS("dialog closed", `!document.querySelector('dialog[open]')`)
	u.waitJS("new rule listed", `[...document.querySelectorAll('.rule-name')].some((e) => e.textContent === 'Disk space')`)
	rs := u.rules(ninja)
	if len(rs) != 2 || rs[1].Name != "Disk space" {
		t.Fatalf("rules = %s", ruleNames(rs))
	}
	c := rs[1].Conditions
	if c["messagePattern"] != "(?i)disk .* full" || fmt.Sprint(c["severities"]) != "[critical major]" || fmt.Sprint(c["keywords"]) != "[disk volume]" {
		t.Errorf("conditions = %v", c)
	}
	if tmpl, _ := rs[1].Actions["ticketTemplate"].(map[string]any); tmpl["titleTemplate"] != "Disk alert on {{device}}" {
		t.Errorf("actions = %v", rs[1].Actions)
	}
	if a := rs[1].Actions; fmt.Sprint(a["stormComments"], a["stormQuietMinutes"]) != "5 30" {
		t.Errorf("storm actions = %v %v, want 5 30", a["stormComments"], a["stormQuietMinutes"])
	}

	// Reopening starts clean: no leftover errors, the saved values shown.
	u.click(`button[aria-label="Edit Disk space"]`)
	u.waitJS("dialog open", `document.querySelector('dialog[open] form')`)
	var visibleErrors int
	u.eval(`[...document.querySelectorAll('dialog[open] .field-error')].filter((e) => !e.hidden).length`, &visibleErrors)
	if visibleErrors != 0 {
		t.Errorf("%d errors shown on reopening", visibleErrors)
	}
	var pattern string
	u.eval(fmt.Sprintf(`document.querySelector(%q).value`, fieldInput("conditions.messagePattern", "input")), &pattern)
	if pattern != "(?i)disk .* full" {
		t.Errorf("reopened pattern = %q", pattern)
	}
	// Escape closes the dialog and focus returns to the Edit button.
	u.run("escape", chromedp.KeyEvent(kb.Escape))
	u.waitJS("dialog closed", `!document.querySelector('dialog[open]')`)
	var label string
	u.eval(`document.activeElement.getAttribute('aria-label') || ''`, &label)
	if label != "Edit Disk space" {
		t.Errorf("focus after closing is on %q", label)
	}
}

func TestRulesReorderToggleDelete(t *testing.T) {
	u := newUI(t, 1280)
	ninja := u.Integration(event.NinjaOne).ID
	for _, name := range []string{"Second", "Third"} {
		u.gql(`mutation($i: CreateAlertRuleInput!) { createAlertRule(input: $i) { id } }`,
			map[string]any{"i": map[string]any{"integrationId": fmt.Sprint(ninja), "name": name, "conditions": map[string]any{"severities": []string{"critical"}}}}, nil)
	}
	u.signIn()
	u.goTo(fmt.Sprintf("#/integrations/%d", ninja))
	u.waitJS("rules listed", `document.querySelectorAll('.rule').length === 3`)

	// Up button: Third before Second; focus stays on the moved rule.
	u.click(`button[aria-label="Move Third up"]`)
	u.waitJS("order shown", `[...document.querySelectorAll('.rule-name')].map((e) => e.textContent).join() === 'Catch-all,Third,Second'`)
	u.eventually("move saved", func() bool { return ruleNames(u.rules(ninja)) == "Catch-all, Third, Second" })
	var label string
	u.eval(`document.activeElement.getAttribute('aria-label') || ''`, &label)
	if label != "Move Third up" {
		t.Errorf("focus after moving is on %q", label)
	}

	// Drag Catch-all below Second (HTML drag and drop events).
	u.eval(`(() => {
		const items = [...document.querySelectorAll('.rule')];
		const from = items.find((li) => li.querySelector('.rule-name').textContent === 'Catch-all');
		const to = items.find((li) => li.querySelector('.rule-name').textContent === 'Second');
		const dt = new DataTransfer();
		const r = to.getBoundingClientRect();
		from.dispatchEvent(new DragEvent('dragstart', { bubbles: true, dataTransfer: dt }));
		to.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: dt, clientY: r.bottom - 2 }));
		to.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt, clientY: r.bottom - 2 }));
		from.dispatchEvent(new DragEvent('dragend', { bubbles: true, dataTransfer: dt }));
		return true;
	})()`, nil)
	u.waitJS("dragged order", `[...document.querySelectorAll('.rule-name')].map((e) => e.textContent).join() === 'Third,Second,Catch-all'`)
	var rs []ruleView
	u.eventually("drag order saved", func() bool {
		rs = u.rules(ninja)
		return ruleNames(rs) == "Third, Second, Catch-all"
	})
	for i, r := range rs {
		if r.PriorityOrder != i+1 {
			t.Errorf("%s has priorityOrder %d, want %d", r.Name, r.PriorityOrder, i+1)
		}
	}

	// Toggle Second off.
	u.click(`input[aria-label="Active: Second"]`)
	u.waitJS("shown inactive", `[...document.querySelectorAll('.rule.inactive .rule-name')].some((e) => e.textContent === 'Second')`)
	u.eventually("Second inactive", func() bool {
		for _, r := range u.rules(ninja) {
			if r.Name == "Second" {
				return !r.IsActive
			}
		}
		return false
	})
	u.screenshot("integration-rules")

	// Delete Third, after confirming.
	u.click(`button[aria-label="Delete Third"]`)
	u.waitJS("confirmation", `document.querySelector('dialog[open]')`)
	if got := u.text("dialog[open] h2"); !strings.Contains(got, "Third") {
		t.Errorf("confirmation title = %q", got)
	}
	u.clickText("dialog[open] button", "Delete rule")
	u.waitJS("deleted", `[...document.querySelectorAll('.rule-name')].map((e) => e.textContent).join() === 'Second,Catch-all'`)
	u.eventually("deleted in the API", func() bool { return ruleNames(u.rules(ninja)) == "Second, Catch-all" })
}
