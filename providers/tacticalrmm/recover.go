package tacticalrmm

import "strings"

// templateKeys are the documented action body's fields, in template order
// (fixtures/tactical-action-template.json).
var templateKeys = []string{
	"event", "alert_id", "agent_id", "hostname", "client_id", "client_name",
	"site_id", "alert_type", "severity", "message", "alert_time", "check_id",
	"task_id", "task_name", "resolved", "resolved_on",
}

// recoverFields pulls the template's fields out of text that is not JSON
// because rendered values were not escaped (a `"` or `\` in a message).
//
// A value runs from its key's opener to the next key's opener. The template
// is walked backwards, taking each key's last opener before the next key's:
// the trailing fields are ids and times that cannot contain quotes, so a
// stray `","key":"` inside a free-text value only misleads when it names
// that value's own key. Keys the administrator removed are skipped.
func recoverFields(text string) map[string]string {
	fields := map[string]string{}
	bound, end := len(text), bodyEnd(text)
	for i := len(templateKeys) - 1; i >= 0; i-- {
		start, valStart, ok := lastOpener(text[:bound], templateKeys[i])
		if !ok {
			continue
		}
		stop := bound
		if bound == len(text) { // the last field present ends at `"}`
			stop = max(end, valStart)
		}
		fields[templateKeys[i]] = strings.TrimSpace(text[valStart:stop])
		bound = start
	}
	return fields
}

// lastOpener finds the last `"key":"` in text that follows `{` or `,`, with
// whitespace allowed around the punctuation and the quote around the value
// optional (hand-edited templates). start includes the previous value's
// closing `"`, so that value ends there; valStart is where this value begins.
func lastOpener(text, key string) (start, valStart int, ok bool) {
	needle := `"` + key + `"`
	for hi := len(text); hi > 0; {
		i := strings.LastIndex(text[:hi], needle)
		if i < 0 {
			return 0, 0, false
		}
		hi = i
		j := skipSpace(text, i+len(needle))
		if j >= len(text) || text[j] != ':' {
			continue
		}
		j = skipSpace(text, j+1)
		if j < len(text) && text[j] == '"' {
			j++
		}
		b := backSpace(text, i)
		if b == 0 {
			continue
		}
		switch text[b-1] {
		case '{':
			return b - 1, j, true
		case ',':
			s := b - 1
			if p := backSpace(text, s); p > 0 && text[p-1] == '"' {
				s = p - 1
			}
			return s, j, true
		}
	}
	return 0, 0, false
}

// bodyEnd is where the last value ends: before the closing `"}`, or at the
// end of a truncated body.
func bodyEnd(text string) int {
	e := backSpace(text, len(text))
	if e > 0 && text[e-1] == '}' {
		e = backSpace(text, e-1)
	}
	if e > 0 && text[e-1] == '"' {
		e--
	}
	return e
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// skipSpace returns the first index at or after i that is not whitespace.
func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// backSpace returns the smallest j <= i such that s[j:i] is all whitespace.
func backSpace(s string, i int) int {
	for i > 0 && isSpace(s[i-1]) {
		i--
	}
	return i
}
