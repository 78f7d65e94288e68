package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alertrule"
	"github.com/alertdesk/alertdesk/graph/model"
	"github.com/alertdesk/alertdesk/rule"
	"github.com/alertdesk/alertdesk/validation"
)

// ruleSpec is a rule's conditions and actions as given, decoded.
type ruleSpec struct {
	conditions    rule.Conditions
	actions       rule.Actions
	hasConditions bool
	hasActions    bool
}

// decodeRule decodes and checks the given conditions and actions (absent
// ones are skipped): strict shapes, rule.Validate, and references that must
// exist in the tenant (through the scoped client c). Field problems go to
// errs; a failed lookup is the error.
func decodeRule(ctx context.Context, c *ent.Client, conds, acts model.JSON, errs *validation.Error) (ruleSpec, error) {
	var (
		s                  ruleSpec
		condsOK, actionsOK bool
	)
	if len(conds) > 0 {
		s.hasConditions = true
		var err error
		s.conditions, err = rule.DecodeConditions(conds)
		condsOK = addDecodeError(errs, "conditions", err)
	}
	if len(acts) > 0 {
		s.hasActions = true
		var err error
		s.actions, err = rule.DecodeActions(actionsFromAPI(acts))
		var aerrs validation.Error
		actionsOK = addDecodeError(&aerrs, "actions", err)
		idMessages(&aerrs)
		errs.Merge(aerrs.OrNil())
	}
	var shape *validation.Error
	switch {
	case condsOK && actionsOK:
		shape = rule.Validate(s.conditions, s.actions)
	case condsOK:
		shape = rule.Validate(s.conditions, rule.Actions{})
	case actionsOK:
		shape = rule.Validate(rule.Conditions{}, s.actions)
	}
	errs.Merge(shape)
	if actionsOK {
		refErrs, err := rule.ValidateRefs(ctx, s.actions, refs{c})
		if err != nil {
			return s, err
		}
		if refErrs != nil {
			for _, fe := range refErrs.Errors {
				// "must be a positive id" already says it.
				if len(shape.Messages(fe.Field)) == 0 {
					errs.Add(fe.Field, fe.Message)
				}
			}
		}
	}
	return s, nil
}

// addDecodeError records a strict-decoding failure and reports success.
func addDecodeError(errs *validation.Error, root string, err error) bool {
	if err == nil {
		return true
	}
	var verr *validation.Error
	if errors.As(err, &verr) {
		errs.Merge(verr)
	} else {
		errs.Add(root, err.Error())
	}
	return false
}

// rulesLockKey serializes changes to the order of an integration's rules.
func rulesLockKey(tenantID, integrationID int) string {
	return fmt.Sprintf("rules:%d:%d", tenantID, integrationID)
}

// nextRuleOrder is one past the integration's last rule.
func nextRuleOrder(ctx context.Context, c *ent.Client, integrationID int) (int, error) {
	last, err := c.AlertRule.Query().Where(alertrule.IntegrationID(integrationID)).
		Order(ent.Desc(alertrule.FieldPriorityOrder)).First(ctx)
	if ent.IsNotFound(err) {
		return 1, nil
	}
	if err != nil {
		return 0, fmt.Errorf("last rule: %w", err)
	}
	return last.PriorityOrder + 1, nil
}

// checkOrder verifies that ids lists exactly the rules in have, once each.
func checkOrder(have []int, ids []int) *validation.Error {
	return checkList("ruleIds", "integration", "rules", have, ids)
}

// checkList verifies that ids (the argument field) lists exactly the
// records in have (the owner's things), once each.
func checkList(field, owner, things string, have []int, ids []int) *validation.Error {
	want := make(map[int]bool, len(have))
	for _, id := range have {
		want[id] = true
	}
	var unknown, dup []int
	seen := make(map[int]bool, len(ids))
	for _, id := range ids {
		switch {
		case seen[id]:
			dup = append(dup, id)
		case !want[id]:
			unknown = append(unknown, id)
		}
		seen[id] = true
	}
	var missing []int
	for _, id := range have {
		if !seen[id] {
			missing = append(missing, id)
		}
	}
	if len(unknown)+len(dup)+len(missing) == 0 {
		return nil
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "missing "+joinIDs(missing))
	}
	if len(unknown) > 0 {
		parts = append(parts, fmt.Sprintf("not %s of this %s: %s", things, owner, joinIDs(unknown)))
	}
	if len(dup) > 0 {
		parts = append(parts, "listed twice: "+joinIDs(dup))
	}
	return fieldError(field, fmt.Sprintf("must list each of the %s's %d %s exactly once (%s)",
		owner, len(have), things, strings.Join(parts, "; ")))
}

func joinIDs(ids []int) string {
	slices.Sort(ids)
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return strings.Join(s, ", ")
}

// Record ids inside a rule's actions JSON. The API's ids are strings
// (`me { id }` is "1"), so the actions accept them as strings (and, as
// stored, as numbers) and return them as strings.
var (
	actionIDFields   = []string{"boardId", "priorityOverride", "assignToUserId", "autoResolveStatusId"}
	actionIDListKeys = []string{"notifyUserIds"}
)

// actionsFromAPI turns the id strings of raw actions into the numbers
// rule.DecodeActions reads. Anything else, and raw that is not an
// object, is left for the decoder to judge.
func actionsFromAPI(raw model.JSON) model.JSON {
	if len(raw) == 0 {
		return raw
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil || dec.More() {
		return raw
	}
	changed := false
	num := func(v any) any {
		if s, ok := v.(string); ok {
			if n, ok := parseAPIID(s); ok {
				changed = true
				return json.Number(strconv.Itoa(n))
			}
		}
		return v
	}
	for _, k := range actionIDFields {
		if v, ok := obj[k]; ok {
			obj[k] = num(v)
		}
	}
	for _, k := range actionIDListKeys {
		if list, ok := obj[k].([]any); ok {
			for i, v := range list {
				list[i] = num(v)
			}
		}
	}
	if !changed {
		return raw
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return raw
	}
	return b
}

// parseAPIID reads an id as the API writes it: a decimal number.
func parseAPIID(s string) (int, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// actionsToAPI renders actions with their ids as strings.
func actionsToAPI(a rule.Actions) (model.JSON, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("encode actions: %w", err)
	}
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil {
		return nil, fmt.Errorf("encode actions: %w", err)
	}
	for _, k := range actionIDFields {
		if n, ok := obj[k].(json.Number); ok {
			obj[k] = n.String()
		}
	}
	for _, k := range actionIDListKeys {
		if list, ok := obj[k].([]any); ok {
			for i, v := range list {
				if n, ok := v.(json.Number); ok {
					list[i] = n.String()
				}
			}
		}
	}
	if b, err = json.Marshal(obj); err != nil {
		return nil, fmt.Errorf("encode actions: %w", err)
	}
	return b, nil
}

// idMessages says "id" where the decoder, which reads the stored numbers,
// says "integer".
func idMessages(errs *validation.Error) {
	for i, fe := range errs.Errors {
		for _, k := range actionIDFields {
			if fe.Field == "actions."+k && fe.Message == "must be an integer" {
				errs.Errors[i].Message = `must be an id (such as "12")`
			}
		}
		for _, k := range actionIDListKeys {
			if fe.Field == "actions."+k && fe.Message == "must be a list of integers" {
				errs.Errors[i].Message = `must be a list of ids (such as ["12", "14"])`
			}
		}
	}
}
