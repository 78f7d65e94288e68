package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestSchema: `alertdesk schema` prints every schema file, and the whole
// is one valid schema with the API's root types.
func TestSchema(t *testing.T) {
	out, _, err := execute(t, "schema")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../../graph/schema/*.graphqls")
	if len(files) < 10 {
		t.Fatalf("found %d schema files", len(files))
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, strings.TrimSpace(string(src))) {
			t.Errorf("%s is missing from the output", filepath.Base(f))
		}
	}
	s, gerr := gqlparser.LoadSchema(&ast.Source{Name: "schema", Input: out})
	if gerr != nil {
		t.Fatalf("the output is no valid schema: %v", gerr)
	}
	for _, root := range []*ast.Definition{s.Query, s.Mutation, s.Subscription} {
		if root == nil || len(root.Fields) == 0 {
			t.Fatalf("a root type is missing or empty")
		}
	}
	if s.Types["Ticket"] == nil || s.Mutation.Fields.ForName("createApiToken") == nil {
		t.Error("Ticket or createApiToken is missing")
	}
}
