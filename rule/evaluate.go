package rule

import (
	"cmp"
	"fmt"
	"log/slog"
	"slices"

	"github.com/alertdesk/alertdesk/event"
)

// Step records one rule tried during evaluation, for the decision trace.
type Step struct {
	RuleID   int
	RuleName string
	Matched  bool
	// Reason says why the rule matched or not ("severity major not in
	// [critical]"); empty when Err is set.
	Reason string
	// Err is set when the rule could not be evaluated and was skipped.
	Err string
}

// Result is the outcome of Evaluate: the winning rule (nil when none
// matched) and every rule tried, in order.
type Result struct {
	Rule  *Rule
	Steps []Step
}

// Evaluate tries the active rules in order (PriorityOrder, then CreatedAt,
// then ID, ascending) and stops at the first match: there is no
// fall-through. A rule that cannot be compiled or evaluated is logged,
// recorded as a Step with Err, and skipped. rules is not modified; Result.Rule
// points to a copy.
func (c *Cache) Evaluate(rules []Rule, ev event.Event) Result {
	in := newInput(&ev)
	res := Result{Steps: make([]Step, 0, len(rules))}
	order := evaluationOrder(rules)
	at := func(n int) *Rule {
		if order != nil {
			return &rules[order[n]]
		}
		return &rules[n]
	}
	// Cache entries are looked up a batch at a time under one read lock:
	// a lock per rule makes the lock's counter a contended cache line when
	// many alerts are evaluated at once, and holding it while matching
	// would stall writers behind slow patterns.
	const batch = 64
	var entries [batch]*cacheEntry
	for start := 0; start < len(rules); start += batch {
		end := min(start+batch, len(rules))
		c.mu.RLock()
		for n := start; n < end; n++ {
			if r := at(n); r.Active {
				entries[n-start] = c.m[r.ID]
			}
		}
		c.mu.RUnlock()

		for n := start; n < end; n++ {
			r := at(n)
			if !r.Active {
				continue
			}
			e := entries[n-start]
			if !e.fresh(r) {
				e = c.load(r)
			}
			step := Step{RuleID: r.ID, RuleName: r.Name}
			matched, reason, err := e.match(r.ID, &in)
			if err != nil {
				slog.Warn("rule skipped: cannot evaluate", "rule_id", r.ID, "rule_name", r.Name, "error", err)
				step.Err = err.Error()
				res.Steps = append(res.Steps, step)
				continue
			}
			step.Matched, step.Reason = matched, reason
			res.Steps = append(res.Steps, step)
			if matched {
				winner := *r
				res.Rule = &winner
				return res
			}
		}
	}
	return res
}

// match runs the entry's compiled rule, or returns its compile error. A
// panic is turned into an error so that one bad rule cannot take the
// pipeline down with it.
func (e *cacheEntry) match(id int, in *input) (matched bool, reason string, err error) {
	if e.err != nil {
		return false, "", e.err
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("rule %d: evaluation panicked: %v", id, p)
		}
	}()
	matched, reason = e.c.match(in)
	return matched, reason, nil
}

// evaluationOrder returns the indexes of rules in evaluation order, or nil
// when they already are in order, as they usually come from the database.
// Indexes are sorted rather than the rules, which are large to copy.
func evaluationOrder(rules []Rule) []int {
	sorted := true
	for i := 1; i < len(rules); i++ {
		if compareRules(&rules[i-1], &rules[i]) > 0 {
			sorted = false
			break
		}
	}
	if sorted {
		return nil
	}
	order := make([]int, len(rules))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return compareRules(&rules[a], &rules[b]) })
	return order
}

func compareRules(a, b *Rule) int {
	if c := cmp.Compare(a.PriorityOrder, b.PriorityOrder); c != 0 {
		return c
	}
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}
