package graph_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/graph"
	"github.com/alertdesk/alertdesk/internal/apptest"
)

// A body that is not a GraphQL request in JSON gets a 400 that says what
// is wrong in a line and never quotes the body back, however large; the
// unusual bodies gqlgen does decode are still served.
func TestUndecodableBody(t *testing.T) {
	e := apptest.New(t, "sqlite3")
	filler := strings.Repeat("SECRET-ECHO ", 80_000) // about 1 MB
	for _, tc := range []struct{ name, body string }{
		{"not JSON", `{"query": "{ me { id } }", "x": ` + filler},
		{"truncated", `{"query": "` + filler},
		{"query a number", `{"query": 5, "x": "` + filler + `"}`},
		{"variables a string", `{"query": "{ me { id } }", "variables": "` + filler + `"}`},
		{"an array", `["` + filler + `"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.PostGraphQL(e.Demo.AdminToken, []byte(tc.body))
			if r.Status != http.StatusBadRequest {
				t.Errorf("status %d, want 400", r.Status)
			}
			refusedBeforeRunning(t, r, graph.CodeBadUserInput)
			if strings.Contains(string(r.Raw), "SECRET-ECHO") || len(r.Raw) > 1000 {
				t.Errorf("the answer quotes the body (%d bytes): %.300s", len(r.Raw), r.Raw)
			}
			if !strings.HasPrefix(r.Errors[0].Message, "the request body is not a GraphQL request in JSON: ") {
				t.Errorf("message: %s", r.Errors[0].Message)
			}
		})
	}
	for _, body := range []string{
		`{"\u0071uery": "{ me { id } }"}`,
		`{"QUERY": "{ me { id } }", "variables": null} `,
		`{"query": "{ me { id } }"} trailing`,
	} {
		e.PostGraphQL(e.Demo.AdminToken, []byte(body)).Must(nil)
	}
}
