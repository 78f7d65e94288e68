package outbox

import (
	"encoding/json"
	"testing"
)

func TestPayloadReaders(t *testing.T) {
	var decoded map[string]any
	if err := json.Unmarshal([]byte(`{"id": 42, "name": "x", "null": null, "list": [1]}`), &decoded); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		v       any
		wantInt int
		wantStr string
	}{
		{decoded["id"], 42, ""},
		{decoded["name"], 0, "x"},
		{decoded["null"], 0, ""},
		{decoded["list"], 0, ""},
		{decoded["absent"], 0, ""},
		{7, 7, ""},
		{int64(8), 8, ""},
	} {
		if got := Int(tt.v); got != tt.wantInt {
			t.Errorf("Int(%#v) = %d, want %d", tt.v, got, tt.wantInt)
		}
		if got := String(tt.v); got != tt.wantStr {
			t.Errorf("String(%#v) = %q, want %q", tt.v, got, tt.wantStr)
		}
	}
}
