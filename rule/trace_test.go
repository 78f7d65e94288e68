package rule

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/event"
)

// seqRules numbers the conditions as rules 1..n, evaluated in that order.
func seqRules(conds ...Conditions) []Rule {
	rules := make([]Rule, len(conds))
	for i, c := range conds {
		rules[i] = Rule{ID: i + 1, Name: fmt.Sprint("r", i+1), Active: true, PriorityOrder: i, Conditions: c}
	}
	return rules
}

func repeat(c Conditions, n int) []Conditions {
	out := make([]Conditions, n)
	for i := range out {
		out[i] = c
	}
	return out
}

// The reasons are those the trace has always stored: stored traces and
// alerts compared across versions must read the same.
func TestStepReasons(t *testing.T) {
	noClass := sampleEvent()
	noClass.AlertClass = ""
	tests := []struct {
		cond Conditions
		ev   event.Event
		want string
	}{
		{Conditions{}, sampleEvent(), "matched (no conditions)"},
		{Conditions{Severities: []string{"major"}}, sampleEvent(), "matched"},
		{Conditions{Severities: []string{"critical"}}, sampleEvent(), "severity major not in [critical]"},
		{Conditions{ActivityTypes: []string{"PATCH_MANAGEMENT"}}, sampleEvent(), "activity type CONDITION not in [PATCH_MANAGEMENT]"},
		{Conditions{AlertClasses: []string{"X"}}, sampleEvent(), "alert class CONDITION_AGENT_MEMORY not in [X]"},
		{Conditions{AlertClasses: []string{"X"}}, noClass, "alert class (empty) not in [X]"},
		{Conditions{SourceTypes: []string{" CLOUD "}}, sampleEvent(), "source type AGENT not in [CLOUD]"},
		{Conditions{OrganizationIDs: []string{"1", "2", "3", "4", "5", "6", "7"}}, sampleEvent(), "organization 42 not in [1, 2, 3, 4, 5, +2 more]"},
		{Conditions{OrganizationIDs: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}}, sampleEvent(), "organization 42 not in [1, 2, 3, 4, 5, +4 more]"},
		{Conditions{Keywords: []string{"disk", "cpu"}}, sampleEvent(), "message contains none of the keywords [disk, cpu]"},
		{Conditions{MessagePattern: `memory usage`}, sampleEvent(), "message does not match /memory usage/"},
		{Conditions{Severities: []string{"major"}, ActivityTypes: []string{"X"}, MessagePattern: `disk`}, sampleEvent(), "activity type CONDITION not in [X]"},
	}
	for _, tt := range tests {
		res := NewCache().Evaluate(seqRules(tt.cond), tt.ev)
		steps := res.Steps()
		if len(steps) != 1 || steps[0].Reason != tt.want || steps[0].Err != "" || steps[0].Matched != (res.Rule != nil) {
			t.Errorf("%+v: steps = %+v, want reason %q", tt.cond, steps, tt.want)
		}
		c, _ := Compile(seqRules(tt.cond)[0])
		if ok, reason := c.Match(tt.ev); reason != tt.want || ok != (res.Rule != nil) {
			t.Errorf("%+v: Match = %v, %q; want %q", tt.cond, ok, reason, tt.want)
		}
	}
}

func TestResultZero(t *testing.T) {
	var res Result
	if res.Tried() != 0 || res.Steps() != nil || res.Lines() != nil {
		t.Error("the zero Result must explain nothing")
	}
	if res := NewCache().Evaluate(nil, sampleEvent()); res.Tried() != 0 || res.Lines() != nil || res.Rule != nil {
		t.Errorf("empty set: %+v", res)
	}
}

// Up to traceDetail rules tried, one line per rule, in the format the
// pipeline has always written.
func TestLinesDetailed(t *testing.T) {
	badErr := compileErr(t, Conditions{MessagePattern: `(`}, 2)
	tests := []struct {
		name  string
		conds []Conditions
		want  []string
	}{
		{"match", []Conditions{{Severities: []string{"critical"}}, {MessagePattern: `(`}, {Keywords: []string{"memory"}}},
			[]string{
				`rule 1 "r1": severity major not in [critical]`,
				`rule 2 "r2" skipped: ` + badErr,
				`rule 3 "r3": matched`,
			}},
		{"no match", []Conditions{{Keywords: []string{"disk"}}},
			[]string{`rule 1 "r1": message contains none of the keywords [disk]`}},
		{"twenty", repeat(Conditions{SourceTypes: []string{"CLOUD"}}, traceDetail), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := NewCache().Evaluate(seqRules(tt.conds...), sampleEvent())
			lines := res.Lines()
			want := tt.want
			if want == nil {
				for _, st := range res.Steps() {
					want = append(want, fmt.Sprintf("rule %d %q: %s", st.RuleID, st.RuleName, st.Reason))
				}
			}
			if strings.Join(lines, "\n") != strings.Join(want, "\n") {
				t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func compileErr(t *testing.T, c Conditions, id int) string {
	t.Helper()
	_, err := Compile(Rule{ID: id, Conditions: c})
	if err == nil {
		t.Fatal("want a compile error")
	}
	return err.Error()
}

// Beyond traceDetail rules tried, the rules that did not match are grouped
// by the condition that failed.
func TestLinesGrouped(t *testing.T) {
	quietLog(t)
	pattern := Conditions{MessagePattern: `disk`}
	critical := Conditions{Severities: []string{"critical"}}
	broken := Conditions{MessagePattern: `(`}

	mixed := repeat(pattern, 25)
	mixed[2], mixed[3] = critical, critical
	mixed[6] = broken
	mixed[9] = Conditions{Keywords: []string{"disk"}}
	mixed[24] = Conditions{}

	manyBroken := repeat(broken, 200)
	justOver := repeat(broken, traceErrors+1)
	justOver = append(justOver, repeat(critical, 5)...)

	bench := benchRules(1000, typicalPattern)
	benchConds := make([]Conditions, len(bench))
	for i := range bench {
		benchConds[i] = bench[i].Conditions
	}
	benchEv := benchEvent()

	fieldGroup := func(c Conditions) []Conditions { return repeat(c, 21) }
	tests := []struct {
		name  string
		conds []Conditions
		ev    *event.Event
		want  []string // "ERR n" stands for rule n's own skipped line
	}{
		{"mixed", mixed, nil, []string{
			"25 rules tried: 1 matched, 23 did not match, 1 skipped",
			"rules 1, 2, 5, 6, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24 (20 rules) did not match: message does not match their patterns",
			"rules 3, 4 (2 rules) did not match: severity major not in their lists",
			`rule 10 "r10": message contains none of the keywords [disk]`,
			"ERR 7",
			`rule 25 "r25": matched (no conditions)`,
		}},
		{"a thousand, the last matches", benchConds, &benchEv, []string{
			"1000 rules tried: 1 matched, 999 did not match",
			"rules " + idList(1, traceIDs) + " and 949 more (999 rules) did not match: message does not match their patterns",
			`rule 1000 "r1000": matched`,
		}},
		{"many skipped", manyBroken, nil, append(append([]string{"200 rules tried: 200 skipped"}, errLines(1, traceErrors)...),
			"rules "+idList(21, 70)+" and 130 more (180 rules) skipped: cannot be evaluated, errors in the log")},
		{"one skip too many to group", justOver, nil, append([]string{
			"26 rules tried: 5 did not match, 21 skipped",
			"rules 22, 23, 24, 25, 26 (5 rules) did not match: severity major not in their lists",
		}, errLines(1, 21)...)},
		{"activity type", fieldGroup(Conditions{ActivityTypes: []string{"X"}}), nil, []string{
			"21 rules tried: 21 did not match",
			"rules " + idList(1, 21) + " (21 rules) did not match: activity type CONDITION not in their lists",
		}},
		{"alert class", fieldGroup(Conditions{AlertClasses: []string{"X"}}), nil, []string{
			"21 rules tried: 21 did not match",
			"rules " + idList(1, 21) + " (21 rules) did not match: alert class CONDITION_AGENT_MEMORY not in their lists",
		}},
		{"source type", fieldGroup(Conditions{SourceTypes: []string{"X"}}), nil, []string{
			"21 rules tried: 21 did not match",
			"rules " + idList(1, 21) + " (21 rules) did not match: source type AGENT not in their lists",
		}},
		{"organization", fieldGroup(Conditions{OrganizationIDs: []string{"X"}}), nil, []string{
			"21 rules tried: 21 did not match",
			"rules " + idList(1, 21) + " (21 rules) did not match: organization 42 not in their lists",
		}},
		{"keywords", fieldGroup(Conditions{Keywords: []string{"X"}}), nil, []string{
			"21 rules tried: 21 did not match",
			"rules " + idList(1, 21) + " (21 rules) did not match: message contains none of their keywords",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := sampleEvent()
			if tt.ev != nil {
				ev = *tt.ev
			}
			res := NewCache().Evaluate(seqRules(tt.conds...), ev)
			want := make([]string, len(tt.want))
			for i, w := range tt.want {
				var id int
				if _, err := fmt.Sscanf(w, "ERR %d", &id); err == nil {
					w = fmt.Sprintf("rule %d %q skipped: %s", id, fmt.Sprint("r", id), compileErr(t, broken, id))
				}
				want[i] = w
			}
			lines := res.Lines()
			if got := strings.Join(lines, "\n"); got != strings.Join(want, "\n") {
				t.Errorf("lines:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
			}
			size := 0
			for _, l := range lines {
				size += len(l)
			}
			if size > 4<<10 {
				t.Errorf("trace of %d rules is %d bytes", res.Tried(), size)
			}
		})
	}
}

func idList(from, to int) string {
	var ids []string
	for i := from; i <= to; i++ {
		ids = append(ids, fmt.Sprint(i))
	}
	return strings.Join(ids, ", ")
}

func errLines(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprint("ERR ", i))
	}
	return out
}

// quietLog drops the warnings of skipped rules for the rest of the test.
func quietLog(t *testing.T) {
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })
}
