package rule

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/validation"
)

// FieldError is one invalid field of a rule, named by its JSON path
// ("conditions.messagePattern", "actions.boardId").
type FieldError = validation.FieldError

// ValidationError lists every invalid field of a rule. It is shared with
// the other validating packages so API layers handle one type.
type ValidationError = validation.Error

// Validate checks the shape of a rule: known severities, no blank list
// entries, a compiling message pattern, template sizes and placeholders,
// positive and unique ids. It returns nil when the rule is fine. Whether the
// referenced records exist is ValidateRefs' job.
func Validate(c Conditions, a Actions) *ValidationError {
	var errs ValidationError
	validateConditions(&c, &errs)
	validateActions(&a, &errs)
	return errs.OrNil()
}

func validateConditions(c *Conditions, errs *ValidationError) {
	for _, cl := range condLists {
		for i, v := range cl.get(c) {
			if strings.TrimSpace(v) == "" {
				errs.Add(cl.path, fmt.Sprintf("entry %d is blank", i+1))
			}
		}
	}
	for _, s := range c.Severities {
		if strings.TrimSpace(s) != "" && !knownSeverity(s) {
			errs.Add("conditions.severities", fmt.Sprintf("unknown severity %q (use critical, major, moderate, minor or none)", s))
		}
	}
	if c.MessagePattern != "" {
		if _, err := regexp.Compile(c.MessagePattern); err != nil {
			errs.Add("conditions.messagePattern", "invalid regular expression: "+regexpProblem(err))
		}
	}
}

func knownSeverity(s string) bool {
	s = strings.TrimSpace(s)
	for _, sev := range event.Severities {
		if strings.EqualFold(s, string(sev)) {
			return true
		}
	}
	return false
}

// regexpProblem phrases a compile error for a form: what is wrong and where.
func regexpProblem(err error) string {
	var se *syntax.Error
	if errors.As(err, &se) {
		return fmt.Sprintf("%s: `%s`", se.Code, se.Expr)
	}
	return err.Error()
}

func validateActions(a *Actions, errs *ValidationError) {
	positive := func(field string, id *int) {
		if id != nil && *id <= 0 {
			errs.Add(field, "must be a positive id")
		}
	}
	positive("actions.boardId", a.BoardID)
	positive("actions.priorityOverride", a.PriorityOverride)
	positive("actions.assignToUserId", a.AssignToUserID)
	positive("actions.autoResolveStatusId", a.AutoResolveStatusID)
	within := func(field string, v *int, lo, hi int) {
		if v != nil && (*v < lo || *v > hi) {
			errs.Add(field, fmt.Sprintf("must be between %d and %d", lo, hi))
		}
	}
	within("actions.stormComments", a.StormComments, 0, 100)
	within("actions.stormQuietMinutes", a.StormQuietMinutes, 1, 24*60)

	seen := make(map[int]bool, len(a.NotifyUserIDs))
	for i, id := range a.NotifyUserIDs {
		switch {
		case id <= 0:
			errs.Add("actions.notifyUserIds", fmt.Sprintf("entry %d (%d) must be a positive id", i+1, id))
		case seen[id]:
			errs.Add("actions.notifyUserIds", fmt.Sprintf("user %d is listed more than once", id))
		}
		seen[id] = true
	}

	if t := a.TicketTemplate; t != nil {
		validateTemplate("actions.ticketTemplate.titleTemplate", t.TitleTemplate, MaxTitleTemplateRunes, errs)
		validateTemplate("actions.ticketTemplate.descriptionTemplate", t.DescriptionTemplate, MaxDescriptionTemplateRunes, errs)
	}
}

func validateTemplate(field, tmpl string, maxRunes int, errs *ValidationError) {
	if n := utf8.RuneCountInString(tmpl); n > maxRunes {
		errs.Add(field, fmt.Sprintf("must be at most %d characters (has %d)", maxRunes, n))
	}
	var unknown []string
	scanTemplate(tmpl, func(string) {}, func(name, raw string) {
		if _, ok := (TemplateVars{}).lookup(name); !ok {
			unknown = append(unknown, raw)
		}
	})
	if len(unknown) > 0 {
		known := Placeholders()
		for i, p := range known {
			known[i] = "{{" + p + "}}"
		}
		errs.Add(field, fmt.Sprintf("unknown placeholder %s (use %s)", strings.Join(unknown, ", "), strings.Join(known, ", ")))
	}
}

// Ref is what a lookup found of a board, priority or status.
type Ref struct {
	Exists bool
	// Retired records stay for the tickets that have them but are not
	// chosen again.
	Retired bool
	// Closed says a status is a closed one.
	Closed bool
}

// Refs looks up the records a rule's actions refer to. Implementations are
// scoped to the rule's tenant, so a record of another tenant does not exist.
type Refs interface {
	Board(ctx context.Context, id int) (Ref, error)
	Priority(ctx context.Context, id int) (Ref, error)
	Status(ctx context.Context, id int) (Ref, error)
	User(ctx context.Context, id int) (exists bool, err error)
}

// checkLive records under field that the optional id names no record of
// kind, or a retired one, and returns what it found. Ids that are not
// positive are reported without a lookup.
func checkLive(ctx context.Context, errs *ValidationError, field, kind string, id *int, look func(context.Context, int) (Ref, error)) (Ref, error) {
	if id == nil {
		return Ref{}, nil
	}
	var ref Ref
	if *id > 0 {
		var err error
		if ref, err = look(ctx, *id); err != nil {
			return ref, fmt.Errorf("rule: look up %s %d: %w", kind, *id, err)
		}
	}
	switch {
	case !ref.Exists:
		errs.Add(field, fmt.Sprintf("%s %d does not exist", kind, *id))
	case ref.Retired:
		errs.Add(field, fmt.Sprintf("%s %d is retired", kind, *id))
	}
	return ref, nil
}

// ValidateRefs checks that every board, priority, status and user a's
// fields name exists (through refs, hence in the tenant), that no board,
// priority or status is retired, and that autoResolveStatusId is a closed
// status. Field problems come back as the *ValidationError (nil when
// fine); a failed lookup is the error.
func ValidateRefs(ctx context.Context, a Actions, refs Refs) (*ValidationError, error) {
	if refs == nil {
		return nil, errors.New("rule: validate references: nil Refs")
	}
	var errs ValidationError
	if _, err := checkLive(ctx, &errs, "actions.boardId", "board", a.BoardID, refs.Board); err != nil {
		return nil, err
	}
	if _, err := checkLive(ctx, &errs, "actions.priorityOverride", "priority", a.PriorityOverride, refs.Priority); err != nil {
		return nil, err
	}
	if err := errs.CheckRef(ctx, "actions.assignToUserId", "user", a.AssignToUserID, refs.User); err != nil {
		return nil, fmt.Errorf("rule: %w", err)
	}
	st, err := checkLive(ctx, &errs, "actions.autoResolveStatusId", "status", a.AutoResolveStatusID, refs.Status)
	if err != nil {
		return nil, err
	}
	if st.Exists && !st.Retired && !st.Closed {
		errs.Add("actions.autoResolveStatusId", fmt.Sprintf("status %d is not a closed status", *a.AutoResolveStatusID))
	}
	looked := make(map[int]bool, len(a.NotifyUserIDs))
	for _, id := range a.NotifyUserIDs {
		if looked[id] {
			continue
		}
		looked[id] = true
		if err := errs.CheckRef(ctx, "actions.notifyUserIds", "user", &id, refs.User); err != nil {
			return nil, fmt.Errorf("rule: %w", err)
		}
	}
	return errs.OrNil(), nil
}
