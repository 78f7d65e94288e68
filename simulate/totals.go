package simulate

import (
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/rule"
)

// Totals count the whole window's decisions.
type Totals struct {
	Alerts  int
	Changed int
	// TicketsToday and TicketsProposed count alerts routed to a ticket;
	// Gained those the proposal routes to one and today's rules do not,
	// Lost the reverse.
	TicketsToday, TicketsProposed int
	Gained, Lost                  int
	// TodayHits counts matches per current rule (every active one, in
	// evaluation order); ProposedHits per proposed rule, by index.
	TodayHits    []RuleHits
	ProposedHits []int
	// Truncated says the window held more alerts than were replayed.
	Truncated bool

	todayIndex map[int]int // rule id → TodayHits index
}

// RuleHits is a current rule's matches.
type RuleHits struct {
	Rule rule.Rule
	Hits int
}

// NewTotals starts the totals of a replay against the current rules and
// n proposed ones.
func NewTotals(current *rule.Set, n int) Totals {
	t := Totals{ProposedHits: make([]int, n), todayIndex: map[int]int{}}
	for i := range current.Len() {
		r := current.At(i)
		t.todayIndex[r.ID] = len(t.TodayHits)
		t.TodayHits = append(t.TodayHits, RuleHits{Rule: r})
	}
	return t
}

// Add counts one alert's decisions and reports whether they differ.
// existing maps proposed indexes to the stored rules they stand for.
func (t *Totals) Add(today, proposed pipeline.Decision, existing []int) bool {
	t.Alerts++
	if r := today.Rule; r != nil {
		if i, ok := t.todayIndex[r.ID]; ok {
			t.TodayHits[i].Hits++
		}
	}
	if r := proposed.Rule; r != nil {
		if i := Index(r); i >= 0 && i < len(t.ProposedHits) {
			t.ProposedHits[i]++
		}
	}
	if today.Ticket() {
		t.TicketsToday++
	}
	if proposed.Ticket() {
		t.TicketsProposed++
	}
	switch {
	case proposed.Ticket() && !today.Ticket():
		t.Gained++
	case today.Ticket() && !proposed.Ticket():
		t.Lost++
	}
	changed := Differs(today, proposed, existing)
	if changed {
		t.Changed++
	}
	return changed
}

// Differs says whether two decisions differ: in outcome, window, ticket
// routing (board, priority, assignee) or matched rule, where a proposed
// rule is the stored rule it stands for (existing, by proposed index) and
// a new proposed rule is no stored one.
func Differs(today, proposed pipeline.Decision, existing []int) bool {
	if today.Outcome != proposed.Outcome || today.WindowID != proposed.WindowID ||
		today.BoardID != proposed.BoardID || !sameID(today.PriorityID, proposed.PriorityID) ||
		!sameID(today.AssigneeID, proposed.AssigneeID) || today.Error != proposed.Error {
		return true
	}
	return todayRule(today) != standsFor(proposed, existing)
}

func todayRule(d pipeline.Decision) int {
	if d.Rule == nil {
		return 0
	}
	return d.Rule.ID
}

// standsFor is the stored rule id a proposed decision's rule stands for:
// 0 for none, -1 for a new rule.
func standsFor(d pipeline.Decision, existing []int) int {
	if d.Rule == nil {
		return 0
	}
	if i := Index(d.Rule); i >= 0 && i < len(existing) && existing[i] != 0 {
		return existing[i]
	}
	return -1
}

func sameID(a, b *int) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
