// Package metadata holds an alert's metadata: what alertdesk keeps of an
// RMM's payload beyond the alert's columns (the raw payload, its origin,
// provider extras) and the stamps the workers add to it.
package metadata

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Map is an alert's metadata. It decodes JSON numbers as json.Number, so a
// number an RMM sent reads back as the number it was, whatever its size:
// a float64 cannot hold 1e309, and decoding into one would make the
// stored alert unreadable.
type Map map[string]any

// UnmarshalJSON decodes an object (or null) keeping numbers exact.
func (m *Map) UnmarshalJSON(b []byte) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v map[string]any
	if err := d.Decode(&v); err != nil {
		return fmt.Errorf("metadata: %w", err)
	}
	*m = v
	return nil
}

// Clone returns a shallow copy with room for n more keys.
func (m Map) Clone(n int) Map {
	c := make(Map, len(m)+n)
	for k, v := range m {
		c[k] = v
	}
	return c
}
