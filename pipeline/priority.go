package pipeline

import (
	"sort"
	"strings"

	"github.com/alertdesk/alertdesk/event"
)

// severityPriorityNames are the priority names each severity maps to, in
// order of preference.
var severityPriorityNames = map[event.Severity][]string{
	event.Critical: {"urgent", "critical"},
	event.Major:    {"high"},
	event.Moderate: {"medium", "normal"},
	event.Minor:    {"low"},
	event.None:     {"low"},
}

// PriorityChoice is a priority as the fallback mapping sees it.
type PriorityChoice struct {
	ID    int
	Name  string
	Order int
}

// PriorityForSeverity picks the tenant's priority for a severity: an exact
// name first, then a name containing it; among equals the lowest order wins.
func PriorityForSeverity(sev event.Severity, ps []PriorityChoice) (int, bool) {
	sorted := append([]PriorityChoice(nil), ps...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].Order != sorted[j].Order {
			return sorted[i].Order < sorted[j].Order
		}
		return sorted[i].ID < sorted[j].ID
	})
	names := severityPriorityNames[sev]
	if names == nil {
		names = severityPriorityNames[event.None]
	}
	for _, match := range []func(have, want string) bool{
		func(have, want string) bool { return have == want },
		strings.Contains,
	} {
		for _, want := range names {
			for _, p := range sorted {
				if match(strings.ToLower(strings.TrimSpace(p.Name)), want) {
					return p.ID, true
				}
			}
		}
	}
	return 0, false
}
