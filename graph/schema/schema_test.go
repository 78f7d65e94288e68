package schema_test

import (
	"os"
	"testing"

	"github.com/alertdesk/alertdesk/graph/schema"
)

// The checked-in schema.graphql is the schema the binary serves.
func TestCheckedInSchema(t *testing.T) {
	got, err := os.ReadFile("../../schema.graphql")
	if err != nil {
		t.Fatal(err)
	}
	sdl, err := schema.SDL()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != schema.Header+sdl {
		t.Error("schema.graphql is stale: run go generate ./graph/schema/")
	}
}
