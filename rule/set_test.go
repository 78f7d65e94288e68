package rule

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func ids(rules []Rule) []int {
	out := make([]int, len(rules))
	for i := range rules {
		out[i] = rules[i].ID
	}
	return out
}

func TestSetOrder(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := func(id, order int, created time.Duration, active bool) Rule {
		return Rule{ID: id, Name: fmt.Sprint("r", id), Active: active, PriorityOrder: order, CreatedAt: t0.Add(created)}
	}
	tests := []struct {
		name  string
		rules []Rule
		want  []int
	}{
		{"empty", nil, []int{}},
		{"already sorted", []Rule{r(1, 0, 0, true), r(2, 1, 0, true), r(3, 2, 0, true)}, []int{1, 2, 3}},
		{"by priority", []Rule{r(1, 2, 0, true), r(2, 0, 0, true), r(3, 1, 0, true)}, []int{2, 3, 1}},
		{"then creation", []Rule{r(1, 0, 2*time.Hour, true), r(2, 0, time.Hour, true), r(3, 0, 3*time.Hour, true)}, []int{2, 1, 3}},
		{"then id", []Rule{r(9, 0, 0, true), r(4, 0, 0, true), r(6, 0, 0, true)}, []int{4, 6, 9}},
		{"inactive dropped", []Rule{r(1, 0, 0, false), r(2, 1, 0, true), r(3, 0, 0, false)}, []int{2}},
		{"all inactive", []Rule{r(1, 0, 0, false)}, []int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := slices.Clone(tt.rules)
			s := NewCache().Set(tt.rules)
			if got := ids(s.rules); !slices.Equal(got, tt.want) || s.Len() != len(tt.want) {
				t.Errorf("order = %v (Len %d), want %v", got, s.Len(), tt.want)
			}
			if !slices.Equal(ids(before), ids(tt.rules)) {
				t.Error("Set reordered the caller's rules")
			}
		})
	}
}

func TestSetRule(t *testing.T) {
	s := NewCache().Set([]Rule{
		{ID: 1, Name: "first", Active: true},
		{ID: 2, Name: "off", Active: false},
		{ID: 3, Name: "third", Active: true, PriorityOrder: -1},
	})
	for _, tt := range []struct {
		id   int
		want string // "" for not found
	}{
		{1, "first"}, {3, "third"}, {2, ""}, {4, ""},
	} {
		r, ok := s.Rule(tt.id)
		if ok != (tt.want != "") || r.Name != tt.want {
			t.Errorf("Rule(%d) = %q, %v; want %q", tt.id, r.Name, ok, tt.want)
		}
	}
}

// The Set holds its own copy of the rules, and Result.Rule is a copy of
// the Set's: neither the caller nor one alert's handling can change what
// the next alert is evaluated against.
func TestSetCopies(t *testing.T) {
	rules := []Rule{{ID: 1, Name: "all", Active: true}}
	s := NewCache().Set(rules)
	rules[0].Name, rules[0].Active = "changed", false
	res := s.Evaluate(sampleEvent())
	if res.Rule == nil || res.Rule.Name != "all" {
		t.Fatalf("winner = %+v", res.Rule)
	}
	res.Rule.Name = "changed"
	if again := s.Evaluate(sampleEvent()); again.Rule.Name != "all" {
		t.Error("Result.Rule aliases the Set's rule")
	}
}

func TestSetEvaluate(t *testing.T) {
	memory := &Conditions{Keywords: []string{"memory"}}
	critical := &Conditions{Severities: []string{"critical"}}
	// A compiled form that panics when run: field out of range.
	boom := &Compiled{sets: []foldSet{{field: 99, label: "boom"}}}
	tests := []struct {
		name    string
		conds   []*Conditions // rule i+1, in this order; nil entries panic
		want    int           // winner id, 0 for none
		outcome []string      // per rule tried: reason, or "ERR:" and a substring of the error
	}{
		{"first match wins", []*Conditions{critical, memory, {}}, 2,
			[]string{"severity major not in [critical]", "matched"}},
		{"no match", []*Conditions{critical, {Keywords: []string{"disk"}}}, 0,
			[]string{"severity major not in [critical]", "message contains none of the keywords [disk]"}},
		{"compile error skipped, next rule tried", []*Conditions{{MessagePattern: `(`}, memory}, 2,
			[]string{"ERR:rule 1: conditions.messagePattern", "matched"}},
		{"panic recovered, next rule tried", []*Conditions{critical, nil, memory}, 3,
			[]string{"severity major not in [critical]", "ERR:rule 2: evaluation panicked", "matched"}},
		{"consecutive panics", []*Conditions{nil, nil, critical}, 0,
			[]string{"ERR:rule 1: evaluation panicked", "ERR:rule 2: evaluation panicked", "severity major not in [critical]"}},
		{"panic last", []*Conditions{critical, nil}, 0,
			[]string{"severity major not in [critical]", "ERR:rule 2: evaluation panicked"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules := make([]Rule, len(tt.conds))
			for i, c := range tt.conds {
				if c != nil {
					rules[i] = Rule{ID: i + 1, Name: fmt.Sprint("r", i+1), Active: true, PriorityOrder: i, Conditions: *c}
				} else {
					rules[i] = Rule{ID: i + 1, Name: fmt.Sprint("r", i+1), Active: true, PriorityOrder: i}
				}
			}
			s := NewCache().Set(rules)
			for i, c := range tt.conds {
				if c == nil {
					s.entries[i] = setEntry{c: boom}
				}
			}
			res := s.Evaluate(sampleEvent())
			got := 0
			if res.Rule != nil {
				got = res.Rule.ID
			}
			if got != tt.want {
				t.Errorf("winner = %d, want %d", got, tt.want)
			}
			steps := res.Steps()
			if res.Tried() != len(tt.outcome) || len(steps) != len(tt.outcome) {
				t.Fatalf("tried %d: %+v, want %q", res.Tried(), steps, tt.outcome)
			}
			for i, st := range steps {
				want := tt.outcome[i]
				if e, ok := strings.CutPrefix(want, "ERR:"); ok {
					if !strings.Contains(st.Err, e) || st.Reason != "" || st.Matched {
						t.Errorf("step %d = %+v, want error %q", i, st, e)
					}
				} else if st.Reason != want || st.Err != "" || st.Matched != strings.HasPrefix(want, "matched") {
					t.Errorf("step %d = %+v, want %q", i, st, want)
				}
				if st.RuleID != i+1 || st.RuleName != fmt.Sprint("r", i+1) {
					t.Errorf("step %d is rule %d %q", i, st.RuleID, st.RuleName)
				}
			}
		})
	}
}

// A Set takes each rule version's compiled form from the Cache: a second
// Set of the same versions compiles nothing, a new version is compiled.
func TestSetReusesCache(t *testing.T) {
	v1 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	rules := []Rule{
		{ID: 1, Version: v1, Active: true, PriorityOrder: 1, Conditions: Conditions{MessagePattern: `disk \d`}},
		{ID: 2, Version: v1, Active: true, PriorityOrder: 2, Conditions: Conditions{MessagePattern: `(`}},
		{ID: 3, Active: true, PriorityOrder: 3, Conditions: Conditions{Keywords: []string{"cpu"}}}, // unversioned
	}
	c := NewCache()
	a := c.Set(rules)
	reordered := []Rule{rules[2], rules[0], rules[1]}
	b := c.Set(reordered)
	for i := range a.entries {
		if a.entries[i].c != b.entries[i].c || a.entries[i].err != b.entries[i].err {
			t.Errorf("rule %d recompiled: %p/%v, then %p/%v", a.rules[i].ID,
				a.entries[i].c, a.entries[i].err, b.entries[i].c, b.entries[i].err)
		}
	}
	if a.entries[0].c == nil || a.entries[1].err == nil {
		t.Fatalf("entries = %+v", a.entries)
	}
	if got, _ := c.Get(rules[0]); got != a.entries[0].c {
		t.Error("Set and Get disagree")
	}

	changed := slices.Clone(rules)
	changed[0].Version = v1.Add(time.Second)
	changed[0].Conditions = Conditions{MessagePattern: `cpu \d`}
	if n := c.Set(changed); n.entries[0].c == a.entries[0].c || n.entries[1].c != a.entries[1].c {
		t.Error("only the changed rule must be recompiled")
	}
}

// Many alerts evaluated at once against one Set (run with -race).
func TestSetConcurrent(t *testing.T) {
	const nRules = 60
	rules := make([]Rule, nRules)
	for i := range rules {
		cond := Conditions{MessagePattern: fmt.Sprintf(`(?i)token-%d\b`, i)}
		if i%3 == 0 {
			cond = Conditions{Keywords: []string{fmt.Sprintf("token-%d!", i)}}
		}
		rules[i] = Rule{ID: i + 1, Name: fmt.Sprint("r", i+1), Active: true, PriorityOrder: i, Conditions: cond}
	}
	s := NewCache().Set(rules)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 300 {
				k := (g*31 + i) % (nRules + 1) // nRules: no rule matches
				ev := sampleEvent()
				ev.Message = fmt.Sprintf("TOKEN-%d! on host %d", k, g)
				res := s.Evaluate(ev)
				switch {
				case k == nRules:
					if res.Rule != nil || res.Tried() != nRules {
						t.Errorf("message %q: winner %+v after %d", ev.Message, res.Rule, res.Tried())
						return
					}
				case res.Rule == nil || res.Rule.ID != k+1 || res.Tried() != k+1:
					t.Errorf("message %q: winner %+v after %d, want rule %d", ev.Message, res.Rule, res.Tried(), k+1)
					return
				}
				if lines := res.Lines(); len(lines) == 0 {
					t.Error("no trace")
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestSetEvaluateAllocations(t *testing.T) {
	s := NewCache().Set(benchRules(500, typicalPattern))
	ev := benchEvent()
	if n := testing.AllocsPerRun(20, func() { s.Evaluate(ev) }); n > 5 {
		t.Errorf("Evaluate of 500 rules allocates %v times", n)
	}
}
