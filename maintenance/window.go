package maintenance

import (
	"cmp"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"
)

// Window is a maintenance window: while it covers an alert's time and the
// alert is in its scope, the alert is suppressed instead of ticketed.
// A nil scope means "all" of that dimension. The schedule is either one-off
// (StartsAt and EndsAt) or weekly (Recurrence).
type Window struct {
	ID     int
	Name   string
	Active bool

	IntegrationID, ClientID, AssetID *int

	StartsAt, EndsAt *time.Time
	Recurrence       *Recurrence
}

// InScope reports whether an alert from integrationID, for clientID and
// assetID (nil when unknown), falls within w's scopes: every non-nil scope
// must equal the alert's value, and an unknown client or asset never matches
// a scoped window.
func (w Window) InScope(integrationID int, clientID, assetID *int) bool {
	return w.scopeMismatch(integrationID, clientID, assetID) == ""
}

// scopeMismatch names the first scope that excludes the alert, or "".
func (w *Window) scopeMismatch(integrationID int, clientID, assetID *int) string {
	switch {
	case w.IntegrationID != nil && *w.IntegrationID != integrationID:
		return "integration"
	case w.ClientID != nil && (clientID == nil || *clientID != *w.ClientID):
		return "client"
	case w.AssetID != nil && (assetID == nil || *assetID != *w.AssetID):
		return "asset"
	}
	return ""
}

// Covers reports whether w suppresses alerts occurring at `at`. An inactive
// window covers nothing. A one-off window covers [StartsAt, EndsAt); a
// weekly one covers, by the wall clock in its timezone, [startTime, endTime)
// on each listed day, and when endTime is not after startTime, [startTime,
// 24:00) on the listed day and [00:00, endTime) on the day after. A window
// with both schedules covers when either does; with neither, nothing. An
// unusable recurrence (bad timezone, malformed time) covers nothing and is
// returned as the error.
func (w Window) Covers(at time.Time) (bool, error) {
	covered, _, err := w.check(at)
	if err != nil {
		return false, fmt.Errorf("maintenance: window %d: %w", w.ID, err)
	}
	return covered, nil
}

// check is Covers with a short reason for the decision trace.
func (w *Window) check(at time.Time) (covered bool, reason string, err error) {
	if !w.Active {
		return false, "inactive", nil
	}
	hasOneOff := w.StartsAt != nil && w.EndsAt != nil
	if hasOneOff && !at.Before(*w.StartsAt) && at.Before(*w.EndsAt) {
		return true, "covers", nil
	}
	if w.Recurrence == nil {
		if !hasOneOff {
			return false, "no schedule", nil
		}
		return false, "not in schedule (" + w.StartsAt.UTC().Format(time.RFC3339) + " to " +
			w.EndsAt.UTC().Format(time.RFC3339) + ")", nil
	}
	s, err := parseWeekly(w.Recurrence)
	if err != nil {
		return false, "", err
	}
	local := at.In(s.loc)
	if s.covers(local) {
		return true, "covers", nil
	}
	return false, "not in schedule (" + local.Format("Mon 15:04 ") + s.loc.String() + ")", nil
}

// NextStart is the first moment after `after` at which w begins to cover,
// for display. One-off: StartsAt if it is later than after. Weekly: the
// next start on the window's wall clock, in its timezone, normally within 8
// days (a start in a DST gap begins when the clock jumps past it; a range
// wholly inside the gap does not happen that day). ok is false for an
// inactive window or when nothing starts.
func (w Window) NextStart(after time.Time) (time.Time, bool) {
	if !w.Active {
		return time.Time{}, false
	}
	var next time.Time
	if w.StartsAt != nil && w.EndsAt != nil && w.StartsAt.After(after) && w.StartsAt.Before(*w.EndsAt) {
		next = *w.StartsAt
	}
	if w.Recurrence != nil {
		if s, err := parseWeekly(w.Recurrence); err == nil {
			if t, ok := s.nextStart(after); ok && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
	}
	return next, !next.IsZero()
}

// FirstCovering returns the first window, by ID, that is active, in scope
// of the alert and covers `at`, or nil. The trace has one line per window
// considered, up to the covering one ("window 3 \"Patch night\": out of
// scope (client)"). Windows whose schedule cannot be evaluated are logged
// and never suppress.
func FirstCovering(ws []Window, integrationID int, clientID, assetID *int, at time.Time) (*Window, []string) {
	order := make([]int, len(ws))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(ws[a].ID, ws[b].ID) })

	var trace []string
	for _, i := range order {
		w := &ws[i]
		prefix := "window " + strconv.Itoa(w.ID) + " " + strconv.Quote(w.Name) + ": "
		if !w.Active {
			trace = append(trace, prefix+"inactive")
			continue
		}
		if scope := w.scopeMismatch(integrationID, clientID, assetID); scope != "" {
			trace = append(trace, prefix+"out of scope ("+scope+")")
			continue
		}
		covered, reason, err := w.check(at)
		if err != nil {
			slog.Warn("maintenance window skipped: cannot evaluate", "window_id", w.ID, "error", err)
			trace = append(trace, prefix+err.Error())
			continue
		}
		trace = append(trace, prefix+reason)
		if covered {
			found := *w
			return &found, trace
		}
	}
	return nil, trace
}
