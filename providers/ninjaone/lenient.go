package ninjaone

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/providers/internal/lenient"
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
	}
	return lenient.Time(s)
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
