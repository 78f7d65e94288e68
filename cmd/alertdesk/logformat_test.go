package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestLogFormat: ALERTDESK_LOG_FORMAT=json makes a command's log lines JSON
// objects, text (the default) key=value pairs; another value is refused
// by name before the command acts.
func TestLogFormat(t *testing.T) {
	for _, c := range []struct {
		format string
		json   bool
	}{{"json", true}, {"text", false}, {"", false}} {
		t.Run("format="+c.format, func(t *testing.T) {
			t.Setenv("ALERTDESK_DATA_DIR", t.TempDir())
			t.Setenv("DATABASE_URL", "")
			t.Setenv("ALERTDESK_LOG_FORMAT", c.format)
			_, stderr, err := execute(t, "migrate")
			if err != nil {
				t.Fatalf("migrate: %v", err)
			}
			if !strings.Contains(stderr, "migrations applied") {
				t.Fatalf("log %q lacks the migrations' line", stderr)
			}
			for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
				var m map[string]any
				if isJSON := json.Unmarshal([]byte(line), &m) == nil; isJSON != c.json {
					t.Errorf("line %q: JSON %v, want %v", line, isJSON, c.json)
				}
			}
		})
	}
	t.Setenv("ALERTDESK_LOG_FORMAT", "logfmt")
	if _, _, err := execute(t, "migrate"); err == nil || !strings.Contains(err.Error(), "ALERTDESK_LOG_FORMAT") {
		t.Errorf("migrate with ALERTDESK_LOG_FORMAT=logfmt: %v, want an error naming the setting", err)
	}
}
