package graph

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

func TestPresentErrorHidesResolverErrors(t *testing.T) {
	present := presentError(slog.New(slog.NewTextHandler(io.Discard, nil)))
	path := ast.Path{ast.PathName("pollNow")}
	cases := []struct {
		name     string
		err      error
		wantMsg  string
		wantCode any
	}{
		{"raw resolver error wrapped by gqlgen",
			gqlerror.WrapPath(path, errors.New(`enqueue: task already exists in queue "{alertdesk}"`)),
			"internal error", CodeInternal},
		{"raw message never leaks", gqlerror.WrapPath(path, errors.New("pq: relation tickets")), "internal error", CodeInternal},
		{"gqlgen's own client error", gqlerror.Errorf("Time %q is not RFC 3339", "yesterday"),
			`Time "yesterday" is not RFC 3339`, nil},
		{"client error wrapped on a path", gqlerror.WrapPath(path, gqlerror.Errorf("JSON scalar: bad")),
			"JSON scalar: bad", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := present(context.Background(), c.err)
			if !strings.HasSuffix(got.Message, c.wantMsg) || got.Extensions["code"] != c.wantCode {
				t.Errorf("presented %q %v, want %q %v", got.Message, got.Extensions["code"], c.wantMsg, c.wantCode)
			}
		})
	}
}
