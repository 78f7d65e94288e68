package graph

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/alertdesk/alertdesk/validation"
)

// maxListItems bounds every list in an operation's arguments (ids to mark
// read, rules to reorder, filter values, lists inside rule JSON): a list is
// bound into SQL statements, whose parameters are limited, and long lists
// are never a person's doing.
const maxListItems = 1000

// listLimit refuses an operation whose arguments hold a list longer than
// maxListItems, as BAD_USER_INPUT naming the argument ("ids",
// "input.recurrence.days"), before any resolver runs.
type listLimit struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = listLimit{}

func (listLimit) ExtensionName() string { return "ListLimit" }

func (listLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (listLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	var errs validation.Error
	checkArgLists(oc.Operation.SelectionSet, oc.Variables, &errs, map[string]bool{})
	if errs.OrNil() == nil {
		return nil
	}
	err := gqlerror.Errorf("%s", errs.Error())
	err.Extensions = map[string]any{"code": CodeBadUserInput, "fields": errs.Errors}
	return err
}

// checkArgLists checks the arguments of every field in set, fragments
// included (each once).
func checkArgLists(set ast.SelectionSet, vars map[string]any, errs *validation.Error, seen map[string]bool) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			for _, a := range s.Arguments {
				v, err := a.Value.Value(vars)
				if err != nil {
					continue // validation reports it
				}
				checkListValue(a.Name, v, errs)
			}
			checkArgLists(s.SelectionSet, vars, errs, seen)
		case *ast.InlineFragment:
			checkArgLists(s.SelectionSet, vars, errs, seen)
		case *ast.FragmentSpread:
			if s.Definition == nil || seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			checkArgLists(s.Definition.SelectionSet, vars, errs, seen)
		}
	}
}

// checkListValue reports each list in v (an argument's value, as decoded
// from the query or variables) longer than maxListItems.
func checkListValue(path string, v any, errs *validation.Error) {
	switch v := v.(type) {
	case []any:
		if len(v) > maxListItems {
			errs.Add(path, fmt.Sprintf("must have at most %d items (has %d)", maxListItems, len(v)))
			return
		}
		for i, item := range v {
			checkListValue(path+"."+strconv.Itoa(i), item, errs)
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			checkListValue(path+"."+k, v[k], errs)
		}
	}
}
