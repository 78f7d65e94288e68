package apptest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/validation"
)

// GQLError is one GraphQL error.
type GQLError struct {
	Message    string `json:"message"`
	Path       []any  `json:"path"`
	Extensions struct {
		Code   string                  `json:"code"`
		Fields []validation.FieldError `json:"fields"`
	} `json:"extensions"`
}

// GQLResponse is a GraphQL answer.
type GQLResponse struct {
	T      testing.TB      `json:"-"`
	Status int             `json:"-"`
	Raw    []byte          `json:"-"`
	Data   json.RawMessage `json:"data"`
	Errors []GQLError      `json:"errors"`
}

// GraphQL posts a query with a bearer token ("" sends none).
func (e *Env) GraphQL(token, query string, vars map[string]any) GQLResponse {
	e.T.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		e.T.Fatal(err)
	}
	return e.PostGraphQL(token, body)
}

// PostGraphQL posts body, as it is, to /graphql as JSON with a bearer
// token ("" sends none).
func (e *Env) PostGraphQL(token string, body []byte) GQLResponse {
	e.T.Helper()
	req, err := http.NewRequestWithContext(e.Ctx, http.MethodPost, e.HTTP.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		e.T.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatalf("post graphql: %v", err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := GQLResponse{T: e.T, Status: res.StatusCode, Raw: raw}
	if err := json.Unmarshal(raw, &out); err != nil {
		e.T.Fatalf("graphql answered %d with non-JSON %q", res.StatusCode, raw)
	}
	return out
}

// Admin runs a query as the demo admin.
func (e *Env) Admin(query string, vars map[string]any) GQLResponse {
	e.T.Helper()
	return e.GraphQL(e.Demo.AdminToken, query, vars)
}

// Must decodes data into v (if not nil) and fails the test on any error.
func (r GQLResponse) Must(v any) GQLResponse {
	r.T.Helper()
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		r.T.Fatalf("graphql failed (%d): %s", r.Status, r.Raw)
	}
	if v != nil {
		if err := json.Unmarshal(r.Data, v); err != nil {
			r.T.Fatalf("decode %s: %v", r.Data, err)
		}
	}
	return r
}

// Code is the first error's extensions.code, "" without errors.
func (r GQLResponse) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Extensions.Code
}

// Fields lists the field paths of the first error's validation problems.
func (r GQLResponse) Fields() []string {
	if len(r.Errors) == 0 {
		return nil
	}
	var out []string
	for _, f := range r.Errors[0].Extensions.Fields {
		out = append(out, f.Field)
	}
	return out
}

// WantCode fails unless the first error has code.
func (r GQLResponse) WantCode(code string) GQLResponse {
	r.T.Helper()
	if got := r.Code(); got != code {
		r.T.Fatalf("error code = %q, want %q; response %s", got, code, r.Raw)
	}
	return r
}

// NewToken creates a user of the tenant with the role and returns a token
// for it.
func (e *Env) NewToken(tenantID int, email string, role user.Role) (token string, userID int) {
	e.T.Helper()
	u, err := e.DB.User.Create().SetTenantID(tenantID).SetEmail(email).SetRole(role).Save(e.Ctx)
	if err != nil {
		e.T.Fatalf("create user: %v", err)
	}
	token, _, err = auth.Issue(e.Ctx, e.DB, tenantID, u.ID, "test")
	if err != nil {
		e.T.Fatalf("issue token: %v", err)
	}
	return token, u.ID
}

// ID renders an id variable.
func ID(id int) string { return fmt.Sprint(id) }

// Vars builds variables from alternating names and values.
func Vars(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[strings.TrimPrefix(fmt.Sprint(kv[i]), "$")] = kv[i+1]
	}
	return m
}
