package maintenance

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the machine's zoneinfo
)

func ptr[T any](v T) *T { return &v }

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func weeklyWindow(days []int, start, end, tz string) Window {
	return Window{ID: 1, Name: "w", Active: true, Recurrence: &Recurrence{
		Type: "weekly", Days: days, StartTime: start, EndTime: end, Timezone: tz,
	}}
}

func TestCoversOneOff(t *testing.T) {
	start, end := utc("2026-05-01T10:00:00Z"), utc("2026-05-01T12:00:00Z")
	w := Window{ID: 1, Name: "deploy", Active: true, StartsAt: &start, EndsAt: &end}
	tests := []struct {
		name string
		w    Window
		at   time.Time
		want bool
	}{
		{"before start", w, start.Add(-time.Nanosecond), false},
		{"start inclusive", w, start, true},
		{"inside", w, utc("2026-05-01T11:00:00Z"), true},
		{"just before end", w, end.Add(-time.Nanosecond), true},
		{"end exclusive", w, end, false},
		{"other timezone, same instant", w, start.In(time.FixedZone("X", 5*3600)), true},
		{"inactive", func() Window { w := w; w.Active = false; return w }(), start, false},
		{"no end: covers nothing", func() Window { w := w; w.EndsAt = nil; return w }(), start, false},
		{"no schedule at all", Window{ID: 2, Active: true}, start, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.w.Covers(tt.at)
			if err != nil || got != tt.want {
				t.Errorf("Covers(%v) = %v, %v; want %v, nil", tt.at, got, err, tt.want)
			}
		})
	}
}

func TestCoversWeekly(t *testing.T) {
	berlin, ny := mustLoc(t, "Europe/Berlin"), mustLoc(t, "America/New_York")
	friNight := func(tz string) Window { return weeklyWindow([]int{5}, "22:00", "02:00", tz) }
	tests := []struct {
		name string
		w    Window
		at   time.Time
		want bool
	}{
		// Friday 2026-05-15 22:00–02:00, Berlin (CEST) and New York (EDT).
		{"berlin fri 21:59", friNight("Europe/Berlin"), time.Date(2026, 5, 15, 21, 59, 0, 0, berlin), false},
		{"berlin fri 22:00", friNight("Europe/Berlin"), time.Date(2026, 5, 15, 22, 0, 0, 0, berlin), true},
		{"berlin sat 01:30", friNight("Europe/Berlin"), time.Date(2026, 5, 16, 1, 30, 0, 0, berlin), true},
		{"berlin sat 01:59:59", friNight("Europe/Berlin"), time.Date(2026, 5, 16, 1, 59, 59, 0, berlin), true},
		{"berlin sat 02:00", friNight("Europe/Berlin"), time.Date(2026, 5, 16, 2, 0, 0, 0, berlin), false},
		{"berlin sat 22:30 (saturday not listed)", friNight("Europe/Berlin"), time.Date(2026, 5, 16, 22, 30, 0, 0, berlin), false},
		{"berlin thu 23:00", friNight("Europe/Berlin"), time.Date(2026, 5, 14, 23, 0, 0, 0, berlin), false},
		{"berlin fri 01:00 (thursday not listed)", friNight("Europe/Berlin"), time.Date(2026, 5, 15, 1, 0, 0, 0, berlin), false},
		{"berlin judged in local time from UTC", friNight("Europe/Berlin"), utc("2026-05-15T23:30:00Z"), true}, // sat 01:30 CEST
		{"berlin UTC friday 21:00 is 23:00 local", friNight("Europe/Berlin"), utc("2026-05-15T21:00:00Z"), true},
		{"berlin UTC friday 19:59 is 21:59 local", friNight("Europe/Berlin"), utc("2026-05-15T19:59:00Z"), false},
		{"new york fri 21:59", friNight("America/New_York"), time.Date(2026, 5, 15, 21, 59, 0, 0, ny), false},
		{"new york sat 01:30", friNight("America/New_York"), time.Date(2026, 5, 16, 1, 30, 0, 0, ny), true},
		{"new york sat 01:30 given in UTC", friNight("America/New_York"), utc("2026-05-16T05:30:00Z"), true},
		{"new york sat 02:00", friNight("America/New_York"), time.Date(2026, 5, 16, 2, 0, 0, 0, ny), false},
		{"new york: berlin's saturday 01:30 is friday 19:30", friNight("America/New_York"), time.Date(2026, 5, 16, 1, 30, 0, 0, berlin), false},
		// Saturday listing wraps into Sunday (day 0).
		{"sat→sun wrap covers sun 00:30", weeklyWindow([]int{6}, "23:00", "01:00", "UTC"), utc("2026-05-17T00:30:00Z"), true},
		{"sat→sun wrap not mon 00:30", weeklyWindow([]int{6}, "23:00", "01:00", "UTC"), utc("2026-05-18T00:30:00Z"), false},
		// Same-day range and several days.
		{"weekdays 09–17 on tue", weeklyWindow([]int{1, 2, 3, 4, 5}, "09:00", "17:00", "UTC"), utc("2026-05-12T12:00:00Z"), true},
		{"weekdays 09–17 on sun", weeklyWindow([]int{1, 2, 3, 4, 5}, "09:00", "17:00", "UTC"), utc("2026-05-17T12:00:00Z"), false},
		{"end 00:00 means until midnight", weeklyWindow([]int{2}, "20:00", "00:00", "UTC"), utc("2026-05-12T23:59:59Z"), true},
		{"end 00:00 does not spill into wednesday", weeklyWindow([]int{2}, "20:00", "00:00", "UTC"), utc("2026-05-13T00:00:00Z"), false},
		{"no days covers nothing", weeklyWindow(nil, "00:00", "23:59", "UTC"), utc("2026-05-12T12:00:00Z"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.w.Covers(tt.at)
			if err != nil || got != tt.want {
				t.Errorf("Covers(%v) = %v, %v; want %v, nil", tt.at, got, err, tt.want)
			}
		})
	}
}

// Weekly windows follow the wall clock: on DST days they last an hour less
// or more in real time.
func TestCoversAcrossDST(t *testing.T) {
	sundayNY := weeklyWindow([]int{0}, "01:00", "04:00", "America/New_York")
	gapNY := weeklyWindow([]int{0}, "02:30", "03:30", "America/New_York")
	sundayBerlin := weeklyWindow([]int{0}, "01:30", "03:30", "Europe/Berlin")
	tests := []struct {
		name string
		w    Window
		at   string
		want bool
	}{
		// 2026-03-08: New York jumps from 02:00 EST to 03:00 EDT (07:00Z).
		{"spring 00:59 EST", sundayNY, "2026-03-08T05:59:00Z", false},
		{"spring 01:00 EST", sundayNY, "2026-03-08T06:00:00Z", true},
		{"spring 01:59 EST", sundayNY, "2026-03-08T06:59:00Z", true},
		{"spring 03:00 EDT", sundayNY, "2026-03-08T07:00:00Z", true},
		{"spring 03:59 EDT", sundayNY, "2026-03-08T07:59:00Z", true},
		{"spring 04:00 EDT", sundayNY, "2026-03-08T08:00:00Z", false},
		// 2026-11-01: New York falls back from 02:00 EDT to 01:00 EST (06:00Z).
		{"fall 00:59 EDT", sundayNY, "2026-11-01T04:59:00Z", false},
		{"fall 01:00 EDT", sundayNY, "2026-11-01T05:00:00Z", true},
		{"fall 01:30 EST (second 01:30)", sundayNY, "2026-11-01T06:30:00Z", true},
		{"fall 03:59 EST", sundayNY, "2026-11-01T08:59:00Z", true},
		{"fall 04:00 EST", sundayNY, "2026-11-01T09:00:00Z", false},
		// A window starting inside the skipped hour begins at the jump.
		{"gap: 01:59 EST", gapNY, "2026-03-08T06:59:59Z", false},
		{"gap: 03:00 EDT", gapNY, "2026-03-08T07:00:00Z", true},
		{"gap: 03:29 EDT", gapNY, "2026-03-08T07:29:00Z", true},
		{"gap: 03:30 EDT", gapNY, "2026-03-08T07:30:00Z", false},
		// 2026-03-29: Berlin jumps from 02:00 CET to 03:00 CEST (01:00Z).
		{"berlin 01:29 CET", sundayBerlin, "2026-03-29T00:29:00Z", false},
		{"berlin 01:30 CET", sundayBerlin, "2026-03-29T00:30:00Z", true},
		{"berlin 03:00 CEST", sundayBerlin, "2026-03-29T01:00:00Z", true},
		{"berlin 03:30 CEST", sundayBerlin, "2026-03-29T01:30:00Z", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.w.Covers(utc(tt.at))
			if err != nil || got != tt.want {
				t.Errorf("Covers(%s) = %v, %v; want %v, nil", tt.at, got, err, tt.want)
			}
		})
	}
}

func TestCoversUnusableRecurrence(t *testing.T) {
	at := utc("2026-05-15T22:30:00Z")
	tests := []struct {
		name    string
		w       Window
		wantErr string
	}{
		{"bad timezone", weeklyWindow([]int{0, 1, 2, 3, 4, 5, 6}, "00:00", "23:59", "Mars/Olympus_Mons"), "bad timezone"},
		{"empty timezone", weeklyWindow([]int{5}, "00:00", "23:59", ""), "bad timezone"},
		{"Local timezone", weeklyWindow([]int{5}, "00:00", "23:59", "Local"), "bad timezone"},
		{"bad start", weeklyWindow([]int{5}, "24:00", "23:59", "UTC"), "startTime"},
		{"bad end", weeklyWindow([]int{5}, "00:00", "7:00", "UTC"), "endTime"},
		{"equal times", weeklyWindow([]int{5}, "10:00", "10:00", "UTC"), "equals"},
		{"bad day", weeklyWindow([]int{7}, "00:00", "23:59", "UTC"), "day 7"},
		{"bad type", func() Window {
			w := weeklyWindow([]int{5}, "00:00", "23:59", "UTC")
			w.Recurrence.Type = "daily"
			return w
		}(), "type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.w.Covers(at)
			if got {
				t.Error("an unusable recurrence must never cover")
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "window 1") {
				t.Errorf("err = %v, want it to mention %q and the window", err, tt.wantErr)
			}
		})
	}
}

func TestInScope(t *testing.T) {
	tests := []struct {
		name            string
		integ, cli, ass *int
		alertInteg      int
		alertCli        *int
		alertAss        *int
		want            bool
	}{
		{"no scope covers everything", nil, nil, nil, 7, nil, nil, true},
		{"integration matches", ptr(7), nil, nil, 7, ptr(1), ptr(2), true},
		{"integration differs", ptr(8), nil, nil, 7, ptr(1), ptr(2), false},
		{"client matches", nil, ptr(1), nil, 7, ptr(1), nil, true},
		{"client differs", nil, ptr(1), nil, 7, ptr(2), nil, false},
		{"client scoped, alert has no client", nil, ptr(1), nil, 7, nil, nil, false},
		{"asset matches", nil, nil, ptr(2), 7, nil, ptr(2), true},
		{"asset differs", nil, nil, ptr(2), 7, nil, ptr(3), false},
		{"asset scoped, alert has no asset", nil, nil, ptr(2), 7, ptr(1), nil, false},
		{"all three match", ptr(7), ptr(1), ptr(2), 7, ptr(1), ptr(2), true},
		{"all three, asset differs", ptr(7), ptr(1), ptr(2), 7, ptr(1), ptr(9), false},
		{"all three, integration differs", ptr(6), ptr(1), ptr(2), 7, ptr(1), ptr(2), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := Window{ID: 1, Active: true, IntegrationID: tt.integ, ClientID: tt.cli, AssetID: tt.ass}
			if got := w.InScope(tt.alertInteg, tt.alertCli, tt.alertAss); got != tt.want {
				t.Errorf("InScope = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFirstCovering(t *testing.T) {
	at := utc("2026-05-15T22:30:00Z") // Friday
	start, end := utc("2026-05-15T22:00:00Z"), utc("2026-05-15T23:00:00Z")
	oneOff := func(id int, name string) Window {
		return Window{ID: id, Name: name, Active: true, StartsAt: &start, EndsAt: &end}
	}
	badTZ := weeklyWindow([]int{5}, "00:00", "23:59", "Nowhere/City")
	badTZ.ID, badTZ.Name = 2, "Broken"
	otherClient := oneOff(3, "Other client")
	otherClient.ClientID = ptr(99)
	inactive := oneOff(1, "Paused")
	inactive.Active = false
	notNow := weeklyWindow([]int{1}, "01:00", "02:00", "UTC")
	notNow.ID, notNow.Name = 4, "Monday"

	// Given out of order: evaluation is by ID.
	ws := []Window{oneOff(6, "Later"), oneOff(5, "Patch night"), notNow, otherClient, badTZ, inactive}
	got, trace := FirstCovering(ws, 7, ptr(1), nil, at)
	if got == nil || got.ID != 5 {
		t.Fatalf("got %+v, want window 5", got)
	}
	want := []string{
		`window 1 "Paused": inactive`,
		`window 2 "Broken": bad timezone "Nowhere/City"`,
		`window 3 "Other client": out of scope (client)`,
		`window 4 "Monday": not in schedule (Fri 22:30 UTC)`,
		`window 5 "Patch night": covers`,
	}
	if len(trace) != len(want) {
		t.Fatalf("trace = %q", trace)
	}
	for i := range want {
		if !strings.HasPrefix(trace[i], want[i]) {
			t.Errorf("trace[%d] = %q, want prefix %q", i, trace[i], want[i])
		}
	}
	got.Name = "changed"
	if ws[1].Name != "Patch night" {
		t.Error("the result must be a copy")
	}

	if got, trace := FirstCovering(ws, 7, ptr(1), nil, utc("2026-05-16T12:00:00Z")); got != nil || len(trace) != len(ws) {
		t.Errorf("outside every window: got %+v, trace %q", got, trace)
	}
	if got, trace := FirstCovering(nil, 7, nil, nil, at); got != nil || trace != nil {
		t.Errorf("no windows: got %+v, %q", got, trace)
	}
}

// A window carrying both schedules (refused by ValidateWindow) covers when
// either does rather than hiding one of them.
func TestCoversBothSchedules(t *testing.T) {
	start, end := utc("2026-05-20T10:00:00Z"), utc("2026-05-20T12:00:00Z")
	w := weeklyWindow([]int{5}, "22:00", "23:00", "UTC")
	w.StartsAt, w.EndsAt = &start, &end
	for at, want := range map[string]bool{
		"2026-05-20T11:00:00Z": true,  // one-off
		"2026-05-22T22:30:00Z": true,  // weekly
		"2026-05-21T11:00:00Z": false, // neither
	} {
		if got, err := w.Covers(utc(at)); err != nil || got != want {
			t.Errorf("Covers(%s) = %v, %v; want %v", at, got, err, want)
		}
	}
}

func TestFirstCoveringOneOffTrace(t *testing.T) {
	start, end := utc("2026-05-20T10:00:00Z"), utc("2026-05-20T12:00:00Z")
	ws := []Window{{ID: 3, Name: "Patch night", Active: true, StartsAt: &start, EndsAt: &end}, {ID: 4, Name: "Empty", Active: true}}
	got, trace := FirstCovering(ws, 1, nil, nil, utc("2026-05-20T12:00:00Z"))
	want := []string{
		`window 3 "Patch night": not in schedule (2026-05-20T10:00:00Z to 2026-05-20T12:00:00Z)`,
		`window 4 "Empty": no schedule`,
	}
	if got != nil || strings.Join(trace, "\n") != strings.Join(want, "\n") {
		t.Errorf("got %+v, trace %q", got, trace)
	}
}
