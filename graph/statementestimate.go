package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// statementEstimate refuses, before any resolver runs, an operation whose
// fields alone need more statements than the response's budget: each
// top-level field (each alias) reads with its own statement and each
// totalCount is a COUNT. The budget would stop such a request too, but
// only after it had run that many statements on the shared pool; this
// answers at once. Nested relations are batched per page and left to the
// budget.
type statementEstimate struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = statementEstimate{}

func (statementEstimate) ExtensionName() string { return "StatementEstimate" }

func (statementEstimate) Validate(graphql.ExecutableSchema) error { return nil }

func (e statementEstimate) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || e.max <= 0 {
		return nil
	}
	if n := countStatements(oc.Operation.SelectionSet, 1, map[string]bool{}); n > e.max {
		err := gqlerror.Errorf("the request needs at least %d database statements, which exceeds the limit of %d; select fewer lists, counts or aliases", n, e.max)
		err.Extensions = map[string]any{"code": CodeStatementLimit}
		return err
	}
	return nil
}

// countStatements is the lower bound of statements set needs at depth
// (1 for the operation's own fields).
func countStatements(set ast.SelectionSet, depth int, visiting map[string]bool) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			switch {
			case strings.HasPrefix(s.Name, "__"):
				continue
			case depth == 1, s.Name == "totalCount", s.Name == "totalCountIsEstimate":
				n++
			}
			n += countStatements(s.SelectionSet, depth+1, visiting)
		case *ast.InlineFragment:
			n += countStatements(s.SelectionSet, depth, visiting)
		case *ast.FragmentSpread:
			if s.Definition == nil || visiting[s.Name] {
				continue
			}
			visiting[s.Name] = true
			n += countStatements(s.Definition.SelectionSet, depth, visiting)
			delete(visiting, s.Name)
		}
	}
	return n
}
