package graph

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// Bounds of an operation's text, checked on a parse alone before gqlgen
// validates it: validation (overlapping fields in particular) costs the
// square of the selections and fragment spreads, so a few thousand of them
// would cost seconds of CPU before any limit on the validated operation
// could refuse them.
const (
	maxDocumentBytes      = 64 << 10
	maxDocumentTokens     = 20_000
	maxDocumentFragments  = 50
	maxDocumentSpreads    = 200
	maxDocumentSelections = 1_000
	maxDocumentNesting    = 30
)

// CodeDocumentTooLarge is the code of an operation refused by its size
// before validation.
const CodeDocumentTooLarge = "DOCUMENT_TOO_LARGE"

// documentLimit refuses an operation whose text exceeds the bounds above.
// A document in known passed them when it was first sent.
type documentLimit struct{ known *queryCache }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = documentLimit{}

func (documentLimit) ExtensionName() string { return "DocumentLimit" }

func (documentLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (l documentLimit) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	if l.known != nil && l.known.has(p.Query) {
		return nil
	}
	if msg := checkDocument(p.Query); msg != "" {
		err := gqlerror.Errorf("%s", msg)
		err.Extensions = map[string]any{"code": CodeDocumentTooLarge}
		return err
	}
	return nil
}

// checkDocument says how query exceeds the bounds, or "" when it does not.
// A document that does not parse is left to gqlgen, which reports it.
func checkDocument(query string) string {
	if n := len(query); n > maxDocumentBytes {
		return documentBytesMessage(n)
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, maxDocumentTokens)
	if err != nil {
		if e, ok := err.(*gqlerror.Error); ok && isTokenLimit(e) {
			return fmt.Sprintf("the document has more than %d tokens", maxDocumentTokens)
		}
		return ""
	}
	var c docCounts
	for _, op := range doc.Operations {
		c.walk(op.SelectionSet, 1)
	}
	for _, f := range doc.Fragments {
		c.walk(f.SelectionSet, 1)
	}
	switch {
	case len(doc.Fragments) > maxDocumentFragments:
		return fmt.Sprintf("the document defines %d fragments, which exceeds the limit of %d", len(doc.Fragments), maxDocumentFragments)
	case c.spreads > maxDocumentSpreads:
		return fmt.Sprintf("the document has %d fragment spreads, which exceeds the limit of %d", c.spreads, maxDocumentSpreads)
	case c.selections > maxDocumentSelections:
		return fmt.Sprintf("the document selects %d fields, which exceeds the limit of %d", c.selections, maxDocumentSelections)
	case c.nesting > maxDocumentNesting:
		return fmt.Sprintf("the document nests selections %d deep, which exceeds the limit of %d", c.nesting, maxDocumentNesting)
	}
	return ""
}

func documentBytesMessage(n int) string {
	return fmt.Sprintf("the document has %d bytes, which exceeds the limit of %d", n, maxDocumentBytes)
}

func isTokenLimit(e *gqlerror.Error) bool {
	return strings.HasPrefix(e.Message, "exceeded token limit")
}

// docCounts are what the text of a document holds, fragments counted where
// they are defined (not expanded: that is validation's work).
type docCounts struct {
	spreads, selections, nesting int
}

func (c *docCounts) walk(set ast.SelectionSet, depth int) {
	if len(set) > 0 {
		c.nesting = max(c.nesting, depth)
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			c.selections++
			c.walk(s.SelectionSet, depth+1)
		case *ast.InlineFragment:
			c.walk(s.SelectionSet, depth+1)
		case *ast.FragmentSpread:
			c.spreads++
		}
	}
}
