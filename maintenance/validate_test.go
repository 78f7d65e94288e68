package maintenance

import (
	"strings"
	"testing"
	"time"
)

func TestValidateWindow(t *testing.T) {
	start, end := utc("2026-05-20T10:00:00Z"), utc("2026-05-20T12:00:00Z")
	valid := func() Window { return weeklyWindow([]int{5}, "22:00", "02:00", "Europe/Berlin") }
	with := func(f func(*Window)) Window { w := valid(); f(&w); return w }
	rec := func(f func(*Recurrence)) Window { return with(func(w *Window) { f(w.Recurrence) }) }

	tests := []struct {
		name  string
		w     Window
		field string // "" when valid
		msg   string // part of the message
	}{
		{"weekly ok", valid(), "", ""},
		{"one-off ok", Window{Name: "deploy", StartsAt: &start, EndsAt: &end}, "", ""},
		{"scopes ok", with(func(w *Window) { w.IntegrationID, w.ClientID, w.AssetID = ptr(1), ptr(2), ptr(3) }), "", ""},
		{"name missing", with(func(w *Window) { w.Name = "  " }), "name", "required"},
		{"name too long", with(func(w *Window) { w.Name = strings.Repeat("é", 201) }), "name", "at most 200"},
		{"name of 200 runes", with(func(w *Window) { w.Name = strings.Repeat("é", 200) }), "", ""},
		{"bad scope id", with(func(w *Window) { w.ClientID = ptr(0) }), "clientId", "positive"},
		{"no schedule", with(func(w *Window) { w.Recurrence = nil }), "startsAt", "recurrence"},
		{"both schedules", with(func(w *Window) { w.StartsAt, w.EndsAt = &start, &end }), "recurrence", "not both"},
		{"start without end", Window{Name: "x", StartsAt: &start}, "endsAt", "required"},
		{"end without start", Window{Name: "x", EndsAt: &end}, "startsAt", "required"},
		{"end before start", Window{Name: "x", StartsAt: &end, EndsAt: &start}, "endsAt", "after startsAt"},
		{"end equals start", Window{Name: "x", StartsAt: &start, EndsAt: &start}, "endsAt", "after startsAt"},
		{"type", rec(func(r *Recurrence) { r.Type = "monthly" }), "recurrence.type", "weekly"},
		{"no days", rec(func(r *Recurrence) { r.Days = nil }), "recurrence.days", "at least one"},
		{"day out of range", rec(func(r *Recurrence) { r.Days = []int{1, 7} }), "recurrence.days", "day 7"},
		{"negative day", rec(func(r *Recurrence) { r.Days = []int{-1} }), "recurrence.days", "day -1"},
		{"duplicate day", rec(func(r *Recurrence) { r.Days = []int{5, 5} }), "recurrence.days", "more than once"},
		{"start hour 24", rec(func(r *Recurrence) { r.StartTime = "24:00" }), "recurrence.startTime", "HH:MM"},
		{"start one digit", rec(func(r *Recurrence) { r.StartTime = "9:00" }), "recurrence.startTime", "HH:MM"},
		{"end minute 60", rec(func(r *Recurrence) { r.EndTime = "01:60" }), "recurrence.endTime", "HH:MM"},
		{"end with seconds", rec(func(r *Recurrence) { r.EndTime = "01:00:00" }), "recurrence.endTime", "HH:MM"},
		{"23:59 ok", rec(func(r *Recurrence) { r.EndTime = "23:59" }), "", ""},
		{"start equals end", rec(func(r *Recurrence) { r.EndTime = "22:00" }), "recurrence.endTime", "differ"},
		{"bad timezone", rec(func(r *Recurrence) { r.Timezone = "Europe/Atlantis" }), "recurrence.timezone", "IANA"},
		{"empty timezone", rec(func(r *Recurrence) { r.Timezone = "" }), "recurrence.timezone", "IANA"},
		{"UTC ok", rec(func(r *Recurrence) { r.Timezone = "UTC" }), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ValidateWindow(tt.w)
			if tt.field == "" {
				if got != nil {
					t.Fatalf("ValidateWindow = %v, want nil", got)
				}
				return
			}
			if got == nil {
				t.Fatalf("ValidateWindow = nil, want an error at %s", tt.field)
			}
			msgs := got.Messages(tt.field)
			if len(msgs) == 0 || !strings.Contains(strings.Join(msgs, "; "), tt.msg) {
				t.Errorf("ValidateWindow = %v, want %s: …%s…", got, tt.field, tt.msg)
			}
		})
	}
}

// Every problem is reported at once, so a form can show them all.
func TestValidateWindowReportsAll(t *testing.T) {
	w := Window{Recurrence: &Recurrence{Type: "x", StartTime: "a", EndTime: "b", Timezone: "c"}}
	got := ValidateWindow(w)
	for _, f := range []string{"name", "recurrence.type", "recurrence.days", "recurrence.startTime", "recurrence.endTime", "recurrence.timezone"} {
		if len(got.Messages(f)) == 0 {
			t.Errorf("no error at %s in %v", f, got)
		}
	}
}

// A window that validates must be evaluable.
func TestValidWindowEvaluates(t *testing.T) {
	w := weeklyWindow([]int{0, 6}, "23:30", "00:30", "Asia/Kolkata")
	if err := ValidateWindow(w); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Covers(time.Now()); err != nil {
		t.Fatal(err)
	}
}
