package rule

import (
	"fmt"
	"log/slog"
	"slices"

	"github.com/alertdesk/alertdesk/event"
)

// Set is a compiled rule set: the active rules in evaluation order, each
// with its compiled conditions or compile error. It is immutable and safe
// for concurrent use, so one Set can serve every alert of an integration
// until its rules change.
type Set struct {
	rules   []Rule
	entries []setEntry // parallel to rules
}

// setEntry is a rule's compile outcome, copied out of the Cache so that
// evaluation takes no lock and does no lookup.
type setEntry struct {
	c   *Compiled
	err error
}

// Set compiles rules into a Set. Inactive rules are dropped and the rest
// are sorted by PriorityOrder, then CreatedAt, then ID. The rules are
// copied, but the slices and pointers inside them are shared: the caller
// must not modify them afterwards. Each rule version is compiled once per
// Cache, whatever the number of Sets that hold it; a rule that does not
// compile keeps its error and is skipped by Evaluate.
func (c *Cache) Set(rules []Rule) *Set {
	idx := make([]int, 0, len(rules))
	for i := range rules {
		if rules[i].Active {
			idx = append(idx, i)
		}
	}
	// Indexes are sorted rather than the rules, which are large to move;
	// rules usually come from the database already in order.
	less := func(a, b int) int { return compareRules(&rules[a], &rules[b]) }
	if !slices.IsSortedFunc(idx, less) {
		slices.SortStableFunc(idx, less)
	}
	s := &Set{rules: make([]Rule, len(idx)), entries: make([]setEntry, len(idx))}
	for n, i := range idx {
		s.rules[n] = rules[i]
	}

	// One read lock for all lookups: a Set is built once per configuration
	// version, and compiling under the lock would stall other readers.
	var missing []int
	c.mu.RLock()
	for n := range s.rules {
		if e := c.m[s.rules[n].ID]; e.fresh(&s.rules[n]) {
			s.entries[n] = setEntry{e.c, e.err}
		} else {
			missing = append(missing, n)
		}
	}
	c.mu.RUnlock()
	for _, n := range missing {
		e := c.load(&s.rules[n])
		s.entries[n] = setEntry{e.c, e.err}
	}
	return s
}

// Len is the number of rules the Set evaluates.
func (s *Set) Len() int { return len(s.rules) }

// Rule returns the Set's rule with the id; false when the Set does not
// hold it (inactive, deleted, or another integration's).
func (s *Set) Rule(id int) (Rule, bool) {
	for i := range s.rules {
		if s.rules[i].ID == id {
			return s.rules[i], true
		}
	}
	return Rule{}, false
}

// Evaluate tries the rules in order and stops at the first match: there is
// no fall-through. A rule that did not compile, or whose evaluation panics,
// is logged, recorded in the trace and skipped. Result.Rule is a copy of
// the winner, which the caller may keep or change.
func (s *Set) Evaluate(ev event.Event) Result {
	in := newInput(&ev)
	res := Result{set: s, raw: in.raw, trace: make([]outcome, 0, len(s.rules))}
	for !s.run(&in, &res) {
		// A rule panicked: resume after it.
	}
	if n := len(res.trace); n > 0 && res.trace[n-1] == matched {
		winner := s.rules[n-1]
		res.Rule = &winner
	}
	return res
}

// run evaluates rules from the first untried one until a match or the end
// of the set (true), or until a rule panics: that rule is recorded as
// skipped and run returns false so the caller resumes after it. Recovering
// here rather than around each rule keeps a deferred call out of the loop.
func (s *Set) run(in *input, res *Result) (done bool) {
	defer func() {
		if p := recover(); p != nil {
			i := len(res.trace)
			err := fmt.Errorf("rule %d: evaluation panicked: %v", s.rules[i].ID, p)
			res.panics = append(res.panics, panicked{index: i, err: err})
			res.trace = append(res.trace, skipped)
			s.warn(i, err)
			done = false
		}
	}()
	for i := len(res.trace); i < len(s.entries); i++ {
		e := &s.entries[i]
		if e.err != nil {
			res.trace = append(res.trace, skipped)
			s.warn(i, e.err)
			continue
		}
		o := e.c.check(in)
		res.trace = append(res.trace, o)
		if o == matched {
			return true
		}
	}
	return true
}

func (s *Set) warn(i int, err error) {
	r := &s.rules[i]
	slog.Warn("rule skipped: cannot evaluate", "rule_id", r.ID, "rule_name", r.Name, "error", err)
}

// At returns the Set's i-th rule in evaluation order.
func (s *Set) At(i int) Rule { return s.rules[i] }
