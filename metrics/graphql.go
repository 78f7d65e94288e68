package metrics

import (
	"context"
	"regexp"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Bounds of the GraphQL labels: operation names are the client's choice,
// so a name that is long, oddly spelt or past the first maxOperations
// seen is "other"; an operation without one is "anonymous".
const (
	maxOperationName = 64
	maxOperations    = 200
	maxErrorCode     = 48
)

// GraphQL is a gqlgen extension counting operations by name and type,
// timing queries and mutations, and counting response errors by their
// extensions.code. Subscriptions count each event they send.
type GraphQL struct{}

var (
	_ graphql.HandlerExtension    = GraphQL{}
	_ graphql.ResponseInterceptor = GraphQL{}
)

// ExtensionName implements graphql.HandlerExtension.
func (GraphQL) ExtensionName() string { return "Metrics" }

// Validate implements graphql.HandlerExtension.
func (GraphQL) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse implements graphql.ResponseInterceptor. It also sees
// the responses of documents that failed to parse or validate.
func (GraphQL) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	start := time.Now()
	resp := next(ctx)
	if resp == nil { // end of a subscription's stream
		return nil
	}
	name, typ := "anonymous", "invalid"
	if graphql.HasOperationContext(ctx) {
		oc := graphql.GetOperationContext(ctx)
		n := oc.OperationName
		switch {
		case oc.Operation != nil:
			typ = string(oc.Operation.Operation)
			if n == "" {
				n = oc.Operation.Name
			}
		case n == "":
			// The document did not parse or validate: its first
			// operation's name, read off its beginning.
			n = leadingName(oc.RawQuery)
		}
		name = operationLabel(n)
	}
	result := "ok"
	if len(resp.Errors) > 0 {
		result = "error"
	}
	GraphQLOperations.WithLabelValues(name, typ, result).Inc()
	if typ != string(ast.Subscription) {
		GraphQLDuration.WithLabelValues(name, typ).Observe(time.Since(start).Seconds())
	}
	for _, e := range resp.Errors {
		code, _ := e.Extensions["code"].(string)
		GraphQLErrors.WithLabelValues(name, codeLabel(code)).Inc()
	}
	return resp
}

// leadingOperation matches the name of an operation at the start of a
// document (whitespace and commas are insignificant in GraphQL).
var leadingOperation = regexp.MustCompile(`^[\s,]*(?:query|mutation|subscription)[\s,]+([_A-Za-z][_0-9A-Za-z]*)`)

// leadingName is the name of the operation doc starts with, "" if none;
// it reads at most the first 200 bytes.
func leadingName(doc string) string {
	if len(doc) > 200 {
		doc = doc[:200]
	}
	if m := leadingOperation.FindStringSubmatch(doc); m != nil {
		return m[1]
	}
	return ""
}

// operations are the operation names given a label of their own.
var operations = struct {
	sync.RWMutex
	seen map[string]bool
}{seen: map[string]bool{}}

// operationLabel is name bounded: "anonymous" when empty, "other" when
// not a plain GraphQL name of at most maxOperationName characters or
// past the first maxOperations names.
func operationLabel(name string) string {
	if name == "" {
		return "anonymous"
	}
	if len(name) > maxOperationName || !plainName(name) {
		return "other"
	}
	operations.RLock()
	seen := operations.seen[name]
	operations.RUnlock()
	if seen {
		return name
	}
	operations.Lock()
	defer operations.Unlock()
	if operations.seen[name] || len(operations.seen) < maxOperations {
		operations.seen[name] = true
		return name
	}
	return "other"
}

// codeLabel bounds an error code: "NONE" when missing, "OTHER" when not
// an upper-case code.
func codeLabel(code string) string {
	if code == "" {
		return "NONE"
	}
	if len(code) > maxErrorCode {
		return "OTHER"
	}
	for _, c := range code {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' {
			return "OTHER"
		}
	}
	return code
}

// plainName reports whether s is a GraphQL name: [_A-Za-z][_0-9A-Za-z]*.
func plainName(s string) bool {
	for i, c := range s {
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
