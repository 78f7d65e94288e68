package simulate

import (
	"testing"

	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/rule"
)

func intp(n int) *int { return &n }

func TestDiffersAndTotals(t *testing.T) {
	current := rule.NewCache().Set([]rule.Rule{{ID: 7, Name: "catch-all", Active: true}, {ID: 9, Name: "disk", Active: true, PriorityOrder: -1}})
	p := NewProposed([]rule.Rule{{Name: "disk, edited"}, {Name: "new"}}, []int{9, 0})
	stored7 := &rule.Rule{ID: 7}
	stored9 := &rule.Rule{ID: 9}
	edited := &p.Rules[0]
	fresh := &p.Rules[1]
	ticket := func(r *rule.Rule, board int) pipeline.Decision {
		return pipeline.Decision{Outcome: pipeline.Created, Rule: r, BoardID: board, PriorityID: intp(3)}
	}
	cases := []struct {
		name            string
		today, proposed pipeline.Decision
		changed         bool
		gained, lost    int
	}{
		{"same rule stood for, same ticket", ticket(stored9, 1), ticket(edited, 1), false, 0, 0},
		{"another board", ticket(stored9, 1), ticket(edited, 2), true, 0, 0},
		{"another priority", ticket(stored9, 1), pipeline.Decision{Outcome: pipeline.Created, Rule: edited, BoardID: 1, PriorityID: intp(4)}, true, 0, 0},
		{"no priority either way", pipeline.Decision{Outcome: pipeline.Created, Rule: stored9, BoardID: 1},
			pipeline.Decision{Outcome: pipeline.Created, Rule: edited, BoardID: 1}, false, 0, 0},
		{"same effect, new rule", ticket(stored7, 1), ticket(fresh, 1), true, 0, 0},
		{"same effect, other stored rule", ticket(stored7, 1), ticket(edited, 1), true, 0, 0},
		{"ticket suppressed by the proposal", ticket(stored7, 1), pipeline.Decision{Outcome: pipeline.Recorded, Rule: fresh}, true, 0, 1},
		{"ticket gained", pipeline.Decision{Outcome: pipeline.NoRule}, ticket(fresh, 1), true, 1, 0},
		{"no rule either way", pipeline.Decision{Outcome: pipeline.NoRule}, pipeline.Decision{Outcome: pipeline.NoRule}, false, 0, 0},
		{"suppressed either way", pipeline.Decision{Outcome: pipeline.Suppressed, WindowID: 4}, pipeline.Decision{Outcome: pipeline.Suppressed, WindowID: 4}, false, 0, 0},
		{"ticket failure differs", pipeline.Decision{Outcome: pipeline.TicketFailed, Rule: stored9, Error: "a"},
			pipeline.Decision{Outcome: pipeline.TicketFailed, Rule: edited, Error: "b"}, true, 0, 0},
	}
	total := NewTotals(current, len(p.Rules))
	wantChanged, wantGained, wantLost := 0, 0, 0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Differs(c.today, c.proposed, p.Existing); got != c.changed {
				t.Errorf("Differs = %v, want %v", got, c.changed)
			}
			one := NewTotals(current, len(p.Rules))
			if got := one.Add(c.today, c.proposed, p.Existing); got != c.changed || one.Gained != c.gained || one.Lost != c.lost {
				t.Errorf("Add = %v, gained %d lost %d; want %v, %d, %d", got, one.Gained, one.Lost, c.changed, c.gained, c.lost)
			}
		})
		total.Add(c.today, c.proposed, p.Existing)
		if c.changed {
			wantChanged++
		}
		wantGained += c.gained
		wantLost += c.lost
	}
	if total.Alerts != len(cases) || total.Changed != wantChanged || total.Gained != wantGained || total.Lost != wantLost {
		t.Errorf("totals = %+v", total)
	}
	if total.TicketsToday-total.Lost+total.Gained != total.TicketsProposed {
		t.Errorf("tickets today %d - lost %d + gained %d != proposed %d", total.TicketsToday, total.Lost, total.Gained, total.TicketsProposed)
	}
	// Today's hits in evaluation order: rule 9 (order -1) first.
	if len(total.TodayHits) != 2 || total.TodayHits[0].Rule.ID != 9 || total.TodayHits[0].Hits != 5 || total.TodayHits[1].Hits != 3 {
		t.Errorf("today hits = %+v", total.TodayHits)
	}
	if total.ProposedHits[0] != 6 || total.ProposedHits[1] != 3 {
		t.Errorf("proposed hits = %v", total.ProposedHits)
	}
}

func TestCursorRoundTrip(t *testing.T) {
	c := Cursor{ID: 42}
	got, err := ParseCursor(c.String())
	if err != nil || got.ID != 42 || !got.At.Equal(c.At) {
		t.Fatalf("round trip = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "!!", "eA", Cursor{}.String()[:3]} {
		if _, err := ParseCursor(bad); err == nil {
			t.Errorf("ParseCursor(%q) accepted", bad)
		}
	}
}
