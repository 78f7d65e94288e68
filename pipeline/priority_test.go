package pipeline

import (
	"testing"

	"github.com/alertdesk/alertdesk/event"
)

func TestPriorityForSeverity(t *testing.T) {
	standard := []PriorityChoice{{1, "Urgent", 1}, {2, "High", 2}, {3, "Medium", 3}, {4, "Low", 4}}
	cases := []struct {
		name string
		sev  event.Severity
		ps   []PriorityChoice
		want int
		ok   bool
	}{
		{"critical to urgent", event.Critical, standard, 1, true},
		{"major to high", event.Major, standard, 2, true},
		{"moderate to medium", event.Moderate, standard, 3, true},
		{"minor to low", event.Minor, standard, 4, true},
		{"none to low", event.None, standard, 4, true},
		{"critical falls back to a 'critical' name", event.Critical, []PriorityChoice{{7, "Critical", 1}, {8, "Low", 2}}, 7, true},
		{"moderate to normal", event.Moderate, []PriorityChoice{{5, "Normal", 2}, {6, "Low", 3}}, 5, true},
		{"exact beats containing", event.Major, []PriorityChoice{{1, "P1 - High impact", 1}, {2, "high", 5}}, 2, true},
		{"containing when no exact", event.Major, []PriorityChoice{{1, "P2 High", 2}, {2, "P1 Very High", 1}}, 2, true},
		{"lowest order wins among exact", event.Minor, []PriorityChoice{{9, "Low", 8}, {3, "LOW", 4}}, 3, true},
		{"ties by id", event.Minor, []PriorityChoice{{9, "Low", 4}, {3, "Low", 4}}, 3, true},
		{"no fit", event.Critical, []PriorityChoice{{1, "Low", 1}}, 0, false},
		{"no priorities", event.Major, nil, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := PriorityForSeverity(c.sev, c.ps)
			if got != c.want || ok != c.ok {
				t.Errorf("got %d,%v want %d,%v", got, ok, c.want, c.ok)
			}
		})
	}
}
