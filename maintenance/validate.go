package maintenance

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/alertdesk/alertdesk/validation"
)

// MaxNameRunes bounds a window's name.
const MaxNameRunes = 200

// ValidateWindow checks a window before it is saved and returns every
// problem under its JSON field path ("name", "endsAt", "recurrence.days"),
// or nil when the window is fine. Whether scoped records exist in the tenant
// is for the caller to check.
func ValidateWindow(w Window) *validation.Error {
	var errs validation.Error
	switch n := utf8.RuneCountInString(strings.TrimSpace(w.Name)); {
	case n == 0:
		errs.Add("name", "is required")
	case n > MaxNameRunes:
		errs.Add("name", fmt.Sprintf("must be at most %d characters (has %d)", MaxNameRunes, n))
	}
	for _, scope := range []struct {
		field string
		id    *int
	}{{"integrationId", w.IntegrationID}, {"clientId", w.ClientID}, {"assetId", w.AssetID}} {
		if scope.id != nil && *scope.id <= 0 {
			errs.Add(scope.field, "must be a positive id")
		}
	}

	oneOff := w.StartsAt != nil || w.EndsAt != nil
	switch {
	case oneOff && w.Recurrence != nil:
		errs.Add("recurrence", "set either startsAt/endsAt or a recurrence, not both")
	case !oneOff && w.Recurrence == nil:
		errs.Add("startsAt", "set startsAt and endsAt, or a weekly recurrence")
	case oneOff:
		validateOneOff(&w, &errs)
	default:
		validateRecurrence(w.Recurrence, &errs)
	}
	return errs.OrNil()
}

func validateOneOff(w *Window, errs *validation.Error) {
	if w.StartsAt == nil {
		errs.Add("startsAt", "is required with endsAt")
	}
	if w.EndsAt == nil {
		errs.Add("endsAt", "is required with startsAt")
	}
	if w.StartsAt != nil && w.EndsAt != nil && !w.StartsAt.Before(*w.EndsAt) {
		errs.Add("endsAt", "must be after startsAt")
	}
}

func validateRecurrence(r *Recurrence, errs *validation.Error) {
	if r.Type != "weekly" {
		errs.Add("recurrence.type", fmt.Sprintf("must be \"weekly\", not %q", r.Type))
	}
	if len(r.Days) == 0 {
		errs.Add("recurrence.days", "must list at least one day (0 = Sunday … 6 = Saturday)")
	}
	var seen [7]bool
	for _, d := range r.Days {
		switch {
		case d < 0 || d > 6:
			errs.Add("recurrence.days", fmt.Sprintf("day %d is out of range (0 = Sunday … 6 = Saturday)", d))
		case seen[d]:
			errs.Add("recurrence.days", fmt.Sprintf("day %d is listed more than once", d))
		default:
			seen[d] = true
		}
	}
	start, startErr := parseClock(r.StartTime)
	if startErr != nil {
		errs.Add("recurrence.startTime", startErr.Error())
	}
	end, endErr := parseClock(r.EndTime)
	if endErr != nil {
		errs.Add("recurrence.endTime", endErr.Error())
	}
	if startErr == nil && endErr == nil && start == end {
		errs.Add("recurrence.endTime", "must differ from startTime (an earlier endTime crosses midnight)")
	}
	if _, err := loadLocation(r.Timezone); err != nil {
		errs.Add("recurrence.timezone", "must be an IANA timezone such as Europe/Berlin")
	}
}
