package maintenance

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// weekly is a Recurrence parsed and checked, ready to evaluate.
type weekly struct {
	days       [7]bool
	start, end time.Duration // wall-clock offsets from midnight
	loc        *time.Location
}

// parseWeekly checks r as far as evaluation needs; ValidateWindow reports
// the same problems per field at save time.
func parseWeekly(r *Recurrence) (weekly, error) {
	var s weekly
	if r.Type != "weekly" {
		return s, fmt.Errorf("unsupported recurrence type %q", r.Type)
	}
	for _, d := range r.Days {
		if d < 0 || d > 6 {
			return s, fmt.Errorf("recurrence day %d out of range 0-6", d)
		}
		s.days[d] = true
	}
	var err error
	if s.start, err = parseClock(r.StartTime); err != nil {
		return s, fmt.Errorf("recurrence startTime: %w", err)
	}
	if s.end, err = parseClock(r.EndTime); err != nil {
		return s, fmt.Errorf("recurrence endTime: %w", err)
	}
	if s.start == s.end {
		return s, errors.New("recurrence startTime equals endTime")
	}
	if s.loc, err = loadLocation(r.Timezone); err != nil {
		return s, err
	}
	return s, nil
}

// parseClock reads "HH:MM", 00:00 to 23:59, as an offset from midnight.
func parseClock(v string) (time.Duration, error) {
	digit := func(c byte) (int, bool) { return int(c - '0'), c >= '0' && c <= '9' }
	if len(v) == 5 && v[2] == ':' {
		h1, ok1 := digit(v[0])
		h2, ok2 := digit(v[1])
		m1, ok3 := digit(v[3])
		m2, ok4 := digit(v[4])
		h, m := h1*10+h2, m1*10+m2
		if ok1 && ok2 && ok3 && ok4 && h < 24 && m < 60 {
			return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
		}
	}
	return 0, fmt.Errorf("%q is not a time from 00:00 to 23:59 (HH:MM)", v)
}

// covers judges a time already converted to the window's timezone, by its
// wall clock: DST shifts the real duration, never the listed hours.
func (s *weekly) covers(local time.Time) bool {
	h, m, sec := local.Clock()
	tod := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
		time.Duration(sec)*time.Second + time.Duration(local.Nanosecond())
	day := int(local.Weekday())
	if s.start < s.end {
		return s.days[day] && tod >= s.start && tod < s.end
	}
	// Crosses midnight: the early hours belong to the previous day's listing.
	return (s.days[day] && tod >= s.start) || (s.days[(day+6)%7] && tod < s.end)
}

// nextStart finds the first instant after `after` where coverage begins,
// trying each listed day's start time. Eight days reach every weekday; two
// weeks also get past an occurrence lost wholly in a DST gap.
func (s *weekly) nextStart(after time.Time) (time.Time, bool) {
	y, mo, d := after.In(s.loc).Date()
	for i := 0; i <= 15; i++ {
		date := time.Date(y, mo, d+i, 0, 0, 0, 0, time.UTC) // a calendar day
		if !s.days[date.Weekday()] {
			continue
		}
		for _, t := range s.wallInstants(date) {
			t = t.In(s.loc)
			if t.After(after) && s.covers(t) && !s.covers(t.Add(-time.Nanosecond).In(s.loc)) {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// wallInstants returns the instants, earliest first, at which the wall
// clock reads the start time on day: usually one, two in an hour that DST
// repeats, and in a DST gap the instant the clock jumps past it.
func (s *weekly) wallInstants(day time.Time) []time.Time {
	y, mo, d := day.Date()
	h, m := int(s.start/time.Hour), int(s.start%time.Hour/time.Minute)
	want := time.Date(y, mo, d, h, m, 0, 0, time.UTC) // the wall time as a label
	t := time.Date(y, mo, d, h, m, 0, 0, s.loc)

	// An instant reads `want` under one of the offsets in force around t.
	zoneStart, zoneEnd := t.ZoneBounds()
	_, off := t.Zone()
	offsets := []int{off}
	if !zoneStart.IsZero() {
		_, prev := zoneStart.Add(-time.Nanosecond).Zone()
		offsets = append(offsets, prev)
	}
	if !zoneEnd.IsZero() {
		_, next := zoneEnd.Zone()
		offsets = append(offsets, next)
	}
	var out []time.Time
	for _, o := range offsets {
		u := want.Add(-time.Duration(o) * time.Second)
		if wallLabel(u.In(s.loc)).Equal(want) && !slices.ContainsFunc(out, u.Equal) {
			out = append(out, u)
		}
	}
	if len(out) > 0 {
		slices.SortFunc(out, time.Time.Compare)
		return out
	}
	// A DST gap: time.Date landed on one side of the jump, which is where
	// the wall clock passes the start time.
	jump := zoneEnd
	if wallLabel(t).After(want) {
		jump = zoneStart
	}
	if jump.IsZero() {
		return nil
	}
	return []time.Time{jump}
}

// wallLabel is t's wall-clock reading as a UTC time, for comparing
// readings across zones and offsets.
func wallLabel(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, m, sec := t.Clock()
	return time.Date(y, mo, d, h, m, sec, t.Nanosecond(), time.UTC)
}

// locations caches time.LoadLocation, which reads the zoneinfo database on
// every call. Only successes are cached; names come from validated windows,
// so the cache stays the size of the IANA list at most.
var locations sync.Map // string -> *time.Location

// loadLocation resolves an IANA name. "" and "Local" are refused: they would
// mean the server's zone, not the admin's.
func loadLocation(name string) (*time.Location, error) {
	if v, ok := locations.Load(name); ok {
		return v.(*time.Location), nil
	}
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("bad timezone %q: an IANA name such as Europe/Berlin is required", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("bad timezone %q: %w", name, err)
	}
	locations.Store(name, loc)
	return loc, nil
}
