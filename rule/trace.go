package rule

import (
	"fmt"
	"strconv"
	"strings"
)

// outcome is how one rule fared: the condition that failed (a field
// constant, failKeywords or failPattern), matched, or skipped. A trace is
// one byte per rule tried and holds no pointers, so recording it costs
// nothing the collector has to scan; reasons are rendered only when read.
type outcome uint8

const (
	failKeywords outcome = numFields + iota
	failPattern
	matched
	skipped
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
// matched) and a compact record of every rule tried, in order, which
// Steps and Lines explain.
type Result struct {
	Rule *Rule

	set *Set
	// The event fields the conditions compared, for rendering reasons.
	raw [numFields]string
	// trace[i] is the outcome of the set's i-th rule: rules are tried in
	// order, so the index is implicit.
	trace  []outcome
	panics []panicked // rare, hence kept apart from trace
}

type panicked struct {
	index int
	err   error
}

// Tried is the number of rules tried, the winner and skipped rules included.
func (r Result) Tried() int { return len(r.trace) }

// Steps returns one Step per rule tried, in order.
func (r Result) Steps() []Step {
	if len(r.trace) == 0 {
		return nil
	}
	steps := make([]Step, len(r.trace))
	for i, o := range r.trace {
		rule := &r.set.rules[i]
		steps[i] = Step{RuleID: rule.ID, RuleName: rule.Name}
		if o == skipped {
			steps[i].Err = r.err(i).Error()
			continue
		}
		steps[i].Matched = o == matched
		steps[i].Reason = r.set.entries[i].c.reason(o, &r.raw)
	}
	return steps
}

// err is why the i-th rule was skipped.
func (r Result) err(i int) error {
	if err := r.set.entries[i].err; err != nil {
		return err
	}
	for _, p := range r.panics {
		if p.index == i {
			return p.err
		}
	}
	return fmt.Errorf("rule %d: skipped", r.set.rules[i].ID)
}

// Limits that keep a decision trace a few kilobytes whatever the number of
// rules: it is stored on every alert.
const (
	// traceDetail is the number of rules tried up to which every rule gets
	// a line of its own.
	traceDetail = 20
	// traceIDs is the number of rule ids a grouped line lists.
	traceIDs = 50
	// traceErrors is the number of skipped rules that get a line of their
	// own, error included, in a grouped trace; errors are also logged.
	traceErrors = 20
)

// Lines renders the decision trace: rules tried and why each did or did not
// match. Up to traceDetail rules tried, one line per rule:
//
//	rule 3 "Disk alerts": severity major not in [critical]
//	rule 7 "Legacy" skipped: rule 7: conditions.messagePattern: …
//
// Beyond, a summary line; the rules that did not match, grouped by the
// condition that failed (listing at most traceIDs ids); then the skipped
// rules and the winner, each on its own line as above:
//
//	1000 rules tried: 1 matched, 998 did not match, 1 skipped
//	rules 1, 2, 4, 5, 6 (5 rules) did not match: severity major not in their lists
//	rules 7, 8, 9, <47 more ids> and 943 more (993 rules) did not match: message does not match their patterns
//	rule 3 "Legacy" skipped: rule 3: conditions.messagePattern: …
//	rule 1000 "Catch-all": matched (no conditions)
func (r Result) Lines() []string {
	n := len(r.trace)
	if n == 0 {
		return nil
	}
	if n <= traceDetail {
		lines := make([]string, n)
		for i := range r.trace {
			lines[i] = r.line(i)
		}
		return lines
	}

	// Rules that did not match, grouped by the failed condition; groups
	// come in the order of their first rule.
	type group struct {
		o     outcome
		first int
		count int
	}
	var groups []group
	var byOutcome [skipped + 1]int // index+1 in groups
	failed, skips, winner := 0, 0, -1
	for i, o := range r.trace {
		switch o {
		case matched:
			winner = i
			continue
		case skipped:
			skips++
			continue
		}
		failed++
		if byOutcome[o] == 0 {
			groups = append(groups, group{o: o, first: i})
			byOutcome[o] = len(groups)
		}
		groups[byOutcome[o]-1].count++
	}

	lines := make([]string, 0, 2+len(groups)+min(skips, traceErrors+1))
	var parts []string
	if winner >= 0 {
		parts = append(parts, "1 matched")
	}
	if failed > 0 {
		parts = append(parts, strconv.Itoa(failed)+" did not match")
	}
	if skips > 0 {
		parts = append(parts, strconv.Itoa(skips)+" skipped")
	}
	lines = append(lines, strconv.Itoa(n)+" rules tried: "+strings.Join(parts, ", "))

	for _, g := range groups {
		if g.count == 1 {
			lines = append(lines, r.line(g.first))
			continue
		}
		lines = append(lines, r.groupLine(g.o, g.first, g.count, "did not match: "+r.groupReason(g.o)))
	}

	if skips > 0 {
		shown := 0
		for i, o := range r.trace {
			if o != skipped {
				continue
			}
			if shown == traceErrors && skips > traceErrors+1 {
				lines = append(lines, r.groupLine(skipped, i, skips-shown, "skipped: cannot be evaluated, errors in the log"))
				break
			}
			lines = append(lines, r.line(i))
			shown++
		}
	}
	if winner >= 0 {
		lines = append(lines, r.line(winner))
	}
	return lines
}

// line is the i-th rule's own line.
func (r Result) line(i int) string {
	rule := &r.set.rules[i]
	if o := r.trace[i]; o != skipped {
		return fmt.Sprintf("rule %d %q: %s", rule.ID, rule.Name, r.set.entries[i].c.reason(o, &r.raw))
	}
	return fmt.Sprintf("rule %d %q skipped: %s", rule.ID, rule.Name, r.err(i))
}

// groupLine lists the ids of count rules of outcome o, from the first-th
// rule on: "rules 1, 2, 4 and 7 more (10 rules) " followed by what.
func (r Result) groupLine(o outcome, first, count int, what string) string {
	b := make([]byte, 0, 64+traceIDs*6+len(what))
	b = append(b, "rules "...)
	listed := 0
	for i := first; i < len(r.trace) && listed < min(count, traceIDs); i++ {
		if r.trace[i] != o {
			continue
		}
		if listed > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(b, int64(r.set.rules[i].ID), 10)
		listed++
	}
	if count > listed {
		b = append(b, " and "...)
		b = strconv.AppendInt(b, int64(count-listed), 10)
		b = append(b, " more"...)
	}
	b = append(b, " ("...)
	b = strconv.AppendInt(b, int64(count), 10)
	b = append(b, " rules) "...)
	b = append(b, what...)
	return string(b)
}

// groupReason says why a group of rules did not match, in terms that hold
// for each of them.
func (r Result) groupReason(o outcome) string {
	switch o {
	case failKeywords:
		return "message contains none of their keywords"
	case failPattern:
		return "message does not match their patterns"
	}
	for _, cl := range condLists {
		if outcome(cl.field) == o {
			return cl.label + " " + showValue(r.raw[cl.field]) + " not in their lists"
		}
	}
	return "no reason recorded"
}
