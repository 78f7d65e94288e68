package rule

import (
	"cmp"

	"github.com/alertdesk/alertdesk/event"
)

// Evaluate is c.Set(rules).Evaluate(ev), for a caller that evaluates a rule
// list once. A caller that evaluates the same rules for many alerts should
// keep the Set. rules is not modified.
func (c *Cache) Evaluate(rules []Rule, ev event.Event) Result {
	return c.Set(rules).Evaluate(ev)
}

// compareRules is the evaluation order: PriorityOrder, then CreatedAt, then
// ID, ascending.
func compareRules(a, b *Rule) int {
	if c := cmp.Compare(a.PriorityOrder, b.PriorityOrder); c != 0 {
		return c
	}
	if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}
