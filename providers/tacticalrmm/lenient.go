package tacticalrmm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alertdesk/alertdesk/providers/internal/lenient"
)

// value is a template field as TacticalRMM renders it: a string ("None" and
// "" mean null), though numbers and booleans are accepted as sent. Objects
// and arrays read as absent: no template placeholder renders to one.
type value string

// UnmarshalJSON never fails on a well-formed JSON value.
func (v *value) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*v = ""
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if !strings.EqualFold(s, "none") {
			*v = value(s)
		}
	case 't':
		*v = "True"
	case 'f':
		*v = "False"
	case 'n', '{', '[':
	default: // number
		*v = value(b)
	}
	return nil
}

// isTrue reads a Python or JSON boolean.
func (v value) isTrue() bool {
	return strings.EqualFold(string(v), "true")
}

// parseTime reads Python's str(datetime) ("2026-06-12 10:00:00.123456+00:00"),
// ISO-8601 with T and Z, or epoch seconds (milliseconds above 1e12), in UTC.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("missing")
	}
	t, err := lenient.ISO(s)
	if c := s[0]; err != nil && (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')) && !strings.ContainsAny(s, ":T") {
		t, err = lenient.Epoch(s)
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

// rawID reads an id sent as a number, a string or an object with "id"
// (null and "None" are absent).
func rawID(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		var o struct {
			ID value `json:"id"`
		}
		if json.Unmarshal(raw, &o) != nil {
			return ""
		}
		return string(o.ID)
	}
	var v value
	if len(raw) == 0 || v.UnmarshalJSON(raw) != nil || v == "True" || v == "False" {
		return ""
	}
	return string(v)
}

// setIf records v under k in m when v is non-empty.
func setIf(m map[string]string, k string, v value) {
	if v != "" {
		m[k] = string(v)
	}
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
	return jsonString(string(b))
}

// jsonString encodes s as a JSON string literal, keeping <, > and & as is;
// invalid UTF-8 becomes U+FFFD so the result is always valid JSON.
func jsonString(s string) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return json.RawMessage(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}
