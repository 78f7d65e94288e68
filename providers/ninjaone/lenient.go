package ninjaone

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

// text is a scalar that NinjaOne may send as a string, a number or a bool
// (ids especially); null and absent both read as "".
type text string

// UnmarshalJSON keeps numbers as their literal text so ids never round.
func (t *text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return errors.New("empty value")
	}
	switch b[0] {
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = text(strings.TrimSpace(s))
	case 'n':
		*t = ""
	case '{', '[':
		return fmt.Errorf("expected a scalar, got %.20q", b)
	default: // number or bool
		*t = text(b)
	}
	return nil
}

// parseTime reads an epoch number (seconds, or milliseconds above 1e12) or an
// ISO-8601 string, as JSON number or string, and returns it in UTC.
func parseTime(raw json.RawMessage) (time.Time, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return time.Time{}, errors.New("missing")
	}
	s := string(raw)
	if raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			return time.Time{}, errors.New("missing")
		}
	}
	t, err := parseISO(s)
	if c := s[0]; err != nil && (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')) && !strings.ContainsAny(s, ":T") {
		t, err = parseEpoch(s)
	}
	if err != nil {
		return time.Time{}, err
	}
	// Outside this range the value is garbage, and years past 9999 would
	// not even marshal back to JSON.
	if t.Year() < 1970 || t.Year() > 9999 {
		return time.Time{}, fmt.Errorf("time %.40q out of range", s)
	}
	return t, nil
}

// maxEpochMillis bounds accepted epochs (year ~33000) so arithmetic cannot
// overflow; values above 1e12 are milliseconds.
const maxEpochMillis = 1e15

// parseEpoch parses decimal text exactly (a float64 would turn .556 into
// .555999994) and falls back to floats for exponent notation.
func parseEpoch(s string) (time.Time, error) {
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

func parseISO(s string) (time.Time, error) {
	for _, layout := range isoLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid time %.40q", s)
}

// firstNonEmpty returns the first non-empty value.
func firstNonEmpty(vals ...text) string {
	for _, v := range vals {
		if v != "" {
			return string(v)
		}
	}
	return ""
}

// setIf records v under k in m when v is non-empty.
func setIf(m map[string]string, k string, v text) {
	if v != "" {
		m[k] = string(v)
	}
}

// trimBody drops surrounding whitespace and a UTF-8 byte order mark.
func trimBody(b []byte) []byte {
	return bytes.TrimSpace(bytes.TrimPrefix(bytes.TrimSpace(b), []byte("\xef\xbb\xbf")))
}

// rawJSON copies a valid JSON document for Event.Raw, so the event does not
// alias the caller's buffer. Invalid UTF-8, which JSON columns reject, is
// re-encoded with U+FFFD; valid payloads are kept byte for byte.
func rawJSON(b []byte) json.RawMessage {
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
	out, _ := json.Marshal(string(b)) // a string always encodes
	return out
}
