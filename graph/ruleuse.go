package graph

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alertrule"
	"github.com/alertdesk/alertdesk/rule"
	"github.com/alertdesk/alertdesk/validation"
)

// ruleUse is how a rule's actions name a kind of record.
type ruleUse struct {
	noun string
	pick func(rule.Actions) *int
}

var (
	boardOfRule    = ruleUse{"board", func(a rule.Actions) *int { return a.BoardID }}
	statusOfRule   = ruleUse{"status", func(a rule.Actions) *int { return a.AutoResolveStatusID }}
	priorityOfRule = ruleUse{"priority", func(a rule.Actions) *int { return a.PriorityOverride }}
)

// refuseRetiringInUse adds a "retired" field error when enabled alert
// rules name record id as use says: retired, it would make their alerts
// fail to open tickets (the pipeline opens none on a retired board or
// with a retired priority) without a word to the admin who retired it.
func refuseRetiringInUse(ctx context.Context, c *ent.Client, errs *validation.Error, id int, use ruleUse) error {
	rules, err := c.AlertRule.Query().Where(alertrule.IsActive(true)).
		Order(ent.Asc(alertrule.FieldPriorityOrder), ent.Asc(alertrule.FieldID)).All(ctx)
	if err != nil {
		return fmt.Errorf("graph: rules using %d: %w", id, err)
	}
	var names []string
	for _, r := range rules {
		if p := use.pick(r.Actions); p != nil && *p == id {
			names = append(names, strconv.Quote(r.Name))
		}
	}
	if len(names) > 0 {
		errs.Add("retired", fmt.Sprintf("enabled alert rules still use this %s: %s; change or disable them first",
			use.noun, strings.Join(names, ", ")))
	}
	return nil
}
