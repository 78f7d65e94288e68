// Package lenient parses the loosely typed values RMMs send: epoch times
// in seconds or milliseconds as exact decimal text, ISO-8601 and Python
// datetimes, and bodies with a byte order mark.
package lenient

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
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
	// Every layout has a colon; refusing early spares six parse errors
	// (each allocated) for epoch times, which Time tries after ISO.
	if !strings.Contains(s, ":") {
		return time.Time{}, fmt.Errorf("invalid time %.40q", s)
	}
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

// Time reads an ISO-8601 time, Python's str(datetime), or epoch seconds
// (milliseconds above 1e12) as decimal text, in UTC. Years outside
// 1970–9999 are refused: such a value is garbage, and years past 9999
// would not even marshal back to JSON.
func Time(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("missing")
	}
	t, err := ISO(s)
	if c := s[0]; err != nil && (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')) && !strings.ContainsAny(s, ":T") {
		t, err = Epoch(s)
	}
	if err != nil {
		return time.Time{}, err
	}
	if t.Year() < 1970 || t.Year() > 9999 {
		return time.Time{}, fmt.Errorf("time %.40q out of range", s)
	}
	return t, nil
}

// RawJSON copies a valid JSON document for Event.Raw, so the event does not
// alias the caller's buffer. Invalid UTF-8, which JSON columns reject, is
// re-encoded with U+FFFD; valid payloads are kept byte for byte, and what
// does not decode at all is kept as a JSON string.
func RawJSON(b []byte) json.RawMessage {
	if utf8.Valid(b) {
		return bytes.Clone(b)
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if d.Decode(&v) == nil {
		if out, err := json.Marshal(v); err == nil {
			return out
		}
	}
	return JSONString(string(b))
}

// JSONString encodes s as a JSON string literal, keeping <, > and & as is;
// invalid UTF-8 becomes U+FFFD so the result is always valid JSON.
func JSONString(s string) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return json.RawMessage(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}
