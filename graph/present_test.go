package graph

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
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
		{"deadlock after the retries", gqlerror.WrapPath(path, fmt.Errorf("desk: close: %w", &pgconn.PgError{Code: "40P01"})),
			"the database is busy or unavailable: try again", CodeUnavailable},
		{"lock timeout", gqlerror.WrapPath(path, &pgconn.PgError{Code: "55P03", Message: "canceling statement due to lock timeout"}),
			"the database is busy or unavailable: try again", CodeUnavailable},
		{"deadline", gqlerror.WrapPath(path, fmt.Errorf("store: begin transaction: %w", context.DeadlineExceeded)),
			"the database is busy or unavailable: try again", CodeUnavailable},
		{"a constraint is no transient failure", gqlerror.WrapPath(path, &pgconn.PgError{Code: "23505"}),
			"internal error", CodeInternal},
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
