package tacticalrmm

import (
	"bytes"
	"encoding/json"
	"strings"
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
