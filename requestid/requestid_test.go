package requestid_test

import (
	"context"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/requestid"
)

func TestValid(t *testing.T) {
	cases := []struct {
		id   string
		want bool
	}{
		{"abc-123", true},
		{"0f8fad5b-d9cb-469f-a165-70867728950e", true},
		{strings.Repeat("a", requestid.MaxLen), true},
		{strings.Repeat("a", requestid.MaxLen+1), false},
		{"", false},
		{"has space", false},
		{"line\nbreak", false},
		{"tab\there", false},
		{"quote\"ok", true},
		{"é", false},
		{"nul\x00", false},
		{"del\x7f", false},
	}
	for _, c := range cases {
		if got := requestid.Valid(c.id); got != c.want {
			t.Errorf("Valid(%q) = %v, want %v", c.id, got, c.want)
		}
	}
}

func TestOr(t *testing.T) {
	if got := requestid.Or("kept-1"); got != "kept-1" {
		t.Errorf("Or(valid) = %q", got)
	}
	made := requestid.Or("bad id")
	if made == "bad id" || !requestid.Valid(made) || len(made) != 32 {
		t.Errorf("Or(invalid) = %q, want a new 32-character id", made)
	}
	if requestid.New() == requestid.New() {
		t.Error("New repeats itself")
	}
}

func TestContext(t *testing.T) {
	ctx := context.Background()
	if got := requestid.From(ctx); got != "" {
		t.Errorf("From(empty) = %q", got)
	}
	if got := requestid.From(requestid.With(ctx, "r1")); got != "r1" {
		t.Errorf("From(With(r1)) = %q", got)
	}
}
