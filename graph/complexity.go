package graph

import (
	"context"
	"math"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodeComplexityLimit is the code of an operation refused for its
// complexity (gqlgen's).
const CodeComplexityLimit = "COMPLEXITY_LIMIT_EXCEEDED"

// complexityLimit refuses an operation whose complexity exceeds limit, and
// records it where gqlgen's ComplexityLimit does, for costLimit and the
// metrics. It adds up the schema's complexity functions (setComplexity)
// as gqlgen does, with one difference: a page's size multiplies what it
// has once per item (edges, nodes), not what it has once per page
// (totalCount, pageInfo). gqlgen multiplied a page's total count by its
// size, so a page of 100 alerts with its count cost 2,500 points for one
// COUNT statement.
type complexityLimit struct {
	limit int
	es    graphql.ExecutableSchema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = (*complexityLimit)(nil)

func (*complexityLimit) ExtensionName() string { return extension.ComplexityLimit{}.ExtensionName() }

func (c *complexityLimit) Validate(es graphql.ExecutableSchema) error {
	c.es = es
	return nil
}

func (c *complexityLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil // gqlgen reports the missing operation
	}
	w := complexityWalker{es: c.es, schema: c.es.Schema(), vars: oc.Variables}
	n := w.selections(ctx, oc.Operation.SelectionSet)
	oc.Stats.SetExtension(c.ExtensionName(), &extension.ComplexityStats{Complexity: n, ComplexityLimit: c.limit})
	if n > c.limit {
		err := gqlerror.Errorf("operation has complexity %d, which exceeds the limit of %d", n, c.limit)
		errcode.Set(err, CodeComplexityLimit)
		return err
	}
	return nil
}

type complexityWalker struct {
	es     graphql.ExecutableSchema
	schema *ast.Schema
	vars   map[string]any
}

func (w complexityWalker) selections(ctx context.Context, set ast.SelectionSet) int {
	var n int
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			n = addComplexity(n, w.field(ctx, s))
		case *ast.FragmentSpread:
			n = addComplexity(n, w.selections(ctx, s.Definition.SelectionSet))
		case *ast.InlineFragment:
			n = addComplexity(n, w.selections(ctx, s.SelectionSet))
		}
	}
	return n
}

// field is a field's complexity: its own complexity function given its
// children's, or 1 more than they are, plus a page's once-per-page
// children.
func (w complexityWalker) field(ctx context.Context, f *ast.Field) int {
	typ := w.schema.Types[f.Definition.Type.Name()]
	if typ == nil || typ.Name == "__Schema" {
		return 0
	}
	var child, perPage int
	switch {
	case typ.Kind != ast.Object && typ.Kind != ast.Interface && typ.Kind != ast.Union:
	case isConnection(typ):
		child, perPage = w.connection(ctx, f.SelectionSet)
	default:
		child = w.selections(ctx, f.SelectionSet)
	}
	own := addComplexity(1, child)
	if v, ok := w.es.Complexity(ctx, f.ObjectDefinition.Name, f.Name, child, f.ArgumentMap(w.vars)); ok && v >= 1 {
		own = v
	}
	return addComplexity(own, perPage)
}

// connection splits a page's selections into what each item costs and
// what the page costs once.
func (w complexityWalker) connection(ctx context.Context, set ast.SelectionSet) (perItem, perPage int) {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "edges" || s.Name == "nodes" {
				perItem = addComplexity(perItem, w.field(ctx, s))
			} else {
				perPage = addComplexity(perPage, w.field(ctx, s))
			}
		case *ast.FragmentSpread:
			i, p := w.connection(ctx, s.Definition.SelectionSet)
			perItem, perPage = addComplexity(perItem, i), addComplexity(perPage, p)
		case *ast.InlineFragment:
			i, p := w.connection(ctx, s.SelectionSet)
			perItem, perPage = addComplexity(perItem, i), addComplexity(perPage, p)
		}
	}
	return perItem, perPage
}

// isConnection says whether typ is a page of a list (AlertConnection and
// its kind): a type with edges and a total count.
func isConnection(typ *ast.Definition) bool {
	return typ.Fields.ForName("edges") != nil && typ.Fields.ForName("totalCount") != nil
}

// addComplexity adds without overflowing, so that no number of aliases
// wraps a sum below the limit.
func addComplexity(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}
