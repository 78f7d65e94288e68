package rule

import (
	"fmt"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/event"
)

// benchRules builds n rules, each with a couple of list conditions that the
// event passes and a message pattern, so every rule runs its pattern check;
// only the last rule matches: the worst case for first-match evaluation.
func benchRules(n int, pattern func(i int) string) []Rule {
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rules := make([]Rule, n)
	for i := range rules {
		p := pattern(i)
		if i == n-1 {
			p = `(?i)disk \w: free space below \d+%`
		}
		rules[i] = Rule{
			ID: i + 1, Name: fmt.Sprintf("rule %d", i+1), Version: created, Active: true,
			PriorityOrder: i, CreatedAt: created,
			Conditions: Conditions{
				Severities:     []string{"critical", "major"},
				ActivityTypes:  []string{"CONDITION"},
				MessagePattern: p,
			},
		}
	}
	return rules
}

// Patterns of the kind admins write: a literal core with some classes.
func typicalPattern(i int) string {
	switch i % 4 {
	case 0:
		return fmt.Sprintf(`(?i)service \w+ stopped \(job %d\)`, i)
	case 1:
		return fmt.Sprintf(`CPU usage above \d+%% on node-%d`, i)
	case 2:
		return fmt.Sprintf(`(?i)backup job %d failed`, i)
	default:
		return fmt.Sprintf(`^Ping to host-%d timed out`, i)
	}
}

// Patterns without any literal that every match must contain: the regexp
// engine runs for every rule. This is the cost floor of Go's regexp.
func literalFreePattern(i int) string {
	return fmt.Sprintf(`\b[a-z]{%d,}\s+\d{%d}\b`, 3+i%7, 5+i%4)
}

func benchEvent() event.Event {
	return event.Event{
		Provider: event.NinjaOne, Kind: event.Triggered, Severity: event.Major,
		ActivityType: "CONDITION", AlertClass: "CONDITION_DISK_FREE_SPACE", SourceType: "AGENT",
		Message:    "Disk C: free space below 10% on SRV-0042 (Acme Corp)",
		DeviceName: "SRV-0042", ExternalOrganizationID: "17",
	}
}

// BenchmarkEvaluate is the per-alert cost: the Set is built once per
// configuration version.
func BenchmarkEvaluate(b *testing.B) {
	runEvaluate(b, typicalPattern, false)
}

func BenchmarkEvaluateLiteralFree(b *testing.B) {
	runEvaluate(b, literalFreePattern, false)
}

// BenchmarkEvaluateWithTrace adds rendering the decision trace, which the
// pipeline stores on every alert.
func BenchmarkEvaluateWithTrace(b *testing.B) {
	runEvaluate(b, typicalPattern, true)
}

func runEvaluate(b *testing.B, pattern func(int) string, trace bool) {
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			set, ev := NewCache().Set(benchRules(n, pattern)), benchEvent()
			if res := set.Evaluate(ev); res.Rule == nil || res.Rule.ID != n || res.Tried() != n {
				b.Fatalf("want rule %d to match after %d rules, got %+v after %d", n, n, res.Rule, res.Tried())
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				res := set.Evaluate(ev)
				if trace {
					res.Lines()
				}
			}
		})
	}
}

// BenchmarkSet is the cost of a new configuration version: building a Set
// whose rules are all compiled already.
func BenchmarkSet(b *testing.B) {
	rules, c := benchRules(1000, typicalPattern), NewCache()
	c.Set(rules)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.Set(rules)
	}
}
