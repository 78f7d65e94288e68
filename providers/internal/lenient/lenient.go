// Package lenient parses the loosely typed values RMMs send: epoch times
// in seconds or milliseconds as exact decimal text, ISO-8601 and Python
// datetimes, and bodies with a byte order mark.
package lenient

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// maxEpochMillis bounds accepted epochs (year ~33000) so arithmetic cannot
// overflow; values above 1e12 are milliseconds.
const maxEpochMillis = 1e15

// Epoch parses decimal text exactly (a float64 would turn .556 into
// .555999994) and falls back to floats for exponent notation.
func Epoch(s string) (time.Time, error) {
	intPart, frac, hasFrac := strings.Cut(s, ".")
	if hasFrac && frac == "" {
		hasFrac = false
	}
	sec, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil || (hasFrac && strings.Trim(frac, "0123456789") != "") {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return time.Time{}, fmt.Errorf("invalid time %.40q", s)
		}
		if f <= 0 || f >= maxEpochMillis {
			return time.Time{}, fmt.Errorf("time %.40q out of range", s)
		}
		if f > 1e12 {
			f /= 1000
		}
		whole := math.Floor(f)
		return time.Unix(int64(whole), int64(math.Round((f-whole)*1e6))*1e3).UTC(), nil
	}
	if sec <= 0 || sec >= maxEpochMillis {
		return time.Time{}, fmt.Errorf("time %.40q out of range", s)
	}
	frac = (frac + "000000000")[:9] // nanoseconds of one unit
	fracNs, _ := strconv.ParseInt(frac, 10, 64)
	if sec > 1e12 { // milliseconds
		return time.Unix(sec/1000, (sec%1000)*1e6+fracNs/1000).UTC(), nil
	}
	return time.Unix(sec, fracNs).UTC(), nil
}

// isoLayouts accept an optional fraction (time.Parse always does) and a
// missing zone, which is taken as UTC.
var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05Z0700",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
}

// ISO parses an ISO-8601 (or Python str(datetime)) time in UTC.
func ISO(s string) (time.Time, error) {
	for _, layout := range isoLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid time %.40q", s)
}

// TrimBody drops surrounding whitespace and a UTF-8 byte order mark.
func TrimBody(b []byte) []byte {
	return bytes.TrimSpace(bytes.TrimPrefix(bytes.TrimSpace(b), []byte("\xef\xbb\xbf")))
}
