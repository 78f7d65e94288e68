package e2e_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/event"
)

func TestWeeklyMaintenanceWindowWithTimezone(t *testing.T) {
	u := newUI(t, 1280)
	ninja := u.Integration(event.NinjaOne).ID
	u.signIn()
	u.goTo("#/maintenance")
	u.waitJS("empty state", `document.querySelector('main .empty')`)

	u.clickText("main button", "New window")
	u.waitJS("editor open", `document.querySelector('dialog[open] form')`)
	u.typeInto(fieldInput("name", "input"), "Patch night")
	u.setValue(fieldInput("integrationId", "select"), fmt.Sprint(ninja))
	// Weekly is the default schedule; Mon–Fri are preselected. Leave no day
	// checked first: the editor refuses that next to the days.
	for _, d := range []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"} {
		u.click(dlg(fmt.Sprintf(`input[aria-label=%q]`, d)))
	}
	u.clickText("dialog[open] button", "Create window")
	u.waitJS("days error", `(() => { const e = document.querySelector('dialog[open] .field[data-field="recurrence.days"] .field-error'); return e && !e.hidden; })()`)
	for _, d := range []string{"Tuesday", "Thursday", "Saturday"} {
		u.click(dlg(fmt.Sprintf(`input[aria-label=%q]`, d)))
	}
	u.setValue(fieldInput("recurrence.startTime", "input"), "23:00")
	u.setValue(fieldInput("recurrence.endTime", "input"), "03:00")
	u.setValue(fieldInput("recurrence.timezone", "select"), "Asia/Tokyo")
	if got := u.text("dialog[open] [aria-live].hint"); !strings.Contains(got, "Crosses midnight") {
		t.Errorf("midnight hint = %q", got)
	}
	u.screenshot("maintenance-editor")
	u.clickText("dialog[open] button", "Create window")
	u.waitJS("dialog closed", `!document.querySelector('dialog[open]')`)
	u.waitJS("window listed", `document.querySelector('main tr[data-window-id]')`)
	row := u.text("main tr[data-window-id]")
	for _, want := range []string{"Patch night", "Tue, Thu, Sat, 23:00–03:00 (Asia/Tokyo)", "NinjaOne"} {
		if !strings.Contains(row, want) {
			t.Errorf("row %q lacks %q", row, want)
		}
	}
	if !strings.Contains(row, "Active now") && !strings.Contains(row, "next start") {
		t.Errorf("row %q shows neither active now nor next start", row)
	}
	u.screenshot("maintenance")

	var out struct {
		MaintenanceWindows []struct {
			Name        string
			Integration *struct{ ID string }
			Client      *struct{ ID string }
			Recurrence  *struct {
				Days               []int
				StartTime, EndTime string
				Timezone           string
			}
			NextStart *string
		}
	}
	u.gql(`{ maintenanceWindows { name integration { id } client { id } recurrence { days startTime endTime timezone } nextStart } }`, nil, &out)
	if len(out.MaintenanceWindows) != 1 {
		t.Fatalf("windows = %+v", out.MaintenanceWindows)
	}
	w := out.MaintenanceWindows[0]
	if w.Integration == nil || w.Integration.ID != fmt.Sprint(ninja) || w.Client != nil {
		t.Errorf("scope = %+v %+v", w.Integration, w.Client)
	}
	if r := w.Recurrence; r == nil || fmt.Sprint(r.Days) != "[2 4 6]" || r.StartTime != "23:00" || r.EndTime != "03:00" || r.Timezone != "Asia/Tokyo" {
		t.Errorf("recurrence = %+v", w.Recurrence)
	}

	// Edit: reopening shows the saved schedule and starts without errors.
	u.click(`button[aria-label="Edit Patch night"]`)
	u.waitJS("editor open", `document.querySelector('dialog[open] form')`)
	var tz string
	u.eval(`document.querySelector('dialog[open] .field[data-field="recurrence.timezone"] select').value`, &tz)
	if tz != "Asia/Tokyo" {
		t.Errorf("reopened timezone = %q", tz)
	}
	var errs int
	u.eval(`[...document.querySelectorAll('dialog[open] .field-error')].filter((e) => !e.hidden).length`, &errs)
	if errs != 0 {
		t.Errorf("%d errors shown on reopening", errs)
	}
}
