package model

import (
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// MarshalTime writes an RFC 3339 timestamp.
func MarshalTime(t time.Time) graphql.Marshaler {
	if t.IsZero() {
		return graphql.Null
	}
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.Format(time.RFC3339Nano)))
	})
}

// UnmarshalTime reads an RFC 3339 timestamp. Its error is a client error
// (a gqlerror), so the API shows it instead of "internal error".
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, gqlerror.Errorf("Time must be an RFC 3339 string such as 2026-06-12T10:00:00Z")
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, gqlerror.Errorf("Time %q is not RFC 3339 (such as 2026-06-12T10:00:00Z)", s)
	}
	return t, nil
}
