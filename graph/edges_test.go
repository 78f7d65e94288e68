package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/apitoken"
	"github.com/alertdesk/alertdesk/graph"
	"github.com/alertdesk/alertdesk/internal/apptest"
)

// aliases repeats a selection under n aliases: { a0: sel a1: sel … }.
func aliases(n int, sel string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := range n {
		fmt.Fprintf(&b, " a%d: %s", i, sel)
	}
	b.WriteString(" }")
	return b.String()
}

// refusedBeforeRunning fails unless r is refused with code and carries no
// data: the operation never ran, so none of its statements did.
func refusedBeforeRunning(t *testing.T, r apptest.GQLResponse, code string) {
	t.Helper()
	r.WantCode(code)
	if len(r.Data) > 0 && string(r.Data) != "null" {
		t.Errorf("refused operation has data %.200s", r.Data)
	}
}

// Thousands of aliases of a cheap-looking count are refused at once,
// before any count runs; a few hundred are refused by complexity, which
// charges each list and count as the statement it is; and what gets
// through is bounded by the statement budget.
func TestAliasAmplification(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		e.Post(ninja, ninjaTrigger(t, nil))

		start := time.Now()
		r := e.Admin(aliases(4999, "alerts(first: 1) { totalCount }"), nil)
		took := time.Since(start)
		t.Logf("4,999 aliases refused in %v", took)
		refusedBeforeRunning(t, r, graph.CodeDocumentTooLarge)
		if !strings.Contains(r.Errors[0].Message, "exceeds the limit") {
			t.Errorf("message: %s", r.Errors[0].Message)
		}
		// 4,999 counts took 19.8 s on a production database; being refused
		// takes milliseconds. The bound is generous for a loaded machine.
		if took > 5*time.Second {
			t.Errorf("refusing took %v", took)
		}

		refusedBeforeRunning(t, e.Admin(aliases(300, "alerts(first: 1) { totalCount }"), nil), "COMPLEXITY_LIMIT_EXCEEDED")
		refusedBeforeRunning(t, e.Admin(aliases(300, "users { id }"), nil), "COMPLEXITY_LIMIT_EXCEEDED")
		refusedBeforeRunning(t, e.Admin(aliases(400, `alert(id: "1") { id }`), nil), "COMPLEXITY_LIMIT_EXCEEDED")

		// 150 pages with counts fit the complexity limit (7,500) but need
		// 300 statements, past the budget of 200: refused before the first
		// one runs, not after 200 of them.
		r = e.Admin(aliases(150, "alerts(first: 1) { totalCount }"), nil)
		refusedBeforeRunning(t, r, graph.CodeStatementLimit)
		if !strings.Contains(r.Errors[0].Message, "at least 300 database statements, which exceeds the limit of 200") {
			t.Errorf("message: %s", r.Errors[0].Message)
		}
		// Fragments and inline fragments are counted where they are spread.
		frag := "fragment C on AlertConnection { totalCount } " +
			aliases(101, "alerts(first: 1) { ...C ... on AlertConnection { nodes { id } } }")
		r = e.Admin(frag, nil)
		refusedBeforeRunning(t, r, graph.CodeStatementLimit)
		if !strings.Contains(r.Errors[0].Message, "at least 202 database statements") {
			t.Errorf("message: %s", r.Errors[0].Message)
		}
		// A dozen counts are fine.
		var few map[string]struct{ TotalCount int }
		e.Admin(aliases(12, "alerts(first: 1) { totalCount }"), nil).Must(&few)
		if len(few) != 12 || few["a11"].TotalCount != 1 {
			t.Errorf("12 counts: %v", few)
		}
	})
}

// The statement budget is a setting; a response within it is untouched.
func TestStatementBudget(t *testing.T) {
	e := apptest.New(t, "sqlite3")
	h := graph.NewHandler(graph.Deps{Store: e.Store, Pipeline: e.Pipeline, Desk: e.Desk,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxStatements: 3})
	api := withServer(t, e, h)
	api.Admin(`{ me { id } boards { id } }`, nil).Must(nil)
	// Five top-level fields are five statements at least: refused unrun.
	r := api.Admin(`{ me { id } boards { id } priorities { id } users { id } integrations { id } }`, nil)
	refusedBeforeRunning(t, r, graph.CodeStatementLimit)
	if !strings.Contains(string(r.Raw), "at least 5 database statements, which exceeds the limit of 3") {
		t.Errorf("response %s", r.Raw)
	}
	// Nested relations are left to the budget, which stops them as they run.
	r = api.Admin(`{ boards { id statuses { id } } integrations { id rules { id } } }`, nil)
	r.WantCode(graph.CodeStatementLimit)
	if !strings.Contains(string(r.Raw), "more than 3 database statements") {
		t.Errorf("response %s", r.Raw)
	}
	// Each request has its own budget.
	api.Admin(`{ me { id } boards { id } }`, nil).Must(nil)
}

// limitedAPI serves an API handler of its own on e's store with limit,
// with its own client of the one Redis, as a replica is.
func limitedAPI(t *testing.T, e *apptest.Env, limit graph.RateLimit) *apptest.Env {
	return withServer(t, e, graph.NewHandler(graph.Deps{Store: e.Store, Pipeline: e.Pipeline, Desk: e.Desk,
		Redis: apptest.Redis(t), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), RateLimit: limit}))
}

func withServer(t *testing.T, e *apptest.Env, h http.Handler) *apptest.Env {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	api := *e
	api.HTTP = srv
	return &api
}

// A token over its rate is refused with 429, RATE_LIMITED and
// Retry-After, by either of two API handlers sharing one Redis, while
// another token goes on.
func TestRateLimitPerToken(t *testing.T) {
	e := apptest.New(t, "sqlite3")
	// One request a minute after a burst of 3: the test cannot outrun the
	// refill.
	limit := graph.RateLimit{PerMinute: 1, Burst: 3}
	a, b := limitedAPI(t, e, limit), limitedAPI(t, e, limit)
	other := technician(e)

	for i, api := range []*apptest.Env{a, b, a} {
		if r := api.Admin(`{ me { id } }`, nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
			t.Fatalf("request %d within the burst: %d %s", i+1, r.Status, r.Raw)
		}
	}
	for _, api := range []*apptest.Env{b, a} {
		req, _ := http.NewRequest(http.MethodPost, api.HTTP.URL+"/graphql", strings.NewReader(`{"query":"{ me { id } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.Demo.AdminToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("over the rate: %d %s", res.StatusCode, body)
		}
		secs, err := strconv.Atoi(res.Header.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 60 {
			t.Errorf("Retry-After %q", res.Header.Get("Retry-After"))
		}
		var out apptest.GQLResponse
		if err := json.Unmarshal(body, &out); err != nil || len(out.Errors) != 1 || out.Errors[0].Extensions.Code != graph.CodeRateLimited {
			t.Errorf("body %s", body)
		}
	}
	for _, api := range []*apptest.Env{a, b} {
		api.GraphQL(other, `{ me { id } }`, nil).Must(nil)
	}

	// The rate is checked before the token is looked up, so what a token
	// sends past it costs no statement: an unknown token is refused as
	// unknown within its burst, then as over its rate.
	unknown, _, err := apitoken.New()
	if err != nil {
		t.Fatal(err)
	}
	var statuses []int
	for range 4 {
		statuses = append(statuses, a.GraphQL(unknown, `{ me { id } }`, nil).Status)
	}
	if want := []int{401, 401, 401, 429}; !slices.Equal(statuses, want) {
		t.Errorf("unknown token answered %v, want %v", statuses, want)
	}
}

// A body over 1 MiB is refused with 413, declared or chunked.
func TestBodyTooLarge(t *testing.T) {
	e := apptest.New(t, "sqlite3")
	big := `{"query":"{ me { id } }","variables":{"pad":"` + strings.Repeat("x", 1<<20) + `"}}`
	for name, body := range map[string]io.Reader{
		"declared": strings.NewReader(big),
		"chunked":  io.MultiReader(strings.NewReader(big)), // no length: sent chunked
	} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, e.HTTP.URL+"/graphql", body)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+e.Demo.AdminToken)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusRequestEntityTooLarge || !bytes.Contains(raw, []byte(graph.CodePayloadTooLarge)) {
				t.Errorf("answered %d %.200s", res.StatusCode, raw)
			}
		})
	}
	// Just under the limit is read as usual.
	pad := strings.Repeat("x", (1<<20)-200)
	e.Admin(`{ me { id } }`, apptest.Vars("pad", pad)).Must(nil)
}

// List arguments are bounded with field errors, on both databases: 100,000
// ids to mark read, rules to reorder, lists inside rule JSON.
func TestListArgumentsBounded(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		ids := make([]string, 100_000)
		for i := range ids {
			ids[i] = strconv.Itoa(i + 1)
		}
		r := e.Admin(`mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) }`, apptest.Vars("ids", ids))
		wantFields(t, r, "ids")
		if !strings.Contains(r.Errors[0].Message, "at most 1000 items (has 100000)") {
			t.Errorf("message: %s", r.Errors[0].Message)
		}
		// The bound itself is served, on SQLite's and PostgreSQL's
		// parameter limits alike.
		var read struct{ MarkNotificationsRead int }
		e.Admin(`mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) }`, apptest.Vars("ids", ids[:1000])).Must(&read)

		integration := apptest.ID(e.Integration(ninja).ID)
		wantFields(t, e.Admin(`mutation($i: ID!, $ids: [ID!]!) { reorderAlertRules(integrationId: $i, ruleIds: $ids) { id } }`,
			apptest.Vars("i", integration, "ids", ids[:1001])), "ruleIds")

		users := make([]int, 1001)
		for i := range users {
			users[i] = 1
		}
		wantFields(t, e.Admin(`mutation($in: CreateAlertRuleInput!) { createAlertRule(input: $in) { id } }`,
			apptest.Vars("in", map[string]any{"integrationId": integration, "name": "many",
				"actions": map[string]any{"notifyUserIds": users}})), "input.actions.notifyUserIds")
		// Inline, the argument's own name is the path.
		wantFields(t, e.Admin(`{ alerts(filter: {status: [`+strings.Repeat("ACTIVE ", 1001)+`]}) { totalCount } }`, nil),
			"filter.status")
	})
}

// The document is bounded before validation, whose cost grows with the
// square of spreads and fields: 3,000 spreads are refused in milliseconds,
// as are too many fragments, too deep a nesting, or too long a text. The
// playground's introspection query is well within.
func TestDocumentBounded(t *testing.T) {
	e := apptest.New(t, "sqlite3")
	spreads := "query { " + strings.Repeat("...F ", 3000) + "} fragment F on Query { me { id } }"
	start := time.Now()
	r := e.Admin(spreads, nil)
	took := time.Since(start)
	refusedBeforeRunning(t, r, graph.CodeDocumentTooLarge)
	if !strings.Contains(r.Errors[0].Message, "3000 fragment spreads") {
		t.Errorf("message: %s", r.Errors[0].Message)
	}
	// Validating them took 4.8 s of CPU; the bound is generous for a
	// loaded machine.
	if took > 2*time.Second {
		t.Errorf("refusing 3,000 spreads took %v", took)
	}

	var frags strings.Builder
	frags.WriteString("query { me { id } }")
	for i := range 60 {
		fmt.Fprintf(&frags, " fragment F%d on Query { me { id } }", i)
	}
	refusedBeforeRunning(t, e.Admin(frags.String(), nil), graph.CodeDocumentTooLarge)

	deep := "query { " + strings.Repeat("... on Query { ", 40) + "me { id }" + strings.Repeat(" }", 40) + " }"
	refusedBeforeRunning(t, e.Admin(deep, nil), graph.CodeDocumentTooLarge)

	// Measured in the body, before it is decoded: 413. The length is the
	// decoded document's, so a document of escapes that fits is served.
	long := "query { me { id } } # " + strings.Repeat("x", 70_000)
	r = e.Admin(long, nil)
	refusedBeforeRunning(t, r, graph.CodeDocumentTooLarge)
	if r.Status != http.StatusRequestEntityTooLarge || !strings.Contains(r.Errors[0].Message, "70022 bytes") {
		t.Errorf("long document: %d %s", r.Status, r.Raw)
	}
	escaped := "query { me { id } } # " + strings.Repeat("<", 20_000) // \u003c in the body
	if r := e.Admin(escaped, nil); r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Errorf("document of 20 kB in a body of 120 kB: %d %.300s", r.Status, r.Raw)
	}

	refusedBeforeRunning(t, e.Admin(aliases(1001, "me { id }"), nil), graph.CodeDocumentTooLarge)

	e.Admin(introspectionQuery, nil).Must(nil)
}

// introspectionQuery is GraphiQL's.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`
