package outbox

import "encoding/json"

// Int reads a number from a decoded JSON payload (float64 after decoding,
// json.Number from an alert's metadata, an int before the payload was
// stored); anything else is 0.
func Int(v any) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case int:
		return n
	case int64:
		return int(n)
	case json.Number:
		i, _ := n.Int64()
		return int(i)
	}
	return 0
}

// String reads a string from a decoded JSON payload; anything else is "".
func String(v any) string {
	s, _ := v.(string)
	return s
}
