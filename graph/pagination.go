package graph

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/validation"
)

// pageSize validates `first`.
func pageSize(first *int) (int, error) {
	if first == nil {
		return defaultPageSize, nil
	}
	if *first < 1 || *first > maxPageSize {
		return 0, fieldError("first", fmt.Sprintf("must be between 1 and %d", maxPageSize))
	}
	return *first, nil
}

// Cursors are opaque to clients: base64 of "<kind>:<fields>".

func idCursor(kind string, id int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.Itoa(id)))
}

func parseIDCursor(kind string, after *string) (int, bool, error) {
	if after == nil || *after == "" {
		return 0, false, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*after)
	rest, ok := strings.CutPrefix(string(b), kind+":")
	id, perr := strconv.Atoi(rest)
	if err != nil || !ok || perr != nil || id <= 0 {
		return 0, false, badCursor()
	}
	return id, true, nil
}

// timeCursor orders by a time, then id (both descending).
func timeCursor(kind string, t time.Time, id int) string {
	s := kind + ":" + strconv.FormatInt(t.UnixNano(), 10) + ":" + strconv.Itoa(id)
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

func parseTimeCursor(kind string, after *string) (time.Time, int, bool, error) {
	if after == nil || *after == "" {
		return time.Time{}, 0, false, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*after)
	rest, ok := strings.CutPrefix(string(b), kind+":")
	ts, idStr, ok2 := strings.Cut(rest, ":")
	nanos, terr := strconv.ParseInt(ts, 10, 64)
	id, ierr := strconv.Atoi(idStr)
	if err != nil || !ok || !ok2 || terr != nil || ierr != nil || id <= 0 {
		return time.Time{}, 0, false, badCursor()
	}
	return time.Unix(0, nanos).UTC(), id, true, nil
}

func badCursor() *validation.Error { return fieldError("after", "is not a cursor of this list") }
