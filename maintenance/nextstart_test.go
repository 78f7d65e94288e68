package maintenance

import (
	"testing"
	"time"
)

func TestNextStart(t *testing.T) {
	start, end := utc("2026-05-20T10:00:00Z"), utc("2026-05-20T12:00:00Z")
	oneOff := Window{ID: 1, Active: true, StartsAt: &start, EndsAt: &end}
	friNight := weeklyWindow([]int{5}, "22:00", "02:00", "Europe/Berlin")
	tests := []struct {
		name  string
		w     Window
		after string
		want  string // RFC 3339 UTC; "" for none
	}{
		{"one-off in the future", oneOff, "2026-05-01T00:00:00Z", "2026-05-20T10:00:00Z"},
		{"one-off starting exactly now has no next start", oneOff, "2026-05-20T10:00:00Z", ""},
		{"one-off in progress", oneOff, "2026-05-20T11:00:00Z", ""},
		{"one-off over", oneOff, "2026-06-01T00:00:00Z", ""},
		{"inactive", func() Window { w := oneOff; w.Active = false; return w }(), "2026-05-01T00:00:00Z", ""},
		// 2026-05-13 is a Wednesday; Friday 22:00 CEST is 20:00Z.
		{"weekly later this week", friNight, "2026-05-13T12:00:00Z", "2026-05-15T20:00:00Z"},
		{"weekly later today", friNight, "2026-05-15T08:00:00Z", "2026-05-15T20:00:00Z"},
		{"weekly in progress: next week", friNight, "2026-05-15T21:00:00Z", "2026-05-22T20:00:00Z"},
		{"weekly exactly at start: next week", friNight, "2026-05-15T20:00:00Z", "2026-05-22T20:00:00Z"},
		{"weekly early hours of saturday: next friday", friNight, "2026-05-15T23:30:00Z", "2026-05-22T20:00:00Z"},
		{"weekly several days", weeklyWindow([]int{1, 3}, "09:00", "10:00", "UTC"), "2026-05-11T09:30:00Z", "2026-05-13T09:00:00Z"},
		// DST: the offset of the day of the start is used, not today's.
		{"weekly across spring forward", weeklyWindow([]int{1}, "09:00", "10:00", "America/New_York"), "2026-03-06T12:00:00Z", "2026-03-09T13:00:00Z"},
		// Start inside the skipped hour: begins when the clock jumps.
		{"start in DST gap (new york)", weeklyWindow([]int{0}, "02:30", "03:30", "America/New_York"), "2026-03-07T00:00:00Z", "2026-03-08T07:00:00Z"},
		{"start in DST gap (berlin)", weeklyWindow([]int{0}, "02:30", "04:00", "Europe/Berlin"), "2026-03-28T00:00:00Z", "2026-03-29T01:00:00Z"},
		{"range wholly in DST gap skips that day", weeklyWindow([]int{0}, "02:15", "02:45", "America/New_York"), "2026-03-07T00:00:00Z", "2026-03-15T06:15:00Z"},
		// Start inside the repeated hour: the first time the clock reads it.
		{"start in repeated hour (new york)", weeklyWindow([]int{0}, "01:30", "03:00", "America/New_York"), "2026-10-31T00:00:00Z", "2026-11-01T05:30:00Z"},
		{"start in repeated hour (berlin)", weeklyWindow([]int{0}, "02:30", "04:00", "Europe/Berlin"), "2026-10-24T00:00:00Z", "2026-10-25T00:30:00Z"},
		// A range within the repeated hour happens twice that night.
		{"second pass of repeated hour", weeklyWindow([]int{0}, "01:15", "01:45", "America/New_York"), "2026-11-01T05:50:00Z", "2026-11-01T06:15:00Z"},
		{"bad timezone", weeklyWindow([]int{5}, "22:00", "02:00", "Nowhere/City"), "2026-05-13T12:00:00Z", ""},
		{"no days", weeklyWindow(nil, "22:00", "02:00", "UTC"), "2026-05-13T12:00:00Z", ""},
		{"no schedule", Window{ID: 1, Active: true}, "2026-05-13T12:00:00Z", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.w.NextStart(utc(tt.after))
			if tt.want == "" {
				if ok {
					t.Errorf("NextStart = %v, want none", got.UTC())
				}
				return
			}
			if !ok || !got.Equal(utc(tt.want)) {
				t.Errorf("NextStart = %v, %v; want %s", got.UTC(), ok, tt.want)
			}
			// The start must be a real start: covered, and not the instant before.
			if c, _ := tt.w.Covers(got); !c {
				t.Errorf("window does not cover its own start %v", got.UTC())
			}
			if c, _ := tt.w.Covers(got.Add(-time.Nanosecond)); c {
				t.Errorf("window already covers just before its start %v", got.UTC())
			}
		})
	}
}

// NextStart answers in the window's timezone, ready for display.
func TestNextStartLocation(t *testing.T) {
	w := weeklyWindow([]int{5}, "22:00", "02:00", "Europe/Berlin")
	got, ok := w.NextStart(utc("2026-05-13T12:00:00Z"))
	if !ok || got.Location().String() != "Europe/Berlin" || got.Hour() != 22 {
		t.Errorf("NextStart = %v, %v", got, ok)
	}
}
